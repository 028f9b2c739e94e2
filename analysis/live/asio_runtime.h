// The live world's Runtime (sim/core/runtime.h): real time on a Boost.Asio
// io_context, so the same policy modules that run on the simulator run against
// real servers. One thread runs the io_context; nothing here locks.
//
// Contract (beyond the Runtime's):
//  - now() is the steady clock's time since construction.
//  - Sleeps and wait timeouts share one timer queue ordered by (deadline,
//    sequence) behind a single asio timer, so coroutines due at the same
//    deadline resume in the order they were suspended.
//  - A spawned process that throws stops the io_context; Rethrow() rethrows
//    the first such exception on the caller's thread (the run fails instead of
//    hanging).
//  - FastForward() (the end of a run): every sleep and wait timeout, pending
//    or later, is due at once, so background loops reach their next
//    `stopped()` check without waiting out real time.
//  - DestroyPending() destroys every spawned process still suspended (a wait
//    nobody will notify) and forgets its timers; the destructor does it too.
//    The caller must first make sure nothing else (a client's callback) will
//    resume them.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <coroutine>
#include <cstdint>
#include <deque>
#include <exception>
#include <optional>
#include <queue>
#include <stdexcept>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "sim/core/runtime.h"
#include "sim/core/task.h"

namespace cachelab {

class AsioRuntime final : public Runtime {
 public:
  explicit AsioRuntime(boost::asio::io_context& io);
  AsioRuntime(const AsioRuntime&) = delete;
  AsioRuntime& operator=(const AsioRuntime&) = delete;

  Time now() const override;
  void Spawn(Task<void> task) override;
  size_t NotifyAll(uint64_t key) override;
  void ResumeAfter(Duration d, std::coroutine_handle<> h) override;
  void ResumeOnNotify(uint64_t key, Duration timeout, WakeReason* reason,
                      std::coroutine_handle<> h) override;

  boost::asio::io_context& io() { return io_; }
  // Resumes `h` from the io_context's queue (never inline).
  void Post(std::coroutine_handle<> h);
  // Spawned processes still running.
  size_t running() const { return running_; }
  // Coroutines suspended in a wait.
  size_t waiting() const { return waiting_; }
  // Rethrows the first exception a spawned process ended with, if any.
  void Rethrow() const;
  void FastForward();
  // Makes now() zero again (the scenario's time 0); only while no timer is
  // pending.
  void ResetClock();
  void DestroyPending();
  ~AsioRuntime() override;

 private:
  struct Due {
    Time at;
    uint64_t seq;
    std::coroutine_handle<> h;
    uint64_t waiter;  // 0: a sleep; else the waiter whose timeout this is
    bool operator>(const Due& o) const { return at != o.at ? at > o.at : seq > o.seq; }
  };
  struct Waiter {
    uint64_t id;
    std::coroutine_handle<> h;
    WakeReason* reason;
  };
  struct Root;
  static Root RunRoot(AsioRuntime* rt, Task<void> task);

  void Arm();
  // Resumes the timers due by now (all of them when fast-forwarding).
  void OnTimer();

  boost::asio::io_context& io_;
  boost::asio::steady_timer timer_;
  std::chrono::steady_clock::time_point start_;
  std::priority_queue<Due, std::vector<Due>, std::greater<Due>> timers_;
  Time armed_for_ = Time::FromNanos(-1);
  uint64_t seq_ = 0;
  std::unordered_map<uint64_t, std::deque<Waiter>> waits_;
  std::unordered_map<uint64_t, uint64_t> waiter_key_;  // pending waiter id -> key
  uint64_t next_waiter_ = 1;
  size_t waiting_ = 0;
  size_t running_ = 0;
  std::exception_ptr failure_;
  bool fast_forward_ = false;
  std::unordered_set<void*> roots_;  // frames of spawned processes still running
};

// Runs the io_context until `task` has finished and returns its result (or
// rethrows its exception): for set-up and tests, outside any coroutine.
// Throws std::runtime_error if the io_context runs out of work first.
template <class T>
T RunToCompletion(AsioRuntime& rt, Task<T> task) {
  std::optional<T> result;
  std::exception_ptr error;
  bool done = false;
  auto wrap = [](Task<T> t, std::optional<T>& out, std::exception_ptr& err, bool& d) -> Task<void> {
    try {
      out.emplace(co_await std::move(t));
    } catch (...) {
      err = std::current_exception();
    }
    d = true;
  };
  rt.Spawn(wrap(std::move(task), result, error, done));
  // A previous run may have left the loop out of work (stopped).
  if (!done && rt.io().stopped()) rt.io().restart();
  while (!done && rt.io().run_one() > 0) {
  }
  if (error) std::rethrow_exception(error);
  if (!done) throw std::runtime_error("the event loop stopped before the task finished");
  return std::move(*result);
}

inline void RunToCompletion(AsioRuntime& rt, Task<void> task) {
  auto wrap = [](Task<void> t) -> Task<bool> {
    co_await std::move(t);
    co_return true;
  };
  RunToCompletion<bool>(rt, wrap(std::move(task)));
}

}  // namespace cachelab
