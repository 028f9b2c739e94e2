#include "sim/core/task.h"

#include <pthread.h>

#include <catch2/catch.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "sim/core/frame_pool.h"
#include "sim/core/simulator.h"

namespace cachelab {
namespace {

Task<int> Constant(int v) {
  co_return v;
}

Task<int> AddTwo(int v) {
  const int a = co_await Constant(v);
  const int b = co_await Constant(1);
  co_return a + b + 1;
}

Task<int> Nested(int depth) {
  if (depth == 0) co_return 0;
  co_return 1 + co_await Nested(depth - 1);
}

TEST_CASE("a task returns its value through nested awaits", "[sim][core][task]") {
  Simulator sim;
  int result = -1;
  Spawn(sim, [](int& out) -> Task<> { out = co_await AddTwo(40) + co_await Nested(10); }(result));
  sim.Run();
  CHECK(result == 42 + 10);
}

TEST_CASE("a task can return a move-only value", "[sim][core][task]") {
  Simulator sim;
  int result = 0;
  Spawn(sim, [](int& out) -> Task<> {
    auto make = []() -> Task<std::unique_ptr<int>> { co_return std::make_unique<int>(7); };
    std::unique_ptr<int> p = co_await make();
    out = *p;
  }(result));
  sim.Run();
  CHECK(result == 7);
}

TEST_CASE("Sleep advances simulated time by exactly its duration", "[sim][core][task]") {
  Simulator sim;
  std::vector<int64_t> wakes;
  Spawn(sim, [](Simulator& s, std::vector<int64_t>& w) -> Task<> {
    for (int64_t d : {0, 1, 999, 1'000'000'007}) {
      const Time before = s.now();
      co_await Sleep(s, Duration::Nanos(d));
      w.push_back((s.now() - before).nanos());
    }
  }(sim, wakes));
  sim.Run();
  CHECK(wakes == std::vector<int64_t>{0, 1, 999, 1'000'000'007});
  CHECK(sim.now() == Time::FromNanos(1 + 999 + 1'000'000'007));
}

TEST_CASE("Sleep(0) lets events already scheduled for now run first", "[sim][core][task]") {
  Simulator sim;
  std::vector<std::string> order;
  Spawn(sim, [](Simulator& s, std::vector<std::string>& o) -> Task<> {
    co_await Sleep(s, Duration::Millis(1));
    o.push_back("a: before yield");
    co_await Sleep(s, Duration());
    o.push_back("a: after yield");
  }(sim, order));
  Spawn(sim, [](Simulator& s, std::vector<std::string>& o) -> Task<> {
    co_await Sleep(s, Duration::Millis(1));
    o.push_back("b");
  }(sim, order));
  sim.Run();
  CHECK(order == std::vector<std::string>{"a: before yield", "b", "a: after yield"});
}

TEST_CASE("Delayed returns its value after its delay", "[sim][core][task]") {
  Simulator sim;
  std::string got;
  Time when;
  Spawn(sim, [](Simulator& s, std::string& g, Time& w) -> Task<> {
    co_await Sleep(s, Duration::Micros(5));
    g = co_await Delayed<std::string>(s, Duration::Micros(250), "row 17");
    w = s.now();
  }(sim, got, when));
  sim.Run();
  CHECK(got == "row 17");
  CHECK(when == Time::FromNanos(255'000));
}

Task<int> FailAfter(Simulator& sim, Duration d) {
  co_await Sleep(sim, d);
  throw std::runtime_error("db down");
  co_return 0;  // makes this a Task<int> coroutine; never reached
}

TEST_CASE("an exception propagates through co_await to the awaiter", "[sim][core][task]") {
  Simulator sim;
  std::string caught;
  int after = 0;
  Spawn(sim, [](Simulator& s, std::string& c, int& a) -> Task<> {
    try {
      // Two levels: the middle task does not catch, so it rethrows upward.
      co_await [](Simulator& s2) -> Task<int> {
        co_return co_await FailAfter(s2, Duration::Millis(3));
      }(s);
    } catch (const std::runtime_error& e) {
      c = e.what();
    }
    a = co_await Constant(5);  // the process goes on normally after catching
  }(sim, caught, after));
  sim.Run();
  CHECK(caught == "db down");
  CHECK(after == 5);
  CHECK(sim.now() == Time::FromNanos(3'000'000));
}

TEST_CASE("an exception escaping a spawned process surfaces from Run", "[sim][core][task]") {
  Simulator sim;
  bool other_ran = false;
  Spawn(sim, [](Simulator& s) -> Task<> { (void)co_await FailAfter(s, Duration::Millis(1)); }(sim));
  Spawn(sim, [](Simulator& s, bool& ran) -> Task<> {
    co_await Sleep(s, Duration::Millis(2));
    ran = true;
  }(sim, other_ran));
  CHECK_THROWS_WITH(sim.Run(), "db down");
  // Thrown after the failing event, before later ones; the clock stopped there.
  CHECK(sim.now() == Time::FromNanos(1'000'000));
  CHECK_FALSE(other_ran);
  sim.Run();  // the failure was reported once; the rest of the world continues
  CHECK(other_ran);
}

TEST_CASE("a process that throws before its first suspension surfaces from Run",
          "[sim][core][task]") {
  Simulator sim;
  Spawn(sim, []() -> Task<> {
    throw std::runtime_error("bad config");
    co_return;
  }());
  CHECK_THROWS_WITH(sim.Run(), "bad config");
}

TEST_CASE("every frame returns to the pool when 10k spawned processes finish",
          "[sim][core][task]") {
  const std::size_t start = frame_pool::LiveFrames();
  {
    Simulator sim;
    for (int i = 0; i < 10'000; ++i) {
      Spawn(sim, [](Simulator& s, int i) -> Task<> {
        co_await Sleep(s, Duration::Nanos(i % 97));
        (void)co_await AddTwo(i);
      }(sim, i));
    }
    CHECK(frame_pool::LiveFrames() >= start + 10'000);  // they are really pooled frames
    sim.Run();
  }
  CHECK(frame_pool::LiveFrames() == start);
}

TEST_CASE("destroying a task that never ran frees its frame", "[sim][core][task]") {
  const std::size_t start = frame_pool::LiveFrames();
  {
    Task<int> never = AddTwo(1);
    CHECK(frame_pool::LiveFrames() == start + 1);
  }
  CHECK(frame_pool::LiveFrames() == start);
}

// Runs `fn` on a thread with a 512 KiB stack: a chain that used one stack
// frame per await would need far more than that for 100k awaits, so the tests
// below fail (crash) unless every resumption is a tail call.
void RunOnSmallStack(std::function<void()> fn) {
  pthread_attr_t attr;
  REQUIRE(pthread_attr_init(&attr) == 0);
  REQUIRE(pthread_attr_setstacksize(&attr, 512 * 1024) == 0);
  pthread_t thread;
  auto trampoline = [](void* arg) -> void* {
    (*static_cast<std::function<void()>*>(arg))();
    return nullptr;
  };
  REQUIRE(pthread_create(&thread, &attr, trampoline, &fn) == 0);
  pthread_join(thread, nullptr);
  pthread_attr_destroy(&attr);
}

TEST_CASE("100k sequential awaits of finished tasks do not grow the stack", "[sim][core][task]") {
  long long sum = -1;
  std::size_t leaked = 1;
  RunOnSmallStack([&] {
    const std::size_t start = frame_pool::LiveFrames();
    {
      Simulator sim;
      Spawn(sim, [](long long& out) -> Task<> {
        long long s = 0;
        for (int i = 0; i < 100'000; ++i) s += co_await Constant(i);
        out = s;
      }(sum));
      sim.Run();
    }
    leaked = frame_pool::LiveFrames() - start;
  });
  CHECK(sum == 100'000LL * 99'999 / 2);
  CHECK(leaked == 0);
}

TEST_CASE("a chain of 100k nested awaits does not grow the stack", "[sim][core][task]") {
  int depth = -1;
  RunOnSmallStack([&] {
    Simulator sim;
    Spawn(sim, [](int& out) -> Task<> { out = co_await Nested(100'000); }(depth));
    sim.Run();
  });
  CHECK(depth == 100'000);
}

}  // namespace
}  // namespace cachelab
