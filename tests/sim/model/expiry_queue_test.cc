#include "sim/model/expiry_queue.h"

#include <boost/random/uniform_int_distribution.hpp>
#include <catch2/catch.hpp>
#include <cstdint>
#include <functional>
#include <queue>
#include <vector>

#include "sim/core/random.h"

namespace cachelab {
namespace {

using Heap =
    std::priority_queue<ExpiryRecord, std::vector<ExpiryRecord>, std::greater<ExpiryRecord>>;

// Pushes `pushes` records at times now + ttl(rng) and pops every due record
// as the clock advances, on the queue and on a plain min-heap side by side;
// returns how many records came out in the same order.
template <class Ttl>
uint64_t PopsInHeapOrder(uint64_t pushes, Ttl ttl, uint64_t* mismatches) {
  ExpiryQueue queue;
  Heap heap;
  RandomEngine rng = MakeStream(31, "expiry_queue");
  boost::random::uniform_int_distribution<int> due_every(1, 7);
  uint64_t seq = 0, popped = 0;
  for (int64_t now = 0; seq < pushes; now += 10) {
    const ExpiryRecord r{now + ttl(rng), seq, seq * 7919 % 1000};
    ++seq;
    queue.Push(r);
    heap.push(r);
    REQUIRE(queue.size() == heap.size());
    if (due_every(rng) != 1) continue;
    while (!heap.empty() && heap.top().expires <= now) {
      REQUIRE_FALSE(queue.empty());
      const ExpiryRecord a = queue.Top(), b = heap.top();
      if (a.seq != b.seq || a.expires != b.expires || a.key != b.key) ++*mismatches;
      queue.Pop();
      heap.pop();
      ++popped;
    }
  }
  while (!heap.empty()) {
    if (queue.Top().seq != heap.top().seq) ++*mismatches;
    queue.Pop();
    heap.pop();
    ++popped;
  }
  CHECK(queue.empty());
  return popped;
}

TEST_CASE("one TTL for every record: records come out as a min-heap gives them",
          "[sim][model][expiry_queue]") {
  uint64_t mismatches = 0;
  CHECK(PopsInHeapOrder(
            50'000, [](RandomEngine&) { return int64_t{600}; }, &mismatches) == 50'000);
  CHECK(mismatches == 0);
}

TEST_CASE("mixed and jittered TTLs, with many equal expiry times: still the heap's order",
          "[sim][model][expiry_queue]") {
  // Two TTLs with jitter in coarse steps, so records fall to both the run
  // and the heap and many expire at the same time (ties broken by seq).
  boost::random::uniform_int_distribution<int> pick(0, 3), jitter(0, 5);
  auto ttl = [&](RandomEngine& rng) {
    return int64_t{pick(rng) == 0 ? 50 : 600} + 10 * jitter(rng);
  };
  uint64_t mismatches = 0;
  CHECK(PopsInHeapOrder(50'000, ttl, &mismatches) == 50'000);
  CHECK(mismatches == 0);
}

TEST_CASE("Clear empties both the run and the heap", "[sim][model][expiry_queue]") {
  ExpiryQueue q;
  q.Push({100, 0, 1});
  q.Push({50, 1, 2});  // earlier than the run's newest: the heap
  REQUIRE(q.size() == 2);
  CHECK(q.Top().key == 2);
  q.Clear();
  CHECK(q.empty());
  q.Push({10, 2, 3});
  CHECK(q.Top().key == 3);
}

}  // namespace
}  // namespace cachelab
