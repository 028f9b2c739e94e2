// Probabilistic early refresh with a fixed probability (the article's
// "Solution 2"): hits in the last `window` of an entry's TTL start an
// asynchronous reload with probability `probability`, so hot keys are
// replaced before they expire.
#include <catch2/catch.hpp>
#include <string>

#include "analysis/common/errors.h"
#include "analysis/scenario/scenario.h"
#include "policies/run.h"
#include "tests/policies/guard/hot_keys.h"

using namespace cachelab;

namespace {

// Four keys at 100 reads/s each, TTL 10 s, loads of 50 ms.
WorldConfig Traffic() {
  return test::HotKeys(4, 400, Duration::Millis(50), Duration::Seconds(120));
}

Params Rule(Duration window, double probability, bool skip_if_refreshing = false) {
  Params p;
  p.Set("window", window);
  p.Set("probability", probability);
  p.Set("skip_if_refreshing", skip_if_refreshing);
  return p;
}

}  // namespace

TEST_CASE("early refresh removes the expiry misses of hot keys", "[policies][guard][early]") {
  // With a 2 s window a key gets ~200 hits there, each refreshing with
  // probability 0.1: the chance that none does is 0.9^200 ~ 1e-9, so after
  // the cold start no key expires. Without a guard every key misses at every
  // expiry (~1 + 100/s * 50 ms reads each time).
  const WorldConfig world = Traffic();
  const RunResult none = RunSimulation(world, test::Guarded("none", Duration::Seconds(10)));
  const RunResult early = RunSimulation(world, test::Guarded("early-refresh", Duration::Seconds(10),
                                                             Rule(Duration::Seconds(2), 0.1)));
  const uint64_t cold_misses = none.timeseries.front().misses;  // first second: cold start only
  INFO("misses: none " << none.summary.cache.misses << ", early refresh "
                       << early.summary.cache.misses << " (cold start " << cold_misses
                       << "); refreshes " << early.summary.guard.early_refreshes);
  CHECK(none.summary.cache.misses > cold_misses);
  CHECK(early.summary.cache.misses == cold_misses);
  CHECK(early.summary.guard.early_refreshes > 0);
  // Each refresh is one DB read on top of the misses.
  CHECK(early.summary.db.reads == early.summary.cache.misses + early.summary.guard.early_refreshes);
  // The caller never waits for a refresh. Without a guard ~0.6% of reads
  // wait for a load at expiry, so its p99.9 does; with early refresh only
  // the cold start's ~0.05% do, and its p99.9 is a hit.
  CHECK(early.summary.latency_ms.p999 < 50);
  CHECK(none.summary.latency_ms.p999 >= 50);
}

TEST_CASE("early refresh serves no older versions than no guard", "[policies][guard][early]") {
  // With writes (invalidate-on-write) stale reads come from the read/write
  // race (a load that read the old row fills after the write's delete).
  // Writes come once per key per ~5 s, so a share of the entries lives long
  // enough (8 s) to be refreshed early.
  // Early refresh answers from the same cache entries and its refreshes load
  // the current row, so the share of stale reads and their age stay those of
  // no guard: within 0.05% of the reads (a couple of dozen of ~48000), and
  // never older than the TTL.
  WorldConfig world = Traffic();
  world.workload.write_fraction = 0.002;
  const RunResult none = RunSimulation(world, test::Guarded("none", Duration::Seconds(10)));
  const RunResult early = RunSimulation(world, test::Guarded("early-refresh", Duration::Seconds(10),
                                                             Rule(Duration::Seconds(2), 0.1)));
  INFO("stale reads: none " << none.summary.staleness.stale_reads << " (max age "
                            << none.summary.staleness.max_age_ms << " ms), early refresh "
                            << early.summary.staleness.stale_reads << " (max age "
                            << early.summary.staleness.max_age_ms << " ms); refreshes "
                            << early.summary.guard.early_refreshes);
  REQUIRE(early.summary.guard.early_refreshes > 0);
  CHECK(early.summary.staleness.stale_read_ratio ==
        Approx(none.summary.staleness.stale_read_ratio).margin(0.0005));
  CHECK(early.summary.staleness.max_age_ms <= 10'000);
}

TEST_CASE("early refresh launches duplicate refreshes unless told to skip keys in flight",
          "[policies][guard][early]") {
  // The article's rule starts a refresh on every lucky hit: with probability
  // 1 every hit of the window starts one, ~100/s * 50 ms = 5 per load time,
  // all loading the same key at once. skip_if_refreshing keeps it to one.
  const WorldConfig world = Traffic();
  const RunResult every = RunSimulation(world, test::Guarded("early-refresh", Duration::Seconds(10),
                                                             Rule(Duration::Seconds(2), 1.0)));
  const RunResult one = RunSimulation(world, test::Guarded("early-refresh", Duration::Seconds(10),
                                                           Rule(Duration::Seconds(2), 1.0, true)));
  INFO("refreshes: article's rule " << every.summary.guard.early_refreshes << ", skipping "
                                    << one.summary.guard.early_refreshes << "; duplicate loads "
                                    << every.summary.stampede.duplicate_loads << " vs "
                                    << one.summary.stampede.duplicate_loads);
  CHECK(one.summary.guard.early_refreshes * 3 < every.summary.guard.early_refreshes);
  CHECK(one.summary.stampede.duplicate_loads * 3 < every.summary.stampede.duplicate_loads);
  CHECK(one.summary.cache.misses == every.summary.cache.misses);
}

TEST_CASE("early refresh rejects a probability above 1 and a negative window",
          "[policies][guard][early]") {
  struct Case {
    std::string param, value, message;
  };
  const Case c = GENERATE(
      Case{"probability", "1.5",
           "/policies/guard/params/probability: must be a probability between 0 and 1, got 1.5"},
      Case{"window", R"("-1s")", R"(/policies/guard/params/window: must be >= 0, got "-1s")"});
  const std::string text = R"({"name": "t", "duration": "10s",
    "workload": {"rate": {"kind": "constant", "rps": 100}},
    "cache": {"capacity": "1MiB"},
    "policies": {"guard": {"name": "early-refresh", "params": {")" +
                           c.param + R"(": )" + c.value + "}}}}";
  try {
    LoadScenarioText(text, "e.json");
    FAIL(c.param << " " << c.value << " was accepted");
  } catch (const InputError& e) {
    CHECK(std::string(e.what()) == "e.json: " + c.message);
  }
}
