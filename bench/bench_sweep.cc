// Sweep throughput: a 64-point x 5-replication sweep (320 runs) of the default
// scenario shortened to 5 simulated seconds (10,000 requests a run), at 1 and 2 threads. Runs are
// independent, so the ratio of the two times is the sweep's parallel speed-up
// on this machine (parallelism is across runs, one simulation per thread).
//   ./build/release/cachelab_bench --benchmark_filter=BM_Sweep
#include <benchmark/benchmark.h>

#include <exception>
#include <numeric>
#include <vector>

#include "analysis/experiments/sweep.h"

namespace cachelab {
namespace {

void BM_Sweep(benchmark::State& state) {
  SweepPlan plan;
  try {
    plan = MakeSweepPlan("", {{"/duration", "5s"}},
                         {ParseGrid("/cache/capacity=1MiB..64MiB:+1MiB")}, 5);
  } catch (const std::exception& e) {
    state.SkipWithError(e.what());
    return;
  }
  std::vector<size_t> all(plan.points.size());
  std::iota(all.begin(), all.end(), size_t{0});
  const unsigned threads = static_cast<unsigned>(state.range(0));
  size_t runs = 0;
  for (auto _ : state) {
    std::vector<PointResult> r = RunSweepPoints(plan, all, threads);
    runs += r.size() * plan.seeds.size();
    benchmark::DoNotOptimize(r);
  }
  state.counters["points"] = static_cast<double>(plan.points.size());
  state.counters["runs_per_s"] =
      benchmark::Counter(static_cast<double>(runs), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_Sweep)->Arg(1)->Arg(2)->Unit(benchmark::kSecond)->Iterations(1)->UseRealTime();

}  // namespace
}  // namespace cachelab
