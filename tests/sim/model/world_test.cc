// The whole world checked against queueing and caching theory, and against
// the conservation laws every run must obey.
#include <atomic>
#include <catch2/catch.hpp>
#include <cmath>
#include <numeric>
#include <string>

#include "analysis/models/analytic.h"
#include "policies/run.h"
#include "tests/support/distributions.h"

using namespace cachelab;
using test::Constant;
using test::Exponential;

namespace {

// A small world: constant rate, zero latencies unless a test sets them.
WorldConfig BaseWorld(double rps, Duration duration) {
  WorldConfig w;
  w.name = "test";
  w.seed = 7;
  w.duration = duration;
  w.workload.rate.kind = RateProfileConfig::Kind::kConstant;
  w.workload.rate.rps = rps;
  w.workload.keys = 1000;
  w.workload.value_size = Constant(1000);
  w.cache.capacity_bytes = 1ull << 30;
  w.cache.rtt = Constant(0);
  w.cache.timeout = Duration::Millis(50);
  w.database.connections = 8;
  w.database.read_service = Constant(0);
  w.database.write_service = Constant(0);
  w.metrics.interval = Duration::Seconds(10);
  return w;
}

StackConfig CacheAsideWithTtl(Duration ttl) {
  StackConfig s;
  s.read.params.Set("ttl", ttl);
  return s;
}

}  // namespace

TEST_CASE("with the cache disabled, the DB queue wait matches Erlang C", "[sim][model][theory]") {
  struct Point {
    uint32_t c;
    double load;  // utilization lambda / (c mu)
  };
  // Service mean 10 ms, so mu = 100/s per connection.
  const Point point = GENERATE(Point{2, 0.8}, Point{8, 0.9}, Point{4, 0.7});
  const double mu = 100.0;
  const double lambda = point.load * point.c * mu;
  WorldConfig w = BaseWorld(lambda, Duration::Seconds(static_cast<int64_t>(800'000 / lambda)));
  w.cache.enabled = false;
  w.database.connections = point.c;
  w.database.read_service = Exponential(10e6);  // 10 ms in ns
  const RunResult r = RunSimulation(w, StackConfig{});
  const ErlangC theory = ErlangCQueue(point.c, lambda, mu);
  INFO("c=" << point.c << " load=" << point.load << " simulated Wq=" << r.summary.db.mean_wait_ms
            << " ms, Erlang C Wq=" << theory.mean_wait_s * 1e3 << " ms");
  CHECK(r.summary.db.mean_wait_ms == Approx(theory.mean_wait_s * 1e3).epsilon(0.05));
  CHECK(r.summary.db.utilization == Approx(point.load).epsilon(0.02));
  CHECK(r.summary.db.queries == r.summary.requests.total);
}

TEST_CASE("a TTL cache without reset on hit has hit ratio rT / (1 + rT)", "[sim][model][theory]") {
  // One key read at Poisson rate r; the entry lives T from its fill.
  const double rate = 200;
  const double ttl_s = GENERATE(0.005, 0.02, 0.1);
  WorldConfig w = BaseWorld(rate, Duration::Seconds(400));
  w.workload.keys = 1;
  const RunResult r = RunSimulation(w, CacheAsideWithTtl(Duration::FromSecondsF(ttl_s)));
  const double expected = TtlHitRatioNoReset(rate, ttl_s);
  INFO("rT=" << rate * ttl_s);
  CHECK(r.summary.cache.hit_ratio == Approx(expected).margin(0.02));
  // Every miss is one cycle, and a cycle lasts T plus the wait for the next
  // arrival (mean 1/r), so the miss count is about duration / (T + 1/r).
  CHECK(static_cast<double>(r.summary.cache.misses) ==
        Approx(400.0 / (ttl_s + 1.0 / rate)).epsilon(0.03));
}

TEST_CASE("every run obeys the conservation laws", "[sim][model][invariants]") {
  WorldConfig w = BaseWorld(3000, Duration::Seconds(20));
  w.workload.keys = 20'000;
  w.workload.write_fraction = 0.05;
  w.workload.missing_fraction = 0.02;
  w.workload.value_size.kind = DistributionConfig::Kind::kLognormal;
  w.workload.value_size.mean = 2000;
  w.workload.value_size.sigma = 0.7;
  w.instances.count = 3;
  w.cache.capacity_bytes = 4 << 20;  // far below the working set: evictions
  w.cache.rtt = Exponential(300e3);
  w.cache.faults.push_back(
      {FaultWindowConfig::Kind::kDown, Duration::Seconds(8), Duration::Seconds(2)});
  w.database.connections = 16;
  w.database.read_service = Exponential(2e6);
  w.database.write_service = Exponential(3e6);
  w.metrics.interval = Duration::Seconds(1);
  const RunResult r = RunSimulation(w, CacheAsideWithTtl(Duration::Seconds(5)));
  const Summary& s = r.summary;

  CHECK(s.requests.total == s.requests.reads + s.requests.writes);
  CHECK(s.requests.reads == s.cache.hits + s.cache.misses + s.cache.errors);
  CHECK(s.cache.errors > 0);     // the fault window was hit
  CHECK(s.cache.evictions > 0);  // the cache is too small
  // Cache-aside with no guard loads exactly once per miss or cache error.
  CHECK(s.db.reads == s.cache.misses + s.cache.errors);
  CHECK(s.db.writes == s.requests.writes);
  CHECK(s.cache.peak_bytes <= w.cache.capacity_bytes);

  uint64_t total = 0, hits = 0, stale = 0;
  double previous = -1;
  for (const IntervalRow& row : r.timeseries) {
    CHECK(row.time_s > previous);  // time never goes backwards
    previous = row.time_s;
    CHECK(row.cache_bytes <= w.cache.capacity_bytes);
    CHECK(row.reads == row.hits + row.misses + row.errors);
    total += row.requests;
    hits += row.hits;
    stale += row.stale_reads;
  }
  CHECK(total == s.requests.total);
  CHECK(hits == s.cache.hits);
  CHECK(stale == s.staleness.stale_reads);
  CHECK(r.timeseries.size() >= 20);
}

TEST_CASE("equal inputs give equal runs, and another seed gives another run",
          "[sim][model][determinism]") {
  WorldConfig w = BaseWorld(2000, Duration::Seconds(5));
  w.workload.write_fraction = 0.02;
  w.cache.rtt = Exponential(200e3);
  w.database.read_service = Exponential(5e6);
  const RunResult a = RunSimulation(w, StackConfig{});
  const RunResult b = RunSimulation(w, StackConfig{});
  CHECK(a.summary.latency_ms.p99 == b.summary.latency_ms.p99);
  CHECK(a.summary.cache.hits == b.summary.cache.hits);
  CHECK(a.summary.db.mean_wait_ms == b.summary.db.mean_wait_ms);
  w.seed = 8;
  const RunResult c = RunSimulation(w, StackConfig{});
  CHECK(c.summary.requests.total != a.summary.requests.total);
}

TEST_CASE("a hot key expiring under load causes a stampede of concurrent loads",
          "[sim][model][stampede]") {
  // One key at 1000 reads/s, a 50 ms load: after each expiry about 50 reads
  // miss before the first load fills the cache.
  WorldConfig w = BaseWorld(1000, Duration::Seconds(10));
  w.workload.keys = 1;
  w.database.connections = 100;
  w.database.read_service = Constant(50e6);
  const RunResult r = RunSimulation(w, CacheAsideWithTtl(Duration::Seconds(1)));
  CHECK(r.summary.stampede.max_concurrent_loads > 10);
  CHECK(r.summary.stampede.episodes >= 9);  // one per expiry, about every 1.05 s
  // Each episode has one first load; every other load in it is a duplicate.
  const auto& sizes = r.summary.stampede.size_counts;
  const uint64_t all_episodes = std::accumulate(sizes.begin(), sizes.end(), uint64_t{0});
  CHECK(r.summary.stampede.duplicate_loads == r.summary.db.reads - all_episodes);
}

TEST_CASE("with instant loads no two loads of a key overlap", "[sim][model][stampede]") {
  WorldConfig w = BaseWorld(1000, Duration::Seconds(5));
  w.workload.keys = 1;
  const RunResult r = RunSimulation(w, CacheAsideWithTtl(Duration::Millis(100)));
  CHECK(r.summary.stampede.max_concurrent_loads == 1);
  CHECK(r.summary.stampede.duplicate_loads == 0);
  CHECK(r.summary.stampede.episodes == 0);
}

TEST_CASE("a read that loads the old row and fills after the delete leaves a stale entry",
          "[sim][model][staleness]") {
  // Slow reads (40 ms) and fast writes (1 ms) on few keys: a write that
  // commits while a miss is loading deletes nothing, then the load sets the
  // old version, served until the TTL ends. Nothing in the model special-cases this.
  WorldConfig w = BaseWorld(400, Duration::Seconds(60));
  w.workload.keys = 20;
  w.workload.write_fraction = 0.05;
  w.cache.rtt = Constant(500e3);
  w.database.read_service = Constant(40e6);
  w.database.write_service = Constant(1e6);
  const RunResult r = RunSimulation(w, CacheAsideWithTtl(Duration::Seconds(30)));
  CHECK(r.summary.staleness.stale_reads > 0);
  // Served until the entry expires: ages far beyond the write's own latency.
  CHECK(r.summary.staleness.max_age_ms > 1000);

  // Without writes nothing can be stale.
  w.workload.write_fraction = 0;
  const RunResult clean = RunSimulation(w, CacheAsideWithTtl(Duration::Seconds(30)));
  CHECK(clean.summary.staleness.stale_reads == 0);
}

TEST_CASE("a run told to stop when unstable ends its arrivals once the verdict is certain",
          "[sim][model][stop]") {
  // 8 connections of 10 ms serve 800 queries a second; 2,000 arrive, every
  // read a query. After duration / offered load = 60 s / 2.5 = 24 s the
  // queries issued exceed what the whole run could serve.
  WorldConfig w = BaseWorld(2000, Duration::Seconds(60));
  w.cache.enabled = false;
  w.database.read_service = Constant(10e6);
  w.database.queue_limit = 1000;
  w.metrics.interval = Duration::Seconds(2);
  const RunResult full = RunSimulation(w, StackConfig{});
  CHECK(full.stopped_early.empty());
  CHECK(full.summary.db.verdict == "unstable: arrival rate above capacity");
  CHECK(full.summary.db.offered_load == Approx(2.5).epsilon(0.02));

  RunOptions stop;
  stop.stop.when_unstable = true;
  const RunResult early = RunSimulation(w, StackConfig{}, stop);
  const std::string prefix = "database unstable at ";
  REQUIRE(early.stopped_early.rfind(prefix, 0) == 0);
  // Arrivals ended at the first 2 s tick where the queries reached 48,000:
  // about 24 s, give or take the Poisson arrivals' noise.
  const double at_s = std::stod(early.stopped_early.substr(prefix.size()));
  CHECK(at_s >= 22);
  CHECK(at_s <= 26);
  CHECK(static_cast<double>(early.summary.requests.total) == Approx(2000 * at_s).epsilon(0.02));
  CHECK(early.summary.requests.total ==
        early.summary.cache.hits + early.summary.cache.misses + early.summary.cache.errors);
  CHECK(early.summary.db.verdict == "unstable: arrival rate above capacity");

  // A stable run is never stopped by the rule, and is unchanged by it.
  WorldConfig calm = w;
  calm.workload.rate.rps = 400;
  const RunResult plain = RunSimulation(calm, StackConfig{});
  const RunResult watched = RunSimulation(calm, StackConfig{}, stop);
  CHECK(watched.stopped_early.empty());
  CHECK(watched.summary.requests.total == plain.summary.requests.total);
  CHECK(watched.summary.latency_ms.p99 == plain.summary.latency_ms.p99);

  // A cancel flag already set stops arrivals at the first tick.
  std::atomic<bool> cancel{true};
  RunOptions cancelled;
  cancelled.stop.cancel = &cancel;
  const RunResult c = RunSimulation(calm, StackConfig{}, cancelled);
  CHECK(c.stopped_early == "cancelled at 2 s");
  CHECK(c.summary.requests.total == Approx(400 * 2).epsilon(0.1));
}

namespace {

// Two key classes of 10 uniform keys each, half the requests each.
WorldConfig TwoClasses(double rps, Duration duration) {
  WorldConfig w = BaseWorld(rps, duration);
  WorkloadConfig::KeyClass a, b;
  // (std::string(...): GCC 12 warns -Wstringop-overflow on = "a" into this struct.)
  a.name = std::string(1, 'a');
  b.name = std::string(1, 'b');
  a.keys = b.keys = 10;
  a.popularity = b.popularity = WorkloadConfig::Popularity::kUniform;
  a.value_size = b.value_size = Constant(1000);
  w.workload.classes = {a, b};
  w.workload.keys = 20;
  w.database.classes = KeyClassMap(w.workload);
  return w;
}

}  // namespace

TEST_CASE("a key class's own TTL sets its fills' TTL, the policy's the others'",
          "[sim][model][classes]") {
  // Class a keeps the policy's 1 s TTL, class b its own hour; 200 reads/s per key.
  WorldConfig w = TwoClasses(4000, Duration::Seconds(20));
  w.workload.classes[1].ttl = Duration::Seconds(3600);
  w.database.read_service = Constant(1e6);  // 1 ms loads
  const Summary s = RunSimulation(w, CacheAsideWithTtl(Duration::Seconds(1))).summary;
  REQUIRE(s.classes.size() == 2);
  CHECK(s.classes[0].name == "a");
  // a: a load per key per TTL + load time, 10 keys over 20 s: about 198 misses
  // (plus the reads that arrive during each 1 ms load, ~0.2 per load).
  CHECK(s.classes[0].misses >= 190);
  CHECK(s.classes[0].misses <= 260);
  // b: each key loaded once (and the reads during its first load).
  CHECK(s.classes[1].misses >= 10);
  CHECK(s.classes[1].misses <= 20);
  CHECK(s.classes[0].reads + s.classes[1].reads == s.requests.reads);
  CHECK(s.classes[0].hits + s.classes[1].hits == s.cache.hits);
}

TEST_CASE("a key class's own database service time is the one its queries take",
          "[sim][model][classes]") {
  // No cache: every read is a query, a: 10 ms, b: 50 ms, connections to spare.
  WorldConfig w = TwoClasses(2000, Duration::Seconds(10));
  w.cache.enabled = false;
  w.database.connections = 1000;
  w.database.read_service = Constant(10e6);
  w.database.class_read = {nullptr, std::make_shared<DistributionConfig>(Constant(50e6))};
  w.database.class_write = {nullptr, nullptr};
  const Summary s = RunSimulation(w, StackConfig{}).summary;
  const double share_b =
      static_cast<double>(s.classes[1].reads) / static_cast<double>(s.requests.reads);
  CHECK(s.read_latency_ms.mean == Approx(10 + 40 * share_b).epsilon(0.001));
  CHECK(s.latency_ms.p50 >= 9.9);
  CHECK(s.latency_ms.max == Approx(50).epsilon(0.001));
}

TEST_CASE(
    "two classes keyed by the bare id share one entry per id, so the class that "
    "did not fill it reads the other's copy",
    "[sim][model][key_spelling]") {
  // 10 ids, two classes, no writes, nothing expires: each entry belongs to
  // whichever class missed first, and every read of the other class's row
  // with that id is answered with the wrong copy.
  WorldConfig w = TwoClasses(2000, Duration::Seconds(20));
  for (WorkloadConfig::KeyClass& c : w.workload.classes) c.key.namespaced = false;
  const Summary s = RunSimulation(w, CacheAsideWithTtl(Duration())).summary;
  CHECK(s.cache.peak_items == 10);
  CHECK(s.cache.misses == 10);  // one load per id, by whichever class came first
  const double reads = static_cast<double>(s.requests.reads);
  // Half the reads (the other class's) are wrong, within 5 binomial sd.
  CHECK(std::abs(static_cast<double>(s.staleness.wrong_reads) - reads / 2) <
        5 * std::sqrt(reads / 4) + 10);
  CHECK(s.classes[0].wrong_reads + s.classes[1].wrong_reads == s.staleness.wrong_reads);
  CHECK(s.staleness.stale_reads == 0);

  // Namespaced, the same traffic fills 20 entries and reads nothing wrong.
  for (WorkloadConfig::KeyClass& c : w.workload.classes) c.key.namespaced = true;
  const Summary n = RunSimulation(w, CacheAsideWithTtl(Duration())).summary;
  CHECK(n.cache.peak_items == 20);
  CHECK(n.staleness.wrong_reads == 0);
}

TEST_CASE(
    "deletes by id of unpredictable keys change nothing: the reads are those of a "
    "write path that deletes nothing",
    "[sim][model][key_spelling]") {
  WorldConfig w = TwoClasses(2000, Duration::Seconds(30));
  for (WorkloadConfig::KeyClass& c : w.workload.classes) {
    c.write_fraction = 0.05;
    c.key.predictable = false;
  }
  StackConfig invalidate = CacheAsideWithTtl(Duration::Seconds(10));
  StackConfig write_around = invalidate;
  write_around.write.name = "write-around";
  const Summary a = RunSimulation(w, invalidate).summary;
  const Summary b = RunSimulation(w, write_around).summary;
  CHECK(a.cache.deletes > 1000);  // every write still sends its DEL ...
  CHECK(b.cache.deletes == 0);
  CHECK(a.cache.hits == b.cache.hits);  // ... which finds nothing
  CHECK(a.staleness.stale_reads == b.staleness.stale_reads);
  CHECK(a.staleness.stale_reads > 100);
  // Stale until the entry's 10 s TTL ends, never longer.
  CHECK(a.staleness.max_age_ms <= 10'000);
  CHECK(a.staleness.max_age_ms > 5'000);

  // Predictable keys: the deletes land and the stale reads all but vanish.
  for (WorkloadConfig::KeyClass& c : w.workload.classes) c.key.predictable = true;
  const Summary p = RunSimulation(w, invalidate).summary;
  CHECK(p.staleness.stale_reads < a.staleness.stale_reads / 10);
}
