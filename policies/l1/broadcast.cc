// Broadcast L1 invalidation: the near cache of `local` (per-instance LRU of
// `capacity` bytes, entries living `ttl`), but a write also publishes the key
// on a pub/sub channel that every instance subscribes to; each instance drops
// its copy when its message arrives (after `delay`, unless that copy of the
// message is lost, probability `loss`). The writing instance drops its own
// copy at once. Cross-instance staleness shrinks from the L1 TTL to the
// delivery delay, plus reads that fetched the old value before the message
// and store it after.
//
//   read(k) on instance i:
//     if v := l1[i].get(k): return v
//     v = shared read(k); l1[i].put(k, v, ttl); return v
//   write(k) on instance i:
//     ...; l1[i].erase(k); publish(k)
//   on delivery of k at instance j (after delay, unless lost): l1[j].erase(k)
//
// Parameters: capacity (bytes per instance, > 0), ttl (0 = no expiry),
// delay (write to delivery, constant), loss (probability per delivery).
//
// Source: the article's "Multi-Level Caching" (clear the L1 on update) made
// to reach every process, with the article's "Event-Based (Precise)"
// publish-on-update message as the carrier (as Redis client-side caching's
// invalidation messages do).
#include <memory>

#include "policies/l1/near_cache.h"
#include "policies/modules.h"

namespace cachelab {
namespace {

class BroadcastNearCache final : public InstanceNearCache {
 public:
  explicit BroadcastNearCache(const Params& p)
      : InstanceNearCache(p), delay_(p.GetDuration("delay")), loss_(p.GetDouble("loss")) {}

  void Start(Ctx& c) override {
    InstanceNearCache::Start(c);
    channel_ = c.OpenChannel(delay_, loss_, "l1.broadcast");
    for (uint32_t i = 0; i < c.instances(); ++i) {
      channel_->Subscribe([this, i](Key k) { Erase(i, k); });
    }
  }

  void OnWrite(Ctx& c, Key k) override {
    Erase(c.instance(), k);
    channel_->Publish(k);
    if (c.Tracing(k)) c.Note(k, "l1", "dropped this copy, broadcast the key");
  }

  void Finish(Ctx& c) override {
    if (!channel_) return;
    const ChannelStats s = channel_->stats();
    c.stats().invalidations_published += s.published;
    c.stats().invalidations_delivered += s.delivered;
    c.stats().invalidations_lost += s.lost;
  }

 private:
  Duration delay_;
  double loss_;
  std::unique_ptr<Channel> channel_;
};

}  // namespace

PolicyInfo modules::BroadcastL1Module() {
  PolicyInfo info;
  info.role = Role::kL1;
  info.name = "broadcast";
  info.summary = "per-instance LRU near cache; a write tells every instance to drop its copy";
  info.params = NearCacheParams();
  info.params.push_back({"delay", ParamType::kDuration, Duration::Millis(1),
                         "from a write to the delivery of its broadcast (constant)",
                         ParamBound::kNonNegative});
  info.params.push_back({"loss", ParamType::kDouble, 0.0,
                         "probability that one instance's copy of a broadcast is lost",
                         ParamBound::kProbability});
  info.make_l1 = [](const Params& p) { return std::make_unique<BroadcastNearCache>(p); };
  return info;
}

}  // namespace cachelab
