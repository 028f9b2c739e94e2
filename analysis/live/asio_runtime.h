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
//  - Work still suspended when the runtime is destroyed is destroyed with it
//    only if the caller stopped the io_context first; the live world drains
//    everything before it lets the runtime go.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <coroutine>
#include <cstdint>
#include <deque>
#include <exception>
#include <queue>
#include <unordered_map>
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
};

}  // namespace cachelab
