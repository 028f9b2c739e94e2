// RunScenario (analysis/scenario/run.h) against runaway settings: a lock
// guard whose waiters may poll a billion times for a key the database can
// load only twenty times a second. The run is stopped at its event limit,
// drains (the waiters give up), frees every coroutine frame and fails as bad
// input naming the fields; Ctrl-C during such a run ends it just as soon.
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

}  // namespace cachelab
