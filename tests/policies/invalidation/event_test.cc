// Event-based invalidation against TTL-only invalidation on identical traffic
// (same seed: same arrivals, keys and service times). The write path is
// write-around, which leaves the cache alone, so whatever removes an updated
// entry before its TTL is the invalidation role's doing.
#include <catch2/catch.hpp>
#include <cmath>
#include <string>

#include "policies/run.h"
#include "tests/support/scenario_errors.h"
#include "tests/support/world.h"

using namespace cachelab;

namespace {

const Duration kTtl = Duration::Seconds(10);

// 1,000 requests/s over 20 equally popular keys, 5 % writes (a write of a
// given key every 0.4 s on average, 25 per TTL); DB reads 20 ms, writes 1 ms,
// cache round trips 0.5 ms.
WorldConfig ReadMostlyWorld() {
  return test::TestWorld("event-invalidation", 7)
      .Rps(1000)
      .Keys(20)
      .Writes(0.05)
      .RttMs(0.5)
      .DbReadMs(20)
      .DbWriteMs(1);
}

StackConfig Stack(const std::string& invalidation, double loss = 0) {
  test::TestStack s(kTtl);
  s.Use(Role::kWrite, "write-around").Use(Role::kInvalidation, invalidation);
  if (invalidation != "ttl") {
    s.Set(Role::kInvalidation, "delay", Duration::Millis(10))
        .Set(Role::kInvalidation, "loss", loss);
  }
  return s;
}

}  // namespace

TEST_CASE("event invalidation cuts the stale reads TTL-only invalidation leaves",
          "[policies][invalidation][event]") {
  const WorldConfig w = ReadMostlyWorld();
  const Summary ttl = RunSimulation(w, Stack("ttl")).summary;
  const Summary event = RunSimulation(w, Stack("event")).summary;
  INFO("stale reads: ttl only " << ttl.staleness.stale_reads << " (max age "
                                << ttl.staleness.max_age_ms << " ms), event "
                                << event.staleness.stale_reads << " (max age "
                                << event.staleness.max_age_ms << " ms)");
  REQUIRE(ttl.requests.writes == event.requests.writes);
  REQUIRE(ttl.requests.writes > 0);
  // Every commit publishes one message; the one subscriber (the cache) gets
  // every copy when nothing is lost.
  CHECK(event.invalidation.published == event.db.writes);
  CHECK(event.invalidation.delivered == event.invalidation.published);
  CHECK(event.invalidation.lost == 0);
  // TTL only: after a write a key is stale until its entry expires (most of
  // its life, as writes come every 0.4 s and entries live 10 s). With events
  // it is stale for the 10 ms delivery plus the race of a fill that loaded
  // the old row during the 20 ms before the commit.
  CHECK(ttl.staleness.stale_reads > 10 * event.staleness.stale_reads);
  // A racing fill is stale until the key's next write is invalidated
  // (0.4 s on average), not until the end of the 10 s TTL.
  CHECK(event.staleness.max_age_ms < 0.5 * ttl.staleness.max_age_ms);
}

TEST_CASE("lost invalidations bring the stale reads back, more with more loss",
          "[policies][invalidation][event]") {
  const WorldConfig w = ReadMostlyWorld();
  const Summary ttl = RunSimulation(w, Stack("ttl")).summary;
  const Summary none = RunSimulation(w, Stack("event", 0.0)).summary;
  const Summary half = RunSimulation(w, Stack("event", 0.5)).summary;
  const Summary all = RunSimulation(w, Stack("event", 1.0)).summary;
  INFO("stale reads: loss 0: " << none.staleness.stale_reads << ", 0.5: "
                               << half.staleness.stale_reads << ", 1: " << all.staleness.stale_reads
                               << ", ttl only " << ttl.staleness.stale_reads);
  CHECK(none.staleness.stale_reads < half.staleness.stale_reads);
  CHECK(half.staleness.stale_reads < all.staleness.stale_reads);
  // About half the messages are lost at 0.5 (binomial: within 5 sigma).
  const double published = static_cast<double>(half.invalidation.published);
  CHECK(std::abs(static_cast<double>(half.invalidation.lost) - published / 2) <
        5 * std::sqrt(published / 4));
  // Losing every message is TTL-only invalidation, read for read.
  CHECK(all.invalidation.delivered == 0);
  CHECK(all.staleness.stale_reads == ttl.staleness.stale_reads);
  CHECK(all.cache.hits == ttl.cache.hits);
}

TEST_CASE("event parameters out of range are input errors naming the pointer",
          "[policies][invalidation][event]") {
  auto error = [](const std::string& params) {
    return test::PolicyInputError("invalidation", R"({"name": "event", "params": )" + params + "}");
  };
  CHECK(error(R"({"loss": 1.5})") ==
        "x.json: /policies/invalidation/params/loss: must be a probability between 0 and 1, got "
        "1.5");
  CHECK(error(R"({"delay": "-5ms"})") ==
        R"(x.json: /policies/invalidation/params/delay: must be >= 0, got "-5ms")");
  CHECK(error(R"({"loss": 1})") == "no error");
}
