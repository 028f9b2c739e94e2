#include "sim/core/simulator.h"

#include <stdexcept>
#include <string>

namespace cachelab {

namespace {
// Out of line so the hot scheduling path carries no string-building frame.
[[noreturn]] __attribute__((noinline, cold)) void ThrowInPast(Time at, Time now) {
  throw std::logic_error("event scheduled in the past: at " + std::to_string(at.nanos()) +
                         " ns, now " + std::to_string(now.nanos()) + " ns");
}
[[noreturn]] __attribute__((noinline, cold)) void ThrowNegativeDelay(Duration d) {
  throw std::logic_error("negative delay " + std::to_string(d.nanos()) + " ns");
}

void ResumeCoroutine(void* ctx, uint64_t) {
  std::coroutine_handle<>::from_address(ctx).resume();
}
}  // namespace

Simulator::EventId Simulator::Schedule(Time at, Callback fn, void* ctx, uint64_t arg) {
  if (at < now_) [[unlikely]]
    ThrowInPast(at, now_);
  const uint64_t seq = next_seq_++;
  Push(Event{at.nanos(), seq, fn, ctx, arg});
  return seq;
}

void Simulator::ScheduleReserved(Time at, EventId seq, Callback fn, void* ctx, uint64_t arg) {
  if (at < now_) [[unlikely]]
    ThrowInPast(at, now_);
  Push(Event{at.nanos(), seq, fn, ctx, arg});
}

Simulator::EventId Simulator::ScheduleAfter(Duration delay, Callback fn, void* ctx, uint64_t arg) {
  if (delay < Duration()) [[unlikely]]
    ThrowNegativeDelay(delay);
  return Schedule(now_ + delay, fn, ctx, arg);
}

Simulator::EventId Simulator::ScheduleSolo(Time at, Callback fn, void* ctx, uint64_t arg) {
  if (at < now_) [[unlikely]]
    ThrowInPast(at, now_);
  if (has_solo_) [[unlikely]]
    throw std::logic_error("ScheduleSolo: a solo event is already pending");
  const uint64_t seq = next_seq_++;
  solo_ = Event{at.nanos(), seq, fn, ctx, arg};
  has_solo_ = true;
  return seq;
}

Simulator::EventId Simulator::ScheduleResume(Time at, std::coroutine_handle<> h) {
  return Schedule(at, &ResumeCoroutine, h.address());
}

void Simulator::Cancel(EventId id) {
  if (id < next_seq_) cancelled_.insert(id);
}

void Simulator::Push(const Event& e) {
  size_t i = heap_.size();
  heap_.push_back(e);
  while (i > 0) {
    const size_t parent = (i - 1) / 4;
    if (!Before(e, heap_[parent])) break;
    heap_[i] = heap_[parent];
    i = parent;
  }
  heap_[i] = e;
}

Simulator::Event Simulator::PopTop() {
  Event top = heap_.front();
  Event last = heap_.back();
  heap_.pop_back();
  const size_t n = heap_.size();
  if (n == 0) return top;
  size_t i = 0;
  for (;;) {
    const size_t first = 4 * i + 1;
    if (first >= n) break;
    size_t best = first;
    const size_t end = first + 4 < n ? first + 4 : n;
    for (size_t c = first + 1; c < end; ++c) {
      if (Before(heap_[c], heap_[best])) best = c;
    }
    if (!Before(heap_[best], last)) break;
    heap_[i] = heap_[best];
    i = best;
  }
  heap_[i] = last;
  return top;
}

bool Simulator::DropCancelledTop() {
  while (!heap_.empty()) {
    if (cancelled_.empty() || cancelled_.erase(heap_.front().seq) == 0) return true;
    PopTop();
  }
  return false;
}

const Simulator::Event* Simulator::PeekNext() {
  const bool queued = DropCancelledTop();
  if (has_solo_ && (!queued || Before(solo_, heap_.front()))) return &solo_;
  return queued ? &heap_.front() : nullptr;
}

bool Simulator::Step() {
  // A process may have failed outside any event (e.g. Spawn before Run).
  RethrowIfFailed();
  const Event* next = PeekNext();
  if (next == nullptr) return false;
  Event e;
  if (next == &solo_) {
    e = solo_;
    has_solo_ = false;
  } else {
    e = PopTop();
  }
  now_ = Time::FromNanos(e.time);
  ++events_run_;
  e.fn(e.ctx, e.arg);
  RethrowIfFailed();
  return true;
}

void Simulator::Run() {
  stopped_ = false;
  while (!stopped_ && Step()) {
    PollCancel();
  }
}

void Simulator::CancelSeen() {
  cancel_seen_ = true;
  if (on_cancel_ == nullptr) throw Interrupted();
  on_cancel_(on_cancel_ctx_, 0);
}

void Simulator::LimitReached() {
  event_limit_ = UINT64_MAX;  // once
  if (on_limit_ != nullptr) on_limit_(on_limit_ctx_, events_run_);
}

void Simulator::RunUntil(Time until) {
  stopped_ = false;
  RethrowIfFailed();
  for (const Event* next;
       !stopped_ && (next = PeekNext()) != nullptr && next->time <= until.nanos();) {
    Step();
    PollCancel();
  }
  if (!stopped_ && now_ < until) now_ = until;
}

void Simulator::Fail(std::exception_ptr e) {
  if (!failure_) failure_ = e;
}

void Simulator::RethrowIfFailed() {
  if (failure_) {
    auto e = failure_;
    failure_ = nullptr;
    std::rethrow_exception(e);
  }
}

}  // namespace cachelab
