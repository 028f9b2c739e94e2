// Segmented LRU over a NodePool: a probation and a protected LRU segment, each
// with a byte (or object) limit. Used by the `slru` policy and as W-TinyLFU's
// main cache. Semantics as libCacheSim's SLRU.c with two segments:
//  - an object enters the lowest segment it fits in (probation, else
//    protected), probation when neither has room;
//  - a hit in probation moves the object to the front of protected; while
//    protected is over its limit its LRU end is demoted to the front of
//    probation; a hit in protected moves it to the front;
//  - the victim is probation's LRU end, or protected's when probation is empty.
// libCacheSim evicts at once when a demotion overfills probation; here
// probation may stay over its limit until the next eviction takes its LRU end.
// Node needs `prev`, `next`, `bytes` and `bool protected_seg`.
#pragma once

#include <string>

#include "policies/eviction/node_list.h"

namespace cachelab::eviction {

template <class Node>
class SegmentedLru {
 public:
  void SetLimits(uint64_t probation, uint64_t protected_limit) {
    probation_limit_ = probation;
    protected_limit_ = protected_limit;
  }

  void Insert(NodePool<Node>& pool, Handle h) {
    const uint64_t b = pool[h].bytes;
    const bool to_protected =
        probation_.bytes() + b > probation_limit_ && protected_.bytes() + b <= protected_limit_;
    pool[h].protected_seg = to_protected;
    (to_protected ? protected_ : probation_).PushFront(pool, h, b);
  }

  void Hit(NodePool<Node>& pool, Handle h) {
    if (pool[h].protected_seg) {
      protected_.MoveToFront(pool, h);
      return;
    }
    probation_.Remove(pool, h, pool[h].bytes);
    pool[h].protected_seg = true;
    protected_.PushFront(pool, h, pool[h].bytes);
    while (protected_.bytes() > protected_limit_ && protected_.size() > 1) {
      const Handle d = protected_.back();
      protected_.Remove(pool, d, pool[d].bytes);
      pool[d].protected_seg = false;
      probation_.PushFront(pool, d, pool[d].bytes);
    }
  }

  Handle Victim() const { return probation_.empty() ? protected_.back() : probation_.back(); }

  void Remove(NodePool<Node>& pool, Handle h) {
    (pool[h].protected_seg ? protected_ : probation_).Remove(pool, h, pool[h].bytes);
  }

  uint64_t bytes() const { return probation_.bytes() + protected_.bytes(); }
  uint64_t size() const { return probation_.size() + protected_.size(); }
  bool empty() const { return probation_.empty() && protected_.empty(); }

  std::string Check(const NodePool<Node>& pool) const {
    auto bytes_of = [](const Node& n) { return n.bytes; };
    if (auto e = probation_.Check(pool, bytes_of); !e.empty()) return "probation: " + e;
    if (auto e = protected_.Check(pool, bytes_of); !e.empty()) return "protected: " + e;
    for (Handle h = protected_.front(); h != kNil; h = pool[h].next) {
      if (!pool[h].protected_seg) return "protected entry not marked protected";
    }
    return {};
  }

 private:
  uint64_t probation_limit_ = 0, protected_limit_ = 0;
  List<Node> probation_, protected_;
};

}  // namespace cachelab::eviction
