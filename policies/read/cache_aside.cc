// Cache-aside (lazy loading): the application looks in the cache first; on a
// miss it reads the database and puts the row into the cache with a TTL, then
// answers. Only what is read gets cached; the first read of a key is slow and
// every concurrent miss of a hot key goes to the database (the stampede the
// stampede guards address). Rows that do not exist are cached as "not found"
// only with a positive `negative_ttl` (the article's "Caching Nulls
// Incorrectly": without it every read of a missing key reaches the database).
//
// When the cache errors (down, timeout) the read falls through to the
// database and the fill is skipped: the graceful behaviour the article
// recommends under "No Fallback".
//
//   read(k):
//     if v := cache.get(k): return v       // (the stampede guard runs this part)
//     v = db.read(k)
//     if v exists or negative_ttl > 0: cache.set(k, v, ttl or negative_ttl)   // awaited
//     return v
//
// Source: the article's "Cache-Aside (Lazy Loading)" section; also known as
// look-aside caching (Nishtala et al., "Scaling Memcache at Facebook", NSDI 2013).
#include "policies/modules.h"
#include "policies/read/load_on_miss.h"

namespace cachelab {

PolicyInfo modules::CacheAsideModule() {
  PolicyInfo info;
  info.role = Role::kRead;
  info.name = "cache-aside";
  info.summary = "look in the cache; on a miss read the DB and set the entry with a TTL";
  info.params = FillParams("time to live of a filled entry; 0 = never expires");
  info.make_read = [](const Params& p) { return FillRuleFromParams(p, true); };
  return info;
}

}  // namespace cachelab
