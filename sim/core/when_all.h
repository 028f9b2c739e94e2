// WhenAll: a join of child processes started one by one, possibly with
// pauses in between (a worker pacing its commits), awaited once by their
// parent:
//
//   WhenAll all(rt);
//   for (auto& batch : batches) all.Spawn(Persist(batch));
//   co_await all;  // every child has finished
//
// Contract:
//  - Spawn(task) starts `task` at once through the runtime (as Runtime::Spawn)
//    and counts it; a child that ends, normally or by an exception, counts down.
//  - co_await resumes the parent exactly once, after the last child has
//    finished: through the runtime's queue at the time the last child ended
//    (the child finishes its step first), or at once when no child is
//    pending (none spawned, or all already finished).
//  - The WhenAll lives in the parent's frame; the parent awaits it before it
//    goes away and spawns no more children after awaiting. An exception of a
//    child still reaches the runtime (the simulator's Fail()).
//  - No allocation beyond each child's coroutine frame (frame pool).
#pragma once

#include <coroutine>
#include <cstddef>
#include <exception>

#include "sim/core/runtime.h"
#include "sim/core/task.h"

namespace cachelab {

class WhenAll {
 public:
  explicit WhenAll(Runtime& rt) : rt_(rt) {}
  WhenAll(const WhenAll&) = delete;
  WhenAll& operator=(const WhenAll&) = delete;

  void Spawn(Task<void> child) {
    ++pending_;
    rt_.Spawn(Run(this, std::move(child)));
  }
  size_t pending() const { return pending_; }

  bool await_ready() const noexcept { return pending_ == 0; }
  void await_suspend(std::coroutine_handle<> h) noexcept { parent_ = h; }
  void await_resume() const noexcept {}

 private:
  static Task<void> Run(WhenAll* all, Task<void> child) {
    std::exception_ptr failure;
    try {
      co_await child;
    } catch (...) {
      failure = std::current_exception();
    }
    all->Done();
    if (failure) std::rethrow_exception(failure);
  }
  void Done() {
    if (--pending_ == 0 && parent_) rt_.ResumeAfter(Duration(), parent_);
  }

  Runtime& rt_;
  size_t pending_ = 0;
  std::coroutine_handle<> parent_;
};

}  // namespace cachelab
