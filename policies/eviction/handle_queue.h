// A FIFO queue of pool nodes kept as an array of handles instead of links
// through the nodes. Each node records which queue holds it and at which
// array position its one current record is; removing a node from the middle
// only detaches the node (O(1)), and its record, now stale, is skipped when it
// reaches the front or dropped when the array is compacted.
//
// Why: a linked list's unlink writes both neighbours, two random nodes that
// cannot be fetched ahead of time; here pushes and pops are sequential, and
// the nodes behind the next records are prefetched while the front advances.
// Replay speed is bound by such random accesses (replayer.h). Order is that
// of a list: PushBack appends the newest, Front is the oldest current node,
// MoveToBack is a list's move-to-newest.
//
// Cost: compaction happens when the array is full and leaves it at least
// half free, so each push pays for at most two record checks later on.
// Memory: 4 bytes per record, at most 2 records per member once compacted.
//
// Node must have `uint32_t pos` and `uint8_t queue` members; a queue's id
// (any value but kDetached) tells queues sharing one pool apart.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "policies/eviction/node_list.h"

namespace cachelab::eviction {

inline constexpr uint8_t kDetached = 0xff;

template <class Node>
class HandleQueue {
 public:
  explicit HandleQueue(uint8_t id) : id_(id) {}

  // Room for `n` members without growing (2n records).
  void Reserve(size_t n) {
    if (records_.size() < 2 * n) records_.resize(2 * n);
  }

  void PushBack(NodePool<Node>& pool, Handle h, uint64_t weight) {
    if (tail_ == records_.size()) Compact(pool);
    records_[tail_] = h;
    pool[h].pos = static_cast<uint32_t>(tail_);
    pool[h].queue = id_;
    ++tail_;
    ++size_;
    bytes_ += weight;
  }

  // h must be a member.
  void Remove(NodePool<Node>& pool, Handle h, uint64_t weight) {
    pool[h].queue = kDetached;
    --size_;
    bytes_ -= weight;
  }

  void MoveToBack(NodePool<Node>& pool, Handle h) {
    Remove(pool, h, 0);  // the old record goes stale; the weight stays counted
    PushBack(pool, h, 0);
  }

  // The oldest member; kNil when empty. Drops stale records on its way.
  Handle Front(const NodePool<Node>& pool) {
    for (; head_ < tail_; ++head_) {
      if (head_ + kAhead < tail_) __builtin_prefetch(&pool[records_[head_ + kAhead]]);
      if (Current(pool, head_)) return records_[head_];
    }
    return kNil;
  }

  // For hints: among the `limit` oldest members, the first whose node
  // satisfies `pred`, else the oldest; kNil when empty. Never changes the
  // queue.
  template <class Pred>
  Handle PeekFirst(const NodePool<Node>& pool, Pred pred, int limit) const {
    Handle oldest = kNil;
    for (size_t i = head_; i < tail_ && limit > 0; ++i) {
      if (!Current(pool, i)) continue;
      const Handle h = records_[i];
      if (pred(pool[h])) return h;
      if (oldest == kNil) oldest = h;
      --limit;
    }
    return oldest;
  }

  bool empty() const { return size_ == 0; }
  uint64_t size() const { return size_; }
  uint64_t bytes() const { return bytes_; }

  // "" when the members' records are in place and the counts agree.
  template <class WeightOf>
  std::string Check(const NodePool<Node>& pool, WeightOf weight_of) const {
    if (head_ > tail_ || tail_ > records_.size()) return "cursors out of range";
    uint64_t n = 0, w = 0;
    for (size_t i = head_; i < tail_; ++i) {
      if (records_[i] >= pool.capacity()) return "record names no node";
      if (!Current(pool, i)) continue;
      ++n;
      w += weight_of(pool[records_[i]]);
    }
    if (n != size_) return "current records differ from the member count";
    if (w != bytes_) return "queue bytes differ from the sum of its members";
    return {};
  }

  // Members oldest first (for invariant checks and tests).
  template <class F>
  void ForEach(const NodePool<Node>& pool, F f) const {
    for (size_t i = head_; i < tail_; ++i) {
      if (Current(pool, i)) f(records_[i]);
    }
  }

 private:
  static constexpr size_t kAhead = 16;

  bool Current(const NodePool<Node>& pool, size_t i) const {
    const Node& n = pool[records_[i]];
    return n.queue == id_ && n.pos == i;
  }

  // Moves the current records to the array's start, in order, and grows the
  // array so that at least half of it is free.
  void Compact(NodePool<Node>& pool) {
    size_t out = 0;
    for (size_t i = head_; i < tail_; ++i) {
      if (i + kAhead < tail_) __builtin_prefetch(&pool[records_[i + kAhead]]);
      if (!Current(pool, i)) continue;
      const Handle h = records_[i];
      records_[out] = h;
      pool[h].pos = static_cast<uint32_t>(out);
      ++out;
    }
    head_ = 0;
    tail_ = out;
    const size_t want = std::max<size_t>(2 * out, kMinRecords);
    if (records_.size() < want) records_.resize(want);
  }

  static constexpr size_t kMinRecords = 64;

  uint8_t id_;
  std::vector<Handle> records_;
  size_t head_ = 0, tail_ = 0;  // current records lie in [head_, tail_)
  uint64_t size_ = 0;
  uint64_t bytes_ = 0;
};

}  // namespace cachelab::eviction
