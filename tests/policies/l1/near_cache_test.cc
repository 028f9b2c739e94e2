// The L1 near cache on several instances, on identical traffic (same seed):
// no L1, an L1 invalidated only on the writing instance (local), and one
// invalidated on every instance by a broadcast.
#include <catch2/catch.hpp>
#include <string>

#include "policies/run.h"
#include "tests/support/scenario_errors.h"
#include "tests/support/world.h"

using namespace cachelab;

namespace {

// 1,000 requests/s over 20 equally popular keys spread round-robin over 4
// instances, 2 % writes (a write of a given key every second on average);
// the shared cache is invalidated on write and the L1 keeps copies 60 s.
WorldConfig FleetWorld() {
  return test::TestWorld("l1", 13).Rps(1000).Keys(20).Writes(0.02).Instances(4).DbReadMs(5);
}

StackConfig Stack(const std::string& l1) {
  test::TestStack s(Duration::Seconds(600));
  s.Use(Role::kWrite, "invalidate-on-write").Use(Role::kL1, l1);
  if (l1 != "none") {
    s.Set(Role::kL1, "capacity", Bytes{1 << 20}).Set(Role::kL1, "ttl", Duration::Seconds(60));
  }
  if (l1 == "broadcast") s.Set(Role::kL1, "delay", Duration::Millis(1));
  return s;
}

}  // namespace

TEST_CASE("broadcast invalidation removes the cross-instance stale reads local invalidation leaves",
          "[policies][l1]") {
  const WorldConfig w = FleetWorld();
  const Summary none = RunSimulation(w, Stack("none")).summary;
  const Summary local = RunSimulation(w, Stack("local")).summary;
  const Summary broadcast = RunSimulation(w, Stack("broadcast")).summary;
  INFO("stale reads: no L1 " << none.staleness.stale_reads << ", local "
                             << local.staleness.stale_reads << " (max age "
                             << local.staleness.max_age_ms << " ms), broadcast "
                             << broadcast.staleness.stale_reads << " (max age "
                             << broadcast.staleness.max_age_ms << " ms)");
  REQUIRE(local.requests.writes == broadcast.requests.writes);
  REQUIRE(local.requests.writes > 0);
  // Local: after a write the three other instances keep the old copy for up
  // to 60 s while the key is written again every second: most of their reads
  // of it are stale.
  CHECK(local.staleness.stale_read_ratio > 0.5);
  // Broadcast: the other copies go 1 ms after the write; what is left are
  // reads that fetched the old value just before and stored it after.
  CHECK(local.staleness.stale_reads > 20 * broadcast.staleness.stale_reads);
  // Such a copy lasts until the key's next write is broadcast (a second on
  // average); a local copy lasts up to the 60 s L1 TTL.
  CHECK(broadcast.staleness.max_age_ms < 0.25 * local.staleness.max_age_ms);
  // One broadcast per write, one copy per instance.
  CHECK(broadcast.invalidation.published == broadcast.requests.writes);
  CHECK(broadcast.invalidation.delivered == 4 * broadcast.invalidation.published);
}

TEST_CASE("an L1 answers reads without the shared cache", "[policies][l1]") {
  const WorldConfig w = FleetWorld();
  const Summary none = RunSimulation(w, Stack("none")).summary;
  const Summary broadcast = RunSimulation(w, Stack("broadcast")).summary;
  INFO("shared-cache GETs: no L1 " << none.cache.gets << ", broadcast L1 " << broadcast.cache.gets
                                   << " (l1 hit ratio " << broadcast.l1.hit_ratio << "); hit ratio "
                                   << none.cache.hit_ratio << " vs " << broadcast.cache.hit_ratio);
  REQUIRE(none.requests.reads == broadcast.requests.reads);
  // Without an L1 every read GETs the shared cache; with one only L1 misses do.
  CHECK(none.cache.gets == none.requests.reads);
  CHECK(broadcast.cache.gets == broadcast.l1.misses);
  CHECK(broadcast.l1.hits + broadcast.l1.misses == broadcast.requests.reads);
  CHECK(broadcast.cache.gets * 2 < none.cache.gets);
  CHECK(broadcast.l1.hits > 0);
  // The hit ratio barely moves: here misses come from writes, and a write
  // empties both layers (shared delete, L1 broadcast) alike.
  CHECK(broadcast.cache.hit_ratio == Approx(none.cache.hit_ratio).epsilon(0.01));
}

TEST_CASE("L1 parameters out of range are input errors naming the pointer", "[policies][l1]") {
  CHECK(test::PolicyInputError("l1", R"({"name": "local", "params": {"capacity": "0B"}})") ==
        R"(x.json: /policies/l1/params/capacity: must be > 0, got "0B")");
  CHECK(test::PolicyInputError("l1", R"({"name": "broadcast", "params": {"ttl": "-1s"}})") ==
        R"(x.json: /policies/l1/params/ttl: must be >= 0, got "-1s")");
  CHECK(test::PolicyInputError("l1", R"({"name": "broadcast", "params": {"loss": 1.5}})") ==
        "x.json: /policies/l1/params/loss: must be a probability between 0 and 1, got 1.5");
}
