#include "sim/core/simulator.h"

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

}  // namespace
}  // namespace cachelab
