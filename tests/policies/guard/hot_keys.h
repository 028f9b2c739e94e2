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
#include "tests/support/distributions.h"

namespace cachelab::test {

// `keys` keys read uniformly at `rps` requests per second in total (so each at
// rps / keys), no writes, a database that answers in `db_time`.
inline WorldConfig HotKeys(uint64_t keys, double rps, Duration db_time, Duration duration) {
  WorldConfig w;
  w.name = "hot-keys";
  w.seed = 7;
  w.duration = duration;
  w.workload.rate.kind = RateProfileConfig::Kind::kConstant;
  w.workload.rate.rps = rps;
  w.workload.keys = keys;
  w.workload.popularity = WorkloadConfig::Popularity::kUniform;
  w.workload.value_size = Constant(100);
  w.cache.capacity_bytes = 64 << 20;
  w.cache.rtt = Constant(static_cast<double>(Duration::Micros(500).nanos()));
  w.database.connections = 64;
  w.database.read_service = Constant(static_cast<double>(db_time.nanos()));
  w.database.write_service = Constant(static_cast<double>(db_time.nanos()));
  w.metrics.interval = Duration::Seconds(1);
  return w;
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
  StackConfig s;
  s.read.params.Set("ttl", ttl);
  s.guard.name = guard;
  s.guard.params = params;
  return s;
}

}  // namespace cachelab::test
