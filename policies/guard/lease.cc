// Stampede guard with leases, as memcache does at Facebook: a GET that misses
// may come back with a lease token, and the cache server hands out at most
// one token per key per `lease_period`. The reader holding the token loads
// the row and stores it with the token (LeaseSet); a reader that missed
// without a token knows someone else is loading, sleeps `retry_interval` and
// asks again, and usually hits by then.
//
// Leases also close the classic cache-aside race: a delete (the write path's
// invalidation) invalidates the key's token, so a reader that loaded the row
// before a concurrent write committed has its LeaseSet rejected instead of
// caching the old version until the TTL ends. What staleness remains is
// short: a read returns what it loaded or found, and a write may commit while
// that answer is on its way (a hit in flight during the commit, or the
// token holder's own answer, loaded before the commit): at most one DB read
// plus a few round trips old.
//
//   read(k):
//     loop:
//       v, token := cache.lease_get(k)       // at most one token per key per period
//       if v: return v
//       if token: v = db.read(k); cache.lease_set(k, v, token); return v
//       if slept max_retries times: return db.read(k)   // no token: no fill
//       sleep(retry_interval)
//   write(k): ...; cache.delete(k)            // voids the token: a late fill is rejected
//
// Parameters:
//  - lease_period (the paper's rate limit of one token per key per period):
//    also how long a lost token (its holder never sets) blocks other readers
//    from loading.
//  - retry_interval: how long a reader without a token sleeps before it asks
//    again; short compared to the paper's rate limit because a waiter's extra
//    latency is up to one interval past the fill.
//  - max_retries: after that many sleeps a reader stops waiting and loads the
//    row itself, without filling (it has no token), counted as guard.gave_up;
//    at once when the run is abandoned (Ctx::abandoned), as in the lock guard.
//
// When the token holder's row cannot be stored (a missing row without a
// negative TTL) or its load fails, it deletes the key, which gives the lease
// back so that waiters need not wait for the period to end. A cache error
// follows the degradation rule (read the DB without filling, or fail). The
// LeaseSet is always awaited: the server's answer says whether it was kept.
//
// Source: Nishtala et al., "Scaling Memcache at Facebook", NSDI 2013,
// section 3.2.1 (Reducing Load: Leases).
#include "policies/modules.h"

namespace cachelab {
namespace {

class LeaseGuard final : public Guard {
 public:
  LeaseGuard(Duration lease_period, Duration retry_interval, int64_t max_retries)
      : lease_period_(lease_period), retry_interval_(retry_interval), max_retries_(max_retries) {}

  Task<ReadOutcome> Read(Ctx c, Key k) override {
    for (int64_t attempt = 0;; ++attempt) {
      const LeaseGetResult got = co_await c.cache.LeaseGet(k, lease_period_);
      if (got.get.hit()) co_return ReadOutcome{got.get.value, CacheOutcome::kHit, false};
      if (got.get.status == CacheStatus::kError) {
        co_return co_await c.LoadAndFill(k, CacheStatus::kError);
      }
      if (got.token != 0) co_return co_await LoadWithLease(c, k, got.token);
      if (attempt >= max_retries_ || c.abandoned()) {
        ++c.stats().guard_gave_up;
        const DbResult row = co_await c.db.Read(k);
        co_return ReadOutcome{row.value, CacheOutcome::kMiss, !row.ok};
      }
      ++c.stats().guard_waits;
      co_await c.Sleep(retry_interval_);
    }
  }

 private:
  Task<ReadOutcome> LoadWithLease(Ctx& c, Key k, uint64_t token) {
    const DbResult row = co_await c.db.Read(k);
    if (row.ok && c.Fillable(row.value)) {
      co_await c.cache.LeaseSet(k, row.value, c.FillTtl(k, row.value), token);
    } else {
      co_await c.cache.Delete(k);  // gives the lease back
    }
    co_return ReadOutcome{row.value, CacheOutcome::kMiss, !row.ok};
  }

  Duration lease_period_;
  Duration retry_interval_;
  int64_t max_retries_;
};

}  // namespace

PolicyInfo modules::LeaseGuardModule() {
  PolicyInfo info;
  info.role = Role::kGuard;
  info.name = "lease";
  info.summary =
      "memcache leases: one loader per key per period; a delete voids the lease (no stale fill)";
  info.params = {
      {"lease_period", ParamType::kDuration, Duration::Seconds(10),
       "at most one lease token per key per period; a lost token blocks loads this long",
       ParamBound::kPositive},
      {"retry_interval", ParamType::kDuration, Duration::Millis(10),
       "how long a reader that missed without a token sleeps before asking again",
       ParamBound::kPositive},
      {"max_retries", ParamType::kInt, int64_t{50},
       "sleeps before a reader stops waiting and loads (without filling) itself",
       ParamBound::kNonNegative},
  };
  info.make_guard = [](const Params& p) {
    return std::make_unique<LeaseGuard>(p.GetDuration("lease_period"),
                                        p.GetDuration("retry_interval"), p.GetInt("max_retries"));
  };
  return info;
}

}  // namespace cachelab
