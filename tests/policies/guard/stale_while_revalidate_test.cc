// Stale-while-revalidate and stale-if-error (RFC 5861): entries outlive their
// TTL by a stale window; past the TTL they are served at once while one
// asynchronous reload runs, or served instead of an error when the reload
// fails.
#include <catch2/catch.hpp>
#include <string>

#include "analysis/common/errors.h"
#include "analysis/scenario/scenario.h"
#include "policies/run.h"
#include "tests/policies/guard/hot_keys.h"

using namespace cachelab;

namespace {

Params Windows(Duration swr, Duration sie) {
  Params p;
  p.Set("stale_while_revalidate", swr);
  p.Set("stale_if_error", sie);
  return p;
}

uint64_t FailedAfterFirstInterval(const RunResult& r) {
  uint64_t failed = 0;
  for (size_t i = 1; i < r.timeseries.size(); ++i) failed += r.timeseries[i].failed;
  return failed;
}

}  // namespace

TEST_CASE("stale-while-revalidate keeps p99 latency at cache latency across expiries",
          "[policies][guard][swr]") {
  // Five keys at 100 reads/s each, TTL 1 s, loads of 50 ms: without a guard
  // ~6% of reads (1 + 100/s * 50 ms per key per second) miss and wait for
  // the DB, so its p99 includes the load. With SWR only the cold start misses
  // (~0.1% of reads); after it every read is a hit of one round trip (0.5 ms)
  // and the reload runs behind it.
  const WorldConfig world = test::HotKeys(5, 500, Duration::Millis(50), Duration::Seconds(60));
  const RunResult none = RunSimulation(world, test::Guarded("none", Duration::Seconds(1)));
  const RunResult swr =
      RunSimulation(world, test::Guarded("stale-while-revalidate", Duration::Seconds(1),
                                         Windows(Duration::Seconds(30), Duration())));
  INFO("p99: none " << none.summary.latency_ms.p99 << " ms, swr " << swr.summary.latency_ms.p99
                    << " ms; stale served " << swr.summary.guard.stale_served << ", revalidations "
                    << swr.summary.guard.early_refreshes);
  CHECK(none.summary.latency_ms.p99 >= 50);
  CHECK(swr.summary.latency_ms.p99 < 1);
  // No read after the first second waits for the DB: every interval's p99 is a hit's.
  for (size_t i = 1; i < swr.timeseries.size(); ++i) CHECK(swr.timeseries[i].p99_ms < 1);
  CHECK(swr.summary.cache.misses == none.timeseries.front().misses);  // the cold start only
  CHECK(swr.summary.guard.stale_served > 0);
  // One revalidation per key per stale episode, not one per stale read.
  CHECK(swr.summary.guard.early_refreshes < swr.summary.guard.stale_served);
  CHECK(swr.summary.db.reads == swr.summary.cache.misses + swr.summary.guard.early_refreshes);
}

TEST_CASE("entries served past their TTL are not stale reads while the row is unchanged",
          "[policies][guard][swr]") {
  // The ledger counts a read as stale only when it returns a version older
  // than the latest acknowledged write. Without writes every stale-served
  // entry still holds the current row.
  const WorldConfig world = test::HotKeys(5, 500, Duration::Millis(50), Duration::Seconds(30));
  const RunResult swr =
      RunSimulation(world, test::Guarded("stale-while-revalidate", Duration::Seconds(1),
                                         Windows(Duration::Seconds(30), Duration())));
  CHECK(swr.summary.guard.stale_served > 0);
  CHECK(swr.summary.staleness.stale_reads == 0);
}

TEST_CASE("stale-if-error serves the stale entry when the reload fails", "[policies][guard][swr]") {
  // One DB connection, loads of 50 ms and a 20 ms queue timeout: when a hot
  // key expires, the reads that load it behind another load time out. Without
  // a guard they fail; with stale_if_error (and no stale_while_revalidate, so
  // the same reads load synchronously) they get the stale entry instead.
  WorldConfig world = test::HotKeys(5, 500, Duration::Millis(50), Duration::Seconds(60));
  world.database.connections = 1;
  world.database.queue_timeout = Duration::Millis(20);
  const RunResult none = RunSimulation(world, test::Guarded("none", Duration::Seconds(1)));
  const RunResult sie =
      RunSimulation(world, test::Guarded("stale-while-revalidate", Duration::Seconds(1),
                                         Windows(Duration(), Duration::Seconds(30))));
  // The first second is the cold start: no entry to fall back on yet.
  INFO("failed after the cold start: none "
       << FailedAfterFirstInterval(none) << ", sie " << FailedAfterFirstInterval(sie)
       << "; DB timeouts " << none.summary.db.timeouts << " vs " << sie.summary.db.timeouts
       << "; stale served " << sie.summary.guard.stale_served);
  CHECK(FailedAfterFirstInterval(none) > 0);
  CHECK(FailedAfterFirstInterval(sie) == 0);
  CHECK(sie.summary.db.timeouts > 0);
  CHECK(sie.summary.guard.stale_served > 0);
}

TEST_CASE("stale-while-revalidate rejects negative windows", "[policies][guard][swr]") {
  const std::string param = GENERATE("stale_while_revalidate", "stale_if_error");
  const std::string text = R"({"name": "t", "duration": "10s",
    "workload": {"rate": {"kind": "constant", "rps": 100}},
    "cache": {"capacity": "1MiB"},
    "policies": {"guard": {"name": "stale-while-revalidate", "params": {")" +
                           param + R"(": "-5s"}}}})";
  try {
    LoadScenarioText(text, "s.json");
    FAIL(param << " -5s was accepted");
  } catch (const InputError& e) {
    CHECK(std::string(e.what()) ==
          "s.json: /policies/guard/params/" + param + R"(: must be >= 0, got "-5s")");
  }
}
