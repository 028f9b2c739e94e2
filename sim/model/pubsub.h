// A pub/sub channel (Redis pub/sub, a Kafka topic of change events): a
// message published at t reaches each subscriber independently, after a
// delivery delay drawn per delivery, unless that delivery is lost (drawn per
// delivery with probability `loss`). Fire-and-forget, no retries: a lost
// invalidation is simply never applied, which is the failure it models.
//
// Contract: deliveries happen in the event queue (never inline in Publish),
// so the publisher finishes its step first; deterministic for a given seed
// and stream name.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "sim/core/random.h"
#include "sim/core/simulator.h"
#include "sim/model/config.h"
#include "sim/model/distribution.h"

namespace cachelab {

struct PubSubStats {
  uint64_t published = 0, delivered = 0, lost = 0;
};

class PubSub {
 public:
  using Handler = std::function<void(Key)>;

  PubSub(Simulator& sim, const DistributionConfig& delay, double loss, uint64_t seed,
         const std::string& stream);
  PubSub(const PubSub&) = delete;
  PubSub& operator=(const PubSub&) = delete;

  // Subscribers live as long as the channel.
  void Subscribe(Handler h) { subscribers_.push_back(std::move(h)); }
  void Publish(Key k);
  const PubSubStats& stats() const { return stats_; }

 private:
  struct Delivery {
    PubSub* channel;
    uint32_t subscriber;
    Key key;
  };
  static void OnDeliver(void* self, uint64_t slot);

  Simulator& sim_;
  Sampler delay_;
  double loss_;
  RandomEngine rng_;
  std::vector<Handler> subscribers_;
  std::vector<Delivery> in_flight_;  // slots, reused through free_
  std::vector<uint32_t> free_;
  PubSubStats stats_;
};

}  // namespace cachelab
