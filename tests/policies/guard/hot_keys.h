// Worlds and stacks the stampede-guard tests share: a few hot keys of equal
// popularity, constant latencies (so load times, the XFetch delta, and expiry
// instants are exact), and a stack that differs from the baseline only in its
// guard. Baseline and module runs use the same WorldConfig and seed, so they
// see the same arrivals (common random numbers).
#pragma once

#include <string>

#include "policies/params.h"
#include "policies/registry.h"
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

// Cache-aside with `ttl`, guard `guard` with `params` (defaults for the rest).
inline StackConfig Guarded(const std::string& guard, Duration ttl, const Params& params = {}) {
  StackConfig s;
  s.read.params.Set("ttl", ttl);
  s.guard.name = guard;
  s.guard.params = params;
  return s;
}

}  // namespace cachelab::test
