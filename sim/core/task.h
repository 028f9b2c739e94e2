// Simulation processes as C++20 coroutines, so policy code reads like the
// article's pseudo-code:
//
//   Task<Value> Get(Ctx& c, Key k) {
//     if (auto hit = co_await c.cache.Get(k)) co_return hit.value;
//     Value v = co_await c.db.Read(k);
//     co_await c.cache.Set(k, v, ttl);
//     co_return v;
//   }
//
// Contract:
//  - Task<T> is lazy: it starts when awaited and resumes its awaiter when it
//    finishes (symmetric transfer, no stack growth). A Task is awaited at most
//    once; destroying an unfinished Task destroys its frame.
//  - No stack growth holds at every optimisation level: transfers go through
//    a resume loop (detail::Trampoline) rather than relying on the compiler to
//    turn `return handle` into a tail call, which GCC does not do at -O0/-O1
//    or under AddressSanitizer (100k awaits then overflow an 8 MiB stack).
//  - Spawn(sim, task) starts a detached process right away; its frame frees
//    itself when it ends. An exception escaping it is passed to sim.Fail().
//    A Process coroutine is the same without a separate root frame.
//  - Sleep(sim, d) resumes after d of simulated time (d >= 0; Sleep(0) yields
//    to events already scheduled for now).
//  - Delayed(sim, d, value) resumes after d and returns value: the shape of
//    every remote operation (its effect happens when issued, the caller sees
//    the answer one latency later).
//  - All frames come from frame_pool.
#pragma once

#include <coroutine>
#include <exception>
#include <optional>
#include <utility>

#include "sim/core/frame_pool.h"
#include "sim/core/simulator.h"

namespace cachelab {

namespace detail {

struct PooledPromise {
  static void* operator new(std::size_t n) { return frame_pool::Allocate(n); }
  static void operator delete(void* p, std::size_t n) noexcept { frame_pool::Free(p, n); }
};

// Symmetric transfer as a loop: `Transfer(from, to)` is called in the
// await_suspend of `from` (already suspended) to run `to` next. If `from` was
// resumed by a running loop, that loop regains control as soon as
// await_suspend returns, so `to` is handed to it; otherwise (an event
// callback, Spawn) a loop starts here. Either way the stack stays flat, and
// `to` runs before anything else, exactly as with a tail call. await_suspend
// returns void and touches nothing after Transfer: `from` may already have
// been resumed or destroyed by then.
class Trampoline {
 public:
  static void Transfer(std::coroutine_handle<> from, std::coroutine_handle<> to) {
    if (from.address() == current_) {
      next_ = to;
      return;
    }
    Run(to);
  }

 private:
  // resume() cannot throw here: Task and Detached promises catch everything.
  static void Run(std::coroutine_handle<> h) {
    void* const enclosing = current_;
    do {
      current_ = h.address();
      h.resume();
      h = std::exchange(next_, {});
    } while (h);
    current_ = enclosing;
  }
  static inline thread_local void* current_ = nullptr;  // resumed by the innermost loop
  static inline thread_local std::coroutine_handle<> next_;
};

// Resumes whoever awaited the finished task.
struct FinalAwaiter {
  bool await_ready() noexcept { return false; }
  template <typename Promise>
  void await_suspend(std::coroutine_handle<Promise> h) noexcept {
    if (auto next = h.promise().continuation) Trampoline::Transfer(h, next);
  }
  void await_resume() noexcept {}
};

template <typename T>
struct TaskPromiseBase : PooledPromise {
  std::coroutine_handle<> continuation;
  std::exception_ptr exception;
  std::suspend_always initial_suspend() noexcept { return {}; }
  FinalAwaiter final_suspend() noexcept { return {}; }
  void unhandled_exception() noexcept { exception = std::current_exception(); }
};

}  // namespace detail

namespace detail {

// What a finished task hands its awaiter: a value, or nothing for Task<void>.
template <typename T>
struct TaskResult {
  std::optional<T> value;
  template <typename U>
  void return_value(U&& v) {
    value.emplace(std::forward<U>(v));
  }
  T Take() { return std::move(*value); }
};

template <>
struct TaskResult<void> {
  void return_void() noexcept {}
  void Take() noexcept {}
};

}  // namespace detail

template <typename T = void>
class [[nodiscard]] Task {
 public:
  struct promise_type : detail::TaskPromiseBase<T>, detail::TaskResult<T> {
    Task get_return_object() {
      return Task(std::coroutine_handle<promise_type>::from_promise(*this));
    }
  };

  Task(Task&& o) noexcept : h_(std::exchange(o.h_, {})) {}
  Task& operator=(Task&& o) noexcept {
    if (this != &o) {
      if (h_) h_.destroy();
      h_ = std::exchange(o.h_, {});
    }
    return *this;
  }
  ~Task() {
    if (h_) h_.destroy();
  }

  bool await_ready() const noexcept { return false; }
  void await_suspend(std::coroutine_handle<> awaiter) noexcept {
    h_.promise().continuation = awaiter;
    detail::Trampoline::Transfer(awaiter, h_);
  }
  T await_resume() {
    auto& p = h_.promise();
    if (p.exception) std::rethrow_exception(p.exception);
    return p.Take();
  }

 private:
  explicit Task(std::coroutine_handle<promise_type> h) : h_(h) {}
  std::coroutine_handle<promise_type> h_;
};

namespace detail {

// The root of a detached process: runs eagerly, frees itself at the end.
struct Detached {
  struct promise_type : PooledPromise {
    Detached get_return_object() noexcept { return {}; }
    std::suspend_never initial_suspend() noexcept { return {}; }
    std::suspend_never final_suspend() noexcept { return {}; }
    void return_void() noexcept {}
    void unhandled_exception() noexcept { std::terminate(); }  // RunDetached catches all
  };
};

inline Detached RunDetached(Simulator* sim, Task<void> task) {
  try {
    co_await task;
  } catch (...) {
    sim->Fail(std::current_exception());
  }
}

}  // namespace detail

// Starts `task` now as an independent process.
inline void Spawn(Simulator& sim, Task<void> task) {
  detail::RunDetached(&sim, std::move(task));
}

// A coroutine that is its own detached root: calling it starts it at once,
// like Spawn(sim, task), with one frame and one transfer fewer (no root
// awaiting it), for the processes a model starts per request. The coroutine
// is a member function of a class with `Simulator& sim()`; an exception
// escaping it is passed to that simulator's Fail(). Its frame frees itself
// when it ends.
struct Process {
  struct promise_type : detail::PooledPromise {
    template <class Owner, class... Args>
    explicit promise_type(Owner& owner, const Args&...) : sim(&owner.sim()) {}
    Process get_return_object() noexcept { return {}; }
    std::suspend_never initial_suspend() noexcept { return {}; }
    std::suspend_never final_suspend() noexcept { return {}; }
    void return_void() noexcept {}
    void unhandled_exception() noexcept { sim->Fail(std::current_exception()); }
    Simulator* sim;
  };
};

// co_await Sleep(sim, d): resume after d.
class Sleep {
 public:
  Sleep(Simulator& sim, Duration d) : sim_(sim), d_(d) {}
  bool await_ready() const noexcept { return false; }
  void await_suspend(std::coroutine_handle<> h) { sim_.ScheduleResume(sim_.now() + d_, h); }
  void await_resume() const noexcept {}

 private:
  Simulator& sim_;
  Duration d_;
};

// co_await Delayed(sim, d, v): resume after d with v.
template <typename T>
class Delayed {
 public:
  Delayed(Simulator& sim, Duration d, T value) : sim_(sim), d_(d), value_(std::move(value)) {}
  bool await_ready() const noexcept { return false; }
  void await_suspend(std::coroutine_handle<> h) { sim_.ScheduleResume(sim_.now() + d_, h); }
  T await_resume() { return std::move(value_); }
  // The answer the caller will see (known when the operation is issued).
  const T& value() const { return value_; }

 private:
  Simulator& sim_;
  Duration d_;
  T value_;
};

}  // namespace cachelab
