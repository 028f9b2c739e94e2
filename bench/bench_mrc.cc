// MRC construction: exact Mattson stack distances vs SHARDS sampling on the
// issue's speed workload, a Zipf(1.0) sequence of 20M requests over 1M keys
// generated in memory (CACHELAB_BENCH_MRC_REQUESTS overrides the length). The
// issue requires SHARDS(0.01) to be at least 5x faster than exact with a mean
// absolute error below 0.01; each SHARDS run reports its MAE against the exact
// curve (computed once) as a counter.
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "analysis/replay/mrc.h"
#include "sim/core/random.h"
#include "sim/core/zipf.h"

namespace cachelab {
namespace {

constexpr uint64_t kKeys = 1'000'000;

uint64_t RequestCount() {
  if (const char* env = std::getenv("CACHELAB_BENCH_MRC_REQUESTS")) {
    return std::strtoull(env, nullptr, 10);
  }
  return 20'000'000;
}

const std::vector<uint32_t>& Sequence() {
  static const std::vector<uint32_t> seq = [] {
    ZipfSampler zipf(kKeys, 1.0);
    RandomEngine rng = MakeStream(1, "bench_mrc.keys");
    std::vector<uint32_t> s(RequestCount());
    for (auto& k : s) k = static_cast<uint32_t>(zipf(rng));
    return s;
  }();
  return seq;
}

// 100 sizes, 1% .. 100% of the key space.
std::vector<uint64_t> Sizes() {
  std::vector<uint64_t> sizes;
  for (uint64_t i = 1; i <= 100; ++i) sizes.push_back(kKeys * i / 100);
  return sizes;
}

std::vector<MrcPoint>& ExactCurve() {
  static std::vector<MrcPoint> curve;
  return curve;
}

std::vector<MrcPoint> ComputeExact() {
  ExactMrc mrc;
  for (uint32_t k : Sequence()) mrc.Add(k);
  return mrc.Curve(Sizes());
}

void BM_MrcExact(benchmark::State& state) {
  const auto& seq = Sequence();
  for (auto _ : state) {
    ExactMrc mrc;
    for (uint32_t k : seq) mrc.Add(k);
    ExactCurve() = mrc.Curve(Sizes());
    benchmark::DoNotOptimize(ExactCurve().data());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(seq.size()));
  state.counters["mr_at_10pct"] = ExactCurve()[9].miss_ratio;
}
BENCHMARK(BM_MrcExact)->Unit(benchmark::kMillisecond)->Iterations(1);

// range(0) = 0: fixed rate 0.01; otherwise fixed size with s_max = range(0).
void BM_MrcShards(benchmark::State& state) {
  const auto& seq = Sequence();
  ShardsOptions options{.rate = 0.01};
  if (state.range(0) > 0) {
    options.rate = 1.0;
    options.max_samples = static_cast<uint64_t>(state.range(0));
  }
  std::vector<MrcPoint> curve;
  for (auto _ : state) {
    ShardsMrc mrc(options);
    for (uint32_t k : seq) mrc.Add(k);
    curve = mrc.Curve(Sizes());
    benchmark::DoNotOptimize(curve.data());
    state.counters["final_rate"] = mrc.rate();
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(seq.size()));
  // Outside the timed loop: the reference curve, if BM_MrcExact did not run.
  if (ExactCurve().empty()) ExactCurve() = ComputeExact();
  double mae = 0;
  for (size_t i = 0; i < curve.size(); ++i) {
    mae += std::abs(curve[i].miss_ratio - ExactCurve()[i].miss_ratio);
  }
  state.counters["mae"] = mae / static_cast<double>(curve.size());
}
BENCHMARK(BM_MrcShards)->Arg(0)->Arg(8192)->Arg(65536)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace cachelab
