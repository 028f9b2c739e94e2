// Whole-run benchmarks: the default scenario end to end, reported as simulated
// requests per second of wall time (the budget: millions of simulated
// requests per second on one core).
#include <benchmark/benchmark.h>

#include <exception>
#include <vector>

#include "analysis/scenario/scenario.h"
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

// The whole default scenario (user lookup, 100k Zipf keys, 2000 requests/s,
// 65 simulated minutes: cold start, steady state and the expiry wave).
void BM_DefaultScenario(benchmark::State& state) {
  RunScenario(state, {});
}
BENCHMARK(BM_DefaultScenario)->Unit(benchmark::kMillisecond)->Iterations(1)->Repetitions(3);

// Cache-aside + 1 h TTL over 1M Zipf keys with a cache that holds them all:
// the issue's throughput target (3M simulated requests/s on one core). Misses
// come from the cold start and TTL expiry only, not from eviction churn.
void BM_CacheAsideTtlMillionKeys(benchmark::State& state) {
  RunScenario(state, {{"/workload/keys/count", "1000000"}, {"/cache/capacity", "4GiB"}});
}
BENCHMARK(BM_CacheAsideTtlMillionKeys)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(1)
    ->Repetitions(3);

// The policy stack's cost: the default scenario with 1% writes (so
// invalidations flow), plain cache-aside against the heaviest stack -- a
// lease guard, event invalidation over a channel, and a per-instance L1 with
// broadcast invalidation. The issue's budget: the heavy stack within 2x the
// requests/s of the plain one. Compare the items_per_second of the two.
const std::vector<Override> kWithWrites = {{"/workload/write_fraction", "0.01"},
                                           {"/duration", "20m"}};

void BM_StackPlainCacheAside(benchmark::State& state) {
  RunScenario(state, kWithWrites);
}
BENCHMARK(BM_StackPlainCacheAside)->Unit(benchmark::kMillisecond)->Iterations(1)->Repetitions(3);

void BM_StackLeaseEventL1(benchmark::State& state) {
  std::vector<Override> o = kWithWrites;
  o.push_back({"/policies/guard", "lease"});
  o.push_back({"/policies/invalidation", "event"});
  o.push_back({"/policies/l1", R"({"name": "broadcast", "params": {"capacity": "16MiB"}})"});
  RunScenario(state, o);
}
BENCHMARK(BM_StackLeaseEventL1)->Unit(benchmark::kMillisecond)->Iterations(1)->Repetitions(3);

}  // namespace
}  // namespace cachelab
