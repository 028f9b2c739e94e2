// Stampede guard by locking: on a miss a reader tries to take a lock on the key
// in the shared cache (SETNX with a TTL). The one that gets it loads the row
// from the database, fills the cache and deletes the lock; the others sleep
// `retry_interval` and then retry the whole read, so once the winner has
// filled they hit. Because the lock lives in the shared cache, only one
// instance of the whole fleet loads a key at a time: an expiry costs one DB
// read instead of one per request that missed during the load.
//
//   read(k):
//     loop:
//       if v := cache.get(k): return v
//       if cache.set_nx(lock(k), ttl=lock_ttl):
//         v := cache.get(k)             # a reader may have just filled it
//         if not v: v = db.read(k); cache.set(k, v, ttl)
//         cache.delete(lock(k)); return v
//       if slept max_retries times: v = db.read(k); cache.set(k, v, ttl); return v
//       sleep(retry_interval)
//
// A reader that gets the lock looks at the cache once more before it loads:
// its GET may have missed just before another reader filled the key and
// released the lock. Then it releases the lock and returns the hit instead
// of loading the row a second time for the same expiry.
//
// The lock key is Ctx::LockKey (policies/context.h, "Key space"): it never
// collides with an entry, and a versioned namespace bump also moves the locks.
//
// Parameters:
//  - lock_ttl (as in the article): the lock expires on its own if the winner
//    never deletes it (a crashed loader), so readers are not blocked forever.
//  - retry_interval: shorter than the article's 100ms, which is sized for a
//    slow query. Here a waiter's extra latency is up to one interval past the
//    winner's fill, and DB reads in the scenarios take a few to a few tens of
//    ms, so 100ms would add more latency than the load it waits for. A
//    shorter interval costs one cache GET per waiter per interval.
//  - holder_crash: the probability that a reader which took the lock dies
//    before loading (a crashed or killed process): its own read fails, it
//    never fills nor deletes the lock, so the other readers wait until the
//    lock's TTL frees the key (or give up after max_retries). What the
//    article's lock timeout is for; 0 (the default) = holders never crash.
//  - max_retries: the article retries forever. Here a waiter that has slept
//    max_retries times (by default far longer than a normal load) stops
//    waiting and acts as if there were no guard: it loads
//    the row and fills the cache itself (counted as guard.gave_up). Filling
//    keeps that load useful to the next readers when the winner is merely
//    slow; the lock protects the database, not consistency, so an unguarded
//    fill is no worse than the winner's own. Waiters also give up at once
//    when the run is abandoned (Ctx::abandoned), so Ctrl-C and the event
//    limit end a run promptly whatever max_retries says.
//
// A cache error (on either GET or the SETNX) follows the degradation rule: read
// the DB without filling, or fail. Every sleep counts as a guard wait.
//
// Source: the article's "Cache Stampede" section, "Solution 1: Locking".
#include "policies/modules.h"

namespace cachelab {
namespace {

class LockGuard final : public Guard {
 public:
  LockGuard(Duration lock_ttl, Duration retry_interval, int64_t max_retries, double holder_crash)
      : lock_ttl_(lock_ttl),
        retry_interval_(retry_interval),
        max_retries_(max_retries),
        holder_crash_(holder_crash) {}

  void Start(Ctx& c) override { rng_ = c.Stream("guard.lock.crash"); }

  Task<ReadOutcome> Read(Ctx c, Key k) override {
    for (int64_t attempt = 0;; ++attempt) {
      const CacheGetResult cached = co_await c.cache.Get(k);
      if (cached.hit()) co_return ReadOutcome{cached.value, CacheOutcome::kHit, false};
      if (cached.status == CacheStatus::kError) {
        co_return co_await c.LoadAndFill(k, CacheStatus::kError);
      }
      const Key lock = c.LockKey(k);
      const CacheWriteStatus taken =
          co_await c.cache.SetIfAbsentRaw(k, lock, Value{1, 1, true}, lock_ttl_);
      if (taken == CacheWriteStatus::kError) {
        co_return co_await c.LoadAndFill(k, CacheStatus::kError);
      }
      if (taken == CacheWriteStatus::kOk) {
        if (holder_crash_ > 0 && Uniform01(rng_) < holder_crash_) {
          // Dies holding the lock: no load, no fill, no delete.
          if (c.Tracing(k)) c.Note(k, "app", "lock holder crashed: the lock stays until its TTL");
          co_return ReadOutcome{Value{}, CacheOutcome::kMiss, true};
        }
        // The lock may be free because another reader just filled the key and
        // released it between our GET and our SETNX: look again first.
        const CacheGetResult again = co_await c.cache.Get(k);
        const ReadOutcome out = again.hit() ? ReadOutcome{again.value, CacheOutcome::kHit, false}
                                            : co_await c.LoadAndFill(k, again.status);
        // A failed delete leaves the lock until its TTL; waiters then give up.
        co_await c.cache.DeleteRaw(k, lock);
        co_return out;
      }
      if (attempt >= max_retries_ || c.abandoned()) {
        ++c.stats().guard_gave_up;
        co_return co_await c.LoadAndFill(k, CacheStatus::kMiss);
      }
      ++c.stats().guard_waits;
      co_await c.Sleep(retry_interval_);
    }
  }

 private:
  Duration lock_ttl_;
  Duration retry_interval_;
  int64_t max_retries_;
  double holder_crash_;
  RandomEngine rng_;
};

}  // namespace

PolicyInfo modules::LockGuardModule() {
  PolicyInfo info;
  info.role = Role::kGuard;
  info.name = "lock";
  info.summary = "on a miss take a SETNX lock; the holder loads, the others sleep and retry";
  info.params = {
      {"lock_ttl", ParamType::kDuration, Duration::Seconds(10),
       "the lock expires after this long if its holder never releases it", ParamBound::kPositive},
      {"retry_interval", ParamType::kDuration, Duration::Millis(10),
       "how long a reader that did not get the lock sleeps before retrying the read",
       ParamBound::kPositive},
      {"max_retries", ParamType::kInt, int64_t{50},
       "sleeps before a reader stops waiting and loads (and fills) itself",
       ParamBound::kNonNegative},
      {"holder_crash", ParamType::kDouble, 0.0,
       "probability that a reader dies right after taking the lock (its read fails; the lock "
       "stays until lock_ttl)",
       ParamBound::kProbability},
  };
  info.make_guard = [](const Params& p) {
    return std::make_unique<LockGuard>(p.GetDuration("lock_ttl"), p.GetDuration("retry_interval"),
                                       p.GetInt("max_retries"), p.GetDouble("holder_crash"));
  };
  return info;
}

}  // namespace cachelab
