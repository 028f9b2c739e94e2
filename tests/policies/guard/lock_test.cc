// The lock guard against no guard on the same hot-key traffic (same seed:
// same arrivals and service times): a SETNX lock in the shared cache lets one
// reader of the whole fleet load an expired key while the others sleep and
// retry, so each expiry costs one DB read instead of a stampede.
#include <catch2/catch.hpp>

#include "tests/policies/guard/hot_key.h"
#include "tests/support/world.h"

using namespace cachelab;
using namespace cachelab::test;

namespace {

const Duration kRetry = Duration::Millis(10);  // the module's default

void CheckConservation(const Summary& s) {
  CHECK(s.requests.reads == s.cache.hits + s.cache.misses + s.cache.errors);
  CHECK(s.requests.failed == 0);
}

}  // namespace

TEST_CASE("a lock lets one reader refill an expired hot key where no guard lets every miss load",
          "[policies][guard][lock]") {
  const uint32_t instances = GENERATE(1u, 4u);
  CAPTURE(instances);
  const WorldConfig w = HotKeyWorld(instances);
  const Summary none = RunSimulation(w, GuardStack("none")).summary;
  const Summary lock = RunSimulation(w, GuardStack("lock")).summary;
  INFO("max concurrent loads: none " << none.stampede.max_concurrent_loads << ", lock "
                                     << lock.stampede.max_concurrent_loads);
  INFO("DB reads: none " << none.db.reads << ", lock " << lock.db.reads);
  INFO("latency p99 / max ms: none " << none.latency_ms.p99 << " / " << none.latency_ms.max
                                     << ", lock " << lock.latency_ms.p99 << " / "
                                     << lock.latency_ms.max);
  REQUIRE(none.requests.reads == lock.requests.reads);  // identical traffic
  CheckConservation(none);
  CheckConservation(lock);

  // No guard: the reads arriving during one load time all miss, about
  // 2,000/s * 50 ms = 100 per expiry; at least half of them overlap.
  CHECK(static_cast<double>(none.stampede.max_concurrent_loads) >
        0.5 * kHotRps * kHotDbReadMs / 1000);
  // The lock is in the shared cache: one load at a time across the fleet.
  CHECK(lock.stampede.max_concurrent_loads == 1);
  CHECK(lock.stampede.episodes == 0);
  CHECK(lock.db.reads >= MinExpiryLoads());
  CHECK(lock.db.reads <= MaxExpiryLoads());
  CHECK(none.db.reads > 20 * lock.db.reads);
  CHECK(lock.guard.waits > 0);
  CHECK(lock.guard.gave_up == 0);

  // A waiter sleeps at most one retry interval past the fill, and a retry
  // costs a GET and a SETNX: its latency stays under the load time plus one
  // interval and a few round trips. Without a guard the 100 loads queue for
  // 16 connections and the last ones wait far longer.
  const double bound = kHotDbReadMs + kRetry.millis() + 6 * kHotRttMs;
  CHECK(lock.latency_ms.p99 < bound);
  CHECK(lock.latency_ms.max < bound);
  CHECK(none.latency_ms.max > bound);
}

TEST_CASE("a reader that runs out of lock retries loads by itself", "[policies][guard][lock]") {
  // With no retries allowed every reader that finds the lock taken loads at
  // once: the lock no longer prevents overlapping loads.
  const WorldConfig w = HotKeyWorld();
  Params p;
  p.Set("max_retries", int64_t{0});
  const Summary impatient = RunSimulation(w, GuardStack("lock", p)).summary;
  const Summary patient = RunSimulation(w, GuardStack("lock")).summary;
  INFO("gave up " << impatient.guard.gave_up << ", DB reads " << impatient.db.reads << " vs "
                  << patient.db.reads);
  CheckConservation(impatient);
  CHECK(impatient.guard.waits == 0);
  CHECK(impatient.guard.gave_up > 0);
  CHECK(impatient.stampede.max_concurrent_loads > 1);
  // Every load is either a give-up or the lock holder's, at most one per expiry.
  CHECK(impatient.db.reads > patient.db.reads);
  CHECK(impatient.db.reads - impatient.guard.gave_up <= MaxExpiryLoads());
}

namespace {

// DB loads per load episode: every episode (a key's first load, or a reload
// after its entry expired) needs one load; the guard decides how many more.
double LoadsPerEpisode(const Summary& s, uint64_t keys) {
  return static_cast<double>(s.db.reads) / static_cast<double>(s.cache.expirations + keys);
}

// Several hot keys read by several instances with random round trips and
// load times: 5,000 reads/s over 20 Zipf keys (the hottest about 1,400 a
// second), 4 instances, exponential round trips of 0.3 ms on average and
// loads of 20 ms, entries cached for 1 s: every key expires about 19 times,
// with tens of readers waiting on each reload.
WorldConfig BusyExpiryWorld() {
  WorldConfig w = TestWorld("busy-expiry", 17)
                      .Lasting(Duration::Seconds(20))
                      .Rps(5000)
                      .Keys(20)
                      .Zipf()
                      .Instances(4);
  w.cache.rtt = Exponential(0.3e6);
  w.database.read_service = Exponential(20e6);
  return w;
}

}  // namespace

TEST_CASE("a lock costs as many DB loads per expiry as a lease", "[policies][guard][lock][lease]") {
  // A reader whose GET missed just before another reader's fill, and whose
  // SETNX came just after that reader released the lock, holds a fresh lock
  // on a filled key: it must look at the cache again rather than load. With
  // that second look a lock loads once per episode, as a lease does (the
  // lease's GET and token are one atomic step).
  //
  // The hot-key world's round trips are constant, so there a GET that came
  // before the fill has its SETNX arrive before the release (the holder
  // releases one round trip after its fill): the race needs random round
  // trips, as in the busy world.
  struct Case {
    const char* name;
    WorldConfig config;
    uint64_t keys;
  };
  const Case cases[] = {{"hot key, 1 instance", HotKeyWorld(1), 1},
                        {"hot key, 4 instances", HotKeyWorld(4), 1},
                        {"20 keys, 4 instances", BusyExpiryWorld(), 20}};
  for (const Case& c : cases) {
    const Summary lock = RunSimulation(c.config, GuardStack("lock")).summary;
    const Summary lease = RunSimulation(c.config, GuardStack("lease")).summary;
    const double lock_loads = LoadsPerEpisode(lock, c.keys);
    const double lease_loads = LoadsPerEpisode(lease, c.keys);
    INFO(c.name << ": DB loads per episode: lock " << lock_loads << " (" << lock.db.reads
                << " loads, " << lock.cache.expirations << " expiries), lease " << lease_loads
                << " (" << lease.db.reads << " loads, " << lease.cache.expirations << " expiries)");
    REQUIRE(lock.requests.reads == lease.requests.reads);  // identical traffic
    REQUIRE(lock.cache.expirations > 10 * c.keys);
    CHECK(lock.guard.gave_up == 0);
    CHECK(lease.guard.gave_up == 0);
    CHECK(lock_loads == Approx(lease_loads).epsilon(0.02));
  }
}

TEST_CASE("a lock holder that dies blocks the key's readers until the lock's TTL",
          "[policies][guard][lock]") {
  // Holders die 20% of the time; readers retry (nearly) forever, as in the
  // article, so the lock's TTL is what frees the key.
  const WorldConfig w = HotKeyWorld();
  auto run = [&](double crash, Duration lock_ttl) {
    Params p;
    p.Set("holder_crash", crash);
    p.Set("lock_ttl", lock_ttl);
    p.Set("max_retries", int64_t{1'000'000});
    return RunSimulation(w, GuardStack("lock", p)).summary;
  };
  const Summary healthy = run(0, Duration::Seconds(10));
  const Summary crashes = run(0.2, Duration::Millis(400));
  const Summary longer = run(0.2, Duration::Millis(800));
  INFO("failed " << crashes.requests.failed << ", max ms " << crashes.latency_ms.max << " / "
                 << longer.latency_ms.max);
  CHECK(healthy.requests.failed == 0);
  // Each crash fails its own read, and only that one.
  CHECK(crashes.requests.failed > 0);
  CHECK(crashes.requests.reads == crashes.cache.hits + crashes.cache.misses + crashes.cache.errors);
  // A reader that arrived just after a crash waits out (nearly) the whole lock
  // TTL; when the next holder dies too it waits another one: at most one TTL
  // per crash, plus one retry, a load and round trips each.
  const double slack = kRetry.millis() + kHotDbReadMs + 6 * kHotRttMs;
  const double n = static_cast<double>(crashes.requests.failed);
  CHECK(crashes.latency_ms.max > 400 - slack);
  CHECK(crashes.latency_ms.max < n * (400 + slack));
  CHECK(longer.latency_ms.max > 800 - slack);
  CHECK(longer.latency_ms.max < static_cast<double>(longer.requests.failed) * (800 + slack));
  CHECK(longer.latency_ms.max > crashes.latency_ms.max);
  CHECK(healthy.latency_ms.max < kHotDbReadMs + slack);
  CHECK(crashes.guard.waits > healthy.guard.waits);
}
