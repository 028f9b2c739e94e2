// Write-through: update the database, then store the committed row in the
// cache with a TTL, so the next read of the key hits with the new version
// instead of missing and reloading it. The write is acknowledged when the
// database commits; the cache set follows it (and is awaited, so the writer
// pays one more cache round trip). A failed set (cache down, entry not
// admitted) does not fail the write: the old entry, if any, then lives until
// its TTL, and those stale reads are measured.
//
// The cache holds exactly the version the write committed (the Value the
// database returns), never a version the caller guessed. Staleness remains
// possible only from races with reads: a cache-aside fill that loaded the old
// row before the commit and lands after this set, or a read answered from
// the cache while the set is still being issued.
//
//   write(k, v):
//     committed = db.write(k, v)          // acknowledged at the commit
//     cache.set(k, committed, ttl)
//
// Source: the article's "Write-Through" pattern (every write updates the
// database and the cache); the same name as CPU caches' write-through policy
// (Hennessy & Patterson, Computer Architecture).
#include "policies/modules.h"

namespace cachelab {
namespace {

class WriteThrough final : public WritePath {
 public:
  explicit WriteThrough(const Params& p) : ttl_(p.GetDuration("ttl")) {}

  Task<bool> Write(Ctx& c, Key k, uint32_t size) override {
    const DbResult committed = co_await c.db.Write(k, size);
    if (!committed.ok) co_return false;
    // The write is already acknowledged; the set's status does not change that.
    // The invalidation role may cap the TTL (hybrid) like any fill.
    Value v = committed.value;
    co_await c.cache.Set(k, v, c.FillTtlFor(k, ttl_));
    co_return true;
  }

 private:
  Duration ttl_;
};

}  // namespace

PolicyInfo modules::WriteThroughModule() {
  PolicyInfo info;
  info.role = Role::kWrite;
  info.name = "write-through";
  info.summary = "write the DB, then set the cache entry to the committed version with a TTL";
  info.params = {{"ttl", ParamType::kDuration, Duration::Seconds(3600),
                  "time to live of the entry the write stores; 0 = never expires",
                  ParamBound::kNonNegative}};
  info.make_write = [](const Params& p) { return std::make_unique<WriteThrough>(p); };
  return info;
}

}  // namespace cachelab
