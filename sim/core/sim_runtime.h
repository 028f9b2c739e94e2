// The simulator as a Runtime (sim/core/runtime.h): simulated time, the event
// queue for sleeps and wake-ups, detached coroutines for Spawn and a KeyedWait
// for per-key wait/notify. Each operation does exactly what the simulator's
// own primitives do (Sleep, Spawn, KeyedWait), so code moved onto the
// interface schedules the same events in the same order.
#pragma once

#include "sim/core/keyed_wait.h"
#include "sim/core/runtime.h"
#include "sim/core/simulator.h"
#include "sim/core/task.h"

namespace cachelab {

class SimRuntime final : public Runtime {
 public:
  explicit SimRuntime(Simulator& sim) : sim_(sim), waits_(sim) {}
  SimRuntime(const SimRuntime&) = delete;
  SimRuntime& operator=(const SimRuntime&) = delete;

  Time now() const override { return sim_.now(); }
  void Spawn(Task<void> task) override { cachelab::Spawn(sim_, std::move(task)); }
  size_t NotifyAll(uint64_t key) override { return waits_.NotifyAll(key); }
  void ResumeAfter(Duration d, std::coroutine_handle<> h) override {
    sim_.ScheduleResume(sim_.now() + d, h);
  }
  void ResumeOnNotify(uint64_t key, Duration timeout, WakeReason* reason,
                      std::coroutine_handle<> h) override {
    waits_.Enqueue(key, timeout, reason, h);
  }

  Simulator& sim() { return sim_; }
  KeyedWait& waits() { return waits_; }

 private:
  Simulator& sim_;
  KeyedWait waits_;
};

}  // namespace cachelab
