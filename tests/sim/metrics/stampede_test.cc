#include "sim/metrics/stampede.h"

#include <boost/random/uniform_int_distribution.hpp>
#include <catch2/catch.hpp>
#include <cstdint>
#include <numeric>
#include <stdexcept>
#include <vector>

#include "sim/core/random.h"

namespace cachelab {
namespace {

// size_counts() with trailing zeros dropped, so expectations need not know
// how far the vector was grown.
std::vector<uint64_t> Sizes(const StampedeTracker& t) {
  std::vector<uint64_t> v = t.size_counts();
  while (!v.empty() && v.back() == 0) v.pop_back();
  return v;
}

using V = std::vector<uint64_t>;

TEST_CASE("a tracker that saw no load reports nothing", "[sim][metrics][stampede]") {
  StampedeTracker t;
  CHECK(t.duplicate_loads() == 0);
  CHECK(t.episodes() == 0);
  CHECK(t.max_concurrent() == 0);
  CHECK(Sizes(t).empty());
  CHECK(t.in_flight() == 0);
}

TEST_CASE("loads that never overlap are episodes of size 1, not stampedes",
          "[sim][metrics][stampede]") {
  StampedeTracker t;
  // a: [S F] [S F] -> two episodes of one load each.
  t.LoadStarted(1);
  t.LoadFinished(1);
  t.LoadStarted(1);
  t.LoadFinished(1);
  CHECK(t.duplicate_loads() == 0);
  CHECK(t.episodes() == 0);
  CHECK(t.max_concurrent() == 1);
  CHECK(Sizes(t) == V{0, 2});
}

TEST_CASE("five concurrent loads of one key are one stampede of size 5",
          "[sim][metrics][stampede]") {
  StampedeTracker t;
  // S S S S S F F F F F: the first load opens the episode, the other four are
  // duplicates; peak 5.
  for (int i = 0; i < 5; ++i) t.LoadStarted(42);
  CHECK(t.in_flight() == 5);
  for (int i = 0; i < 5; ++i) t.LoadFinished(42);
  CHECK(t.duplicate_loads() == 4);
  CHECK(t.episodes() == 1);
  CHECK(t.max_concurrent() == 5);
  CHECK(Sizes(t) == V{0, 0, 0, 0, 0, 1});
  CHECK(t.in_flight() == 0);
}

TEST_CASE("an episode lasts while any load is in flight, even if none spans it",
          "[sim][metrics][stampede]") {
  StampedeTracker t;
  // S1 S2 F1 S3 F2 F3: in flight 1,2,1,2,1,0 -> never empty, so one episode
  // of 3 loads: 2 duplicates, but its peak is only 2.
  t.LoadStarted(7);
  t.LoadStarted(7);
  t.LoadFinished(7);
  t.LoadStarted(7);
  t.LoadFinished(7);
  t.LoadFinished(7);
  CHECK(t.duplicate_loads() == 2);
  CHECK(t.episodes() == 1);
  CHECK(t.max_concurrent() == 2);
  CHECK(Sizes(t) == V{0, 0, 1});
}

TEST_CASE("loads of different keys never count as duplicates", "[sim][metrics][stampede]") {
  StampedeTracker t;
  // a and b overlap in time but are different keys: two size-1 episodes; the
  // total in flight reaches 2 while no key's concurrency does.
  t.LoadStarted(1);
  t.LoadStarted(2);
  CHECK(t.in_flight() == 2);
  CHECK(t.keys_in_flight() == 2);
  t.LoadFinished(1);
  t.LoadFinished(2);
  CHECK(t.duplicate_loads() == 0);
  CHECK(t.episodes() == 0);
  CHECK(t.max_concurrent() == 1);
  CHECK(Sizes(t) == V{0, 2});
}

TEST_CASE("a key's next episode starts fresh after the previous one ends",
          "[sim][metrics][stampede]") {
  StampedeTracker t;
  // [S S F F] [S F] [S S S F F F]: peaks 2, 1, 3; duplicates 1 + 0 + 2.
  t.LoadStarted(9);
  t.LoadStarted(9);
  t.LoadFinished(9);
  t.LoadFinished(9);
  t.LoadStarted(9);
  t.LoadFinished(9);
  for (int i = 0; i < 3; ++i) t.LoadStarted(9);
  for (int i = 0; i < 3; ++i) t.LoadFinished(9);
  CHECK(t.duplicate_loads() == 3);
  CHECK(t.episodes() == 2);
  CHECK(t.max_concurrent() == 3);
  CHECK(Sizes(t) == V{0, 1, 1, 1});
}

TEST_CASE("an open stampede is counted before it ends, its size only after",
          "[sim][metrics][stampede]") {
  StampedeTracker t;
  t.LoadStarted(5);
  t.LoadStarted(5);
  // Episode still open: it is a stampede already, its final peak is unknown.
  CHECK(t.episodes() == 1);
  CHECK(t.max_concurrent() == 2);
  CHECK(t.duplicate_loads() == 1);
  CHECK(Sizes(t).empty());
  CHECK(t.in_flight() == 2);
  t.LoadStarted(5);  // grows, but it is the same episode
  CHECK(t.episodes() == 1);
  CHECK(t.max_concurrent() == 3);
}

TEST_CASE("finishing a load that is not in flight is a logic error", "[sim][metrics][stampede]") {
  StampedeTracker t;
  CHECK_THROWS_AS(t.LoadFinished(3), std::logic_error);
  t.LoadStarted(3);
  t.LoadFinished(3);
  CHECK_THROWS_AS(t.LoadFinished(3), std::logic_error);
  // The failed calls changed nothing.
  CHECK(t.in_flight() == 0);
  CHECK(Sizes(t) == V{0, 1});
}

TEST_CASE("state is kept only for keys with a load in flight", "[sim][metrics][stampede]") {
  StampedeTracker t;
  for (uint64_t k = 0; k < 10'000; ++k) {
    t.LoadStarted(k);
    t.LoadStarted(k);
  }
  CHECK(t.keys_in_flight() == 10'000);
  for (uint64_t k = 0; k < 10'000; ++k) {
    t.LoadFinished(k);
    t.LoadFinished(k);
  }
  CHECK(t.keys_in_flight() == 0);
  CHECK(t.episodes() == 10'000);
  CHECK(Sizes(t) == V{0, 0, 10'000});
}

TEST_CASE("random interleavings satisfy the accounting identities", "[sim][metrics][stampede]") {
  // Every load either opens its episode or is a duplicate, so once all loads
  // are done: loads == duplicates + sum_k size_counts[k]. Stampedes are the
  // episodes of size >= 2, and the largest is the largest nonzero size.
  RandomEngine rng = MakeStream(11, "stampede.interleave");
  boost::random::uniform_int_distribution<uint64_t> key_dist(0, 7);
  StampedeTracker t;
  std::vector<uint64_t> open(8, 0);
  uint64_t loads = 0;
  for (int step = 0; step < 20'000; ++step) {
    const uint64_t k = key_dist(rng);
    if (open[k] > 0 && Uniform01(rng) < 0.5) {
      t.LoadFinished(k);
      --open[k];
    } else {
      t.LoadStarted(k);
      ++open[k];
      ++loads;
    }
    REQUIRE(t.in_flight() == std::accumulate(open.begin(), open.end(), uint64_t{0}));
  }
  for (uint64_t k = 0; k < open.size(); ++k) {
    for (; open[k] > 0; --open[k]) t.LoadFinished(k);
  }
  const V& sizes = t.size_counts();
  const uint64_t all_episodes = std::accumulate(sizes.begin(), sizes.end(), uint64_t{0});
  CHECK(loads == t.duplicate_loads() + all_episodes);
  CHECK(t.episodes() == all_episodes - sizes.at(1));
  CHECK(t.max_concurrent() == Sizes(t).size() - 1);
  CHECK(t.episodes() > 0);  // the mix above does overlap loads
  CHECK(t.keys_in_flight() == 0);
}

}  // namespace
}  // namespace cachelab
