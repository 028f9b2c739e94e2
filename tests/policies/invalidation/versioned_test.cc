// Versioned keys: a generation bump makes every cached entry unreachable at
// once. Compared with the same run without a bump (same seed, same traffic).
#include <catch2/catch.hpp>
#include <string>

#include "policies/run.h"
#include "tests/support/scenario_errors.h"
#include "tests/support/world.h"

using namespace cachelab;

namespace {

const Duration kBump = Duration::Seconds(30);

// Reads only: 5,000 requests/s over 50,000 equally popular keys (0.1 reads/s
// per key), entries that never expire in a cache big enough for all of them.
// By 29 s a key has been read 2.9 times on average, so about 1 - e^-2.9 = 95 %
// of reads hit. Right after a bump a read hits only if its key was read
// since the bump: over the first second about 0.1 * 0.5 = 5 %.
WorldConfig ManyKeysWorld() {
  return test::TestWorld("versioned", 3)
      .Lasting(Duration::Seconds(40))
      .Rps(5000)
      .Keys(50'000)
      .DbReadMs(2)
      .Interval(Duration::Seconds(1));
}

StackConfig Stack(Duration bump_at) {
  return test::TestStack(Duration())
      .Use(Role::kInvalidation, "versioned")
      .Set(Role::kInvalidation, "bump_at", bump_at);
}

const IntervalRow& RowAt(const std::vector<IntervalRow>& rows, double time_s) {
  for (const IntervalRow& r : rows) {
    if (r.time_s == time_s) return r;
  }
  FAIL("no time-series row at " << time_s << " s");
  return rows.front();
}

}  // namespace

TEST_CASE("a generation bump is a mass miss: the hit ratio collapses and DB queries jump",
          "[policies][invalidation][versioned]") {
  const WorldConfig w = ManyKeysWorld();
  const RunResult bumped = RunSimulation(w, Stack(kBump));
  const RunResult steady = RunSimulation(w, Stack(Duration()));
  const double t = kBump.seconds();
  const IntervalRow& before = RowAt(bumped.timeseries, t - 1);
  const IntervalRow& after = RowAt(bumped.timeseries, t);
  const IntervalRow& steady_before = RowAt(steady.timeseries, t - 1);
  const IntervalRow& steady_after = RowAt(steady.timeseries, t);
  INFO("hit ratio around the bump: "
       << before.hit_ratio << " -> " << after.hit_ratio << ", DB queries " << before.db_queries
       << " -> " << after.db_queries << "; without a bump " << steady_before.hit_ratio << " -> "
       << steady_after.hit_ratio << ", " << steady_before.db_queries << " -> "
       << steady_after.db_queries);
  // Identical traffic until the bump.
  REQUIRE(before.hits == steady_before.hits);
  CHECK(before.hit_ratio > 0.9);
  CHECK(after.hit_ratio < 0.1);
  CHECK(after.db_queries > 10 * before.db_queries);
  // Without the bump the cache keeps warming: no drop, no jump (only the
  // Poisson noise of a few hundred misses per second).
  CHECK(steady_after.hit_ratio > 0.9);
  CHECK(steady_after.db_queries < 2 * steady_before.db_queries);
  // The old generation's entries stay in the cache (unreachable) beside the new ones.
  CHECK(bumped.summary.cache.peak_items > steady.summary.cache.peak_items);
}

TEST_CASE("versioned parameters out of range are input errors naming the pointer",
          "[policies][invalidation][versioned]") {
  CHECK(test::PolicyInputError("invalidation",
                               R"({"name": "versioned", "params": {"bump_at": "-1s"}})") ==
        R"(x.json: /policies/invalidation/params/bump_at: must be >= 0, got "-1s")");
}
