// The change-data-capture feed of `event` and `hybrid` (contract in the header):
//
//   on db commit of k:               channel.publish(k)
//   on delivery of k (after delay, unless that copy is lost):
//     shared-cache consumer:         if the cache is up: cache.delete(k)
//     each instance's L1:            l1[i].erase(k)
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

void EventFeed::Start(Ctx& c) {
  consumer_.emplace(c.Background());
  channel_ = c.OpenChannel(delay_, loss_, "invalidation.events");
  channel_->Subscribe([this](Key k) {
    // A consumer cannot delete from a cache that is down: that invalidation
    // is missed like a lost one (and is not issued, so it does not trip the
    // circuit breaker of the instance whose client the consumer borrows).
    if (consumer_->cache.Down(k)) return;
    consumer_->Spawn(DeleteFromCache(k));
  });
  if (NearCache* l1 = c.l1()) {
    for (uint32_t i = 0; i < c.instances(); ++i) {
      channel_->Subscribe([l1, i](Key k) { l1->Erase(i, k); });
    }
  }
  c.db.OnCommit([this](Key k, uint64_t) { channel_->Publish(k); });
}

Task<void> EventFeed::DeleteFromCache(Key k) {
  const Ctx& c = *consumer_;
  if (c.Tracing(k)) c.Note(k, "events", "invalidation delivered");
  co_await c.cache.Delete(k);
}

void EventFeed::Finish(Ctx& c) {
  if (!channel_) return;
  const ChannelStats s = channel_->stats();
  c.stats().invalidations_published += s.published;
  c.stats().invalidations_delivered += s.delivered;
  c.stats().invalidations_lost += s.lost;
}

}  // namespace cachelab
