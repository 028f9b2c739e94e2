// Local L1 invalidation: each instance keeps a near cache (in-process LRU of
// `capacity` bytes, entries living `ttl`) above the shared cache, and a write
// drops only the writing instance's copy. Every other instance keeps serving
// the version it had until its copy expires or is evicted, so after a write
// reads on the other instances are stale for up to the L1 TTL: fast reads
// that skip the shared cache, paid for with cross-instance staleness, which
// the summary's staleness numbers show (compare `broadcast`).
//
//   read(k) on instance i:
//     if v := l1[i].get(k): return v
//     v = shared read(k); l1[i].put(k, v, ttl); return v
//   write(k) on instance i:
//     ...; l1[i].erase(k)          // the other instances keep their copies
//
// Parameters: capacity (bytes per instance, > 0), ttl (0 = no expiry).
//
// Source: the article's "Multi-Level Caching" (an lru_cache in front of
// Redis; update_config clears the L1 with cache_clear(), which only reaches
// the process that ran the update).
#include "policies/l1/near_cache.h"
#include "policies/modules.h"

namespace cachelab {
namespace {

class LocalNearCache final : public InstanceNearCache {
 public:
  using InstanceNearCache::InstanceNearCache;
  void OnWrite(Ctx& c, Key k) override {
    Erase(c.instance(), k);
    if (c.Tracing(k)) c.Note(k, "l1", "dropped this instance's copy");
  }
};

}  // namespace

PolicyInfo modules::LocalL1Module() {
  PolicyInfo info;
  info.role = Role::kL1;
  info.name = "local";
  info.summary = "per-instance LRU near cache; a write drops only the writing instance's copy";
  info.params = NearCacheParams();
  info.make_l1 = [](const Params& p) { return std::make_unique<LocalNearCache>(p); };
  return info;
}

}  // namespace cachelab
