// The machinery shared by the `event` and `hybrid` invalidation modules: a
// change-data-capture feed. Every database commit publishes the key on a
// pub/sub channel; each subscriber gets its own copy of the message after
// `delay`, unless that copy is lost (probability `loss`). The subscribers are
// the shared cache (a consumer that DELETEs the key when its message arrives)
// and, when the stack has an L1, every instance's near cache (which erases
// its copy). A lost message leaves that layer's entry to its TTL.
#pragma once

#include <memory>
#include <optional>
#include <vector>

#include "policies/stack.h"

namespace cachelab {

class EventFeed : public Invalidation {
 public:
  // Reads `delay` and `loss` (see EventFeedParams).
  explicit EventFeed(const Params& p);
  void Start(Ctx& c) override;
  void Finish(Ctx& c) override;

 private:
  Task<void> DeleteFromCache(Key k);

  Duration delay_;
  double loss_;
  std::optional<Ctx> consumer_;  // the feed consumer's: background work, instance 0
  std::unique_ptr<Channel> channel_;
};

// The `delay` and `loss` parameters, documented once for both modules.
std::vector<ParamSpec> EventFeedParams();

}  // namespace cachelab
