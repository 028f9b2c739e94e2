// No stampede guard: get; on a miss every request that missed loads the row
// from the database and fills the cache itself. When a hot key expires, all
// the requests arriving during one load time miss together and load it
// together (a cache stampede, or thundering herd): the baseline every guard
// is compared against.
//
//   read(k):
//     if v := cache.get(k): return v
//     v = db.read(k)
//     cache.set(k, v, ttl)
//     return v
//
// Source: the article's "Cache Stampede" problem statement.
#include "policies/modules.h"

namespace cachelab {
namespace {

class NoGuard final : public Guard {
 public:
  Task<ReadOutcome> Read(Ctx c, Key k) override {
    const CacheGetResult cached = co_await c.cache.Get(k);
    if (cached.hit()) co_return ReadOutcome{cached.value, CacheOutcome::kHit, false};
    co_return co_await c.LoadAndFill(k, cached.status);
  }
};

}  // namespace

PolicyInfo modules::NoGuardModule() {
  PolicyInfo info;
  info.role = Role::kGuard;
  info.name = "none";
  info.summary = "no protection: every request that misses loads from the DB";
  info.make_guard = [](const Params&) { return std::make_unique<NoGuard>(); };
  return info;
}

}  // namespace cachelab
