// TTL only: entries stop being served when their time to live runs out, and
// nothing else invalidates them except what the write path itself does
// (invalidate-on-write's delete, write-through's set). With write-around an
// updated row is served stale for up to the whole TTL: the trade-off the
// article names "Cons: stale data during TTL window".
//
//   fill(k, v):  cache.set(k, v, ttl)   // the entry stops being served after ttl
//   on write:    nothing beyond what the write path does
//
// Source: the article's "TTL-Based (Simple)" invalidation.
#include "policies/modules.h"

namespace cachelab {
namespace {

class TtlOnly final : public Invalidation {};

}  // namespace

PolicyInfo modules::TtlOnlyModule() {
  PolicyInfo info;
  info.role = Role::kInvalidation;
  info.name = "ttl";
  info.summary = "entries expire after their TTL; no invalidation messages";
  info.make_invalidation = [](const Params&) { return std::make_unique<TtlOnly>(); };
  return info;
}

}  // namespace cachelab
