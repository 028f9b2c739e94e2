// Write-around: update the database only and leave the cache alone. Whatever
// entry the cache holds for the key keeps being served until its TTL ends
// (invalidation by expiry only), so after a write every hit on the old entry
// is a stale read, and the stale age can reach the whole TTL. The write is
// acknowledged when the database commits and costs no cache round trip.
//
// This is the baseline the other write paths are measured against: cheap
// writes, no cache traffic for data written but not read, and staleness
// bounded only by the TTL.
//
//   write(k, v):
//     db.write(k, v)          // the cache is left alone
//
// Source: the article's "TTL-Based (Simple)" invalidation (entries only
// expire; data may be stale until then). The name is the usual one for a
// write that bypasses the cache, as in CPU caches' write-around
// (no-write-allocate) policy (Hennessy & Patterson, Computer Architecture).
#include "policies/modules.h"

namespace cachelab {
namespace {

class WriteAround final : public WritePath {
 public:
  Task<bool> Write(Ctx& c, Key k, uint32_t size) override {
    const DbResult committed = co_await c.db.Write(k, size);
    co_return committed.ok;
  }
};

}  // namespace

PolicyInfo modules::WriteAroundModule() {
  PolicyInfo info;
  info.role = Role::kWrite;
  info.name = "write-around";
  info.summary = "write the DB only; cached entries stay (stale) until their TTL ends";
  info.make_write = [](const Params&) { return std::make_unique<WriteAround>(); };
  return info;
}

}  // namespace cachelab
