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
// Source: the article's "Cache-Aside (Lazy Loading)" section; also known as
// look-aside caching (Nishtala et al., "Scaling Memcache at Facebook", NSDI 2013).
#include "policies/modules.h"
#include "sim/model/cache_server.h"
#include "sim/model/database.h"

namespace cachelab {
namespace {

class CacheAside final : public ReadPath {
 public:
  explicit CacheAside(const Params& p)
      : ttl_(p.GetDuration("ttl")), negative_ttl_(p.GetDuration("negative_ttl")) {}

  Task<ReadOutcome> Read(Env& env, Key key) override {
    const CacheGetResult cached = co_await env.cache.Get(key);
    if (cached.hit()) co_return ReadOutcome{cached.value, CacheOutcome::kHit, false};
    const CacheOutcome outcome =
        cached.status == CacheStatus::kError ? CacheOutcome::kError : CacheOutcome::kMiss;
    const DbResult row = co_await env.db.Read(key);
    if (!row.ok) co_return ReadOutcome{{}, outcome, true};
    if (outcome == CacheOutcome::kMiss) {
      if (row.value.exists) {
        co_await env.cache.Set(key, row.value, ttl_);
      } else if (negative_ttl_ > Duration()) {
        co_await env.cache.Set(key, row.value, negative_ttl_);  // a cached "not found"
      }
    }
    co_return ReadOutcome{row.value, outcome, false};
  }

 private:
  Duration ttl_;
  Duration negative_ttl_;  // 0: rows that do not exist are not cached
};

}  // namespace

PolicyInfo modules::CacheAsideModule() {
  PolicyInfo info;
  info.role = Role::kRead;
  info.name = "cache-aside";
  info.summary = "look in the cache; on a miss read the DB and set the entry with a TTL";
  info.params = {{"ttl", ParamType::kDuration, Duration::Seconds(3600),
                  "time to live of a filled entry; 0 = never expires", ParamBound::kNonNegative},
                 {"negative_ttl", ParamType::kDuration, Duration(),
                  "time to live of a cached \"not found\"; 0 = missing rows are not cached",
                  ParamBound::kNonNegative}};
  info.make_read = [](const Params& p) { return std::make_unique<CacheAside>(p); };
  return info;
}

}  // namespace cachelab
