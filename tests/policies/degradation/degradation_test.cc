// Degradation on cache failure (the article's mistake "No Fallback"): during
// a `down` window of the cache server, `fallback` serves every read from the
// database (paying the cache timeout first), `fail` fails them, and a circuit
// breaker (`breaker_open`) stops paying the timeout. All on identical traffic.
#include <algorithm>
#include <catch2/catch.hpp>
#include <string>

#include "policies/run.h"
#include "tests/support/world.h"

using namespace cachelab;

namespace {

constexpr double kTimeoutMs = 50;
constexpr double kDbReadMs = 5;
constexpr double kRttMs = 0.5;
constexpr double kDownFrom = 10, kDownTo = 20;  // seconds

// 500 reads/s over 100 equally popular keys (all cached within a second), a
// long TTL, a database with room for every read, and the cache down from 10 s
// to 20 s of a 30 s run.
WorldConfig OutageWorld() {
  return test::TestWorld("degradation", 3)
      .Lasting(Duration::Seconds(30))
      .Rps(500)
      .Keys(100)
      .RttMs(kRttMs)
      .CacheTimeout(Duration::Millis(static_cast<int64_t>(kTimeoutMs)))
      .DbReadMs(kDbReadMs)
      .Interval(Duration::Seconds(1))
      .CacheDown(Duration::Seconds(static_cast<int64_t>(kDownFrom)),
                 Duration::Seconds(static_cast<int64_t>(kDownTo - kDownFrom)));
}

StackConfig Stack(const std::string& degradation, Duration breaker_open = Duration()) {
  test::TestStack s(Duration::Seconds(3600));
  s.Use(Role::kDegradation, degradation);
  if (degradation == "fallback") s.Set(Role::kDegradation, "breaker_open", breaker_open);
  return s;
}

// Sums over the intervals entirely inside the outage, but its first (requests
// that started before it finish in it).
struct Window {
  uint64_t reads = 0, failed = 0, db_queries = 0, hits = 0;
  double max_p50_ms = 0, min_p50_ms = 1e9;
};
Window Inside(const RunResult& r) {
  Window w;
  for (const IntervalRow& row : r.timeseries) {
    if (row.time_s < kDownFrom + 1 || row.time_s >= kDownTo) continue;
    w.reads += row.reads;
    w.failed += row.failed;
    w.db_queries += row.db_queries;
    w.hits += row.hits;
    w.max_p50_ms = std::max(w.max_p50_ms, row.p50_ms);
    w.min_p50_ms = std::min(w.min_p50_ms, row.p50_ms);
  }
  return w;
}

}  // namespace

TEST_CASE("fallback serves every read during a cache outage from the database",
          "[policies][degradation]") {
  const RunResult r = RunSimulation(OutageWorld(), Stack("fallback"));
  const Window w = Inside(r);
  INFO("outage: reads " << w.reads << ", DB queries " << w.db_queries << ", p50 " << w.min_p50_ms
                        << ".." << w.max_p50_ms << " ms");
  CHECK(r.summary.requests.failed == 0);
  CHECK(w.hits == 0);
  // Every read of the outage goes to the database (no fill: the cache is down).
  CHECK(w.db_queries == Approx(w.reads).epsilon(0.02));
  // And first waits out the cache timeout: latency = timeout + DB read.
  CHECK(w.min_p50_ms == Approx(kTimeoutMs + kDbReadMs).margin(1));
  CHECK(w.max_p50_ms == Approx(kTimeoutMs + kDbReadMs).margin(1));
  CHECK(r.summary.cache.errors >= w.reads);
}

TEST_CASE("without fallback every read during a cache outage fails", "[policies][degradation]") {
  const RunResult fail = RunSimulation(OutageWorld(), Stack("fail"));
  const RunResult fallback = RunSimulation(OutageWorld(), Stack("fallback"));
  REQUIRE(fail.summary.requests.total == fallback.summary.requests.total);
  const Window w = Inside(fail);
  // Failed reads: those issued in the outage, 10 s x 500/s; they complete one
  // timeout later, so compare with the errors the cache reported.
  CHECK(fail.summary.requests.failed == fail.summary.cache.errors);
  CHECK(static_cast<double>(fail.summary.requests.failed) ==
        Approx((kDownTo - kDownFrom) * 500).epsilon(0.05));
  CHECK(w.failed == w.reads);
  // The database sees none of it.
  CHECK(w.db_queries == 0);
  CHECK(fail.summary.db.queries < fallback.summary.db.queries);
}

TEST_CASE("a circuit breaker cuts the latency of reads during a cache outage",
          "[policies][degradation]") {
  // After a cache error an instance skips the cache for 1 s: only the reads
  // arriving while a probe waits out the timeout pay it, 50 ms out of every
  // 1.05 s, about 5 % of them; the rest go straight to the database.
  const RunResult plain = RunSimulation(OutageWorld(), Stack("fallback"));
  const RunResult breaker = RunSimulation(OutageWorld(), Stack("fallback", Duration::Seconds(1)));
  REQUIRE(breaker.summary.requests.total == plain.summary.requests.total);
  const Window p = Inside(plain), b = Inside(breaker);
  INFO("outage p50: " << p.max_p50_ms << " ms without breaker, " << b.max_p50_ms << " ms with");
  CHECK(breaker.summary.requests.failed == 0);
  CHECK(b.max_p50_ms == Approx(kDbReadMs).margin(1));
  CHECK(b.max_p50_ms < p.min_p50_ms / 5);
  CHECK(breaker.summary.degradation.breaker_bypasses > 0);
  // Most outage reads skipped the cache (the ~5 % probes did not).
  CHECK(static_cast<double>(breaker.summary.degradation.breaker_bypasses) >
        0.9 * (kDownTo - kDownFrom) * 500);
  CHECK(breaker.summary.latency_ms.mean < plain.summary.latency_ms.mean);
}
