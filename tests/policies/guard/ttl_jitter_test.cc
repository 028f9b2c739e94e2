// TTL jitter spreads a synchronized expiry wave. 200 equally hot keys read
// 20,000 times a second are all loaded in the first fraction of a second (a
// cold cache) and cached for 10 s. Without jitter they all expire at about
// t = 10 s, and the database sees the whole key set's reloads within one
// 0.5 s interval. With spread s, each fill's TTL is 10 s x (1 - s x U), U
// uniform: the first reloads spread uniformly over [10 s x (1 - s), 10 s], so
// each 0.5 s interval of that window gets about 200 x 0.5 / (10 x s) of them,
// and none comes earlier (a TTL is only ever shortened).
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>

#include "policies/run.h"
#include "tests/support/world.h"

using namespace cachelab;
using namespace cachelab::test;

namespace {

constexpr uint64_t kKeys = 200;
constexpr double kTtlS = 10;
constexpr double kIntervalS = 0.5;

WorldConfig WaveWorld() {
  return TestWorld("ttl-jitter", 11)
      .Lasting(Duration::Seconds(25))
      .Rps(20'000)
      .Keys(kKeys)
      .DbReadMs(1)
      .Connections(256)
      .Interval(Duration::Millis(500));
}

RunResult Run(const std::string& guard, Params params = {}) {
  return RunSimulation(
      WaveWorld(), TestStack(Duration::Seconds(kTtlS)).Use(Role::kGuard, guard, std::move(params)));
}

// DB queries per interval whose start lies in [from_s, to_s).
uint64_t MaxQueries(const RunResult& r, double from_s, double to_s) {
  uint64_t most = 0;
  for (const IntervalRow& row : r.timeseries) {
    if (row.time_s >= from_s && row.time_s < to_s) most = std::max(most, row.db_queries);
  }
  return most;
}

}  // namespace

TEST_CASE("without jitter a cold start comes back as one expiry wave a TTL later",
          "[policies][guard][ttl-jitter]") {
  const RunResult none = Run("none");
  // Every key was loaded in the first interval and reloads within one
  // interval of t = 10 s (expiry plus at most one 1 ms load later).
  CHECK(none.timeseries.front().db_queries >= kKeys);
  CHECK(MaxQueries(none, kIntervalS, kTtlS - kIntervalS) == 0);
  CHECK(MaxQueries(none, kTtlS - kIntervalS, kTtlS + kIntervalS) >= kKeys);
}

TEST_CASE("ttl-jitter spreads the wave over the TTL's jitter window, never before it",
          "[policies][guard][ttl-jitter]") {
  const double spread = GENERATE(0.25, 0.5);
  Params p;
  p.Set("spread", spread);
  const RunResult jittered = Run("ttl-jitter", p);
  const RunResult none = Run("none");
  INFO("spread " << spread);
  const double window_start = kTtlS * (1 - spread);
  // No reload before the shortest TTL the spread allows (the cold-start loads
  // end within the first interval).
  CHECK(MaxQueries(jittered, kIntervalS, window_start - kIntervalS) == 0);
  // Within the window each interval gets about keys x interval / (TTL x spread)
  // first reloads; allow twice that for the binomial spread of 200 draws.
  const double per_interval = kKeys * kIntervalS / (kTtlS * spread);
  const uint64_t peak = MaxQueries(jittered, window_start - kIntervalS, kTtlS + kIntervalS);
  CHECK(peak > 0);
  CHECK(static_cast<double>(peak) <= 2 * per_interval);
  CHECK(peak < MaxQueries(none, kTtlS - kIntervalS, kTtlS + kIntervalS) / 2);
  // Shorter TTLs cost a few more loads over the run, never fewer than the
  // fixed TTL's, and at most what the mean TTL (1 - spread / 2) implies plus
  // one extra generation of the key set.
  CHECK(jittered.summary.db.reads >= none.summary.db.reads);
  CHECK(static_cast<double>(jittered.summary.db.reads) <=
        static_cast<double>(none.summary.db.reads) / (1 - spread / 2) + kKeys);
}

TEST_CASE("ttl-jitter with spread 0 is the plain miss path", "[policies][guard][ttl-jitter]") {
  Params p;
  p.Set("spread", 0.0);
  const Summary zero = Run("ttl-jitter", p).summary;
  const Summary none = Run("none").summary;
  CHECK(zero.db.reads == none.db.reads);
  CHECK(zero.cache.hits == none.cache.hits);
  CHECK(zero.cache.expirations == none.cache.expirations);
}
