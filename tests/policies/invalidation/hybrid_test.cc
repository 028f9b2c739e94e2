// Hybrid invalidation: events plus a TTL cap. When every event is lost, the
// cap alone bounds how long an updated entry can be served.
#include <catch2/catch.hpp>
#include <string>

#include "policies/run.h"
#include "tests/support/scenario_errors.h"
#include "tests/support/world.h"

using namespace cachelab;

namespace {

const Duration kTtl = Duration::Seconds(10);
const Duration kMaxTtl = Duration::Seconds(1);
constexpr double kDbReadMs = 20;
constexpr double kRttMs = 0.5;

// As in event_test.cc: 1,000 requests/s over 20 keys, 5 % writes.
WorldConfig ReadMostlyWorld() {
  return test::TestWorld("hybrid-invalidation", 9)
      .Rps(1000)
      .Keys(20)
      .Writes(0.05)
      .RttMs(kRttMs)
      .DbReadMs(kDbReadMs);
}

StackConfig Stack(const std::string& invalidation, double loss) {
  test::TestStack s(kTtl);
  s.Use(Role::kWrite, "write-around")
      .Use(Role::kInvalidation, invalidation)
      .Set(Role::kInvalidation, "delay", Duration::Millis(10))
      .Set(Role::kInvalidation, "loss", loss);
  if (invalidation == "hybrid") s.Set(Role::kInvalidation, "max_ttl", kMaxTtl);
  return s;
}

}  // namespace

TEST_CASE("with every event lost, hybrid's TTL cap bounds the stale age",
          "[policies][invalidation][hybrid]") {
  const WorldConfig w = ReadMostlyWorld();
  const Summary event = RunSimulation(w, Stack("event", 1.0)).summary;
  const Summary hybrid = RunSimulation(w, Stack("hybrid", 1.0)).summary;
  INFO("max stale age: event " << event.staleness.max_age_ms << " ms, hybrid "
                               << hybrid.staleness.max_age_ms << " ms; stale reads "
                               << event.staleness.stale_reads << " vs "
                               << hybrid.staleness.stale_reads);
  REQUIRE(hybrid.invalidation.delivered == 0);
  // Without the cap an entry filled just before a write is served until its
  // 10 s TTL ends.
  CHECK(event.staleness.max_age_ms > 0.9 * kTtl.millis());
  // With it, the oldest stale read comes just before the capped expiry of an
  // entry whose row changed right after it was loaded: max_ttl, plus the
  // load and the round trips around it.
  CHECK(hybrid.staleness.max_age_ms <= kMaxTtl.millis() + kDbReadMs + 2 * kRttMs);
  CHECK(hybrid.staleness.max_age_ms > 0.5 * kMaxTtl.millis());
  CHECK(hybrid.staleness.stale_reads < event.staleness.stale_reads);
  // The safety net's price: entries expire every second, so more reloads.
  CHECK(hybrid.db.reads > event.db.reads);
}

TEST_CASE("with events delivered, hybrid is as fresh as event invalidation",
          "[policies][invalidation][hybrid]") {
  const WorldConfig w = ReadMostlyWorld();
  const Summary event = RunSimulation(w, Stack("event", 0.0)).summary;
  const Summary hybrid = RunSimulation(w, Stack("hybrid", 0.0)).summary;
  const Summary lossy = RunSimulation(w, Stack("hybrid", 1.0)).summary;
  INFO("stale reads: event " << event.staleness.stale_reads << ", hybrid "
                             << hybrid.staleness.stale_reads << ", hybrid losing all "
                             << lossy.staleness.stale_reads);
  // Only the delivery delay and fill races are left either way, far below
  // what the cap alone allows.
  CHECK(hybrid.staleness.stale_reads * 5 < lossy.staleness.stale_reads);
  CHECK(event.staleness.stale_reads * 5 < lossy.staleness.stale_reads);
}

TEST_CASE("hybrid parameters out of range are input errors naming the pointer",
          "[policies][invalidation][hybrid]") {
  auto error = [](const std::string& params) {
    return test::PolicyInputError("invalidation",
                                  R"({"name": "hybrid", "params": )" + params + "}");
  };
  CHECK(error(R"({"max_ttl": "0"})") ==
        R"(x.json: /policies/invalidation/params/max_ttl: must be > 0, got "0")");
  CHECK(error(R"({"loss": -0.1})") ==
        "x.json: /policies/invalidation/params/loss: must be a probability between 0 and 1, got "
        "-0.1");
}
