// Background refresh of hot keys (the article's "Solution 3"): a refresher
// reloads keys 0 .. top_n-1 every `interval` and sets them with the fill TTL,
// so while the interval is shorter than the TTL the hot keys never expire.
#include <catch2/catch.hpp>
#include <cmath>
#include <string>

#include "analysis/common/errors.h"
#include "analysis/scenario/scenario.h"
#include "policies/run.h"
#include "tests/policies/guard/hot_keys.h"

using namespace cachelab;

namespace {

// 1000 keys under Zipf(1) at 1000 reads/s (key 0 gets ~13% of them), TTL
// 30 s, loads of 10 ms.
WorldConfig ZipfTraffic() {
  WorldConfig w = test::HotKeys(1000, 1000, Duration::Millis(10), Duration::Seconds(300));
  w.workload.popularity = WorkloadConfig::Popularity::kZipf;
  w.workload.zipf_alpha = 1.0;
  return w;
}

Params Refresher(Duration interval, int64_t top_n, double rate) {
  Params p;
  p.Set("interval", interval);
  p.Set("top_n", top_n);
  p.Set("rate", rate);
  return p;
}

struct KeyReads {
  uint64_t reads = 0, misses = 0;
};

// Reads of the traced key answered after `after`, and how many of them missed.
KeyReads ReadsOf(const KeyTrace& trace, Time after) {
  KeyReads k;
  for (const TraceEvent& e : trace.events()) {
    if (e.at <= after || e.actor != "app" || e.text.rfind("read answered", 0) != 0) continue;
    ++k.reads;
    if (e.text.find("(miss)") != std::string::npos) ++k.misses;
  }
  return k;
}

}  // namespace

TEST_CASE("background refresh keeps the hottest key from ever missing after warm-up",
          "[policies][guard][background]") {
  // The first pass (t = 0) loads keys 0..9 within ~0.1 s; every 10 s a pass
  // sets them again with TTL 30 s, so they never expire. Without a guard the
  // hottest key misses again at every expiry.
  const WorldConfig world = ZipfTraffic();
  const Time warm = Time::Zero() + Duration::Seconds(1);
  KeyTrace none_trace(0, Time::Zero(), Time::Max());
  KeyTrace bg_trace(0, Time::Zero(), Time::Max());
  RunOptions none_options, bg_options;
  none_options.trace = &none_trace;
  bg_options.trace = &bg_trace;
  const RunResult none =
      RunSimulation(world, test::Guarded("none", Duration::Seconds(30)), none_options);
  const RunResult bg = RunSimulation(world,
                                     test::Guarded("background-refresh", Duration::Seconds(30),
                                                   Refresher(Duration::Seconds(10), 10, 100)),
                                     bg_options);
  const KeyReads n = ReadsOf(none_trace, warm), b = ReadsOf(bg_trace, warm);
  INFO("key 0 after warm-up: none " << n.misses << " misses of " << n.reads << ", background "
                                    << b.misses << " of " << b.reads);
  REQUIRE(b.reads > 0);
  CHECK(n.misses > 0);
  CHECK(b.misses == 0);
  CHECK(n.reads == b.reads);  // same arrivals
  // Cold keys are unprotected: some misses remain, fewer than without a guard.
  CHECK(bg.summary.cache.misses < none.summary.cache.misses);
}

TEST_CASE("background refresh costs top_n loads per interval, paced at `rate`",
          "[policies][guard][background]") {
  // Passes start at 0, 10 s, 20 s, ... until the run ends (~300 s): 30 or 31
  // passes of top_n = 10 loads. At rate 20/s the loads of a pass start 50 ms
  // apart, so key 9 is first loaded at 9 * 50 ms = 0.45 s, not at once.
  const WorldConfig world = ZipfTraffic();
  const int64_t top_n = 10;
  const double interval_s = 10, rate = 20;
  KeyTrace trace(top_n - 1, Time::Zero(), Time::Max());
  RunOptions options;
  options.trace = &trace;
  const RunResult bg =
      RunSimulation(world,
                    test::Guarded("background-refresh", Duration::Seconds(30),
                                  Refresher(Duration::FromSecondsF(interval_s), top_n, rate)),
                    options);
  const double passes = std::floor(world.duration.seconds() / interval_s);
  const auto refreshes = static_cast<double>(bg.summary.guard.background_refreshes);
  INFO(bg.summary.guard.background_refreshes << " background refreshes over "
                                             << bg.summary.simulated_seconds << " s");
  CHECK(refreshes >= top_n * passes);
  CHECK(refreshes <= top_n * (passes + 1));
  // Reads load only on a miss; everything else the DB saw is the refresher.
  CHECK(bg.summary.db.reads == bg.summary.cache.misses + bg.summary.guard.background_refreshes);
  // Paced, not a burst: the refresher's first load of key 9 waits for 9 slots of 1 / rate.
  double first_load_s = -1;
  for (const TraceEvent& e : trace.events()) {
    if (e.actor == "worker") {
      first_load_s = e.at.seconds();
      break;
    }
  }
  CHECK(first_load_s == Approx((top_n - 1) / rate).margin(1e-6));
}

TEST_CASE("background refresh rejects a zero interval, top_n or rate",
          "[policies][guard][background]") {
  const std::string param = GENERATE("interval", "top_n", "rate");
  const std::string value = param == "interval" ? R"("0s")" : "0";
  const std::string text = R"({"name": "t", "duration": "10s",
    "workload": {"rate": {"kind": "constant", "rps": 100}},
    "cache": {"capacity": "1MiB"},
    "policies": {"guard": {"name": "background-refresh", "params": {")" +
                           param + R"(": )" + value + "}}}}";
  try {
    LoadScenarioText(text, "b.json");
    FAIL(param << " 0 was accepted");
  } catch (const InputError& e) {
    CHECK_THAT(e.what(),
               Catch::StartsWith("b.json: /policies/guard/params/" + param + ": must be"));
  }
}
