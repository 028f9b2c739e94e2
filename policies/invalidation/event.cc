// Event-based invalidation: the database's change feed (change data capture,
// as Debezium reads a commit log) publishes every committed key on a pub/sub
// channel; a consumer deletes the key from the shared cache when its message
// arrives, and every instance's L1 drops its copy. Entries go away within
// `delay` of the commit instead of at the end of their TTL, whatever code
// path wrote the row, so TTL-only staleness shrinks to the delivery delay
// plus read/fill races. A lost message (`loss`, drawn per subscriber) leaves
// that layer's entry until its TTL: the failure the hybrid module guards.
//
//   on db commit of k:  publish(k)                 // change data capture
//   on delivery of k:   cache.delete(k); every l1.erase(k)   // per subscriber, after delay
//   read(k), write(k):  as the read and write roles say
//
// Parameters: delay (commit to delivery, constant), loss (probability a
// subscriber's copy is lost).
//
// Source: the article's "Event-Based (Precise)" invalidation (publish an event
// on update, delete the cached entry), fed from the commit log as in
// Debezium-style change data capture.
#include "policies/invalidation/event_feed.h"
#include "policies/modules.h"

namespace cachelab {
namespace {

class EventInvalidation final : public EventFeed {
 public:
  using EventFeed::EventFeed;
};

}  // namespace

PolicyInfo modules::EventInvalidationModule() {
  PolicyInfo info;
  info.role = Role::kInvalidation;
  info.name = "event";
  info.summary = "every DB commit publishes an invalidation; the cache and L1s delete on delivery";
  info.params = EventFeedParams();
  info.make_invalidation = [](const Params& p) { return std::make_unique<EventInvalidation>(p); };
  return info;
}

}  // namespace cachelab
