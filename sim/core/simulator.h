// The discrete-event engine: a clock and a queue of events ordered by
// (time, sequence number). Equal times run in scheduling order (FIFO), so a
// run is a pure function of its inputs (SimPy's eid, ns-3's EventKey).
//
// Contract:
//  - now() never decreases; scheduling an event before now() is a logic error
//    (std::logic_error naming both times).
//  - An event is a plain function pointer with a context pointer and a 64-bit
//    argument: no allocation per event. Coroutines are resumed through
//    ScheduleResume.
//  - Cancel() is lazy: the event stays queued and is skipped when it surfaces.
//  - An exception escaping a detached process (see task.h) is stored with
//    Fail() and rethrown from Run()/RunUntil() after the current event.
//  - Cancellation (cancel.h): Run() and RunUntil() look at the process-wide
//    flag every kCancelCheckEvents events. With an OnCancel handler they call
//    it once and go on (the handler ends the sources, so the run drains and
//    ends); without one they throw Interrupted at once, abandoning the events
//    still queued (and the frames of processes suspended on them).
#pragma once

#include <boost/unordered/unordered_flat_set.hpp>
#include <coroutine>
#include <cstdint>
#include <exception>
#include <vector>

#include "sim/core/cancel.h"
#include "sim/core/time.h"

namespace cachelab {

class Simulator {
 public:
  using Callback = void (*)(void* ctx, uint64_t arg);
  using EventId = uint64_t;

  Simulator() = default;
  Simulator(const Simulator&) = delete;
  Simulator& operator=(const Simulator&) = delete;

  Time now() const { return now_; }

  EventId Schedule(Time at, Callback fn, void* ctx, uint64_t arg = 0);
  EventId ScheduleAfter(Duration delay, Callback fn, void* ctx, uint64_t arg = 0);
  EventId ScheduleResume(Time at, std::coroutine_handle<> h);

  // For a source that never has more than one event pending, such as the
  // arrival process: its event waits in a slot beside the queue rather than
  // in it, which saves a push and a pop per arrival, and runs exactly where
  // Schedule would have run it (same sequence numbers, same tie order). The
  // slot must be empty (std::logic_error otherwise); a solo event cannot be
  // cancelled.
  EventId ScheduleSolo(Time at, Callback fn, void* ctx, uint64_t arg = 0);

  // A sequence number taken now for an event pushed later with
  // ScheduleReserved: among events at equal times, the event runs where it
  // would have had it been scheduled when the number was taken. The caller
  // must push it before the queue reaches its (time, sequence), i.e. while
  // now() is still below `at` or an earlier event at `at` runs. Lets a model
  // keep one event queued for a FIFO of deadlines (database queue timeouts)
  // instead of one per deadline, with the same order as one per deadline.
  EventId Reserve() { return next_seq_++; }
  void ScheduleReserved(Time at, EventId seq, Callback fn, void* ctx, uint64_t arg = 0);

  // How often Run() and RunUntil() poll cancel::Requested(): a power of two,
  // so the check is a mask of events_run() (no counter of its own).
  static constexpr uint64_t kCancelCheckEvents = 4096;
  // Called once, from the run loop, when cancellation is first seen.
  void OnCancel(Callback fn, void* ctx) {
    on_cancel_ = fn;
    on_cancel_ctx_ = ctx;
  }

  // Calls fn(ctx, events_run()) once, at the first cancellation check after
  // events_run() reaches `limit`: how a model notices a run doing far more
  // work than it was estimated to (a loop that polls without end) and winds
  // it down. The check rides on PollCancel's mask, so it costs nothing more.
  void OnEventLimit(uint64_t limit, Callback fn, void* ctx) {
    event_limit_ = limit;
    on_limit_ = fn;
    on_limit_ctx_ = ctx;
  }

  // Skips the event if it has not run yet; a no-op otherwise.
  void Cancel(EventId id);

  // Runs events until the queue is empty or Stop() is called.
  void Run();
  // Runs every event with time <= `until`, then sets now() to `until` (if later).
  void RunUntil(Time until);
  // Runs the next event; false when the queue is empty.
  bool Step();
  void Stop() { stopped_ = true; }

  size_t pending() const { return heap_.size() + (has_solo_ ? 1 : 0); }
  uint64_t events_run() const { return events_run_; }

  void Fail(std::exception_ptr e);

 private:
  struct Event {
    int64_t time;
    uint64_t seq;
    Callback fn;
    void* ctx;
    uint64_t arg;
  };
  static bool Before(const Event& a, const Event& b) {
    return a.time < b.time || (a.time == b.time && a.seq < b.seq);
  }
  void Push(const Event& e);
  Event PopTop();
  void RethrowIfFailed();
  // Pops cancelled events off the top; true when a live event remains.
  bool DropCancelledTop();
  // The next event to run (the solo slot's or the queue's top, cancelled
  // ones dropped from the top first); nullptr when none.
  const Event* PeekNext();
  // Every kCancelCheckEvents events: a request for cancellation, once seen,
  // goes to the OnCancel handler, or throws Interrupted without one; a
  // reached event limit goes to the OnEventLimit handler.
  void PollCancel() {
    if ((events_run_ & (kCancelCheckEvents - 1)) != 0) return;
    if (!cancel_seen_ && cancel::Requested()) CancelSeen();
    if (events_run_ >= event_limit_) LimitReached();
  }
  void CancelSeen();
  void LimitReached();

  // 4-ary min-heap: shallower than a binary heap and its children share cache lines.
  std::vector<Event> heap_;
  boost::unordered_flat_set<uint64_t> cancelled_;
  Event solo_{};
  bool has_solo_ = false;
  Time now_;
  uint64_t next_seq_ = 0;
  uint64_t events_run_ = 0;
  bool stopped_ = false;
  bool cancel_seen_ = false;
  Callback on_cancel_ = nullptr;
  void* on_cancel_ctx_ = nullptr;
  uint64_t event_limit_ = UINT64_MAX;
  Callback on_limit_ = nullptr;
  void* on_limit_ctx_ = nullptr;
  std::exception_ptr failure_;
};

}  // namespace cachelab
