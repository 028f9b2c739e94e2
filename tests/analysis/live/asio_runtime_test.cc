// The live world's runtime: real time on an io_context, with the contract
// policy modules rely on in the simulator (sim/core/runtime.h).
#include "analysis/live/asio_runtime.h"

#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace cachelab {
namespace {

using Clock = std::chrono::steady_clock;

double MsSince(Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

Task<void> SleepThenLog(Runtime& rt, Duration d, std::vector<int>& log, int id) {
  co_await rt.Sleep(d);
  log.push_back(id);
}

TEST_CASE("AsioRuntime: sleeps resume in deadline order, ties in suspension order, not early",
          "[live][runtime]") {
  boost::asio::io_context io;
  AsioRuntime rt(io);
  std::vector<int> log;
  const auto start = Clock::now();
  rt.Spawn(SleepThenLog(rt, Duration::Millis(30), log, 3));
  rt.Spawn(SleepThenLog(rt, Duration::Millis(10), log, 1));
  rt.Spawn(SleepThenLog(rt, Duration::Millis(20), log, 2));
  rt.Spawn(SleepThenLog(rt, Duration::Millis(20), log, 22));
  CHECK(rt.running() == 4);
  io.run();
  CHECK(log == std::vector<int>{1, 2, 22, 3});
  CHECK(MsSince(start) >= 30);
  CHECK(rt.now() >= Time::Zero() + Duration::Millis(30));
  CHECK(rt.running() == 0);
}

Task<void> WaitFor(Runtime& rt, uint64_t key, Duration timeout, WakeReason& out, Time& at) {
  out = co_await rt.WaitFor(key, timeout);
  at = rt.now();
}

TEST_CASE("AsioRuntime: a wait ends by a notification or by its timeout, whichever comes first",
          "[live][runtime]") {
  boost::asio::io_context io;
  AsioRuntime rt(io);
  WakeReason a = WakeReason::kTimeout, b = WakeReason::kNotified;
  Time at_a, at_b;
  rt.Spawn(WaitFor(rt, 7, Duration::Seconds(2), a, at_a));
  rt.Spawn(WaitFor(rt, 8, Duration::Millis(20), b, at_b));
  CHECK(rt.waiting() == 2);
  size_t woken = 0;
  rt.Spawn([](Runtime& rt, size_t& woken) -> Task<void> {
    co_await rt.Sleep(Duration::Millis(5));
    woken = rt.NotifyAll(7);
  }(rt, woken));
  io.run();
  CHECK(woken == 1);
  CHECK(a == WakeReason::kNotified);
  CHECK(at_a < Time::Zero() + Duration::Seconds(1));  // not held until its 2 s timeout
  CHECK(b == WakeReason::kTimeout);
  CHECK(at_b >= Time::Zero() + Duration::Millis(20));
  CHECK(rt.waiting() == 0);
  CHECK(rt.NotifyAll(8) == 0);  // the timed-out waiter is gone
}

TEST_CASE("AsioRuntime: a process that throws stops the loop and its exception is rethrown",
          "[live][runtime]") {
  boost::asio::io_context io;
  AsioRuntime rt(io);
  bool other_finished = false;
  rt.Spawn([](Runtime& rt) -> Task<void> {
    co_await rt.Sleep(Duration::Millis(1));
    throw std::runtime_error("redis went away");
  }(rt));
  rt.Spawn([](Runtime& rt, bool& done) -> Task<void> {
    co_await rt.Sleep(Duration::Seconds(30));
    done = true;
  }(rt, other_finished));
  const auto start = Clock::now();
  io.run();
  CHECK(MsSince(start) < 10'000);
  CHECK_FALSE(other_finished);
  CHECK_THROWS_WITH(rt.Rethrow(), "redis went away");
}

TEST_CASE("AsioRuntime: fast-forward makes every sleep and wait timeout due at once",
          "[live][runtime]") {
  boost::asio::io_context io;
  AsioRuntime rt(io);
  std::vector<int> log;
  WakeReason reason = WakeReason::kNotified;
  Time at;
  rt.Spawn(SleepThenLog(rt, Duration::Seconds(3600), log, 1));
  rt.Spawn(WaitFor(rt, 9, Duration::Seconds(3600), reason, at));
  // A loop that keeps sleeping until told to stop, as background work does.
  bool stopped = false;
  int turns = 0;
  rt.Spawn([](Runtime& rt, const bool& stopped, int& turns) -> Task<void> {
    while (!stopped) {
      co_await rt.Sleep(Duration::Seconds(60));
      ++turns;
    }
  }(rt, stopped, turns));
  io.run_for(std::chrono::milliseconds(20));
  CHECK(log.empty());
  stopped = true;
  rt.FastForward();
  const auto start = Clock::now();
  io.restart();
  io.run();
  CHECK(MsSince(start) < 5'000);
  CHECK(log == std::vector<int>{1});
  CHECK(reason == WakeReason::kTimeout);
  CHECK(turns == 1);
  CHECK(rt.running() == 0);
}

struct Witness {
  int* destroyed;
  ~Witness() { ++*destroyed; }
};

TEST_CASE("AsioRuntime: DestroyPending destroys processes nobody will resume", "[live][runtime]") {
  boost::asio::io_context io;
  int destroyed = 0;
  {
    AsioRuntime rt(io);
    rt.Spawn([](Runtime& rt, int& destroyed) -> Task<void> {
      Witness w{&destroyed};
      co_await rt.Wait(42);  // never notified
    }(rt, destroyed));
    io.poll();
    CHECK(rt.running() == 1);
    CHECK(rt.waiting() == 1);
    rt.DestroyPending();
    CHECK(destroyed == 1);
    CHECK(rt.running() == 0);
    CHECK(rt.waiting() == 0);
    CHECK(rt.NotifyAll(42) == 0);
  }
  CHECK(destroyed == 1);  // not twice: the destructor found nothing left
}

TEST_CASE("AsioRuntime: RunToCompletion returns a task's value or rethrows its exception",
          "[live][runtime]") {
  boost::asio::io_context io;
  AsioRuntime rt(io);
  const int v = RunToCompletion(rt, [](Runtime& rt) -> Task<int> {
    co_await rt.Sleep(Duration::Millis(2));
    co_return 41 + 1;
  }(rt));
  CHECK(v == 42);
  CHECK_THROWS_WITH(RunToCompletion(rt,
                                    []() -> Task<int> {
                                      throw std::invalid_argument("bad");
                                      co_return 0;
                                    }()),
                    "bad");
}

TEST_CASE("AsioRuntime: ResetClock makes now() the scenario's time 0, only while nothing sleeps",
          "[live][runtime]") {
  boost::asio::io_context io;
  AsioRuntime rt(io);
  std::this_thread::sleep_for(std::chrono::milliseconds(15));
  CHECK(rt.now() >= Time::Zero() + Duration::Millis(15));
  rt.ResetClock();
  CHECK(rt.now() < Time::Zero() + Duration::Millis(15));
  std::vector<int> log;
  rt.Spawn(SleepThenLog(rt, Duration::Millis(1), log, 1));
  CHECK_THROWS_AS(rt.ResetClock(), std::logic_error);
  io.run();
  CHECK(log.size() == 1);
}

}  // namespace
}  // namespace cachelab
