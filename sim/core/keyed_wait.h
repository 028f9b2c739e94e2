// Per-key wait / notify, the primitive behind locks, leases and single-flight:
// a process waits on a key until another process notifies that key.
//
// Contract:
//  - co_await waits.Wait(key) suspends until NotifyAll(key) (or until the
//    optional timeout elapses: the result says which).
//  - NotifyAll(key) wakes every current waiter of `key` at the current time,
//    in the order they started waiting, through the event queue (never inline,
//    so the notifier finishes its step first). Returns how many it woke.
//  - Waiters are identified by slot; a woken or timed-out waiter leaves no
//    trace, so timeouts need no cancellation.
#pragma once

#include <boost/unordered/unordered_flat_map.hpp>
#include <coroutine>
#include <cstdint>
#include <vector>

#include "sim/core/runtime.h"
#include "sim/core/simulator.h"
#include "sim/core/slot_pool.h"

namespace cachelab {

class KeyedWait {
 public:
  using WakeReason = cachelab::WakeReason;

  explicit KeyedWait(Simulator& sim) : sim_(sim) {}
  KeyedWait(const KeyedWait&) = delete;
  KeyedWait& operator=(const KeyedWait&) = delete;

  class Awaiter {
   public:
    bool await_ready() const noexcept { return false; }
    void await_suspend(std::coroutine_handle<> h) { owner_->Enqueue(key_, timeout_, &reason_, h); }
    WakeReason await_resume() const noexcept { return reason_; }

   private:
    friend class KeyedWait;
    Awaiter(KeyedWait* owner, uint64_t key, Duration timeout)
        : owner_(owner), key_(key), timeout_(timeout) {}
    KeyedWait* owner_;
    uint64_t key_;
    Duration timeout_;  // negative: none
    WakeReason reason_ = WakeReason::kNotified;
  };

  Awaiter Wait(uint64_t key) { return Awaiter(this, key, Duration::Nanos(-1)); }
  Awaiter WaitFor(uint64_t key, Duration timeout) { return Awaiter(this, key, timeout); }

  size_t NotifyAll(uint64_t key);
  size_t Waiting(uint64_t key) const;

  // What the awaiters do: suspend `h` on `key` until notified or until
  // `timeout` (negative: none); `*reason` is written before `h` resumes.
  // Public so a Runtime (sim/core/sim_runtime.h) can wait with its own awaiter.
  void Enqueue(uint64_t key, Duration timeout, WakeReason* reason, std::coroutine_handle<> h);

 private:
  struct Waiter {
    std::coroutine_handle<> handle;
    WakeReason* reason = nullptr;
    uint64_t key = 0;
    bool active = false;  // waiting; false once woken (its resumption may still be queued)
  };
  void Wake(uint32_t slot, WakeReason reason);
  static void OnTimeout(void* self, uint64_t arg);
  static void OnWake(void* self, uint64_t arg);

  Simulator& sim_;
  SlotPool<Waiter> slots_;
  boost::unordered_flat_map<uint64_t, std::vector<uint32_t>> waiters_;
};

}  // namespace cachelab
