// RunScenario (analysis/scenario/run.h) against runaway settings: a lock
// guard whose waiters may poll a billion times for a key the database can
// load only twenty times a second. The run is stopped at its event limit,
// drains (the waiters give up), frees every coroutine frame and fails as bad
// input naming the fields; Ctrl-C during such a run ends it just as soon.
// Behind a cache CPU that cannot keep up, a discarded run's drain steps only
// what its requests still have to do, not days of timers.
#include "analysis/scenario/run.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>

#include "analysis/scenario/budget.h"
#include "analysis/scenario/scenario.h"
#include "sim/core/cancel.h"
#include "sim/core/frame_pool.h"
#include "tests/support/input_error.h"

namespace cachelab {
namespace {

using nlohmann::json;

// 1,000 reads of one key whose row does not exist, so no fill ever ends the
// wait: each reader must take the lock and load (50 ms, one connection) in
// turn. With max_retries at 1e9 and a 1 ms retry interval the waiters would
// poll about 1e8 times before the last one got its turn.
json Runaway() {
  return json::parse(R"({
    "name": "runaway",
    "duration": "2s",
    "workload": {"rate": {"kind": "constant", "rps": 500}, "keys": {"count": 1},
                 "missing_fraction": 1.0},
    "cache": {"capacity": "1MiB"},
    "metrics": {"interval": "100ms"},
    "database": {"connections": 1,
                 "read": {"kind": "lognormal", "mean": "50ms", "sigma": 0.1}},
    "policies": {"guard": {"name": "lock",
                           "params": {"max_retries": 1000000000, "retry_interval": "1ms"}}}
  })");
}

// A cache CPU that cannot keep up, from a fuzz finding (mutated
// topology/replica-reads) whose operations cost 155 s each of their node's
// single thread. At 3 s, ~3,000 requests in 4 s still queue for an hour or
// more (the budget lets an hour through), while nine servers' active expiry
// and the 1 s metrics tick keep firing.
json Saturated(const std::string& per_op = "3s") {
  json doc = json::parse(R"({
    "name": "saturated",
    "seed": 42,
    "duration": "4s",
    "workload": {"rate": {"kind": "constant", "rps": 769},
                 "classes": [{"name": "product", "share": 0.5, "keys": {"count": 1},
                              "value_size": "8KiB", "write_fraction": 0.0005},
                             {"name": "catalog", "share": 0.5,
                              "keys": {"count": 500, "alpha": 0.8}, "value_size": "2KiB"}]},
    "instances": {"count": 8},
    "cache": {"capacity": "2MiB", "timeout": "50ms",
              "rtt": {"kind": "lognormal", "mean": "300us", "sigma": 0.3},
              "cluster": {"nodes": 3,
                          "replicas": {"count": 2,
                                       "lag": {"kind": "exponential", "mean": "5ms"}}},
              "cpu": {"per_op": "", "per_kib": "3us"}},
    "database": {"connections": 64,
                 "read": {"kind": "lognormal", "mean": "5ms", "sigma": 0.5}},
    "policies": {"read": {"name": "cache-aside", "params": {"ttl": "05m"}},
                 "write": "write-through"},
    "metrics": {"interval": "1s"}
  })");
  doc["cache"]["cpu"]["per_op"] = per_op;
  return doc;
}

// The events a run stopped at its event limit stepped in all, its drain
// included; 0 if it was not stopped.
uint64_t DrainedEvents(const Scenario& s, const RunOptions& options) {
  try {
    RunSimulation(s.world, s.stack, options);
  } catch (const EventLimitError& e) {
    return e.drained;
  }
  return 0;
}

struct ResetCancel {
  ResetCancel() { cancel::Reset(); }
  ~ResetCancel() { cancel::Reset(); }
  ResetCancel(const ResetCancel&) = delete;
  ResetCancel& operator=(const ResetCancel&) = delete;
};

}  // namespace

TEST_CASE("a run past its event limit drains, frees its frames and is refused as bad input",
          "[analysis][run][runaway]") {
  const Scenario s = LoadScenarioText(Runaway().dump(), "runaway.json");
  RunOptions options;
  options.stop.max_events = 2'000'000;  // the default would allow ~5e7: slow under ASan
  const size_t frames = frame_pool::LiveFrames();
  const std::string error = test::ErrorOf([&] { RunScenario(s, options); });
  CHECK(frame_pool::LiveFrames() == frames);
  INFO(error);
  CHECK(error.starts_with("runaway.json: the run stepped "));
  CHECK(error.find("more than the 2000000 it may (the limit its caller set)") != std::string::npos);
  CHECK(error.find("stampede-guard waiters slept ") != std::string::npos);
  CHECK(error.find("/policies/guard/params") != std::string::npos);
  CHECK(error.find('\n') == std::string::npos);
}

TEST_CASE("the same lock guard with its default max_retries ends on its own under the limit",
          "[analysis][run][runaway]") {
  json doc = Runaway();
  doc["policies"]["guard"]["params"].erase("max_retries");  // 50 sleeps, then load anyway
  const Scenario s = LoadScenarioText(doc.dump(), "bounded.json");
  RunOptions options;
  options.stop.max_events = 2'000'000;
  const RunResult r = RunScenario(s, options);
  CHECK(r.summary.requests.total > 900);
  CHECK(r.summary.guard.gave_up > 0);  // the waiters stopped waiting by themselves
}

TEST_CASE("the default event limit allows a thousand events per estimated request",
          "[analysis][run][runaway]") {
  const Scenario s = LoadScenarioText(Runaway().dump(), "runaway.json");
  const RunEstimate e = EstimateRun(s);
  CHECK(e.requests == Approx(1000));
  CHECK(RunawayEventLimit(e, s) == static_cast<uint64_t>(1000 * kRunawayEventsPerRequest +
                                                         e.timer_events + kRunawayEventSlack));
}

TEST_CASE("Ctrl-C during a runaway ends it promptly: the waiters give up instead of polling on",
          "[analysis][run][runaway]") {
  ResetCancel reset;
  const Scenario s = LoadScenarioText(Runaway().dump(), "runaway.json");
  RunOptions options;
  // Ctrl-C at 1 s, after ~1e6 events. Were the waiters to keep polling while
  // the run drains, this limit would end it first, with an InputError.
  options.stop.max_events = 4'000'000;
  options.progress = [](double fraction) {
    if (fraction >= 0.5) cancel::Request();
  };
  const size_t frames = frame_pool::LiveFrames();
  CHECK_THROWS_AS(RunScenario(s, options), Interrupted);
  CHECK(frame_pool::LiveFrames() == frames);
}

TEST_CASE(
    "a discarded run stops its timers: behind a saturated cache CPU the drain steps only the "
    "requests' own events",
    "[analysis][run][runaway]") {
  const Scenario s = LoadScenarioText(Saturated().dump(), "saturated.json");
  RunOptions options;
  options.stop.max_events = 100'000;  // trips within the first ~1,000 s of simulated drain
  const size_t frames = frame_pool::LiveFrames();
  uint64_t drained = DrainedEvents(s, options);
  CHECK(frame_pool::LiveFrames() == frames);
  REQUIRE(drained >= options.stop.max_events);
  // Every request still in flight has a few cache and database operations
  // left (no retries in this stack); ticks and active expiry over the
  // remaining hours of backlog would be a million more events.
  const RunEstimate e = EstimateRun(s);
  INFO("drained " << drained << " events for about " << e.requests << " requests");
  CHECK(drained - options.stop.max_events < 20 * e.requests);

  // Nor do background loops keep it open: write-behind's worker turns every
  // 100 ms, background refresh loads its keys in turn.
  for (const char* policy : {"write-behind", "background-refresh"}) {
    json doc = Saturated();
    if (std::string(policy) == "write-behind") {
      doc["policies"]["write"] = policy;
    } else {
      doc["policies"]["guard"] = policy;
    }
    drained = DrainedEvents(LoadScenarioText(doc.dump(), "saturated.json"), options);
    INFO(policy << ": drained " << drained);
    CHECK(frame_pool::LiveFrames() == frames);
    CHECK(drained >= options.stop.max_events);
    CHECK(drained - options.stop.max_events < 20 * e.requests);
  }
}

TEST_CASE(
    "the estimate holds a saturated cache CPU's backlog past the duration, at least one "
    "operation per request on each node that answers reads",
    "[analysis][run][runaway]") {
  const Scenario s = LoadScenarioText(Saturated().dump(), "saturated.json");
  const RunEstimate e = EstimateRun(s);
  CHECK(e.cache_backlog_s == Approx(e.requests * 3.0 / 3 - 4));
  // The drain's ticks and every server's (3 nodes x 3 members) active expiry.
  CHECK(e.timer_events > e.cache_backlog_s * (1 + 9 * 10));
  CHECK(FormatEstimate(e).find("the cache CPU cannot keep up (/cache/cpu/per_op)") !=
        std::string::npos);
  // Memory: the drain's rows, and every request still queued at the end.
  bool rows = false, in_flight = false;
  for (const auto& [what, bytes] : e.parts) {
    rows = rows || what == "/metrics/interval (over /cache/cpu/per_op's backlog)";
    if (what == "/cache/cpu/per_op") in_flight = bytes >= e.requests * 1000;
  }
  CHECK(rows);
  CHECK(in_flight);
  // 769 rps x 10 us: 0.8% busy.
  const RunEstimate f = EstimateRun(LoadScenarioText(Saturated("10us").dump(), "fast.json"));
  CHECK(f.cache_backlog_s == 0);
  CHECK(FormatEstimate(f).find("keep up") == std::string::npos);
}

TEST_CASE(
    "a cache CPU whose backlog would outlast ten durations and an hour is refused naming "
    "per_op",
    "[analysis][run][runaway]") {
  // The fuzz finding itself: 155 s per operation, at least 1.84 days of drain.
  const std::string error =
      test::ErrorOf([] { LoadScenarioText(Saturated("155s").dump(), "saturated.json"); });
  INFO(error);
  CHECK(error.starts_with("saturated.json: /cache/cpu/per_op: the cache CPU cannot keep up"));
  CHECK(error.find("at least 1.84 days past /duration") != std::string::npos);
  CHECK(error.find('\n') == std::string::npos);
  // An hour of backlog after a 4 s run is let through.
  CHECK_NOTHROW(LoadScenarioText(Saturated("3s").dump(), "saturated.json"));
}

}  // namespace cachelab
