// The parts of a run measured apart (RunMeter::Measure): the windows and the
// worst interval, checked against the time series they are made of.
#include <catch2/catch.hpp>
#include <cmath>

#include "policies/run.h"
#include "tests/support/world.h"

using namespace cachelab;
using test::TestStack;
using test::TestWorld;

namespace {

// A cold cache over 2,000 keys, 20 ms loads on 16 connections: the first
// seconds miss and queue, later ones mostly hit (only writes invalidate).
WorldConfig ColdStart() {
  WorldConfig w = TestWorld("windows", 5)
                      .Lasting(Duration::Seconds(60))
                      .Rps(2000)
                      .Keys(2000)
                      .Zipf(0.8)
                      .Writes(0.01);
  w.database.connections = 16;
  w.metrics.interval = Duration::Seconds(5);
  return w;
}

const Summary::Window& Named(const Summary& s, const std::string& name) {
  for (const Summary::Window& w : s.windows) {
    if (w.name == name) return w;
  }
  FAIL("no window " << name);
  throw;
}

// The rows that lie inside [from_s, to_s).
std::vector<IntervalRow> Inside(const RunResult& r, double from_s, double to_s, double step) {
  std::vector<IntervalRow> out;
  for (const IntervalRow& row : r.timeseries) {
    if (row.time_s >= from_s && row.time_s + step <= to_s + 1e-9) out.push_back(row);
  }
  return out;
}

}  // namespace

TEST_CASE("windows count what completed inside them, and adjacent windows add up",
          "[run_meter][windows]") {
  WorldConfig w = ColdStart();
  w.metrics.warmup = Duration::Seconds(20);
  w.metrics.windows = {{"first", Duration::Seconds(0), Duration::Seconds(20)},
                       {"wave", Duration::Seconds(30), Duration::Seconds(40)}};
  const RunResult r = RunSimulation(w, TestStack(Duration::Seconds(600)));
  const Summary& s = r.summary;
  REQUIRE(s.windows.size() == 3);
  CHECK(s.windows[0].name == "steady");  // the warmup's window comes first
  const Summary::Window &steady = Named(s, "steady"), &first = Named(s, "first");
  CHECK(steady.from_s == Approx(20));
  CHECK(steady.to_s == Approx(60));
  // [0, 20) + [20, 60) + the drain after the last arrival = the whole run.
  uint64_t drained = 0;
  for (const IntervalRow& row : r.timeseries) {
    if (row.time_s >= 60) drained += row.requests;
  }
  CHECK(first.requests.total + steady.requests.total + drained == s.requests.total);
  CHECK(first.db_queries + steady.db_queries <= s.db.queries);
  for (const Summary::Window& win : s.windows) {
    INFO(win.name);
    CHECK(win.requests.reads == win.hits + win.misses + win.errors);
    CHECK(win.requests.total == win.requests.reads + win.requests.writes);
    // Sums, ratios and maxima of the rows inside the window.
    const std::vector<IntervalRow> rows = Inside(r, win.from_s, win.to_s, 5);
    REQUIRE(rows.size() == static_cast<size_t>(std::lround((win.to_s - win.from_s) / 5)));
    uint64_t requests = 0, hits = 0, misses = 0, queries = 0, queue = 0;
    double utilization = 0, worst_p99 = 0;
    for (const IntervalRow& row : rows) {
      requests += row.requests;
      hits += row.hits;
      misses += row.misses;
      queries += row.db_queries;
      queue = std::max(queue, row.db_queue_depth);
      utilization += row.db_utilization / static_cast<double>(rows.size());
      worst_p99 = std::max(worst_p99, row.p99_ms);
    }
    CHECK(win.requests.total == requests);
    CHECK(win.hit_ratio == Approx(static_cast<double>(hits) / static_cast<double>(hits + misses)));
    CHECK(win.db_queries == queries);
    CHECK(win.db_peak_queue_depth == queue);
    CHECK(win.db_utilization == Approx(utilization).epsilon(1e-9));
    // A window's p99 is that of its requests: no more than its worst interval's.
    CHECK(win.latency_ms.p99 <= worst_p99 * (1 + 1.0 / 128));
    CHECK(win.latency_ms.max >= win.latency_ms.p99);
  }
  // The point of a warmup: steady state is not the cold start's average.
  CHECK(first.hit_ratio < steady.hit_ratio - 0.05);
  CHECK(steady.hit_ratio > s.cache.hit_ratio);
  CHECK(steady.db_utilization < first.db_utilization);
}

TEST_CASE("the worst interval is the worst full interval after the warmup",
          "[run_meter][windows]") {
  WorldConfig w = ColdStart();
  const Duration warmups[] = {Duration(), Duration::Seconds(15)};
  for (Duration warmup : warmups) {
    w.metrics.warmup = warmup;
    INFO("warmup " << warmup.seconds() << " s");
    const RunResult r = RunSimulation(w, TestStack(Duration::Seconds(600)));
    const Summary::Peak& p = r.summary.peak;
    double p99 = 0, p99_at = -1, utilization = 0, min_hit = 1;
    uint64_t queue = 0;
    for (const IntervalRow& row : Inside(r, warmup.seconds(), 60, 5)) {
      if (row.p99_ms > p99) {
        p99 = row.p99_ms;
        p99_at = row.time_s;
      }
      utilization = std::max(utilization, row.db_utilization);
      queue = std::max(queue, row.db_queue_depth);
      min_hit = std::min(min_hit, row.hit_ratio);
    }
    CHECK(p.p99_ms == p99);
    CHECK(p.p99_at_s == p99_at);
    CHECK(p.db_utilization == utilization);
    CHECK(p.db_queue_depth == queue);
    CHECK(p.min_hit_ratio == min_hit);
    CHECK(p.p99_at_s >= warmup.seconds());
    // Without a warmup the cold start is the worst; with one it is left out.
    if (warmup == Duration()) {
      CHECK(p.min_hit_ratio_at_s == 0);
      CHECK(p.db_utilization_at_s == 0);
    } else {
      CHECK(p.min_hit_ratio_at_s >= 15);
      CHECK(p.db_utilization_at_s >= 15);
    }
  }
}

TEST_CASE("windows and peaks leave the whole-run figures alone", "[run_meter][windows]") {
  WorldConfig plain = ColdStart();
  WorldConfig measured = plain;
  measured.metrics.warmup = Duration::Seconds(10);
  measured.metrics.windows = {{"late", Duration::Seconds(50), Duration::Seconds(60)}};
  const Summary a = RunSimulation(plain, TestStack(Duration::Seconds(600))).summary;
  const Summary b = RunSimulation(measured, TestStack(Duration::Seconds(600))).summary;
  CHECK(a.requests.total == b.requests.total);
  CHECK(a.cache.hits == b.cache.hits);
  CHECK(a.db.queries == b.db.queries);
  CHECK(a.db.utilization == b.db.utilization);
  CHECK(a.latency_ms.p99 == b.latency_ms.p99);
  CHECK(a.windows.empty());
  CHECK(b.windows.size() == 2);
}

TEST_CASE("the database verdict compares the queries' arrival rate with the capacity",
          "[run_meter][verdict]") {
  // 16 connections of 20 ms reads and 1 ms writes.
  const auto capacity = [](const Summary& s) {
    const double mean_s =
        (static_cast<double>(s.db.reads) * 0.020 + static_cast<double>(s.db.writes) * 0.001) /
        static_cast<double>(s.db.queries);
    return 16 / mean_s;
  };
  WorldConfig w = ColdStart();
  w.metrics.warmup = Duration::Seconds(15);
  const Summary warm = RunSimulation(w, TestStack(Duration::Seconds(600))).summary;
  CHECK(warm.db.capacity_qps == Approx(capacity(warm)));
  CHECK(warm.db.offered_load == Approx(static_cast<double>(warm.db.queries) / 60 / capacity(warm)));
  CHECK(warm.db.offered_load < 1);
  CHECK(warm.db.verdict == "stable");

  // On 10 connections the cold start's first interval sends more queries
  // than they serve; the whole run's average does not.
  w.metrics.warmup = Duration();
  w.database.connections = 10;
  const Summary cold = RunSimulation(w, TestStack(Duration::Seconds(600))).summary;
  CHECK(cold.db.capacity_qps == Approx(capacity(cold) * 10 / 16));
  CHECK(cold.peak.db_queries_per_s > cold.db.capacity_qps);
  CHECK(cold.db.offered_load < 1);
  CHECK(cold.db.verdict == "overloaded at peak");

  // A 1 ms TTL misses nearly every read: 2,000 a second all run long.
  const Summary uncached = RunSimulation(w, TestStack(Duration::Millis(1))).summary;
  CHECK(uncached.db.offered_load > 1);
  CHECK(uncached.db.verdict == "unstable: arrival rate above capacity");
}

TEST_CASE("more cores than connections is no more capacity than the connections",
          "[run_meter][verdict]") {
  WorldConfig w = ColdStart();
  w.database.cores = 4;
  const Summary four = RunSimulation(w, TestStack(Duration::Seconds(600))).summary;
  w.database.cores = 64;
  const Summary many = RunSimulation(w, TestStack(Duration::Seconds(600))).summary;
  w.database.cores = 0;
  const Summary unlimited = RunSimulation(w, TestStack(Duration::Seconds(600))).summary;
  // capacity x mean service = the servers: min(cores, connections).
  const auto servers = [](const Summary& s) {
    const double mean_s =
        (static_cast<double>(s.db.reads) * 0.020 + static_cast<double>(s.db.writes) * 0.001) /
        static_cast<double>(s.db.queries);
    return s.db.capacity_qps * mean_s;
  };
  CHECK(servers(four) == Approx(4));
  CHECK(servers(many) == Approx(16));
  CHECK(servers(unlimited) == Approx(16));
  // Sharing 4 cores among up to 16 running queries stretches them.
  CHECK(four.db.utilization > unlimited.db.utilization);
}

TEST_CASE("read and write latency split the requests' latency between them",
          "[run_meter][latency]") {
  // Writes pay a database write (10 ms here) plus the invalidation; reads
  // mostly hit the cache, so the two distributions are far apart.
  WorldConfig w = TestWorld("split", 5)
                      .Lasting(Duration::Seconds(60))
                      .Rps(2000)
                      .Keys(2000)
                      .Zipf(0.8)
                      .Writes(0.05)
                      .DbWriteMs(10);
  const Summary s = RunSimulation(w, TestStack(Duration::Seconds(600))).summary;
  REQUIRE(s.requests.writes > 0);
  // The whole-run mean is the request-weighted mean of the two.
  const double weighted = (s.read_latency_ms.mean * static_cast<double>(s.requests.reads) +
                           s.write_latency_ms.mean * static_cast<double>(s.requests.writes)) /
                          static_cast<double>(s.requests.total);
  CHECK(s.latency_ms.mean == Approx(weighted).epsilon(1e-6));
  CHECK(s.latency_ms.max == std::max(s.read_latency_ms.max, s.write_latency_ms.max));
  // A write is at least its database write; most reads are one cache round trip.
  CHECK(s.write_latency_ms.p50 >= 10);
  CHECK(s.read_latency_ms.p50 < 2);
  CHECK(s.read_latency_ms.p50 <= s.latency_ms.p50);
}
