#include "analysis/live/asio_runtime.h"

#include <boost/asio/post.hpp>
#include <stdexcept>

namespace cachelab {

// The root of a spawned process: runs eagerly, frees itself at the end and
// turns an escaping exception into a stopped io_context.
struct AsioRuntime::Root {
  struct promise_type {
    // Registers the frame, so DestroyPending can find it.
    promise_type(AsioRuntime* rt, Task<void>&) : rt(rt) {
      rt->roots_.insert(std::coroutine_handle<promise_type>::from_promise(*this).address());
    }
    ~promise_type() {
      rt->roots_.erase(std::coroutine_handle<promise_type>::from_promise(*this).address());
    }
    AsioRuntime* rt;
    Root get_return_object() noexcept { return {}; }
    std::suspend_never initial_suspend() noexcept { return {}; }
    std::suspend_never final_suspend() noexcept { return {}; }
    void return_void() noexcept {}
    void unhandled_exception() noexcept { std::terminate(); }  // RunRoot catches all
  };
};

AsioRuntime::AsioRuntime(boost::asio::io_context& io)
    : io_(io), timer_(io), start_(std::chrono::steady_clock::now()) {}

Time AsioRuntime::now() const {
  return Time::FromNanos(std::chrono::duration_cast<std::chrono::nanoseconds>(
                             std::chrono::steady_clock::now() - start_)
                             .count());
}

AsioRuntime::Root AsioRuntime::RunRoot(AsioRuntime* rt, Task<void> task) {
  ++rt->running_;
  try {
    co_await task;
  } catch (...) {
    if (!rt->failure_) rt->failure_ = std::current_exception();
    rt->io_.stop();
  }
  --rt->running_;
}

void AsioRuntime::Spawn(Task<void> task) {
  RunRoot(this, std::move(task));
}

void AsioRuntime::Post(std::coroutine_handle<> h) {
  boost::asio::post(io_, [h] { h.resume(); });
}

void AsioRuntime::ResumeAfter(Duration d, std::coroutine_handle<> h) {
  if (d <= Duration() || fast_forward_) {
    Post(h);
    return;
  }
  timers_.push(Due{now() + d, ++seq_, h, 0});
  Arm();
}

void AsioRuntime::ResumeOnNotify(uint64_t key, Duration timeout, WakeReason* reason,
                                 std::coroutine_handle<> h) {
  const uint64_t id = next_waiter_++;
  waits_[key].push_back(Waiter{id, h, reason});
  waiter_key_.emplace(id, key);
  ++waiting_;
  if (timeout >= Duration()) {
    timers_.push(Due{fast_forward_ ? Time::Zero() : now() + timeout, ++seq_, h, id});
    Arm();
  }
}

size_t AsioRuntime::NotifyAll(uint64_t key) {
  auto it = waits_.find(key);
  if (it == waits_.end()) return 0;
  std::deque<Waiter> woken = std::move(it->second);
  waits_.erase(it);
  for (const Waiter& w : woken) {
    waiter_key_.erase(w.id);
    *w.reason = WakeReason::kNotified;
    Post(w.h);
  }
  waiting_ -= woken.size();
  return woken.size();
}

void AsioRuntime::Arm() {
  if (fast_forward_) {
    boost::asio::post(io_, [this] { OnTimer(); });
    return;
  }
  const Time next = timers_.top().at;
  if (armed_for_ >= Time::Zero() && armed_for_ <= next) return;
  armed_for_ = next;
  timer_.expires_at(start_ + std::chrono::nanoseconds(next.nanos()));
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;  // re-armed earlier or cancelled; the newer wait owns the queue
    armed_for_ = Time::FromNanos(-1);
    OnTimer();
  });
}

void AsioRuntime::OnTimer() {
  const Time t = now();
  // Collect everything due first: a resumed coroutine may push new timers.
  std::vector<Due> due;
  while (!timers_.empty() && (fast_forward_ || timers_.top().at <= t)) {
    due.push_back(timers_.top());
    timers_.pop();
  }
  for (const Due& d : due) {
    if (d.waiter != 0) {
      auto k = waiter_key_.find(d.waiter);
      if (k == waiter_key_.end()) continue;  // notified before its timeout
      std::deque<Waiter>& q = waits_[k->second];
      for (auto w = q.begin(); w != q.end(); ++w) {
        if (w->id != d.waiter) continue;
        *w->reason = WakeReason::kTimeout;
        q.erase(w);
        break;
      }
      if (q.empty()) waits_.erase(k->second);
      waiter_key_.erase(k);
      --waiting_;
    }
    d.h.resume();
  }
  if (!timers_.empty() && !fast_forward_) Arm();
}

void AsioRuntime::ResetClock() {
  if (!timers_.empty()) throw std::logic_error("AsioRuntime::ResetClock with timers pending");
  start_ = std::chrono::steady_clock::now();
}

void AsioRuntime::FastForward() {
  if (fast_forward_) return;
  fast_forward_ = true;
  timer_.cancel();
  armed_for_ = Time::FromNanos(-1);
  boost::asio::post(io_, [this] { OnTimer(); });
}

void AsioRuntime::DestroyPending() {
  timer_.cancel();
  timers_ = {};
  waits_.clear();
  waiter_key_.clear();
  waiting_ = 0;
  // Destroying a root destroys the chain of tasks it awaits; each root
  // unregisters itself.
  while (!roots_.empty()) {
    std::coroutine_handle<>::from_address(*roots_.begin()).destroy();
    --running_;
  }
}

AsioRuntime::~AsioRuntime() {
  DestroyPending();
}

void AsioRuntime::Rethrow() const {
  if (failure_) std::rethrow_exception(failure_);
}

}  // namespace cachelab
