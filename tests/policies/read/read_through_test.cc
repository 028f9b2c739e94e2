// Read-through against cache-aside on identical traffic: the same entries are
// filled at the same instants, so the hits and misses are the same; only the
// caller's wait on a miss differs, by the set round trip read-through does not
// pay.
#include <catch2/catch.hpp>
#include <string>

#include "policies/run.h"
#include "tests/support/distributions.h"
#include "tests/support/world.h"

using namespace cachelab;
using test::Constant;
using test::Exponential;

namespace {

constexpr double kRttMs = 1;
constexpr double kDbReadMs = 20;

// Reads only (so the latency statistics are those of reads), Zipf keys and a
// 1 s TTL, so entries keep expiring and misses keep coming; constant round
// trip and DB time, and far more connections than concurrent loads, so a
// request's latency is a sum of constants.
WorldConfig ReadOnlyWorld() {
  return test::TestWorld("read-through", 5)
      .Lasting(Duration::Seconds(30))
      .Rps(2000)
      .Keys(5000)
      .Zipf()
      .ValueBytes(500)
      .RttMs(kRttMs)
      .Connections(1000)
      .DbReadMs(kDbReadMs);
}

StackConfig Stack(const std::string& read, Duration ttl) {
  return test::TestStack(ttl).Use(Role::kRead, read).Set(Role::kRead, "ttl", ttl);
}

// Mean latency of misses in ms, from the mean over all reads: every hit
// takes exactly one round trip, the rest of the latency sum is the misses'.
double MeanMissLatencyMs(const Summary& s) {
  const double total_ms = s.latency_ms.mean * static_cast<double>(s.requests.reads);
  const double hits_ms = kRttMs * static_cast<double>(s.cache.hits);
  return (total_ms - hits_ms) / static_cast<double>(s.cache.misses);
}

}  // namespace

TEST_CASE("read-through hits as often as cache-aside and saves one round trip per miss",
          "[policies][read]") {
  const WorldConfig w = ReadOnlyWorld();
  const Summary aside = RunSimulation(w, Stack("cache-aside", Duration::Seconds(1))).summary;
  const Summary through = RunSimulation(w, Stack("read-through", Duration::Seconds(1))).summary;
  const double aside_miss_ms = MeanMissLatencyMs(aside);
  const double through_miss_ms = MeanMissLatencyMs(through);
  INFO("hit ratio: cache-aside " << aside.cache.hit_ratio << ", read-through "
                                 << through.cache.hit_ratio << "; mean miss latency: cache-aside "
                                 << aside_miss_ms << " ms, read-through " << through_miss_ms
                                 << " ms");
  REQUIRE(aside.requests.reads == through.requests.reads);  // identical traffic
  REQUIRE(aside.cache.misses > 1000);
  REQUIRE(aside.db.mean_wait_ms == 0);  // no queueing: latencies are sums of constants
  REQUIRE(through.db.mean_wait_ms == 0);

  // Both fill an entry when its load returns, get RTT + DB time after the
  // miss, so the cache holds the same entries at every instant.
  CHECK(through.cache.hits == aside.cache.hits);
  CHECK(through.cache.misses == aside.cache.misses);
  CHECK(through.db.reads == aside.db.reads);

  // A cache-aside miss waits get RTT + DB + set RTT; a read-through miss
  // waits get RTT + DB, the fill being the cache's own business.
  CHECK(aside_miss_ms == Approx(2 * kRttMs + kDbReadMs).epsilon(1e-9));
  CHECK(through_miss_ms == Approx(kRttMs + kDbReadMs).epsilon(1e-9));
  CHECK(aside_miss_ms - through_miss_ms == Approx(kRttMs).epsilon(1e-6));
  // The fills still reach the server: one set per miss of an existing key.
  CHECK(through.cache.sets == aside.cache.sets);
}

TEST_CASE("read-through obeys the conservation laws and falls through to the DB on cache errors",
          "[policies][read]") {
  WorldConfig w = ReadOnlyWorld();
  w.duration = Duration::Seconds(20);
  w.workload.rate.rps = 3000;
  w.workload.keys = 20'000;
  w.workload.write_fraction = 0.05;
  w.workload.missing_fraction = 0.02;
  w.workload.value_size = Constant(1000);
  w.instances.count = 3;
  w.cache.capacity_bytes = 4 << 20;  // below the working set: evictions
  w.cache.rtt = Exponential(300e3);
  w.cache.faults.push_back(
      {FaultWindowConfig::Kind::kDown, Duration::Seconds(8), Duration::Seconds(2)});
  w.database.connections = 16;
  w.database.read_service = Exponential(2e6);
  w.database.write_service = Exponential(3e6);
  const Summary s = RunSimulation(w, Stack("read-through", Duration::Seconds(5))).summary;
  CHECK(s.requests.total == s.requests.reads + s.requests.writes);
  CHECK(s.requests.reads == s.cache.hits + s.cache.misses + s.cache.errors);
  CHECK(s.cache.errors > 0);      // the outage was hit
  CHECK(s.cache.evictions > 0);   // the cache is too small
  CHECK(s.requests.failed == 0);  // errors fell through to the DB
  // One load per miss or cache error, as in cache-aside.
  CHECK(s.db.reads == s.cache.misses + s.cache.errors);
  CHECK(s.db.writes == s.requests.writes);
  CHECK(s.cache.peak_bytes <= w.cache.capacity_bytes);
}
