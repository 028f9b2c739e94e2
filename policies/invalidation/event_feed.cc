#include "policies/invalidation/event_feed.h"

namespace cachelab {

EventFeed::EventFeed(const Params& p)
    : delay_(p.GetDuration("delay")), loss_(p.GetDouble("loss")) {}

std::vector<ParamSpec> EventFeedParams() {
  return {
      {"delay", ParamType::kDuration, Duration::Millis(10),
       "from a commit to the delivery of its invalidation (constant)", ParamBound::kNonNegative},
      {"loss", ParamType::kDouble, 0.0,
       "probability that one subscriber's copy of a message is lost", ParamBound::kProbability},
  };
}

void EventFeed::Start(Services& svc, CacheOps& ops) {
  svc_ = &svc;
  ops_ = &ops;
  env_ = std::make_unique<Env>(Env{svc.sim, svc.cache, svc.db, svc.waits, 0, &svc});
  DistributionConfig delay;
  delay.kind = DistributionConfig::Kind::kConstant;
  delay.mean = static_cast<double>(delay_.nanos());
  channel_ =
      std::make_unique<PubSub>(svc.sim, delay, loss_, svc.config.seed, "invalidation.events");
  channel_->Subscribe([this](Key k) {
    // A consumer cannot delete from a cache that is down: that invalidation
    // is missed like a lost one (and is not issued, so it does not trip the
    // circuit breaker of the instance whose Env the consumer borrows).
    if (svc_->cache.IsDown(svc_->sim.now())) return;
    Spawn(svc_->sim, DeleteFromCache(k));
  });
  if (NearCache* l1 = ops.l1()) {
    for (uint32_t i = 0; i < ops.instances(); ++i) {
      channel_->Subscribe([l1, i](Key k) { l1->Erase(i, k); });
    }
  }
  svc.db.AddCommitListener([this](Key k, uint64_t) { channel_->Publish(k); });
}

Task<void> EventFeed::DeleteFromCache(Key k) {
  if (env_->Tracing(k)) env_->Note(k, 0, "events", "invalidation delivered");
  co_await ops_->Delete(*env_, k, 0);
}

void EventFeed::Finish(Services& svc) {
  if (!channel_) return;
  const PubSubStats& s = channel_->stats();
  svc.stats.invalidations_published += s.published;
  svc.stats.invalidations_delivered += s.delivered;
  svc.stats.invalidations_lost += s.lost;
}

}  // namespace cachelab
