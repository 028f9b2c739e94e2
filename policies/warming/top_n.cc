// Top-N warming: before traffic arrives (and again after every flush or
// restart of the cache server) load the `count` most popular keys from the
// database and set them in the cache with the read path's fill TTL, starting
// `rate` loads per second. The workload's keys are ranked by popularity (key 0
// is the hottest under Zipf), so the top N are keys 0..N-1. Warming moves the
// cold-start misses of the hottest keys off the request path: instead of a
// burst of concurrent misses (a stampede on every hot key) the database sees
// a paced stream of loads. Because all warmed keys are filled together they
// also expire together one TTL later, as keys first read at the cold start
// would.
//
//   on start and after every flush or restart (once the server is up again):
//     for k in 0 .. count-1 (hottest first), `rate` per second:
//       spawn { v = db.read(k); cache.set(k, v, ttl) }
//
// Parameters: count (keys, > 0), rate (loads started per second, > 0),
// at_start, after_flush.
//
// Source: the article's "Cache Warming" (preload the most accessed rows on
// deployment).
#include "policies/modules.h"
#include "policies/warming/preload.h"

namespace cachelab {

PolicyInfo modules::TopNWarmingModule() {
  PolicyInfo info;
  info.role = Role::kWarming;
  info.name = "top-n";
  info.summary = "preload the N most popular keys at start and after a flush or restart";
  info.params = PreloadParams();
  info.params.insert(
      info.params.begin(),
      ParamSpec{"count", ParamType::kInt, int64_t{1000},
                "how many of the hottest keys to load (keys 0..count-1)", ParamBound::kPositive});
  info.make_warming = [](const Params& p) {
    PreloadOptions o;
    PreloadOptionsFromParams(p, &o);
    const auto count = static_cast<uint64_t>(p.GetInt("count"));
    o.keys.reserve(count);
    for (Key k = 0; k < count; ++k) o.keys.push_back(k);
    return MakePreloader(std::move(o));
  };
  return info;
}

}  // namespace cachelab
