#include "sim/core/when_all.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "sim/core/frame_pool.h"
#include "sim/core/sim_runtime.h"
#include "sim/core/simulator.h"
#include "sim/core/task.h"

namespace cachelab {
namespace {

// A child that sleeps `d` and then logs when it finished.
Task<> Child(Runtime& rt, Duration d, std::vector<int64_t>& finished) {
  co_await rt.Sleep(d);
  finished.push_back(rt.now().nanos());
}

// Starts one child per entry of `sleeps_ms` (each `gap_ms` after the
// previous one), awaits them all, and logs every resumption of the parent.
Task<> Parent(Runtime& rt, std::vector<int64_t> sleeps_ms, int64_t gap_ms,
              std::vector<int64_t>& finished, std::vector<int64_t>& resumed) {
  WhenAll all(rt);
  for (size_t i = 0; i < sleeps_ms.size(); ++i) {
    if (i > 0 && gap_ms > 0) co_await rt.Sleep(Duration::Millis(gap_ms));
    all.Spawn(Child(rt, Duration::Millis(sleeps_ms[i]), finished));
  }
  co_await all;
  resumed.push_back(rt.now().nanos());
}

TEST_CASE("WhenAll resumes its parent once, when the last child finishes",
          "[sim][core][when_all]") {
  Simulator sim;
  SimRuntime rt(sim);
  std::vector<int64_t> finished, resumed;
  // Children end at 30, 10 and 2 + 25 = 27 ms: the middle one is not the last.
  Spawn(sim, Parent(rt, {30, 10, 25}, /*gap_ms=*/1, finished, resumed));
  sim.Run();
  REQUIRE(finished.size() == 3);
  const int64_t last = *std::max_element(finished.begin(), finished.end());
  CHECK(last == Duration::Millis(30).nanos());
  CHECK(resumed == std::vector<int64_t>{last});
}

TEST_CASE("WhenAll waits for a child started after the others finished", "[sim][core][when_all]") {
  Simulator sim;
  SimRuntime rt(sim);
  std::vector<int64_t> finished, resumed;
  // The first child ends at 1 ms, before the second starts (gap 5 ms): the
  // count goes back to zero in between, and the parent must not resume then.
  Spawn(sim, Parent(rt, {1, 3}, /*gap_ms=*/5, finished, resumed));
  sim.Run();
  CHECK(finished == std::vector<int64_t>{Duration::Millis(1).nanos(), Duration::Millis(8).nanos()});
  CHECK(resumed == std::vector<int64_t>{Duration::Millis(8).nanos()});
}

TEST_CASE("WhenAll with no children resumes at once, at the current time",
          "[sim][core][when_all]") {
  Simulator sim;
  SimRuntime rt(sim);
  std::vector<int64_t> finished, resumed;
  Spawn(sim, [](Runtime& rt, std::vector<int64_t>& f, std::vector<int64_t>& r) -> Task<> {
    co_await rt.Sleep(Duration::Millis(4));
    co_await Parent(rt, {}, 0, f, r);
  }(rt, finished, resumed));
  sim.Run();
  CHECK(finished.empty());
  CHECK(resumed == std::vector<int64_t>{Duration::Millis(4).nanos()});
}

TEST_CASE("WhenAll resumes the parent after the last child's step, through the queue",
          "[sim][core][when_all]") {
  Simulator sim;
  SimRuntime rt(sim);
  std::vector<std::string> order;
  Spawn(sim, [](Runtime& rt, std::vector<std::string>& o) -> Task<> {
    WhenAll all(rt);
    all.Spawn([](Runtime& rt, std::vector<std::string>& o) -> Task<> {
      co_await rt.Sleep(Duration::Millis(1));
      o.push_back("child done");
    }(rt, o));
    co_await all;
    o.push_back("parent resumed");
  }(rt, order));
  // Scheduled for the same instant as the child's end, after it: runs
  // before the parent only if the parent's resumption is queued, not inline.
  sim.Schedule(
      Time::Zero() + Duration::Millis(1),
      [](void* o, uint64_t) {
        static_cast<std::vector<std::string>*>(o)->push_back("other event");
      },
      &order);
  sim.Run();
  CHECK(order == std::vector<std::string>{"child done", "other event", "parent resumed"});
}

TEST_CASE("WhenAll counts a child that throws as finished and the failure reaches the run",
          "[sim][core][when_all]") {
  const size_t frames_before = frame_pool::LiveFrames();
  Simulator sim;
  SimRuntime rt(sim);
  std::vector<int64_t> resumed;
  Spawn(sim, [](Runtime& rt, std::vector<int64_t>& r) -> Task<> {
    WhenAll all(rt);
    all.Spawn([](Runtime& rt) -> Task<> {
      co_await rt.Sleep(Duration::Millis(2));
      throw std::runtime_error("commit failed");
    }(rt));
    co_await all;
    r.push_back(rt.now().nanos());
  }(rt, resumed));
  CHECK_THROWS_WITH(sim.Run(), "commit failed");
  sim.Run();  // the parent's resumption was queued before the failure surfaced
  CHECK(resumed == std::vector<int64_t>{Duration::Millis(2).nanos()});
  CHECK(frame_pool::LiveFrames() == frames_before);
}

}  // namespace
}  // namespace cachelab
