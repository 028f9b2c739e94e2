// Worlds and stacks the stampede-guard tests share: a few hot keys of equal
// popularity, constant latencies (so load times, the XFetch delta, and expiry
// instants are exact), and a stack that differs from the baseline only in its
// guard. Baseline and module runs use the same WorldConfig and seed, so they
// see the same arrivals (common random numbers).
#pragma once

#include <string>

#include "policies/params.h"
#include "policies/registry.h"
#include "sim/metrics/summary.h"
#include "sim/model/config.h"
#include "tests/support/world.h"

namespace cachelab::test {

// `keys` keys read uniformly at `rps` requests per second in total (so each at
// rps / keys), no writes, a database that answers in `db_time`.
inline WorldConfig HotKeys(uint64_t keys, double rps, Duration db_time, Duration duration) {
  return TestWorld("hot-keys", 7)
      .Lasting(duration)
      .Rps(rps)
      .Keys(keys)
      .ValueBytes(100)
      .CacheBytes(64 << 20)
      .RttMs(0.5)
      .CacheTimeout(Duration())
      .DbTime(db_time)
      .Interval(Duration::Seconds(1));
}

// HotKeys, but the first `warm` at `warm_rps` only: the first reads of each
// key then load it without a stampede, so the stampede metrics show what
// happens at expiry, not at the cold start.
inline WorldConfig WarmThenHot(uint64_t keys, double warm_rps, Duration warm, double rps,
                               Duration db_time, Duration duration) {
  WorldConfig w = HotKeys(keys, rps, db_time, duration);
  w.workload.rate.kind = RateProfileConfig::Kind::kSteps;
  w.workload.rate.steps = {{Duration(), warm_rps}, {warm, rps}};
  return w;
}

// Misses in the 1 s intervals that end by `until`; with `until` the fill TTL,
// no entry has expired yet: the cold-start misses.
inline uint64_t MissesUntil(const RunResult& r, Duration until) {
  uint64_t misses = 0;
  for (const IntervalRow& row : r.timeseries) {
    if (row.time_s + 1.0 <= until.seconds()) misses += row.misses;
  }
  return misses;
}

// Cache-aside with `ttl`, guard `guard` with `params` (defaults for the rest).
inline StackConfig Guarded(const std::string& guard, Duration ttl, const Params& params = {}) {
  return TestStack(ttl).Use(Role::kGuard, guard, params);
}

}  // namespace cachelab::test
