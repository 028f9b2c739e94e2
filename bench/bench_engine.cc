// Engine micro-benchmarks: the event queue and coroutine resumption, the two
// costs every simulated request pays several times.
#include <benchmark/benchmark.h>

#include <cstdint>

#include "sim/core/simulator.h"
#include "sim/core/task.h"
#include "sim/core/time.h"

namespace cachelab {
namespace {

// splitmix64: a fast, fixed generator so the benchmark measures the queue,
// not the random number generator.
struct SplitMix {
  uint64_t state;
  uint64_t Next() {
    uint64_t z = (state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
};

// The "hold" model (the classic priority-queue benchmark): every event, when
// it runs, schedules one more at a random future time, so the queue stays at
// its initial size while events flow through it.
struct HoldContext {
  Simulator* sim;
  SplitMix rng;
  int64_t max_delay_ns;
};

void HoldEvent(void* ctx, uint64_t /*arg*/) {
  auto* c = static_cast<HoldContext*>(ctx);
  int64_t delay = static_cast<int64_t>(c->rng.Next() % static_cast<uint64_t>(c->max_delay_ns));
  c->sim->ScheduleAfter(Duration::Nanos(delay), &HoldEvent, c);
}

// Events per second through a queue holding state.range(0) events.
void BM_EventQueueHold(benchmark::State& state) {
  const int64_t size = state.range(0);
  Simulator sim;
  // Mean delay grows with the queue so the event density per simulated time
  // stays comparable across sizes (1 us per pending event).
  HoldContext ctx{&sim, SplitMix{42}, size * 2'000};
  for (int64_t i = 0; i < size; ++i) HoldEvent(&ctx, 0);
  constexpr int kBatch = 100'000;
  for (auto _ : state) {
    for (int i = 0; i < kBatch; ++i) sim.Step();
  }
  state.SetItemsProcessed(state.iterations() * kBatch);
  state.counters["queue_size"] = static_cast<double>(sim.pending());
}
BENCHMARK(BM_EventQueueHold)->Arg(1'000)->Arg(10'000)->Arg(100'000)->Arg(1'000'000);

void NoOp(void*, uint64_t) {}

// Schedule a burst of state.range(0) events at random times, then run them
// all: the pattern of a workload that pre-schedules arrivals.
void BM_EventQueueFillDrain(benchmark::State& state) {
  const int64_t size = state.range(0);
  SplitMix rng{7};
  for (auto _ : state) {
    Simulator sim;
    for (int64_t i = 0; i < size; ++i) {
      sim.Schedule(Time::FromNanos(static_cast<int64_t>(rng.Next() >> 24)), &NoOp, nullptr);
    }
    sim.Run();
    benchmark::DoNotOptimize(sim.events_run());
  }
  state.SetItemsProcessed(state.iterations() * size);
}
BENCHMARK(BM_EventQueueFillDrain)->Arg(1'000)->Arg(100'000);

Task<void> Sleeper(Simulator& sim, int64_t sleeps, Duration period) {
  for (int64_t i = 0; i < sleeps; ++i) co_await Sleep(sim, period);
}

// Sleeps per second: state.range(0) concurrent processes each sleeping in a
// loop (a suspension, an event, a resumption per sleep).
void BM_CoroutineSleepLoop(benchmark::State& state) {
  const int64_t processes = state.range(0);
  constexpr int64_t kTotalSleeps = 1'000'000;
  const int64_t sleeps = kTotalSleeps / processes;
  for (auto _ : state) {
    Simulator sim;
    for (int64_t p = 0; p < processes; ++p) {
      // Co-prime periods interleave the processes in the queue.
      Spawn(sim, Sleeper(sim, sleeps, Duration::Micros(100 + p % 97)));
    }
    sim.Run();
  }
  state.SetItemsProcessed(state.iterations() * processes * sleeps);
}
BENCHMARK(BM_CoroutineSleepLoop)->Arg(1)->Arg(1'000)->Arg(100'000);

}  // namespace
}  // namespace cachelab
