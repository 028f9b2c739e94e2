// The single-flight guard against no guard on the same hot-key traffic: an
// instance that already loads a key makes its other readers of the key wait
// for that load. Coalescing is per instance, so a fleet of N instances still
// loads an expired key up to N times at once.
#include <catch2/catch.hpp>

#include "tests/policies/guard/hot_key.h"

using namespace cachelab;
using namespace cachelab::test;

TEST_CASE("single-flight coalesces the misses of each instance into one load",
          "[policies][guard][single-flight]") {
  const uint32_t instances = GENERATE(1u, 4u);
  CAPTURE(instances);
  const WorldConfig w = HotKeyWorld(instances);
  const Summary none = RunSimulation(w, GuardStack("none")).summary;
  const Summary sf = RunSimulation(w, GuardStack("single-flight")).summary;
  INFO("max concurrent loads: none " << none.stampede.max_concurrent_loads << ", single-flight "
                                     << sf.stampede.max_concurrent_loads);
  INFO("DB reads: none " << none.db.reads << ", single-flight " << sf.db.reads << ", coalesced "
                         << sf.guard.coalesced_reads);
  INFO("latency p99 / max ms: none " << none.latency_ms.p99 << " / " << none.latency_ms.max
                                     << ", single-flight " << sf.latency_ms.p99 << " / "
                                     << sf.latency_ms.max);
  REQUIRE(none.requests.reads == sf.requests.reads);  // identical traffic
  for (const Summary* s : {&none, &sf}) {
    CHECK(s->requests.reads == s->cache.hits + s->cache.misses + s->cache.errors);
    CHECK(s->requests.failed == 0);
  }

  CHECK(static_cast<double>(none.stampede.max_concurrent_loads) >
        0.5 * kHotRps * kHotDbReadMs / 1000);
  CHECK(sf.stampede.max_concurrent_loads <= instances);
  // Every miss that did not load waited for a load of its instance.
  CHECK(sf.cache.misses == sf.db.reads + sf.guard.coalesced_reads);
  CHECK(sf.guard.coalesced_reads > 0);
  CHECK(sf.db.reads <= instances * MaxExpiryLoads());
  if (instances == 1) {
    CHECK(sf.stampede.max_concurrent_loads == 1);
    CHECK(sf.db.reads >= MinExpiryLoads());
  } else {
    // Requests are spread round-robin, so within a few arrivals of an expiry
    // every instance has a miss of its own: the loads of different instances
    // overlap.
    CHECK(sf.stampede.max_concurrent_loads > 1);
  }
  CHECK(none.db.reads > 20 * sf.db.reads / instances);

  // Waiters get the row the moment the load returns: no retry interval, so
  // no read takes longer than a GET, the load and the fill's round trip.
  const double bound = kHotDbReadMs + 3 * kHotRttMs;
  CHECK(sf.latency_ms.max <= bound);
  CHECK(none.latency_ms.max > bound);
}
