// An LRU recency stack with weights (bytes, or 1 per key), answering both
// directions in O(log M) (M = keys in the stack):
//  - Access(key, w): the key's depth before the access (the weight of the
//    distinct other keys accessed since its previous access, plus w), then
//    the key moves to the top with weight w. Depth 0 means "not in the stack"
//    (a cold access). An LRU cache of capacity C hits the access iff
//    0 < depth <= C (Mattson et al., "Evaluation techniques for storage
//    hierarchies", IBM Systems Journal 9(2), 1970).
//  - KeyAt(d): the key at depth d in [1, total()]: the one whose weight,
//    added to the weight of the keys above it, first reaches d.
// The fitted workload's "lru-stack" popularity (workload.h) draws a depth and
// requests KeyAt(depth), so its stream has the depth distribution it was
// given; `cachelab fit` measures a trace's depths with Access.
//
// How: a Fenwick tree over access slots holds each key's weight at the slot
// of its last access; the weight above a slot is a suffix sum, and KeyAt is
// the Fenwick tree's descent on the prefix sums. Slots are renumbered
// (compacted) when they run out, keeping about twice as many as keys, so an
// access is amortised O(log M) and memory O(M).
#pragma once

#include <boost/unordered/unordered_flat_map.hpp>
#include <cstdint>
#include <vector>

namespace cachelab {

class LruStack {
 public:
  // Returns the key's depth before this access (0: it was not in the stack).
  // weight > 0.
  uint64_t Access(uint64_t key, uint64_t weight);
  // The key at depth d, 1 <= d <= total(); the stack must not be empty.
  uint64_t KeyAt(uint64_t depth) const;
  uint64_t total() const { return total_; }
  size_t size() const { return slot_of_.size(); }

 private:
  void Add(uint64_t slot, int64_t delta);
  uint64_t Prefix(uint64_t slot) const;  // weight of slots [1, slot]
  void Compact();

  boost::unordered_flat_map<uint64_t, uint64_t> slot_of_;  // key -> slot of its last access
  std::vector<uint64_t> tree_{0};                          // 1-based Fenwick tree
  std::vector<uint64_t> weight_{0};                        // per slot (0: free)
  std::vector<uint64_t> key_{0};                           // per slot
  uint64_t now_ = 0;                                       // last slot handed out
  uint64_t total_ = 0;
};

}  // namespace cachelab
