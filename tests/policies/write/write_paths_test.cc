// The write paths compared on identical traffic: the same seed gives the same
// arrivals, keys and service times, so every difference below comes from the
// policy. The world has few keys read often and written now and then, slow
// database reads, fast writes and a TTL much longer than the gap between two
// writes of a key.
#include <catch2/catch.hpp>
#include <string>

#include "policies/run.h"
#include "tests/support/distributions.h"
#include "tests/support/world.h"

using namespace cachelab;
using test::Constant;
using test::Exponential;

namespace {

constexpr uint64_t kKeys = 20;
constexpr double kRps = 1000;
constexpr double kWriteFraction = 0.05;
constexpr double kDbReadMs = 20;
constexpr double kRttMs = 0.5;
const Duration kTtl = Duration::Seconds(10);

// 1,000 requests/s over 20 equally popular keys, 5 % writes: per key 47.5
// reads/s and 2.5 writes/s (a write every 0.4 s on average, 25 per TTL).
// DB reads take 20 ms, writes 1 ms, a cache round trip 0.5 ms; enough
// connections that nothing queues for long.
WorldConfig ReadMostlyWorld() {
  return test::TestWorld("write-paths", 11)
      .Rps(kRps)
      .Keys(kKeys)
      .Writes(kWriteFraction)
      .RttMs(kRttMs)
      .DbReadMs(kDbReadMs);
}

StackConfig Stack(const std::string& write, Duration ttl = kTtl) {
  test::TestStack s(ttl);
  s.Use(Role::kWrite, write);
  if (write == "write-through") s.Set(Role::kWrite, "ttl", ttl);
  return s;
}

}  // namespace

TEST_CASE(
    "write-around serves stale reads until the TTL ends, invalidate-on-write only after races",
    "[policies][write]") {
  const WorldConfig w = ReadMostlyWorld();
  const Summary around = RunSimulation(w, Stack("write-around")).summary;
  const Summary invalidate = RunSimulation(w, Stack("invalidate-on-write")).summary;
  INFO("stale reads: write-around " << around.staleness.stale_reads << " (max age "
                                    << around.staleness.max_age_ms << " ms), invalidate-on-write "
                                    << invalidate.staleness.stale_reads << " (max age "
                                    << invalidate.staleness.max_age_ms << " ms)");
  REQUIRE(around.requests.writes == invalidate.requests.writes);  // identical traffic
  REQUIRE(around.requests.writes > 0);

  // Write-around: once a key is written, every hit on its entry is stale
  // until the entry expires. A key is written every 0.4 s on average and its
  // entry lives 10 s, so it is stale for about 1 - 0.4 / 10 = 96 % of its
  // life: nearly every read is stale.
  CHECK(around.staleness.stale_read_ratio > 0.8);
  // Invalidate-on-write is stale only after the race (a write commits while
  // a miss loads the old row, 20 ms, probability about 2.5/s * 20 ms = 5 %
  // per miss) and then until the next write deletes it (0.4 s): a few %.
  CHECK(invalidate.staleness.stale_read_ratio < 0.1);
  CHECK(around.staleness.stale_reads > 8 * invalidate.staleness.stale_reads);

  // The worst write-around read comes just before the expiry of an entry
  // filled just before a write: its age approaches the TTL. It cannot exceed
  // the TTL plus the load that filled the entry and the read's round trip.
  const double ttl_ms = kTtl.millis();
  CHECK(around.staleness.max_age_ms > 0.9 * ttl_ms);
  CHECK(around.staleness.max_age_ms <= ttl_ms + kDbReadMs + 2 * kRttMs);
  // With invalidation the next write ends a stale window: far below the TTL.
  CHECK(invalidate.staleness.max_age_ms < 0.5 * ttl_ms);
}

TEST_CASE(
    "write-through keeps written keys cached where invalidate-on-write makes the next read miss",
    "[policies][write]") {
  const WorldConfig w = ReadMostlyWorld();
  const Summary through = RunSimulation(w, Stack("write-through")).summary;
  const Summary invalidate = RunSimulation(w, Stack("invalidate-on-write")).summary;
  INFO("DB reads: write-through " << through.db.reads << ", invalidate-on-write "
                                  << invalidate.db.reads << ", writes "
                                  << invalidate.requests.writes);
  REQUIRE(through.requests.writes == invalidate.requests.writes);

  // Invalidate-on-write: every write deletes the entry, and a key is read
  // 19 times as often as it is written, so almost every write (19/20 = 95 %)
  // is followed by a read miss and a DB load before the next write (more
  // than one load, in fact, when further reads arrive during the 20.5 ms
  // load: about one more at 47.5 reads/s).
  CHECK(static_cast<double>(invalidate.db.reads) >
        0.8 * static_cast<double>(invalidate.requests.writes));
  // Write-through: a write refreshes the entry and its TTL, and a key goes
  // 10 s without a write with probability exp(-25): the only misses are the
  // cold start, one load per key plus the reads arriving during that 20.5 ms
  // load (about one more at 47.5 reads/s).
  CHECK(through.cache.misses <= 3 * kKeys);
  CHECK(through.db.reads * 10 < invalidate.db.reads);
  CHECK(through.cache.hit_ratio > invalidate.cache.hit_ratio);
}

TEST_CASE("with write-through, reads that cannot race a write are never stale",
          "[policies][write]") {
  // No concurrency between a read and a write: zero round trips and instant
  // DB reads make every read complete at the instant it arrives, and the
  // write-through set lands at the instant the write commits. So every read
  // after a commit sees the committed version.
  WorldConfig w = ReadMostlyWorld();
  w.cache.rtt = Constant(0);
  w.database.read_service = Constant(0);
  const Summary through = RunSimulation(w, Stack("write-through")).summary;
  const Summary around = RunSimulation(w, Stack("write-around")).summary;
  INFO("stale reads: write-through " << through.staleness.stale_reads << ", write-around "
                                     << around.staleness.stale_reads);
  REQUIRE(through.requests.writes > 0);
  CHECK(through.staleness.stale_reads == 0);
  // The same writes without the cache update do leave stale entries: the
  // zero above is the policy's doing, not a lack of writes to cached keys.
  CHECK(around.staleness.stale_reads > 0);
}

TEST_CASE("write-through and write-around read the DB once per miss or error in a failing world",
          "[policies][write]") {
  const std::string write = GENERATE(as<std::string>{}, "write-through", "write-around");
  // A busy, failing world: evictions, a cache outage and random latencies.
  WorldConfig w = ReadMostlyWorld();
  w.duration = Duration::Seconds(20);
  w.workload.keys = 20'000;
  w.workload.popularity = WorkloadConfig::Popularity::kZipf;
  w.workload.missing_fraction = 0.02;
  w.instances.count = 3;
  w.cache.capacity_bytes = 4 << 20;  // below the working set
  w.cache.rtt = Exponential(300e3);
  w.cache.faults.push_back(
      {FaultWindowConfig::Kind::kDown, Duration::Seconds(8), Duration::Seconds(2)});
  w.database.read_service = Exponential(2e6);
  w.database.write_service = Exponential(3e6);
  const Summary s = RunSimulation(w, Stack(write, Duration::Seconds(5))).summary;
  INFO(write);
  CHECK(s.requests.total == s.requests.reads + s.requests.writes);
  CHECK(s.requests.reads == s.cache.hits + s.cache.misses + s.cache.errors);
  CHECK(s.cache.errors > 0);
  // The write path never reads the DB, so reads are still one per miss or error.
  CHECK(s.db.reads == s.cache.misses + s.cache.errors);
  CHECK(s.db.writes == s.requests.writes);
  // A failed cache set or none at all: writes still succeed (no queue timeout).
  CHECK(s.requests.failed == 0);
  CHECK(s.cache.peak_bytes <= w.cache.capacity_bytes);
}
