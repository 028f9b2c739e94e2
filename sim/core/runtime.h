// The runtime seam: everything policy code needs from the machine it runs on,
// besides the cache and database operations (policies/context.h). The
// simulator implements it on simulated time (sim/core/sim_runtime.h); a live
// runtime (Boost.Asio, real time; ARCHITECTURE.md) implements the same
// five operations, so the policy modules run unchanged on either.
//
// Contract (every implementation):
//  - now() never decreases.
//  - co_await rt.Sleep(d) resumes after d (d >= 0). Sleep(0) yields: work
//    already due now runs first. Resumption always goes through the runtime's
//    queue, never inline in the caller.
//  - Spawn(task) starts `task` at once as an independent process; its frame
//    frees itself when it ends. Policy code never joins a spawned process
//    except through WhenAll (sim/core/when_all.h).
//  - co_await rt.Wait(key) suspends until NotifyAll(key); WaitFor(key, t)
//    also returns after t (the result says which). NotifyAll wakes every
//    current waiter of `key`, in the order they started waiting, through the
//    runtime's queue (never inline: the notifier finishes its step first), and
//    returns how many it woke. Keys are plain 64-bit numbers; the policy layer
//    owns their layout (policies/context.h, "Key space").
//  - One runtime serves one run on one thread: no locking.
// A virtual call per operation is the price of the seam; awaiters live in the
// awaiting coroutine's frame, so no operation allocates.
#pragma once

#include <coroutine>
#include <cstddef>
#include <cstdint>

#include "sim/core/task.h"
#include "sim/core/time.h"

namespace cachelab {

enum class WakeReason { kNotified, kTimeout };

class Runtime {
 public:
  virtual ~Runtime() = default;

  virtual Time now() const = 0;
  virtual void Spawn(Task<void> task) = 0;
  virtual size_t NotifyAll(uint64_t key) = 0;

  class SleepAwaiter {
   public:
    bool await_ready() const noexcept { return false; }
    void await_suspend(std::coroutine_handle<> h) { rt_->ResumeAfter(d_, h); }
    void await_resume() const noexcept {}

   private:
    friend class Runtime;
    SleepAwaiter(Runtime* rt, Duration d) : rt_(rt), d_(d) {}
    Runtime* rt_;
    Duration d_;
  };

  class WaitAwaiter {
   public:
    bool await_ready() const noexcept { return false; }
    void await_suspend(std::coroutine_handle<> h) {
      rt_->ResumeOnNotify(key_, timeout_, &reason_, h);
    }
    WakeReason await_resume() const noexcept { return reason_; }

   private:
    friend class Runtime;
    WaitAwaiter(Runtime* rt, uint64_t key, Duration timeout)
        : rt_(rt), key_(key), timeout_(timeout) {}
    Runtime* rt_;
    uint64_t key_;
    Duration timeout_;  // negative: none
    WakeReason reason_ = WakeReason::kNotified;
  };

  SleepAwaiter Sleep(Duration d) { return SleepAwaiter(this, d); }
  WaitAwaiter Wait(uint64_t key) { return WaitAwaiter(this, key, Duration::Nanos(-1)); }
  WaitAwaiter WaitFor(uint64_t key, Duration timeout) { return WaitAwaiter(this, key, timeout); }

  // The two suspension hooks the awaiters call; implementations resume `h`
  // through their queue. `reason` points into the suspended awaiter and is
  // written before `h` resumes. A negative `timeout` means none.
  virtual void ResumeAfter(Duration d, std::coroutine_handle<> h) = 0;
  virtual void ResumeOnNotify(uint64_t key, Duration timeout, WakeReason* reason,
                              std::coroutine_handle<> h) = 0;
};

}  // namespace cachelab
