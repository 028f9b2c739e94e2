// Cache warming (the article's "Cache Warming"): the warmers top-n and list
// preload keys with the read path's TTL at start and after a flush or
// restart. Compared with no warming (or no re-warm) on identical traffic:
// same seed, so the same arrivals, keys and service times.
#include <catch2/catch.hpp>
#include <string>

#include "policies/run.h"
#include "tests/support/distributions.h"

using namespace cachelab;
using test::Constant;

namespace {

constexpr uint64_t kKeys = 5000;
constexpr int64_t kWarmCount = 1000;
constexpr double kRps = 2000;
constexpr double kDbReadMs = 20;
constexpr uint32_t kConnections = 16;  // 800 loads/s at most

// Zipf(1) traffic over 5,000 keys at 2,000 requests/s against a database that
// can serve 800 loads/s: a cold cache overloads it. Traffic starts at
// `traffic_at` (0 rps before), metrics every second, TTL 1 h (nothing expires).
WorldConfig ColdStartWorld(Duration traffic_at) {
  WorldConfig w;
  w.name = "warming";
  w.seed = 5;
  w.duration = Duration::Seconds(20);
  w.workload.rate.kind = RateProfileConfig::Kind::kSteps;
  w.workload.rate.steps = {{Duration(), 0}, {traffic_at, kRps}};
  w.workload.keys = kKeys;
  w.workload.zipf_alpha = 1.0;
  w.workload.value_size = Constant(1000);
  w.cache.capacity_bytes = 1ull << 30;
  w.cache.rtt = Constant(0.3e6);
  w.cache.timeout = Duration::Millis(50);
  w.database.connections = kConnections;
  w.database.read_service = Constant(kDbReadMs * 1e6);
  w.database.write_service = Constant(1e6);
  w.metrics.interval = Duration::Seconds(1);
  return w;
}

StackConfig Stack(const std::string& warming, double rate = 5000, bool after_flush = true) {
  StackConfig s;
  s.read.name = "cache-aside";
  s.read.params.Set("ttl", Duration::Seconds(3600));
  s.warming.name = warming;
  if (warming == "top-n") {
    s.warming.params.Set("count", kWarmCount);
    s.warming.params.Set("rate", rate);
    s.warming.params.Set("after_flush", after_flush);
  }
  return s;
}

const IntervalRow& RowAt(const RunResult& r, double t) {
  for (const IntervalRow& row : r.timeseries) {
    if (row.time_s == t) return row;
  }
  FAIL("no interval starting at " << t);
  return r.timeseries.front();
}

// Intervals from `from_s` on until the hit ratio is back to `target`.
int IntervalsUntil(const RunResult& r, double from_s, double target) {
  int n = 0;
  for (const IntervalRow& row : r.timeseries) {
    if (row.time_s < from_s) continue;
    if (row.hit_ratio >= target) return n;
    ++n;
  }
  return n;
}

}  // namespace

TEST_CASE("top-n warming before traffic removes most of the cold-start DB spike",
          "[policies][warming]") {
  // Warming 1,000 keys at 5,000/s takes 1.25 s of DB time (1,000 x 20 ms on
  // 16 connections); traffic starts at 2 s.
  const WorldConfig world = ColdStartWorld(Duration::Seconds(2));
  const RunResult cold = RunSimulation(world, Stack("none"));
  const RunResult warm = RunSimulation(world, Stack("top-n"));
  REQUIRE(warm.summary.requests.total == cold.summary.requests.total);  // identical traffic
  CHECK(warm.summary.warming.keys_loaded == static_cast<uint64_t>(kWarmCount));
  CHECK(cold.summary.warming.keys_loaded == 0);

  const IntervalRow& c = RowAt(cold, 2);
  const IntervalRow& w = RowAt(warm, 2);
  INFO("first traffic second: DB queries "
       << c.db_queries << " cold vs " << w.db_queries << " warmed; p99 " << c.p99_ms << " ms vs "
       << w.p99_ms << " ms; hit ratio " << c.hit_ratio << " vs " << w.hit_ratio);
  // The top 1,000 of 5,000 Zipf(1) keys get H(1000)/H(5000) = 82 % of the
  // reads: those hit from the first request on, so most of the spike's loads go.
  CHECK(w.db_queries < c.db_queries / 2);
  double top = 0, all = 0;  // harmonic numbers: Zipf(1) shares
  for (uint64_t k = 1; k <= kKeys; ++k) (k <= kWarmCount ? top : all) += 1.0 / k;
  const double covered = top / (top + all);
  CHECK(w.hit_ratio >= covered - 0.02);
  CHECK(c.hit_ratio < covered - 0.1);
  // The cold cache needs more loads than the DB serves in that second, so
  // misses queue; the warmed one stays under capacity and p99 is about one load.
  CHECK(c.p99_ms > 3 * kDbReadMs);
  CHECK(w.p99_ms < 2 * kDbReadMs);
  CHECK(warm.summary.stampede.duplicate_loads < cold.summary.stampede.duplicate_loads);
}

TEST_CASE("re-warming after a flush fault shortens the recovery", "[policies][warming]") {
  // Traffic from 0; at 10 s a FLUSHALL empties the cache. Both stacks warm at
  // start; only one warms again after the flush, so the runs are identical
  // until 10 s.
  WorldConfig world = ColdStartWorld(Duration());
  world.database.connections = 64;  // spare capacity: the warmer's loads do not queue requests
  FaultWindowConfig flush;
  flush.kind = FaultWindowConfig::Kind::kFlush;
  flush.start = Duration::Seconds(10);
  world.cache.faults.push_back(flush);
  const RunResult once = RunSimulation(world, Stack("top-n", 5000, /*after_flush=*/false));
  const RunResult again = RunSimulation(world, Stack("top-n", 5000, /*after_flush=*/true));
  REQUIRE(again.summary.requests.total == once.summary.requests.total);
  // Same until the flush (row 9 may already hold the re-warm's first load,
  // issued at exactly 10 s before that row is closed).
  CHECK(RowAt(again, 8).db_queries == RowAt(once, 8).db_queries);
  CHECK(RowAt(again, 8).p99_ms == RowAt(once, 8).p99_ms);
  CHECK(again.summary.warming.keys_loaded == 2 * static_cast<uint64_t>(kWarmCount));
  CHECK(once.summary.warming.keys_loaded == static_cast<uint64_t>(kWarmCount));

  // Recovered: the hit ratio of the second before the flush, less 2 points.
  const double target = RowAt(once, 9).hit_ratio - 0.02;
  const int slow = IntervalsUntil(once, 10, target);
  const int fast = IntervalsUntil(again, 10, target);
  INFO("intervals to recover to hit ratio "
       << target << ": " << slow << " without re-warm, " << fast << " with; flush-second hit ratio "
       << RowAt(once, 10).hit_ratio << " vs " << RowAt(again, 10).hit_ratio);
  CHECK(fast < slow);
  CHECK(RowAt(again, 10).hit_ratio > RowAt(once, 10).hit_ratio);
  CHECK(RowAt(again, 11).db_queries < RowAt(once, 11).db_queries);
}

TEST_CASE("after a restart fault the warmer waits until the cache is back up",
          "[policies][warming]") {
  // The cache is down from 5 s to 8 s and comes back empty. While it is down
  // the warmer must not load (its SETs would fail): the DB queries of the
  // down seconds are those of the reads falling back, the same as without a
  // re-warm; at 8 s the second pass loads all 1,000 keys.
  WorldConfig world = ColdStartWorld(Duration());
  world.database.connections = 64;
  FaultWindowConfig restart;
  restart.kind = FaultWindowConfig::Kind::kRestart;
  restart.start = Duration::Seconds(5);
  restart.duration = Duration::Seconds(3);
  world.cache.faults.push_back(restart);
  const RunResult again = RunSimulation(world, Stack("top-n", 5000, /*after_flush=*/true));
  const RunResult once = RunSimulation(world, Stack("top-n", 5000, /*after_flush=*/false));
  CHECK(again.summary.warming.keys_loaded == 2 * static_cast<uint64_t>(kWarmCount));
  for (double t : {5.0, 6.0}) {
    INFO("second " << t);
    CHECK(RowAt(again, t).db_queries == RowAt(once, t).db_queries);
  }
  // Back up at 8 s: the re-warm's loads (rows 7 or 8: the first starts at
  // exactly 8 s) on top of the fallback's.
  const auto queries = [&](const RunResult& r) {
    return RowAt(r, 7).db_queries + RowAt(r, 8).db_queries;
  };
  CHECK(queries(again) >= queries(once) + static_cast<uint64_t>(kWarmCount) / 2);
  CHECK(RowAt(again, 9).hit_ratio > RowAt(once, 9).hit_ratio);
}

TEST_CASE("list warming loads exactly the listed keys", "[policies][warming]") {
  const WorldConfig world = ColdStartWorld(Duration::Seconds(2));
  StackConfig s = Stack("none");
  s.warming.name = "list";
  s.warming.params.Set("keys", std::string("0, 1,2,7,7,4999"));
  const RunResult listed = RunSimulation(world, s);
  const RunResult cold = RunSimulation(world, Stack("none"));
  CHECK(listed.summary.warming.keys_loaded == 5);  // duplicates ignored
  // Keys 0, 1, 2 and 7 are surely read and, warmed, never miss: at least
  // one miss fewer each (key 4999 may not be read at all).
  CHECK(listed.summary.cache.misses + 4 <= cold.summary.cache.misses);
  s.warming.params.Set("keys", std::string("0,,1"));
  CHECK_THROWS_AS(RunSimulation(world, s), std::invalid_argument);
}
