#include "sim/core/keyed_wait.h"

#include <catch2/catch.hpp>
#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

#include "sim/core/simulator.h"
#include "sim/core/task.h"

namespace cachelab {
namespace {

using Reason = KeyedWait::WakeReason;

// What a waiter saw when it woke: who, when, and why.
struct Wake {
  int who;
  int64_t at_ns;
  Reason reason;
  bool operator==(const Wake&) const = default;
};

}  // namespace
}  // namespace cachelab

template <>
struct Catch::StringMaker<cachelab::Wake> {
  static std::string convert(const cachelab::Wake& w) {
    std::ostringstream out;  // not string +: GCC 12 warns falsely (-Wrestrict) on that
    out << "{" << w.who << " at " << w.at_ns << " ns, "
        << (w.reason == cachelab::KeyedWait::WakeReason::kTimeout ? "timeout" : "notified") << "}";
    return out.str();
  }
};

namespace cachelab {
namespace {

Task<> Waiter(Simulator& sim, KeyedWait& waits, uint64_t key, int who, std::vector<Wake>& log) {
  const Reason r = co_await waits.Wait(key);
  log.push_back({who, sim.now().nanos(), r});
}

Task<> TimedWaiter(Simulator& sim, KeyedWait& waits, uint64_t key, Duration timeout, int who,
                   std::vector<Wake>& log) {
  const Reason r = co_await waits.WaitFor(key, timeout);
  log.push_back({who, sim.now().nanos(), r});
}

// Notifies `key` after `delay`, recording how many it woke and what ran first.
Task<> Notifier(Simulator& sim, KeyedWait& waits, uint64_t key, Duration delay, size_t& woke,
                std::vector<Wake>& log) {
  co_await Sleep(sim, delay);
  woke = waits.NotifyAll(key);
  log.push_back({-1, sim.now().nanos(), Reason::kNotified});  // the notifier's own step
}

constexpr int64_t kMs = 1'000'000;

TEST_CASE("NotifyAll wakes every waiter of its key, in FIFO order, at the notifier's time",
          "[sim][core][keyed_wait]") {
  Simulator sim;
  KeyedWait waits(sim);
  std::vector<Wake> log;
  size_t woke = 0;
  Spawn(sim, Waiter(sim, waits, 1, 0, log));
  Spawn(sim, Waiter(sim, waits, 2, 100, log));  // another key: must stay asleep
  Spawn(sim, Waiter(sim, waits, 1, 1, log));
  Spawn(sim, Waiter(sim, waits, 1, 2, log));
  Spawn(sim, Notifier(sim, waits, 1, Duration::Millis(3), woke, log));
  sim.Run();

  CHECK(woke == 3);
  // The notifier finishes its step before any waiter resumes (never inline).
  CHECK(log == std::vector<Wake>{{-1, 3 * kMs, Reason::kNotified},
                                 {0, 3 * kMs, Reason::kNotified},
                                 {1, 3 * kMs, Reason::kNotified},
                                 {2, 3 * kMs, Reason::kNotified}});
  CHECK(waits.Waiting(1) == 0);
  CHECK(waits.Waiting(2) == 1);
  // Let the key-2 waiter finish: the engine does not reclaim processes still
  // suspended when the simulator is destroyed (LeakSanitizer would report it).
  CHECK(waits.NotifyAll(2) == 1);
  sim.Run();
  CHECK(log.size() == 5);
}

TEST_CASE("NotifyAll without waiters wakes nobody", "[sim][core][keyed_wait]") {
  Simulator sim;
  KeyedWait waits(sim);
  CHECK(waits.NotifyAll(5) == 0);
  CHECK(sim.pending() == 0);
}

TEST_CASE("WaitFor times out at exactly the timeout and says so", "[sim][core][keyed_wait]") {
  Simulator sim;
  KeyedWait waits(sim);
  std::vector<Wake> log;
  sim.RunUntil(Time::FromNanos(7));  // start off zero so "exactly" means now + timeout
  Spawn(sim, TimedWaiter(sim, waits, 9, Duration::Nanos(1'234'567), 0, log));
  CHECK(waits.Waiting(9) == 1);
  sim.Run();
  CHECK(log == std::vector<Wake>{{0, 7 + 1'234'567, Reason::kTimeout}});
  CHECK(waits.Waiting(9) == 0);
}

TEST_CASE("a timed waiter notified in time reports kNotified", "[sim][core][keyed_wait]") {
  Simulator sim;
  KeyedWait waits(sim);
  std::vector<Wake> log;
  size_t woke = 0;
  Spawn(sim, TimedWaiter(sim, waits, 4, Duration::Millis(10), 0, log));
  Spawn(sim, Notifier(sim, waits, 4, Duration::Millis(2), woke, log));
  sim.Run();
  CHECK(woke == 1);
  CHECK(log ==
        std::vector<Wake>{{-1, 2 * kMs, Reason::kNotified}, {0, 2 * kMs, Reason::kNotified}});
}

// Waits with a timeout, is notified early, then waits again without a
// timeout: the first wait's timeout, still in the queue, must not end the
// second wait.
Task<> WaitTwice(Simulator& sim, KeyedWait& waits, std::vector<Wake>& log) {
  Reason r = co_await waits.WaitFor(1, Duration::Millis(10));
  log.push_back({0, sim.now().nanos(), r});
  r = co_await waits.Wait(1);
  log.push_back({0, sim.now().nanos(), r});
}

TEST_CASE("a notified waiter's stale timeout is harmless", "[sim][core][keyed_wait]") {
  Simulator sim;
  KeyedWait waits(sim);
  std::vector<Wake> log;
  size_t first = 0, second = 0, third = 0;
  std::vector<Wake> notifier_log;
  Spawn(sim, WaitTwice(sim, waits, log));
  Spawn(sim, Notifier(sim, waits, 1, Duration::Millis(2), first, notifier_log));
  // A newcomer on another key takes over a freed slot before the stale timeout fires.
  Spawn(sim, [](Simulator& s, KeyedWait& w, std::vector<Wake>& l) -> Task<> {
    co_await Sleep(s, Duration::Millis(3));
    co_await Waiter(s, w, 2, 1, l);
  }(sim, waits, log));
  Spawn(sim, Notifier(sim, waits, 1, Duration::Millis(20), second, notifier_log));
  Spawn(sim, Notifier(sim, waits, 2, Duration::Millis(30), third, notifier_log));
  sim.Run();
  // Nothing happened at 10 ms, when the stale timeout fired.
  CHECK(log == std::vector<Wake>{{0, 2 * kMs, Reason::kNotified},
                                 {0, 20 * kMs, Reason::kNotified},
                                 {1, 30 * kMs, Reason::kNotified}});
  CHECK(first == 1);
  CHECK(second == 1);
  CHECK(third == 1);
}

TEST_CASE("a waiter is resumed once when its timeout and a notify fall on the same instant",
          "[sim][core][keyed_wait]") {
  for (bool notify_first : {false, true}) {
    Simulator sim;
    KeyedWait waits(sim);
    std::vector<Wake> log, notifier_log;
    size_t woke = 0;
    // The event scheduled first at 5 ms wins; the other must find nothing to do.
    if (notify_first) Spawn(sim, Notifier(sim, waits, 3, Duration::Millis(5), woke, notifier_log));
    Spawn(sim, TimedWaiter(sim, waits, 3, Duration::Millis(5), 0, log));
    if (!notify_first) Spawn(sim, Notifier(sim, waits, 3, Duration::Millis(5), woke, notifier_log));
    sim.Run();
    INFO("notifier scheduled first: " << notify_first);
    REQUIRE(log.size() == 1);
    CHECK(log[0].at_ns == 5 * kMs);
    CHECK(log[0].reason == (notify_first ? Reason::kNotified : Reason::kTimeout));
    CHECK(woke == (notify_first ? 1u : 0u));
  }
}

TEST_CASE("a process that waits again after NotifyAll waits for the next notify",
          "[sim][core][keyed_wait]") {
  Simulator sim;
  KeyedWait waits(sim);
  std::vector<Wake> log, notifier_log;
  size_t first = 0, second = 0;
  Spawn(sim, [](Simulator& s, KeyedWait& w, std::vector<Wake>& l) -> Task<> {
    for (int i = 0; i < 2; ++i) {
      const Reason r = co_await w.Wait(8);
      l.push_back({i, s.now().nanos(), r});
    }
  }(sim, waits, log));
  Spawn(sim, Notifier(sim, waits, 8, Duration::Millis(1), first, notifier_log));
  Spawn(sim, Notifier(sim, waits, 8, Duration::Millis(4), second, notifier_log));
  sim.Run();
  CHECK(log == std::vector<Wake>{{0, 1 * kMs, Reason::kNotified}, {1, 4 * kMs, Reason::kNotified}});
}

TEST_CASE("Waiting counts the current waiters of each key", "[sim][core][keyed_wait]") {
  Simulator sim;
  KeyedWait waits(sim);
  std::vector<Wake> log;
  for (int i = 0; i < 5; ++i) Spawn(sim, Waiter(sim, waits, 10, i, log));
  for (int i = 0; i < 3; ++i) {
    Spawn(sim, TimedWaiter(sim, waits, 11, Duration::Millis(1 + i), 10 + i, log));
  }
  CHECK(waits.Waiting(10) == 5);
  CHECK(waits.Waiting(11) == 3);
  CHECK(waits.Waiting(12) == 0);
  sim.RunUntil(Time::FromNanos(1 * kMs));  // the first timed waiter gives up
  CHECK(waits.Waiting(11) == 2);
  CHECK(waits.NotifyAll(10) == 5);
  CHECK(waits.Waiting(10) == 0);  // at once, though they resume through the queue
  sim.Run();
  CHECK(log.size() == 8);
  CHECK(waits.Waiting(11) == 0);
}

}  // namespace
}  // namespace cachelab
