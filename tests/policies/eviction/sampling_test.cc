// The sampled policies' building blocks (policies/eviction/sampling.h):
// LookaheadEngine yields exactly its base engine's sequence however its
// coming values are peeked at, so a policy that draws through it evicts what
// it evicted before; and EvictionPool::SampleAndPop picks the same victims
// through it as through the plain engine.
#include "policies/eviction/sampling.h"

#include <boost/random/mersenne_twister.hpp>
#include <boost/random/uniform_01.hpp>
#include <boost/random/uniform_int_distribution.hpp>
#include <catch2/catch.hpp>
#include <cstdint>
#include <vector>

namespace cachelab::eviction {
namespace {

using Mt = boost::random::mt19937_64;

TEST_CASE("LookaheadEngine returns the base engine's values in order, peeked or not",
          "[eviction][sampling]") {
  Mt plain(42);
  LookaheadEngine<Mt> ahead(42, 10);
  REQUIRE(ahead.ahead() == 16);  // the ring is a power of two
  Mt peeker(7);                  // decides how far to peek before each draw
  for (int i = 0; i < 20000; ++i) {
    const size_t peek = boost::random::uniform_int_distribution<size_t>(0, 16)(peeker);
    if (peek < 16) {
      // Peek(k) is what the (k+1)-th next call returns.
      Mt copy = plain;
      for (size_t k = 0; k < peek; ++k) copy();
      REQUIRE(ahead.Peek(peek) == copy());
    }
    REQUIRE(ahead() == plain());
  }
}

TEST_CASE("LookaheadEngine drives Boost.Random distributions exactly as its base engine",
          "[eviction][sampling]") {
  Mt plain(3);
  LookaheadEngine<Mt> ahead(3, 4);
  for (int i = 0; i < 5000; ++i) {
    (void)ahead.Peek(static_cast<size_t>(i % 4));
    const uint64_t hi = 1 + static_cast<uint64_t>(i) * 977;
    REQUIRE(boost::random::uniform_int_distribution<uint64_t>(0, hi)(ahead) ==
            boost::random::uniform_int_distribution<uint64_t>(0, hi)(plain));
    REQUIRE(boost::random::uniform_01<double>()(ahead) ==
            boost::random::uniform_01<double>()(plain));
  }
}

struct Node {
  Key key = 0;
  uint64_t score = 0;
  uint32_t pos = 0;
  bool live = false;
};

// A sampled cache of `n` entries under churn; returns the keys it evicted.
template <class Rng>
std::vector<Key> Evictions(Rng rng, int samples, int n) {
  NodePool<Node> pool;
  DenseHandles dense;
  EvictionPool candidates;
  Mt churn(11);
  std::vector<Key> out;
  Key next_key = 1;
  auto insert = [&] {
    const Handle h = pool.Allocate();
    pool[h].key = next_key++;
    pool[h].score = churn() % 1000;
    pool[h].live = true;
    dense.Add(h, &pool[h].pos);
  };
  for (int i = 0; i < n; ++i) insert();
  for (int step = 0; step < 3000; ++step) {
    const Handle v =
        candidates.SampleAndPop(dense, samples, rng, pool, [&](Handle h) { return pool[h].score; });
    out.push_back(pool[v].key);
    dense.Remove(pool[v].pos, [&](Handle o) { return &pool[o].pos; });
    pool[v].live = false;
    pool.Release(v);
    // The size wanders, so the engine's guesses of coming indices go stale.
    const int inserts = static_cast<int>(churn() % 3);
    for (int k = 0; k < inserts; ++k) insert();
    if (dense.size() < 50) insert();
  }
  return out;
}

TEST_CASE("SampleAndPop evicts the same keys through a LookaheadEngine as through its base",
          "[eviction][sampling]") {
  for (int samples : {1, 5, 17, 40}) {
    INFO("samples = " << samples);
    const std::vector<Key> plain = Evictions(Mt(5), samples, 2000);
    const std::vector<Key> ahead =
        Evictions(LookaheadEngine<Mt>(5, 2 * static_cast<size_t>(samples)), samples, 2000);
    REQUIRE(plain.size() == 3000);
    REQUIRE(ahead == plain);
  }
}

}  // namespace
}  // namespace cachelab::eviction
