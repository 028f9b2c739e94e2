// Cancellation (sim/core/cancel.h) inside one process: the simulator sees the
// flag within kCancelCheckEvents events; a bare simulator throws Interrupted,
// a world ends its arrivals, drains and throws Interrupted with no coroutine
// frame left behind. (The binary's signal handling: tests/app/faults_cli_test.cc.)
#include "sim/core/cancel.h"

#include <catch2/catch.hpp>
#include <cstdint>

#include "policies/run.h"
#include "sim/core/frame_pool.h"
#include "sim/core/simulator.h"
#include "tests/support/distributions.h"

namespace cachelab {
namespace {

// Forgets the process-wide request when the test ends, however it ends.
struct ResetCancel {
  ResetCancel() { cancel::Reset(); }
  ~ResetCancel() { cancel::Reset(); }
  ResetCancel(const ResetCancel&) = delete;
  ResetCancel& operator=(const ResetCancel&) = delete;
};

// An event that reschedules itself 1 ns later forever, counting its runs and
// asking for cancellation at run `request_at`.
struct Ticker {
  Simulator* sim;
  uint64_t runs = 0;
  uint64_t request_at = 0;
  static void Fire(void* self, uint64_t) {
    auto* t = static_cast<Ticker*>(self);
    if (++t->runs == t->request_at) cancel::Request();
    t->sim->ScheduleAfter(Duration::Nanos(1), &Ticker::Fire, t);
  }
};

}  // namespace

TEST_CASE("a bare simulator throws Interrupted within kCancelCheckEvents events of the request",
          "[sim][core][cancel]") {
  ResetCancel reset;
  Simulator sim;
  Ticker t{&sim, 0, 10'000};
  sim.Schedule(Time(), &Ticker::Fire, &t);
  CHECK_THROWS_AS(sim.Run(), Interrupted);
  CHECK(t.runs >= t.request_at);
  CHECK(t.runs <= t.request_at + Simulator::kCancelCheckEvents);
}

TEST_CASE("with an OnCancel handler the simulator calls it once instead of throwing",
          "[sim][core][cancel]") {
  ResetCancel reset;
  Simulator sim;
  Ticker t{&sim, 0, 10'000};
  struct Handler {
    Simulator* sim;
    int calls = 0;
    static void Call(void* self, uint64_t) {
      auto* h = static_cast<Handler*>(self);
      ++h->calls;
      h->sim->Stop();  // the owner ends its sources; here, the run
    }
  } h{&sim};
  sim.OnCancel(&Handler::Call, &h);
  sim.Schedule(Time(), &Ticker::Fire, &t);
  sim.Run();
  CHECK(h.calls == 1);
  CHECK(t.runs <= t.request_at + Simulator::kCancelCheckEvents);
}

TEST_CASE("an interrupted world drains its requests, frees every frame and throws Interrupted",
          "[sim][core][cancel]") {
  ResetCancel reset;
  WorldConfig w;
  w.name = "cancel";
  w.seed = 3;
  w.duration = Duration::Seconds(600);
  w.workload.rate.kind = RateProfileConfig::Kind::kConstant;
  w.workload.rate.rps = 2000;
  w.workload.keys = 500;
  w.workload.value_size = test::Constant(1000);
  w.cache.capacity_bytes = 1ull << 20;
  w.cache.rtt = test::Constant(200'000);  // 0.2 ms
  w.cache.timeout = Duration::Millis(50);
  w.database.connections = 4;
  w.database.read_service = test::Constant(2'000'000);  // 2 ms: requests are in flight
  w.metrics.interval = Duration::Seconds(1);
  RunOptions options;
  double seen = 0;
  options.progress = [&seen](double fraction) {
    seen = fraction;
    if (fraction >= 0.25) cancel::Request();
  };
  const size_t frames = frame_pool::LiveFrames();
  CHECK_THROWS_AS(RunSimulation(w, StackConfig{}, options), Interrupted);
  CHECK(seen >= 0.25);
  CHECK(seen < 0.5);  // stopped soon after, not at the end
  CHECK(frame_pool::LiveFrames() == frames);
}

}  // namespace cachelab
