// The yardstick the eviction issue names: the plainest fast LRU (a flat hash
// map from key to node, an intrusive list over a node array, no prefetching,
// no policy interface, object count only). BM_PlainLruLoop runs it on the
// in-memory sequence of bench_replay.cc, cachelab_plain_lru (plain_lru.cc) on
// a memory-mapped trace; both must agree with cachelab's lru on misses.
#pragma once

#include <boost/unordered/unordered_flat_map.hpp>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace cachelab::yardstick {

// Misses of an LRU cache of `capacity` objects (below 2^32 - 1) over
// `requests` requests, the i-th for key_at(i).
template <class KeyAt>
uint64_t PlainLruMisses(size_t requests, uint64_t capacity, KeyAt key_at) {
  constexpr uint32_t kNil = ~uint32_t{0};
  struct Node {
    uint64_t key;
    uint32_t prev, next;
  };
  boost::unordered_flat_map<uint64_t, uint32_t> index;
  index.reserve(capacity);
  std::vector<Node> nodes;
  nodes.reserve(capacity);
  uint32_t head = kNil, tail = kNil;
  auto unlink = [&](uint32_t h) {
    const Node& x = nodes[h];
    (x.prev != kNil ? nodes[x.prev].next : head) = x.next;
    (x.next != kNil ? nodes[x.next].prev : tail) = x.prev;
  };
  auto push_front = [&](uint32_t h) {
    nodes[h].prev = kNil;
    nodes[h].next = head;
    (head != kNil ? nodes[head].prev : tail) = h;
    head = h;
  };
  uint64_t misses = 0;
  for (size_t i = 0; i < requests; ++i) {
    const uint64_t key = key_at(i);
    if (auto it = index.find(key); it != index.end()) {
      if (it->second != head) {
        unlink(it->second);
        push_front(it->second);
      }
      continue;
    }
    ++misses;
    uint32_t h;
    if (nodes.size() < capacity) {
      h = static_cast<uint32_t>(nodes.size());
      nodes.push_back(Node{key, kNil, kNil});
    } else {
      h = tail;
      unlink(h);
      index.erase(nodes[h].key);
      nodes[h].key = key;
    }
    push_front(h);
    index.emplace(key, h);
  }
  return misses;
}

}  // namespace cachelab::yardstick
