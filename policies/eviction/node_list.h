// Building blocks shared by the eviction policies: a pool of nodes addressed
// by handle (a vector index, recycled through a free list, so no allocation
// once warm) and doubly linked lists threaded through such a pool by index.
// A list's front is its most recently added end (libCacheSim's head), its
// back the oldest (the tail, where LRU and FIFO evict).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sim/core/huge_page_allocator.h"
#include "sim/model/eviction.h"

namespace cachelab::eviction {

using Handle = EvictionPolicy::Handle;
inline constexpr Handle kNil = ~Handle{0};

// Node must have a `Handle next` member, or else a `uint32_t pos` one (the
// nodes of a HandleQueue, handle_queue.h): the free list runs through it.
template <class Node>
class NodePool {
 public:
  Handle Allocate() {
    Handle h;
    if (free_ != kNil) {
      h = free_;
      free_ = Link(nodes_[h]);
      nodes_[h] = Node{};
    } else {
      h = static_cast<Handle>(nodes_.size());
      nodes_.emplace_back();
    }
    return h;
  }
  void Release(Handle h) {
    Link(nodes_[h]) = free_;
    free_ = h;
  }
  Node& operator[](Handle h) { return nodes_[h]; }
  const Node& operator[](Handle h) const { return nodes_[h]; }
  size_t capacity() const { return nodes_.size(); }
  // Room for n nodes (a replay sizing itself up front).
  void Reserve(size_t n) { nodes_.reserve(n); }

 private:
  static Handle& Link(Node& n) {
    if constexpr (requires { n.next; }) {
      return n.next;
    } else {
      return n.pos;
    }
  }

  using Nodes = std::vector<Node, HugePageAllocator<Node>>;
  // Large pools (1 MiB and up) in huge pages, see huge_page_allocator.h.
  Nodes nodes_{HugePageAllocator<Node>(true)};
  Handle free_ = kNil;
};

// A list with its length and the sum of its members' weights (bytes).
template <class Node>
class List {
 public:
  void PushFront(NodePool<Node>& pool, Handle h, uint64_t weight) {
    Node& n = pool[h];
    n.prev = kNil;
    n.next = head_;
    if (head_ != kNil) pool[head_].prev = h;
    head_ = h;
    if (tail_ == kNil) tail_ = h;
    ++size_;
    bytes_ += weight;
  }
  void PushBack(NodePool<Node>& pool, Handle h, uint64_t weight) {
    Node& n = pool[h];
    n.next = kNil;
    n.prev = tail_;
    if (tail_ != kNil) pool[tail_].next = h;
    tail_ = h;
    if (head_ == kNil) head_ = h;
    ++size_;
    bytes_ += weight;
  }
  // Links h right on the front side of `pos` (a member).
  void InsertBefore(NodePool<Node>& pool, Handle h, Handle pos, uint64_t weight) {
    const Handle newer = pool[pos].prev;
    if (newer == kNil) {
      PushFront(pool, h, weight);
      return;
    }
    pool[h].prev = newer;
    pool[h].next = pos;
    pool[newer].next = h;
    pool[pos].prev = h;
    ++size_;
    bytes_ += weight;
  }
  void Remove(NodePool<Node>& pool, Handle h, uint64_t weight) {
    Node& n = pool[h];
    if (n.prev != kNil) {
      pool[n.prev].next = n.next;
    } else {
      head_ = n.next;
    }
    if (n.next != kNil) {
      pool[n.next].prev = n.prev;
    } else {
      tail_ = n.prev;
    }
    --size_;
    bytes_ -= weight;
  }
  void MoveToFront(NodePool<Node>& pool, Handle h) {
    if (head_ == h) return;
    Remove(pool, h, 0);
    PushFront(pool, h, 0);
  }

  Handle front() const { return head_; }  // newest
  Handle back() const { return tail_; }   // oldest
  bool empty() const { return head_ == kNil; }
  uint64_t size() const { return size_; }
  uint64_t bytes() const { return bytes_; }

  // Walks the list front to back; "" when links, length and weights agree.
  template <class WeightOf>
  std::string Check(const NodePool<Node>& pool, WeightOf weight_of) const {
    uint64_t n = 0, w = 0;
    Handle prev = kNil;
    for (Handle h = head_; h != kNil; h = pool[h].next) {
      if (pool[h].prev != prev) return "broken prev link";
      prev = h;
      w += weight_of(pool[h]);
      if (++n > pool.capacity()) return "cycle in list";
    }
    if (prev != tail_) return "tail is not the last node";
    if (n != size_) return "list length differs from its count";
    if (w != bytes_) return "list bytes differ from the sum of its nodes";
    return {};
  }

 private:
  Handle head_ = kNil;
  Handle tail_ = kNil;
  uint64_t size_ = 0;
  uint64_t bytes_ = 0;
};

}  // namespace cachelab::eviction
