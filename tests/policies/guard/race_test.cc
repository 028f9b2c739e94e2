// The cache-aside race, from latencies alone. With cache-aside and
// invalidate-on-write and no guard, a read that misses loads the row (50 ms);
// if a write commits and deletes the entry during that load, the read then
// fills the cache with the row it loaded, now old. When no other read missed
// between the delete and that fill (reads arriving after the commit load the
// new row and their fills come later), the old version stays cached until
// the next write deletes it or the TTL ends: far longer than any DB time.
//
// Leases close the race: the write's delete voids the reader's lease token,
// so its fill is rejected. What staleness remains is the answer in flight:
// a hit whose GET was served just before a commit, or a token holder's own
// answer, loaded before the commit; either is at most one load plus a round
// trip old.
#include <catch2/catch.hpp>

#include "policies/run.h"
#include "tests/support/distributions.h"
#include "tests/support/world.h"

using namespace cachelab;
using test::Constant;

namespace {

constexpr double kDbReadMs = 50;
constexpr double kRttMs = 0.5;
const Duration kTtl = Duration::Seconds(5);

// 10 equally hot keys, 500 requests/s, 2 % writes: per key 49 reads/s and a
// write every second on average (five per TTL). DB reads take 50 ms, writes
// 1 ms. A write lands in one of the key's loads (one after each write's
// delete, 50 ms) a few % of the time, and no read arrives between its delete
// and the stale fill in about a third of those races (49/s over at most
// 50 ms): over 1,200 writes, tens of races that stick.
WorldConfig RaceWorld() {
  return test::TestWorld("race", 5)
      .Lasting(Duration::Seconds(120))
      .Rps(500)
      .Keys(10)
      .Writes(0.02)
      .RttMs(kRttMs)
      .DbReadMs(kDbReadMs);
}

StackConfig Stack(const std::string& guard) {
  return test::TestStack(kTtl).Use(Role::kWrite, "invalidate-on-write").Use(Role::kGuard, guard);
}

}  // namespace

TEST_CASE("without a guard a load that overlaps a write leaves the old row cached for long",
          "[policies][guard][race]") {
  const WorldConfig w = RaceWorld();
  const Summary none = RunSimulation(w, Stack("none")).summary;
  // The same traffic with instant DB reads: no load is ever in flight when
  // a write commits, so no fill can follow a delete.
  WorldConfig instant = w;
  instant.database.read_service = Constant(0);
  const Summary quick = RunSimulation(instant, Stack("none")).summary;
  INFO("stale reads: " << none.staleness.stale_reads << " (max age " << none.staleness.max_age_ms
                       << " ms); with instant DB reads " << quick.staleness.stale_reads
                       << " (max age " << quick.staleness.max_age_ms << " ms)");
  REQUIRE(none.requests.writes > 0);
  REQUIRE(none.requests.writes == quick.requests.writes);  // identical traffic

  CHECK(none.staleness.stale_reads > 0);
  // A stuck entry is stale until the key's next write (a second on average,
  // exponentially distributed) or its TTL: over tens of races the longest
  // lasts seconds, twenty DB read times and more.
  CHECK(none.staleness.max_age_ms > 20 * kDbReadMs);
  // It cannot outlive the entry: the TTL after the fill, which came at most
  // one load after the commit, plus the read's round trip.
  CHECK(none.staleness.max_age_ms <= kTtl.millis() + kDbReadMs + 2 * kRttMs);
  // Without a load time there is no race: only hits in flight across a
  // commit are stale, by less than their round trip.
  CHECK(quick.staleness.max_age_ms <= 2 * kRttMs);
}

TEST_CASE("leases reject the stale fill, and a lock does not", "[policies][guard][race]") {
  const WorldConfig w = RaceWorld();
  const Summary none = RunSimulation(w, Stack("none")).summary;
  const Summary lease = RunSimulation(w, Stack("lease")).summary;
  const Summary lock = RunSimulation(w, Stack("lock")).summary;
  INFO("stale reads: none " << none.staleness.stale_reads << " (max age "
                            << none.staleness.max_age_ms << " ms), lease "
                            << lease.staleness.stale_reads << " (max age "
                            << lease.staleness.max_age_ms << " ms), lock "
                            << lock.staleness.stale_reads << " (max age "
                            << lock.staleness.max_age_ms << " ms)");
  INFO("lease sets rejected " << lease.guard.lease_sets_rejected << " of "
                              << lease.guard.leases_issued << " leases");
  REQUIRE(none.requests.writes == lease.requests.writes);  // identical traffic
  REQUIRE(none.requests.writes == lock.requests.writes);

  // The write's delete voided the token of every load it overlapped.
  CHECK(lease.guard.lease_sets_rejected > 0);
  CHECK(lease.staleness.stale_reads * 10 < none.staleness.stale_reads);
  // What is left is an answer in flight across a commit: a hit (one round
  // trip) or the token holder's load, answered after the LeaseSet's round
  // trip: never older than one load and two round trips.
  CHECK(lease.staleness.max_age_ms <= kDbReadMs + 2 * kRttMs);

  // A lock keeps loads apart but not away from writes: the holder's fill of
  // the old row lands after the delete like an unguarded one, and readers
  // waiting on the lock then hit it instead of loading the new row.
  CHECK(lock.staleness.max_age_ms > 20 * kDbReadMs);
}
