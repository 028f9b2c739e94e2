// Hybrid invalidation: event-based invalidation (see event.cc) plus a short
// TTL as a safety net. Every TTL the stack stores (fills, write-through and
// write-behind sets) is capped at `max_ttl`, and an entry that would never
// expire gets `max_ttl`. Events keep entries fresh for the writes they see;
// when an invalidation is lost, the entry is still served stale for at most
// `max_ttl`, plus the load and round trip that filled it. The price is more
// misses: hot entries are reloaded every `max_ttl` even when nothing changed.
//
//   on db commit of k:  publish(k)
//   on delivery of k:   cache.delete(k); every l1.erase(k)
//   every stored TTL:   min(ttl, max_ttl)          // the safety net
//
// Parameters: delay, loss (as for `event`), max_ttl (> 0).
//
// Source: the article's "Hybrid (Practical)" invalidation (short TTL plus
// event invalidation; the TTL catches missed invalidations).
#include <algorithm>

#include "policies/invalidation/event_feed.h"
#include "policies/modules.h"

namespace cachelab {
namespace {

class HybridInvalidation final : public EventFeed {
 public:
  explicit HybridInvalidation(const Params& p) : EventFeed(p), max_ttl_(p.GetDuration("max_ttl")) {}

  Duration FillTtl(Duration ttl) const override {
    return ttl > Duration() ? std::min(ttl, max_ttl_) : max_ttl_;
  }

 private:
  Duration max_ttl_;
};

}  // namespace

PolicyInfo modules::HybridInvalidationModule() {
  PolicyInfo info;
  info.role = Role::kInvalidation;
  info.name = "hybrid";
  info.summary =
      "event invalidation plus every TTL capped at max_ttl (a safety net for lost events)";
  info.params = EventFeedParams();
  info.params.push_back({"max_ttl", ParamType::kDuration, Duration::Seconds(60),
                         "upper bound of every stored TTL; entries that never expire get it",
                         ParamBound::kPositive});
  info.make_invalidation = [](const Params& p) { return std::make_unique<HybridInvalidation>(p); };
  return info;
}

}  // namespace cachelab
