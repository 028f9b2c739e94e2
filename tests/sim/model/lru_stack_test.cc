#include "sim/model/lru_stack.h"

#include <catch2/catch.hpp>
#include <cstdint>
#include <list>
#include <random>
#include <utility>

namespace cachelab {
namespace {

// A plain list, top first: the specification LruStack must agree with.
struct ListStack {
  std::list<std::pair<uint64_t, uint64_t>> items;  // key, weight
  uint64_t Access(uint64_t key, uint64_t weight) {
    uint64_t above = 0, depth = 0;
    for (auto it = items.begin(); it != items.end(); ++it) {
      if (it->first == key) {
        depth = above + weight;
        items.erase(it);
        break;
      }
      above += it->second;
    }
    items.emplace_front(key, weight);
    return depth;
  }
  uint64_t KeyAt(uint64_t depth) const {
    uint64_t above = 0;
    for (const auto& [k, w] : items) {
      if (depth <= above + w) return k;
      above += w;
    }
    return ~0ull;
  }
};

TEST_CASE("LruStack agrees with a list on depths and keys at depths, through compactions",
          "[lru_stack]") {
  LruStack fast;
  ListStack slow;
  std::mt19937_64 rng(3);
  uint64_t total = 0;
  for (int i = 0; i < 20000; ++i) {
    const uint64_t key = rng() % 300;
    const uint64_t weight = 1 + rng() % 5;
    const uint64_t expected = slow.Access(key, weight);
    REQUIRE(fast.Access(key, weight) == expected);
    total = 0;
    for (const auto& [k, w] : slow.items) total += w;
    REQUIRE(fast.total() == total);
    REQUIRE(fast.size() == slow.items.size());
    const uint64_t d = 1 + rng() % total;
    REQUIRE(fast.KeyAt(d) == slow.KeyAt(d));
  }
  REQUIRE(fast.KeyAt(1) == slow.items.front().first);
  REQUIRE(fast.KeyAt(total) == slow.items.back().first);
}

TEST_CASE("LruStack: a first access has depth 0, a repeat its own weight", "[lru_stack]") {
  LruStack s;
  REQUIRE(s.Access(7, 10) == 0);
  REQUIRE(s.Access(7, 4) == 4);
  REQUIRE(s.Access(8, 1) == 0);
  REQUIRE(s.Access(7, 4) == 5);  // 8 above it (1) + its own 4
  REQUIRE_THROWS(s.Access(9, 0));
  REQUIRE_THROWS(s.KeyAt(0));
  REQUIRE_THROWS(s.KeyAt(6));
}

}  // namespace
}  // namespace cachelab
