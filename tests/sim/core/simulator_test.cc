#include "sim/core/simulator.h"

#include <algorithm>
#include <boost/random/uniform_int_distribution.hpp>
#include <catch2/catch.hpp>
#include <cstdint>
#include <stdexcept>
#include <utility>
#include <vector>

#include "sim/core/random.h"

namespace cachelab {
namespace {

// Events in these tests append (now, arg) to a log, so order and time are
// observable from outside the engine.
struct Log {
  Simulator* sim;
  std::vector<std::pair<int64_t, uint64_t>> entries;
};

void Append(void* ctx, uint64_t arg) {
  auto* log = static_cast<Log*>(ctx);
  log->entries.emplace_back(log->sim->now().nanos(), arg);
}

Time At(int64_t ns) {
  return Time::FromNanos(ns);
}

TEST_CASE("events run in time order, whatever the scheduling order", "[sim][core][simulator]") {
  Simulator sim;
  Log log{&sim, {}};
  for (int64_t t : {50, 10, 40, 20, 30}) {
    sim.Schedule(At(t), &Append, &log, static_cast<uint64_t>(t));
  }
  sim.Run();
  using E = std::pair<int64_t, uint64_t>;
  CHECK(log.entries == std::vector<E>{{10, 10}, {20, 20}, {30, 30}, {40, 40}, {50, 50}});
  CHECK(sim.now() == At(50));
  CHECK(sim.events_run() == 5);
  CHECK(sim.pending() == 0);
}

TEST_CASE("events at the same time run in the order they were scheduled",
          "[sim][core][simulator]") {
  Simulator sim;
  Log log{&sim, {}};
  for (uint64_t i = 0; i < 100; ++i) sim.Schedule(At(7), &Append, &log, i);
  sim.Run();
  REQUIRE(log.entries.size() == 100);
  for (uint64_t i = 0; i < 100; ++i) CHECK(log.entries[i].second == i);
}

// An event that schedules a follow-up at now(): it must run after every event
// already queued for now (it has a later sequence number), not before.
struct Chain {
  Simulator* sim;
  Log* log;
};
void ScheduleAtNow(void* ctx, uint64_t arg) {
  auto* c = static_cast<Chain*>(ctx);
  Append(c->log, arg);
  c->sim->Schedule(c->sim->now(), &Append, c->log, arg + 100);
}

TEST_CASE("an event scheduled for now runs after those already queued for now",
          "[sim][core][simulator]") {
  Simulator sim;
  Log log{&sim, {}};
  Chain chain{&sim, &log};
  sim.Schedule(At(5), &ScheduleAtNow, &chain, 1);
  sim.Schedule(At(5), &Append, &log, 2);
  sim.Run();
  using E = std::pair<int64_t, uint64_t>;
  CHECK(log.entries == std::vector<E>{{5, 1}, {5, 2}, {5, 101}});
}

TEST_CASE("scheduling before now is a logic error", "[sim][core][simulator]") {
  Simulator sim;
  Log log{&sim, {}};
  sim.Schedule(At(100), &Append, &log, 0);
  sim.Run();
  REQUIRE(sim.now() == At(100));
  CHECK_THROWS_AS(sim.Schedule(At(99), &Append, &log, 1), std::logic_error);
  CHECK_THROWS_AS(sim.ScheduleAfter(Duration::Nanos(-1), &Append, &log, 1), std::logic_error);
  // The rejected events were not queued; now itself is allowed.
  CHECK(sim.pending() == 0);
  CHECK_NOTHROW(sim.Schedule(At(100), &Append, &log, 2));
  CHECK(sim.pending() == 1);
}

TEST_CASE("ScheduleAfter is relative to now", "[sim][core][simulator]") {
  Simulator sim;
  Log log{&sim, {}};
  sim.RunUntil(At(1000));
  sim.ScheduleAfter(Duration::Micros(3), &Append, &log, 0);
  sim.Run();
  REQUIRE(log.entries.size() == 1);
  CHECK(log.entries[0].first == 1000 + 3000);
}

TEST_CASE("a cancelled event is skipped", "[sim][core][simulator]") {
  Simulator sim;
  Log log{&sim, {}};
  sim.Schedule(At(1), &Append, &log, 1);
  const auto id = sim.Schedule(At(2), &Append, &log, 2);
  sim.Schedule(At(3), &Append, &log, 3);
  sim.Cancel(id);
  sim.Run();
  using E = std::pair<int64_t, uint64_t>;
  CHECK(log.entries == std::vector<E>{{1, 1}, {3, 3}});
  CHECK(sim.events_run() == 2);
}

TEST_CASE("cancelling an event that already ran is a no-op", "[sim][core][simulator]") {
  Simulator sim;
  Log log{&sim, {}};
  const auto first = sim.Schedule(At(1), &Append, &log, 1);
  sim.Run();
  sim.Cancel(first);
  sim.Schedule(At(2), &Append, &log, 2);  // gets a new id: must still run
  sim.Run();
  CHECK(log.entries.size() == 2);
}

TEST_CASE("RunUntil runs events up to and including the bound, then sets the clock to it",
          "[sim][core][simulator]") {
  Simulator sim;
  Log log{&sim, {}};
  for (int64_t t : {10, 20, 30}) sim.Schedule(At(t), &Append, &log, static_cast<uint64_t>(t));

  sim.RunUntil(At(20));
  CHECK(log.entries.size() == 2);  // 10 and 20: the bound is inclusive
  CHECK(sim.now() == At(20));
  CHECK(sim.pending() == 1);

  sim.RunUntil(At(25));  // nothing to run, but the clock moves to the bound
  CHECK(log.entries.size() == 2);
  CHECK(sim.now() == At(25));
  // The clock moved: scheduling between the last event and the bound is now the past.
  CHECK_THROWS_AS(sim.Schedule(At(24), &Append, &log, 0), std::logic_error);

  sim.RunUntil(At(1000));
  CHECK(log.entries.size() == 3);
  CHECK(sim.now() == At(1000));
}

TEST_CASE("RunUntil skips cancelled events at the head of the queue", "[sim][core][simulator]") {
  Simulator sim;
  Log log{&sim, {}};
  const auto early = sim.Schedule(At(5), &Append, &log, 5);
  sim.Schedule(At(50), &Append, &log, 50);
  sim.Cancel(early);
  sim.RunUntil(At(10));
  CHECK(log.entries.empty());
  CHECK(sim.now() == At(10));
}

struct Stopper {
  Simulator* sim;
  Log* log;
};
void AppendAndStop(void* ctx, uint64_t arg) {
  auto* s = static_cast<Stopper*>(ctx);
  Append(s->log, arg);
  s->sim->Stop();
}

TEST_CASE("Stop ends Run after the current event and Run resumes where it stopped",
          "[sim][core][simulator]") {
  Simulator sim;
  Log log{&sim, {}};
  Stopper stopper{&sim, &log};
  sim.Schedule(At(1), &Append, &log, 1);
  sim.Schedule(At(2), &AppendAndStop, &stopper, 2);
  sim.Schedule(At(3), &Append, &log, 3);
  sim.Run();
  CHECK(log.entries.size() == 2);
  CHECK(sim.now() == At(2));
  sim.Run();
  CHECK(log.entries.size() == 3);
}

// Counts events that pop before the previous one in (time, sequence) order.
struct OrderCheck {
  Simulator* sim;
  int64_t last_time = -1;
  uint64_t last_seq = 0;
  uint64_t violations = 0;
  uint64_t runs = 0;
};
void CheckOrder(void* ctx, uint64_t seq) {
  auto* c = static_cast<OrderCheck*>(ctx);
  const int64_t t = c->sim->now().nanos();
  const bool ordered = t > c->last_time || (t == c->last_time && seq > c->last_seq);
  if (c->runs > 0 && !ordered) ++c->violations;
  c->last_time = t;
  c->last_seq = seq;
  ++c->runs;
}

TEST_CASE("100k random events pop in nondecreasing (time, sequence) order",
          "[sim][core][simulator]") {
  // Few distinct times (5001 for 100k events) force many ties.
  Simulator sim;
  OrderCheck check{&sim};
  RandomEngine rng = MakeStream(21, "simulator.order");
  boost::random::uniform_int_distribution<int64_t> time_dist(0, 5000);
  for (int i = 0; i < 100'000; ++i) {
    const Time t = At(time_dist(rng));
    // The argument is the scheduling order, i.e. the sequence number.
    sim.Schedule(t, &CheckOrder, &check, static_cast<uint64_t>(i));
  }
  sim.Run();
  CHECK(check.runs == 100'000);
  CHECK(check.violations == 0);
}

// Each event schedules up to two more at random delays (0 included), so the
// heap is pushed and popped in an interleaved pattern.
struct Fanout {
  Simulator* sim;
  RandomEngine rng;
  int64_t last = 0;
  uint64_t backwards = 0;
  uint64_t budget = 50'000;
};
void Spread(void* ctx, uint64_t) {
  auto* f = static_cast<Fanout*>(ctx);
  const int64_t now = f->sim->now().nanos();
  if (now < f->last) ++f->backwards;
  f->last = now;
  boost::random::uniform_int_distribution<int64_t> delay(0, 100);
  for (int i = 0; i < 2 && f->budget > 0; ++i, --f->budget) {
    f->sim->ScheduleAfter(Duration::Nanos(delay(f->rng)), &Spread, f);
  }
}

TEST_CASE("time never goes backwards while events schedule more events", "[sim][core][simulator]") {
  Simulator sim;
  Fanout f{&sim, MakeStream(22, "simulator.fanout")};
  sim.Schedule(Time::Zero(), &Spread, &f);
  sim.Run();
  CHECK(sim.events_run() == 50'001);
  CHECK(f.backwards == 0);
  CHECK(sim.now().nanos() == f.last);
}

TEST_CASE("a reserved event runs among equal times where its reservation places it",
          "[sim][core][simulator]") {
  Simulator sim;
  Log log{&sim, {}};
  sim.Schedule(At(10), &Append, &log, 1);
  const Simulator::EventId reserved = sim.Reserve();
  sim.Schedule(At(10), &Append, &log, 3);
  sim.Schedule(At(10), &Append, &log, 4);
  sim.ScheduleReserved(At(10), reserved, &Append, &log, 2);  // pushed last, runs second
  sim.Schedule(At(5), &Append, &log, 0);
  CHECK(sim.pending() == 5);
  sim.Run();
  using E = std::pair<int64_t, uint64_t>;
  CHECK(log.entries == std::vector<E>{{5, 0}, {10, 1}, {10, 2}, {10, 3}, {10, 4}});
  CHECK(sim.events_run() == 5);
}

TEST_CASE("reservations keep their order whatever the order they are pushed in",
          "[sim][core][simulator]") {
  Simulator sim;
  Log log{&sim, {}};
  std::vector<Simulator::EventId> reserved;
  // Reservations 0, 2, 4, 6 interleaved with events 1, 3, 5, 7, all at 10.
  for (uint64_t i = 0; i < 8; ++i) {
    if (i % 2 == 0) {
      reserved.push_back(sim.Reserve());
    } else {
      sim.Schedule(At(10), &Append, &log, i);
    }
  }
  for (size_t r = reserved.size(); r-- > 0;) {
    sim.ScheduleReserved(At(10), reserved[r], &Append, &log, 2 * r);
  }
  sim.Run();
  REQUIRE(log.entries.size() == 8);
  for (uint64_t i = 0; i < 8; ++i) CHECK(log.entries[i].second == i);
}

TEST_CASE("a reserved event's time still comes before its sequence number",
          "[sim][core][simulator]") {
  Simulator sim;
  Log log{&sim, {}};
  const Simulator::EventId early_number = sim.Reserve();
  sim.Schedule(At(10), &Append, &log, 1);
  sim.ScheduleReserved(At(20), early_number, &Append, &log, 2);
  const Simulator::EventId late_number = sim.Reserve();
  sim.ScheduleReserved(At(5), late_number, &Append, &log, 0);
  sim.Run();
  using E = std::pair<int64_t, uint64_t>;
  CHECK(log.entries == std::vector<E>{{5, 0}, {10, 1}, {20, 2}});
}

// An event that pushes a reserved event while the simulation runs: the
// database's case, where the timeout of the next query in line is pushed
// only when the previous one fires, possibly at the same time.
struct Deferred {
  Simulator* sim;
  Log* log;
  Simulator::EventId seq;
  Time at;
};
void PushReserved(void* ctx, uint64_t arg) {
  auto* d = static_cast<Deferred*>(ctx);
  Append(d->log, arg);
  d->sim->ScheduleReserved(d->at, d->seq, &Append, d->log, arg + 100);
}

TEST_CASE("an event pushed later under an earlier reservation runs before events scheduled since",
          "[sim][core][simulator]") {
  SECTION("pushed from an earlier time") {
    Simulator sim;
    Log log{&sim, {}};
    sim.Schedule(At(10), &Append, &log, 1);  // before the reservation: runs first
    Deferred d{&sim, &log, sim.Reserve(), At(10)};
    sim.Schedule(At(10), &Append, &log, 2);  // after the reservation: runs after it
    sim.Schedule(At(3), &PushReserved, &d, 0);
    sim.Run();
    using E = std::pair<int64_t, uint64_t>;
    CHECK(log.entries == std::vector<E>{{3, 0}, {10, 1}, {10, 100}, {10, 2}});
  }
  SECTION("pushed by an earlier event at the same time") {
    Simulator sim;
    Log log{&sim, {}};
    Deferred d{&sim, &log, 0, At(10)};
    sim.Schedule(At(10), &PushReserved, &d, 1);
    d.seq = sim.Reserve();
    sim.Schedule(At(10), &Append, &log, 2);
    sim.Run();
    using E = std::pair<int64_t, uint64_t>;
    CHECK(log.entries == std::vector<E>{{10, 1}, {10, 101}, {10, 2}});
  }
}

TEST_CASE("scheduling a reserved event before now is a logic error naming both times",
          "[sim][core][simulator]") {
  Simulator sim;
  Log log{&sim, {}};
  const Simulator::EventId seq = sim.Reserve();  // taken at time 0
  sim.RunUntil(At(50'000));
  using Catch::Matchers::Contains;
  CHECK_THROWS_AS(sim.ScheduleReserved(At(49'999), seq, &Append, &log, 1), std::logic_error);
  CHECK_THROWS_WITH(sim.ScheduleReserved(At(40'000), seq, &Append, &log, 1),
                    Contains("40000") && Contains("50000"));
  CHECK(sim.pending() == 0);  // the rejected events were not queued
  CHECK(sim.now() == At(50'000));
  CHECK_NOTHROW(sim.ScheduleReserved(At(50'000), seq, &Append, &log, 2));  // now is allowed
  CHECK(sim.pending() == 1);
  sim.Run();
  using E = std::pair<int64_t, uint64_t>;
  CHECK(log.entries == std::vector<E>{{50'000, 2}});
}

// A FIFO of deadlines, each `timeout` after the arrival that created it, with
// noise events around them: `reserved` keeps one deadline event queued at a
// time (Reserve at arrival, ScheduleReserved when its turn comes), the
// other schedules one event per deadline at arrival. Every event logs
// (now, tag); the two logs must be the same.
struct Deadlines {
  Simulator* sim;
  bool reserved;
  RandomEngine rng;
  std::vector<std::pair<int64_t, uint64_t>> log{};
  struct Pending {
    Time at;
    Simulator::EventId seq;
    uint64_t id;
  };
  std::vector<Pending> fifo{};  // reserved mode: deadlines not yet fired, in order
  size_t head = 0;
  bool head_queued = false;
  uint64_t arrivals = 0;
  int64_t last = 0;
  uint64_t backwards = 0;

  static constexpr int64_t kTimeout = 200;
  static constexpr uint64_t kDeadlineTag = 1'000'000;
  static constexpr uint64_t kNoiseTag = 2'000'000;

  void Note(uint64_t tag) {
    const int64_t now = sim->now().nanos();
    if (now < last) ++backwards;
    last = now;
    log.emplace_back(now, tag);
  }
  void ArmHead() {
    if (head == fifo.size()) return;
    head_queued = true;
    sim->ScheduleReserved(fifo[head].at, fifo[head].seq, &Deadlines::OnDeadline, this,
                          fifo[head].id);
  }
  static void OnArrival(void* ctx, uint64_t id) {
    auto* d = static_cast<Deadlines*>(ctx);
    d->Note(id);
    ++d->arrivals;
    const Time deadline = d->sim->now() + Duration::Nanos(kTimeout);
    if (d->reserved) {
      d->fifo.push_back({deadline, d->sim->Reserve(), id});
      if (!d->head_queued) d->ArmHead();
    } else {
      d->sim->Schedule(deadline, &Deadlines::OnDeadline, d, id);
    }
    // Times on a 10 ns grid, so deadlines tie with arrivals and noise.
    boost::random::uniform_int_distribution<int64_t> step(0, 3);
    d->sim->ScheduleAfter(Duration::Nanos(10 * step(d->rng)), &Deadlines::OnNoise, d, id);
    if (id + 1 < 5'000) {
      d->sim->ScheduleAfter(Duration::Nanos(10 * step(d->rng)), &Deadlines::OnArrival, d, id + 1);
    }
  }
  static void OnDeadline(void* ctx, uint64_t id) {
    auto* d = static_cast<Deadlines*>(ctx);
    d->Note(kDeadlineTag + id);
    if (d->reserved) {
      d->head_queued = false;
      ++d->head;
      d->ArmHead();
    }
  }
  static void OnNoise(void* ctx, uint64_t id) {
    static_cast<Deadlines*>(ctx)->Note(kNoiseTag + id);
  }
};

TEST_CASE("one reserved event for a FIFO of deadlines runs them as one event each would",
          "[sim][core][simulator]") {
  Simulator one_each, one_queued;
  Deadlines a{&one_each, false, MakeStream(23, "simulator.deadlines")};
  Deadlines b{&one_queued, true, MakeStream(23, "simulator.deadlines")};
  one_each.Schedule(Time::Zero(), &Deadlines::OnArrival, &a, 0);
  one_queued.Schedule(Time::Zero(), &Deadlines::OnArrival, &b, 0);
  uint64_t peak_a = 0, peak_b = 0;
  while (one_each.Step()) peak_a = std::max<uint64_t>(peak_a, one_each.pending());
  while (one_queued.Step()) peak_b = std::max<uint64_t>(peak_b, one_queued.pending());

  CHECK(a.arrivals == 5'000);
  REQUIRE(a.log.size() == 15'000);  // arrival, deadline and noise for each
  CHECK(b.log == a.log);
  CHECK(a.backwards == 0);
  CHECK(b.backwards == 0);
  CHECK(b.head == 5'000);
  // The reserved mode kept fewer events queued, and the run had ties to order:
  // deadlines sharing their time with an arrival or noise event.
  CHECK(peak_b < peak_a);
  uint64_t ties = 0;
  for (size_t i = 1; i < a.log.size(); ++i) {
    const bool deadline_involved = a.log[i].second / Deadlines::kDeadlineTag == 1 ||
                                   a.log[i - 1].second / Deadlines::kDeadlineTag == 1;
    const bool mixed =
        a.log[i].second / Deadlines::kDeadlineTag != a.log[i - 1].second / Deadlines::kDeadlineTag;
    ties += a.log[i].first == a.log[i - 1].first && deadline_involved && mixed;
  }
  CHECK(ties > 1'000);
}

// A source that always has one event pending (like the arrival process):
// each of its events appends to the log, schedules a heap event at a random
// delay (0 included, so ties) and its own successor, solo or through the
// queue. Both ways must give the same log: the solo slot changes only where
// the event waits, never when it runs.
struct Source {
  Simulator* sim;
  Log* log;
  RandomEngine rng;
  bool solo;
  uint64_t left;
};
void SourceFires(void* ctx, uint64_t arg) {
  auto* s = static_cast<Source*>(ctx);
  Append(s->log, arg);
  if (s->left == 0) return;
  --s->left;
  boost::random::uniform_int_distribution<int64_t> delay(0, 3);
  s->sim->ScheduleAfter(Duration::Nanos(delay(s->rng)), &Append, s->log, 1'000'000 + s->left);
  const Time next = s->sim->now() + Duration::Nanos(delay(s->rng));
  if (s->solo) {
    s->sim->ScheduleSolo(next, &SourceFires, s, s->left);
  } else {
    s->sim->Schedule(next, &SourceFires, s, s->left);
  }
}

std::vector<std::pair<int64_t, uint64_t>> RunSource(bool solo) {
  Simulator sim;
  Log log{&sim, {}};
  Source source{&sim, &log, MakeStream(23, "simulator.solo"), solo, 20'000};
  sim.Schedule(At(0), &SourceFires, &source, 20'000);
  sim.Run();
  return log.entries;
}

TEST_CASE("a solo event runs exactly where the same event scheduled in the queue would",
          "[sim][core][simulator]") {
  const auto queued = RunSource(false);
  const auto solo = RunSource(true);
  REQUIRE(queued.size() == 40'001);
  CHECK(solo == queued);
}

TEST_CASE("the solo slot holds one event, counts as pending and is honoured by RunUntil",
          "[sim][core][simulator]") {
  Simulator sim;
  Log log{&sim, {}};
  sim.ScheduleSolo(At(20), &Append, &log, 1);
  CHECK(sim.pending() == 1);
  CHECK_THROWS_AS(sim.ScheduleSolo(At(30), &Append, &log, 2), std::logic_error);
  sim.Schedule(At(20), &Append, &log, 3);  // same time, later sequence: after the solo one
  sim.RunUntil(At(19));
  CHECK(log.entries.empty());
  CHECK(sim.now() == At(19));
  sim.RunUntil(At(20));
  using E = std::pair<int64_t, uint64_t>;
  CHECK(log.entries == std::vector<E>{{20, 1}, {20, 3}});
  CHECK(sim.pending() == 0);
  sim.ScheduleSolo(At(25), &Append, &log, 4);  // the slot is free again
  sim.Run();
  CHECK(log.entries.back() == E{25, 4});
}

}  // namespace
}  // namespace cachelab
