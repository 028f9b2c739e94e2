// Invalidate on write: update the database, then delete the cache entry so the
// next read reloads it. The write is acknowledged when the database commits.
// Two windows of staleness remain and are measured, not hidden: between the
// commit and the delete, and the classic race where a read that loaded the
// old row before the commit fills the cache after the delete (stale until
// the TTL ends).
//
//   write(k, v):
//     db.write(k, v)          // acknowledged at the commit
//     cache.delete(k)
//
// Source: the article's "Event-Based (Precise)" and "Hybrid" update_user
// (db.update then redis.delete).
#include "policies/modules.h"

namespace cachelab {
namespace {

class InvalidateOnWrite final : public WritePath {
 public:
  Task<bool> Write(Ctx& c, Key k, uint32_t size) override {
    const DbResult committed = co_await c.db.Write(k, size);
    if (!committed.ok) co_return false;
    // A failed delete leaves the old entry until its TTL; the write itself succeeded.
    co_await c.cache.Delete(k);
    co_return true;
  }
};

}  // namespace

PolicyInfo modules::InvalidateOnWriteModule() {
  PolicyInfo info;
  info.role = Role::kWrite;
  info.name = "invalidate-on-write";
  info.summary = "write the DB, then delete the cache entry";
  info.make_write = [](const Params&) { return std::make_unique<InvalidateOnWrite>(); };
  return info;
}

}  // namespace cachelab
