// The replay loop alone (no trace reader): each eviction policy's
// ReplayKernel over an in-memory Zipf(1.0) sequence of 20M requests over 1M
// keys with a 100K-object cache (sizes ignored), the speed workload
// (CACHELAB_BENCH_REPLAY_REQUESTS overrides the length). Items/s is requests
// per second of the policy and its hash map; `cachelab replay` adds the
// reader (`replay --read-only` measures it alone). miss_ratio is reported so
// that a faster loop is seen to compute the same thing.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

#include "bench/yardstick/plain_lru.h"
#include "policies/registry.h"
#include "sim/core/random.h"
#include "sim/core/zipf.h"

namespace cachelab {
namespace {

constexpr uint64_t kKeys = 1'000'000;
constexpr uint64_t kCacheObjects = 100'000;
constexpr size_t kChunk = 1 << 12;  // as analysis/replay/replay.cc feeds the kernels

uint64_t RequestCount() {
  if (const char* env = std::getenv("CACHELAB_BENCH_REPLAY_REQUESTS")) {
    return std::strtoull(env, nullptr, 10);
  }
  return 20'000'000;
}

const std::vector<ReplayRequest>& Sequence() {
  static const std::vector<ReplayRequest> seq = [] {
    ZipfSampler zipf(kKeys, 1.0);
    RandomEngine rng = MakeStream(1, "bench_replay.keys");
    std::vector<ReplayRequest> s(RequestCount());
    for (auto& r : s) r = ReplayRequest{zipf(rng), 4096, ReplayRequest::Op::kGet};
    return s;
  }();
  return seq;
}

void RunReplay(benchmark::State& state, const char* policy, const ReplayConfig& config) {
  const auto& seq = Sequence();
  const PolicyInfo* info = FindPolicy(Role::kEviction, policy);
  ReplayCounts counts;
  for (auto _ : state) {
    auto replayer = info->make_replayer(Params::WithDefaults(info->params), config);
    for (size_t i = 0; i < seq.size(); i += kChunk) {
      replayer->Run(std::span(seq).subspan(i, std::min(kChunk, seq.size() - i)));
    }
    counts = replayer->counts();
    benchmark::DoNotOptimize(counts);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(seq.size()));
  state.counters["miss_ratio"] =
      static_cast<double>(counts.misses) / static_cast<double>(counts.requests);
}

void BM_Replay(benchmark::State& state, const char* policy) {
  RunReplay(state, policy, ReplayConfig{.capacity = kCacheObjects, .ignore_size = true});
}

// The prefetch distances (ReplayConfig: the index slot `range(0)` requests
// ahead, the node half as far) on the machine at hand: the best distance
// grows with its memory latency, 0 turns prefetching off. Results are the
// same at every distance (miss_ratio shows it).
void BM_ReplayAhead(benchmark::State& state, const char* policy) {
  const auto ahead = static_cast<uint32_t>(state.range(0));
  RunReplay(state, policy,
            ReplayConfig{.capacity = kCacheObjects,
                         .ignore_size = true,
                         .slot_ahead = ahead,
                         .node_ahead = ahead / 2});
}

// The yardstick the issue names (bench/yardstick/plain_lru.h), on the same
// sequence and cache size. Its miss ratio must
// equal BM_Replay/lru's; its speed is what cachelab's kernel is measured
// against on whatever machine runs the benchmark.
void BM_PlainLruLoop(benchmark::State& state) {
  const auto& seq = Sequence();
  uint64_t misses = 0;
  for (auto _ : state) {
    misses =
        yardstick::PlainLruMisses(seq.size(), kCacheObjects, [&](size_t i) { return seq[i].key; });
    benchmark::DoNotOptimize(misses);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(seq.size()));
  state.counters["miss_ratio"] = static_cast<double>(misses) / static_cast<double>(seq.size());
}
BENCHMARK(BM_PlainLruLoop)->Unit(benchmark::kMillisecond)->Iterations(1);

#define CACHELAB_REPLAY_BENCH(name) \
  BENCHMARK_CAPTURE(BM_Replay, name, #name)->Unit(benchmark::kMillisecond)->Iterations(1)
CACHELAB_REPLAY_BENCH(lru);
CACHELAB_REPLAY_BENCH(fifo);
CACHELAB_REPLAY_BENCH(clock);
CACHELAB_REPLAY_BENCH(sieve);
CACHELAB_REPLAY_BENCH(s3fifo);
CACHELAB_REPLAY_BENCH(arc);
CACHELAB_REPLAY_BENCH(twoq);
CACHELAB_REPLAY_BENCH(lirs);
CACHELAB_REPLAY_BENCH(wtinylfu);

#define CACHELAB_AHEAD_BENCH(name)               \
  BENCHMARK_CAPTURE(BM_ReplayAhead, name, #name) \
      ->ArgName("ahead")                         \
      ->Arg(0)                                   \
      ->Arg(8)                                   \
      ->Arg(16)                                  \
      ->Arg(24)                                  \
      ->Arg(32)                                  \
      ->Arg(48)                                  \
      ->Unit(benchmark::kMillisecond)            \
      ->Iterations(1)
CACHELAB_AHEAD_BENCH(lru);
CACHELAB_AHEAD_BENCH(s3fifo);

}  // namespace
}  // namespace cachelab
