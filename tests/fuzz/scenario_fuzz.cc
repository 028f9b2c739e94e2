// Fuzz target: the scenario loader with --set overrides, then the run itself
// for scenarios small enough to simulate in a few milliseconds.
//
// Input: scenario JSON text, optionally followed by a line "#--set" and one
// override per line ("POINTER=VALUE", as --set takes it). The run matters as
// much as the load: a scenario that validates must not reach an internal
// error at run time either (a delay that wraps, an event in the past).
#include <string>
#include <string_view>
#include <vector>

#include "analysis/scenario/budget.h"
#include "analysis/scenario/run.h"
#include "analysis/scenario/scenario.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

// Runs with more work than this are loaded and estimated, not simulated.
constexpr double kMaxRequests = 4000;
constexpr double kMaxTimerEvents = 20000;
// The runaway limit (StopRule::max_events) for those: the default allows
// ~5e7 events, over a minute under the sanitizers; a runaway (a guard polling
// a billion times) must end within libFuzzer's 30 s timeout.
constexpr uint64_t kMaxEvents = 500'000;  // ~1.6 s under ASan

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace cachelab;
  // Within libFuzzer's 2 GB RSS limit, with room for the sanitizers.
  static const bool budget_set = (SetBudget({.max_memory = uint64_t{256} << 20}), true);
  (void)budget_set;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  return fuzz::Expect([&] {
    std::string_view text = input;
    std::vector<Override> overrides;
    constexpr std::string_view kMarker = "\n#--set\n";
    if (const size_t at = input.find(kMarker); at != std::string_view::npos) {
      text = input.substr(0, at);
      std::string_view rest = input.substr(at + kMarker.size());
      while (!rest.empty() && overrides.size() < 8) {
        const size_t end = rest.find('\n');
        overrides.push_back(ParseOverride(std::string(rest.substr(0, end))));
        rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end + 1);
      }
    }
    const Scenario s = LoadScenarioText(std::string(text), "<fuzz>", overrides);
    const RunEstimate e = EstimateRun(s);
    // A trace workload (requests 0 in the estimate) would replay a file.
    if (s.world.workload.trace || e.requests + e.background_loads > kMaxRequests ||
        e.timer_events > kMaxTimerEvents) {
      return;
    }
    RunOptions options;
    options.stop.max_events = kMaxEvents;
    RunScenario(s, options);
  });
}
