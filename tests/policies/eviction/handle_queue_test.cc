// HandleQueue (policies/eviction/handle_queue.h) is a FIFO of pool nodes with
// O(1) removal from the middle: under any mix of pushes, removals and
// moves to the back it keeps exactly the order a linked list would, through
// as many compactions as the array needs. HugePageAllocator hands out large
// blocks aligned to whole huge pages and small ones as usual.
#include "policies/eviction/handle_queue.h"

#include <boost/random/mersenne_twister.hpp>
#include <boost/random/uniform_int_distribution.hpp>
#include <catch2/catch.hpp>
#include <cstdint>
#include <list>
#include <vector>

#include "sim/core/huge_page_allocator.h"

namespace cachelab::eviction {
namespace {

struct QNode {
  uint64_t weight = 0;
  uint32_t pos = 0;
  uint8_t queue = kDetached;
};

std::vector<Handle> Members(const HandleQueue<QNode>& q, const NodePool<QNode>& pool) {
  std::vector<Handle> out;
  q.ForEach(pool, [&](Handle h) { out.push_back(h); });
  return out;
}

TEST_CASE("a handle queue keeps a linked list's order through removals and compactions",
          "[eviction]") {
  NodePool<QNode> pool;
  HandleQueue<QNode> a(0), b(1);  // two queues over one pool, as in S3-FIFO
  std::list<Handle> ref_a, ref_b;
  boost::random::mt19937_64 rng(7);
  boost::random::uniform_int_distribution<int> op(0, 9);
  auto weight_of = [](const QNode& n) { return n.weight; };
  auto pick = [&](std::list<Handle>& l) {
    boost::random::uniform_int_distribution<size_t> at(0, l.size() - 1);
    auto it = l.begin();
    std::advance(it, static_cast<long>(at(rng)));
    return it;
  };
  for (int step = 0; step < 20000; ++step) {
    const int o = op(rng);
    if (o < 4 || ref_a.empty()) {  // a new node enters a
      const Handle h = pool.Allocate();
      pool[h].weight = 1 + static_cast<uint64_t>(step % 5);
      a.PushBack(pool, h, pool[h].weight);
      ref_a.push_back(h);
    } else if (o < 6) {  // one leaves a from the middle and is freed
      auto it = pick(ref_a);
      a.Remove(pool, *it, pool[*it].weight);
      pool.Release(*it);
      ref_a.erase(it);
    } else if (o < 8) {  // a hit: to the back of its queue
      auto it = pick(ref_a);
      a.MoveToBack(pool, *it);
      ref_a.splice(ref_a.end(), ref_a, it);
    } else {  // a's oldest moves to b; b's oldest sometimes leaves
      const Handle h = a.Front(pool);
      REQUIRE(h == ref_a.front());
      a.Remove(pool, h, pool[h].weight);
      ref_a.pop_front();
      b.PushBack(pool, h, pool[h].weight);
      ref_b.push_back(h);
      if (o == 9) {
        const Handle old = b.Front(pool);
        REQUIRE(old == ref_b.front());
        b.Remove(pool, old, pool[old].weight);
        pool.Release(old);
        ref_b.pop_front();
      }
    }
    REQUIRE(a.size() == ref_a.size());
    REQUIRE(b.size() == ref_b.size());
    if (step % 997 == 0) {
      REQUIRE(a.Check(pool, weight_of).empty());
      REQUIRE(b.Check(pool, weight_of).empty());
      REQUIRE(Members(a, pool) == std::vector<Handle>(ref_a.begin(), ref_a.end()));
      REQUIRE(Members(b, pool) == std::vector<Handle>(ref_b.begin(), ref_b.end()));
    }
  }
  uint64_t bytes = 0;
  for (Handle h : ref_a) bytes += pool[h].weight;
  CHECK(a.bytes() == bytes);
  CHECK(Members(a, pool) == std::vector<Handle>(ref_a.begin(), ref_a.end()));
  // Drained from the front, a yields its members in order, then nothing.
  for (Handle want : ref_a) {
    REQUIRE(a.Front(pool) == want);
    a.Remove(pool, want, pool[want].weight);
  }
  CHECK(a.Front(pool) == kNil);
  CHECK(a.empty());
  CHECK(a.bytes() == 0);
}

TEST_CASE("a handle queue's check notices a member count out of step", "[eviction]") {
  NodePool<QNode> pool;
  HandleQueue<QNode> q(0);
  const Handle h = pool.Allocate();
  q.PushBack(pool, h, 1);
  REQUIRE(q.Check(pool, [](const QNode&) { return uint64_t{1}; }).empty());
  pool[h].queue = kDetached;  // detached behind the queue's back
  CHECK_FALSE(q.Check(pool, [](const QNode&) { return uint64_t{1}; }).empty());
}

TEST_CASE("the huge-page allocator, when asked, aligns large blocks to whole huge pages",
          "[eviction]") {
  using Vec = std::vector<uint64_t, HugePageAllocator<uint64_t>>;
  const HugePageAllocator<uint64_t> huge(true);
  Vec big(kHugePage / 8 + 1, 3, huge);
  CHECK(reinterpret_cast<uintptr_t>(big.data()) % kHugePage == 0);
  CHECK(big.front() == 3);
  CHECK(big.back() == 3);
  Vec small(100, 5, huge);  // below 1 MiB: an ordinary block
  CHECK(small[99] == 5);
  big = std::move(small);  // the allocator moves with the block
  CHECK(big.size() == 100);
  CHECK(big[42] == 5);
  Vec plain(kHugePage / 8 + 1, 7);  // huge pages off (the default): still a working vector
  plain.resize(2 * plain.size(), 9);
  CHECK(plain.front() == 7);
  CHECK(plain.back() == 9);
  CHECK(Vec().get_allocator() != huge);
}

}  // namespace
}  // namespace cachelab::eviction
