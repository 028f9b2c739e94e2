// The lease guard against no guard on the same hot-key traffic: the cache
// server hands out one lease token per key per period, so one reader of the
// whole fleet loads an expired key and the others wait and retry.
#include <catch2/catch.hpp>

#include "tests/policies/guard/hot_key.h"

using namespace cachelab;
using namespace cachelab::test;

TEST_CASE("a lease lets one reader refill an expired hot key where no guard lets every miss load",
          "[policies][guard][lease]") {
  const uint32_t instances = GENERATE(1u, 4u);
  CAPTURE(instances);
  const WorldConfig w = HotKeyWorld(instances);
  const Summary none = RunSimulation(w, GuardStack("none")).summary;
  const Summary lease = RunSimulation(w, GuardStack("lease")).summary;
  INFO("max concurrent loads: none " << none.stampede.max_concurrent_loads << ", lease "
                                     << lease.stampede.max_concurrent_loads);
  INFO("DB reads: none " << none.db.reads << ", lease " << lease.db.reads << ", leases issued "
                         << lease.guard.leases_issued);
  INFO("latency p99 / max ms: none " << none.latency_ms.p99 << " / " << none.latency_ms.max
                                     << ", lease " << lease.latency_ms.p99 << " / "
                                     << lease.latency_ms.max);
  REQUIRE(none.requests.reads == lease.requests.reads);  // identical traffic
  for (const Summary* s : {&none, &lease}) {
    CHECK(s->requests.reads == s->cache.hits + s->cache.misses + s->cache.errors);
    CHECK(s->requests.failed == 0);
  }

  CHECK(static_cast<double>(none.stampede.max_concurrent_loads) >
        0.5 * kHotRps * kHotDbReadMs / 1000);
  // The token is the cache server's: one loader at a time across the fleet.
  CHECK(lease.stampede.max_concurrent_loads == 1);
  CHECK(lease.stampede.episodes == 0);
  CHECK(lease.db.reads >= MinExpiryLoads());
  CHECK(lease.db.reads <= MaxExpiryLoads());
  // Nobody gave up, so every load was a token holder's.
  CHECK(lease.guard.gave_up == 0);
  CHECK(lease.db.reads == lease.guard.leases_issued);
  CHECK(lease.guard.waits > 0);
  CHECK(none.db.reads > 20 * lease.db.reads);

  // A waiter asks again every retry interval (10 ms by default) plus one
  // round trip, so it sees the fill at most that long after it landed.
  const double bound = kHotDbReadMs + 10 + 6 * kHotRttMs;
  CHECK(lease.latency_ms.p99 < bound);
  CHECK(lease.latency_ms.max < bound);
  CHECK(none.latency_ms.max > bound);
}

TEST_CASE("a reader without a lease that runs out of retries loads without filling",
          "[policies][guard][lease]") {
  // With no retries allowed every reader without a token loads at once, and
  // does not fill: it has no token to fill with.
  const WorldConfig w = HotKeyWorld();
  Params p;
  p.Set("max_retries", int64_t{0});
  const Summary impatient = RunSimulation(w, GuardStack("lease", p)).summary;
  INFO("gave up " << impatient.guard.gave_up << ", DB reads " << impatient.db.reads
                  << ", leases issued " << impatient.guard.leases_issued);
  CHECK(impatient.requests.reads ==
        impatient.cache.hits + impatient.cache.misses + impatient.cache.errors);
  CHECK(impatient.guard.waits == 0);
  CHECK(impatient.guard.gave_up > 0);
  CHECK(impatient.stampede.max_concurrent_loads > 1);
  // Loads are the token holders' plus the give-ups'.
  CHECK(impatient.db.reads == impatient.guard.leases_issued + impatient.guard.gave_up);
  // Only token holders fill, so the key still expires once per cycle.
  CHECK(impatient.guard.leases_issued >= MinExpiryLoads());
  CHECK(impatient.guard.leases_issued <= MaxExpiryLoads());
}
