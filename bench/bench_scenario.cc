// Whole-run benchmarks: the default scenario end to end, reported as simulated
// requests per second of wall time (DESIGN.md section 7: "millions of
// simulated requests per second on one core").
#include <benchmark/benchmark.h>

#include <exception>
#include <vector>

#include "analysis/scenario.h"
#include "policies/run.h"

namespace cachelab {
namespace {

void RunScenario(benchmark::State& state, const std::vector<Override>& overrides) {
  Scenario scenario;
  try {
    scenario = LoadDefaultScenario(overrides);
  } catch (const std::exception& e) {
    state.SkipWithError(e.what());
    return;
  }
  uint64_t requests = 0;
  for (auto _ : state) {
    RunResult r = RunSimulation(scenario.world, scenario.stack);
    requests += r.summary.requests.total;
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(static_cast<int64_t>(requests));
  state.counters["sim_requests"] =
      static_cast<double>(requests) / static_cast<double>(state.iterations());
}

// The default (user lookup, 100k Zipf keys, 2000 requests/s) shortened from
// 65 to 2 simulated minutes: the cold start and steady state, not the
// one-hour expiry wave.
void BM_DefaultScenario(benchmark::State& state) {
  RunScenario(state, {{"/duration", "2m"}});
}
BENCHMARK(BM_DefaultScenario)->Unit(benchmark::kMillisecond)->Iterations(3);

// The same with 1M keys: a larger store and more misses, so more database
// traffic per request.
void BM_DefaultScenarioMillionKeys(benchmark::State& state) {
  RunScenario(state, {{"/duration", "2m"}, {"/workload/keys/count", "1000000"}});
}
BENCHMARK(BM_DefaultScenarioMillionKeys)->Unit(benchmark::kMillisecond)->Iterations(3);

}  // namespace
}  // namespace cachelab
