// Read-through: the application only ever asks the cache; on a miss the cache
// layer itself (a loader running next to the cache, as in a caching library
// or a proxy) reads the database, stores the row with a TTL and then answers.
// Compared with cache-aside the store timeline is the same (the entry is
// filled when the load returns), but the caller does not pay a separate set
// round trip: a miss costs one cache round trip plus the database time, where
// cache-aside pays the get round trip, the database time and the set round
// trip.
//
// Model with the existing operations: the get's round trip stands for the
// request to the cache and the answer back; the load runs after it and the
// fill is issued when the row arrives without awaiting its round trip (the
// loader does not wait for itself). So the caller waits get RTT + DB time on
// a miss, and the fill lands at the same instant as a cache-aside fill would.
// The load starts one whole RTT after the request rather than half of one, a
// shift that changes no total. Rows that do not exist are cached as "not
// found" only with a positive `negative_ttl`, as in cache-aside.
//
// When the cache errors (down, timeout) the read falls through to the
// database and no fill is issued, as in cache-aside; a real read-through
// deployment whose cache is down would need such a fallback path too.
//
//   read(k):                       // the application asks the cache only
//     if v := cache.get(k): return v
//     v = db.read(k)               // by the loader next to the cache
//     cache.set(k, v, ttl)         // issued, not awaited by the caller
//     return v
//
// Source: the read-through mode of caching libraries, where a loader
// registered with the cache fills misses (JSR-107 JCache's CacheLoader with
// read-through enabled, Caffeine's LoadingCache); the article names only
// cache-aside, and this is its counterpart.
#include "policies/modules.h"
#include "policies/read/load_on_miss.h"

namespace cachelab {

PolicyInfo modules::ReadThroughModule() {
  PolicyInfo info;
  info.role = Role::kRead;
  info.name = "read-through";
  info.summary = "ask the cache; on a miss the cache loads the row from the DB and fills it";
  info.params = FillParams("time to live of a loaded entry; 0 = never expires");
  info.make_read = [](const Params& p) { return FillRuleFromParams(p, false); };
  return info;
}

}  // namespace cachelab
