#include "sim/model/pubsub.h"

namespace cachelab {

PubSub::PubSub(Simulator& sim, const DistributionConfig& delay, double loss, uint64_t seed,
               const std::string& stream)
    : sim_(sim), delay_(delay), loss_(loss), rng_(MakeStream(seed, stream)) {}

void PubSub::Publish(Key k) {
  ++stats_.published;
  for (uint32_t i = 0; i < subscribers_.size(); ++i) {
    // Both draws happen for every delivery so that changing `loss` does not
    // shift the delays of the deliveries that survive (common random numbers).
    const bool lost = Uniform01(rng_) < loss_;
    const Duration d = delay_.DrawDuration(rng_);
    if (lost) {
      ++stats_.lost;
      continue;
    }
    uint32_t slot;
    if (!free_.empty()) {
      slot = free_.back();
      free_.pop_back();
      in_flight_[slot] = Delivery{this, i, k};
    } else {
      slot = static_cast<uint32_t>(in_flight_.size());
      in_flight_.push_back(Delivery{this, i, k});
    }
    sim_.ScheduleAfter(d, &PubSub::OnDeliver, this, slot);
  }
}

void PubSub::OnDeliver(void* self, uint64_t slot) {
  auto* ch = static_cast<PubSub*>(self);
  const Delivery d = ch->in_flight_[slot];
  ch->free_.push_back(static_cast<uint32_t>(slot));
  ++ch->stats_.delivered;
  ch->subscribers_[d.subscriber](d.key);
}

}  // namespace cachelab
