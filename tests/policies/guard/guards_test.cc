// What every stampede guard shares: the read conservation law and the
// degradation rule when the cache fails, and strict checking of its
// parameters by the scenario loader.
#include <catch2/catch.hpp>
#include <functional>
#include <string>

#include "analysis/common/errors.h"
#include "analysis/scenario/scenario.h"
#include "tests/policies/guard/hot_key.h"
#include "tests/support/input_error.h"

using namespace cachelab;
using namespace cachelab::test;

namespace {

// A busy world with a cache outage: 1,000 Zipf keys, 3 instances, random
// latencies, writes, the cache down from 5 s to 7 s.
WorldConfig OutageWorld() {
  WorldConfig w = TestWorld("hot-key", 7)
                      .Lasting(Duration::Seconds(10))
                      .Rps(kHotRps)
                      .Keys(1000)
                      .Zipf()
                      .Writes(0.05)
                      .Instances(3)
                      .Connections(256)
                      .CacheDown(Duration::Seconds(5), Duration::Seconds(2));
  w.cache.rtt = Exponential(kHotRttMs * 1e6);
  w.database.read_service = Exponential(5e6);
  return w;
}

}  // namespace

TEST_CASE("every guard obeys the conservation law and the degradation rule in a cache outage",
          "[policies][guard]") {
  // Every registered guard, with its defaults: a new guard is covered here
  // without editing the test.
  const std::string guard = GENERATE(from_range(PolicyNames(Role::kGuard)));
  const WorldConfig w = OutageWorld();
  StackConfig fallback = GuardStack(guard);
  StackConfig fail = GuardStack(guard);
  fail.degradation.name = "fail";
  const Summary f = RunSimulation(w, fallback).summary;
  const Summary x = RunSimulation(w, fail).summary;
  INFO(guard << ": errors " << f.cache.errors << ", failed with fallback " << f.requests.failed
             << ", failed without " << x.requests.failed);
  for (const Summary* s : {&f, &x}) {
    CHECK(s->requests.reads == s->cache.hits + s->cache.misses + s->cache.errors);
    CHECK(s->cache.errors > 0);
  }
  // Fallback: a cache error is read from the DB, so nobody sees an error
  // (the DB has no queue timeout and the writes need no cache).
  CHECK(f.requests.failed == 0);
  // Fail: exactly the reads that met a cache error fail.
  CHECK(x.requests.failed == x.cache.errors);
}

TEST_CASE("bad guard parameters are input errors naming the JSON pointer",
          "[policies][guard][scenario]") {
  struct Bad {
    const char* guard;  // the /policies/guard value
    std::string message;
  };
  const std::string names = [] {
    std::string out;
    for (const auto& n : PolicyNames(Role::kGuard)) out += (out.empty() ? "" : ", ") + n;
    return out;
  }();
  const Bad cases[] = {
      {R"({"name": "lock", "params": {"lock_ttl": "0"}})",
       R"(/policies/guard/params/lock_ttl: must be > 0, got "0")"},
      {R"({"name": "lock", "params": {"retry_interval": "-5ms"}})",
       R"(/policies/guard/params/retry_interval: must be > 0, got "-5ms")"},
      {R"({"name": "lock", "params": {"max_retries": -1}})",
       "/policies/guard/params/max_retries: must be >= 0, got -1"},
      {R"({"name": "lease", "params": {"lease_period": "0s"}})",
       R"(/policies/guard/params/lease_period: must be > 0, got "0s")"},
      {R"({"name": "lease", "params": {"retry_interval": "-1ms"}})",
       R"(/policies/guard/params/retry_interval: must be > 0, got "-1ms")"},
      {R"({"name": "lease", "params": {"max_retries": -1}})",
       "/policies/guard/params/max_retries: must be >= 0, got -1"},
      {R"({"name": "single-flight", "params": {"max_retries": 3}})",
       "/policies/guard/params/max_retries: unknown parameter; single-flight has no parameters"},
      {R"("locking")",
       R"(/policies/guard: unknown guard policy "locking"; valid names are )" + names},
  };
  for (const Bad& c : cases) {
    CAPTURE(c.guard);
    const std::string text = std::string(R"({
      "name": "t",
      "duration": "10s",
      "workload": {"rate": {"kind": "constant", "rps": 100}},
      "cache": {"capacity": "1MiB", "rtt": "1ms"},
      "database": {"connections": 4},
      "policies": {"guard": )") +
                             c.guard + "}}";
    CHECK(ErrorOf([&] { LoadScenarioText(text, "g.json"); }) == "g.json: " + c.message);
  }
}

TEST_CASE("guard parameters left out take their documented defaults",
          "[policies][guard][scenario]") {
  const Scenario s = LoadScenarioText(R"({
      "name": "t",
      "duration": "10s",
      "workload": {"rate": {"kind": "constant", "rps": 100}},
      "cache": {"capacity": "1MiB", "rtt": "1ms"},
      "database": {"connections": 4},
      "policies": {"guard": {"name": "lock", "params": {"max_retries": 3}}}})",
                                      "g.json");
  CHECK(s.stack.guard.name == "lock");
  CHECK(s.stack.guard.params.GetInt("max_retries") == 3);
  CHECK(s.stack.guard.params.GetDuration("lock_ttl") == Duration::Seconds(10));
  CHECK(s.stack.guard.params.GetDuration("retry_interval") == Duration::Millis(10));
}
