// Building blocks of the sampled policies (random, Redis' allkeys-lru,
// allkeys-lfu, volatile-ttl):
//  - DenseHandles: the resident handles in a vector, so that a uniformly
//    random one is drawn in O(1); removal swaps with the last element.
//  - EvictionPool: Redis' eviction pool (evict.c, EVPOOL_SIZE = 16): the best
//    candidates seen by recent samplings, ordered by score (higher = evict
//    sooner). A sampled entry enters when the pool has room or when it beats
//    the pool's worst; the victim is the best pooled entry that is still
//    resident (scores are those seen when sampled, as in Redis).
#pragma once

#include <algorithm>
#include <array>
#include <boost/random/uniform_int_distribution.hpp>
#include <cstdint>
#include <vector>

#include "policies/eviction/node_list.h"

namespace cachelab::eviction {

class DenseHandles {
 public:
  // `pos` is where the caller keeps h's index in the vector.
  void Add(Handle h, uint32_t* pos) {
    *pos = static_cast<uint32_t>(handles_.size());
    handles_.push_back(h);
  }
  // `pos_of(h)` returns a pointer to the stored index of handle h.
  template <class PosOf>
  void Remove(uint32_t pos, PosOf pos_of) {
    const Handle last = handles_.back();
    handles_[pos] = last;
    *pos_of(last) = pos;
    handles_.pop_back();
  }
  Handle at(size_t i) const { return handles_[i]; }
  size_t size() const { return handles_.size(); }
  bool empty() const { return handles_.empty(); }

 private:
  std::vector<Handle> handles_;
};

class EvictionPool {
 public:
  static constexpr size_t kSize = 16;
  struct Candidate {
    uint64_t score = 0;
    Handle handle = kNil;
    Key key = 0;
  };

  void Offer(uint64_t score, Handle h, Key key) {
    for (size_t i = 0; i < n_; ++i) {
      if (slots_[i].handle == h && slots_[i].key == key) return;  // already pooled
    }
    // slots_[0..n_) ascending by score; the best candidate is last.
    size_t at = 0;
    while (at < n_ && slots_[at].score < score) ++at;
    if (n_ == kSize) {
      if (at == 0) return;  // worse than everything pooled
      std::move(slots_.begin() + 1, slots_.begin() + static_cast<long>(at), slots_.begin());
      slots_[at - 1] = {score, h, key};
      return;
    }
    std::move_backward(slots_.begin() + static_cast<long>(at),
                       slots_.begin() + static_cast<long>(n_),
                       slots_.begin() + static_cast<long>(n_ + 1));
    slots_[at] = {score, h, key};
    ++n_;
  }

  // The best pooled candidate for which `resident(handle, key)` holds; stale
  // ones on the way are dropped. kNil when none is left.
  template <class Resident>
  Handle PopBest(Resident resident) {
    while (n_ > 0) {
      const Candidate c = slots_[--n_];
      if (resident(c.handle, c.key)) return c.handle;
    }
    return kNil;
  }

  // One eviction as Redis does it: offer `samples` uniformly drawn members of
  // `from` (with repetition), scored by `score(h)`, then pop the best pooled
  // entry still resident (`nodes[h].live` and the same key). `from` must not
  // be empty.
  template <class Rng, class Nodes, class Score>
  Handle SampleAndPop(const DenseHandles& from, int samples, Rng& rng, const Nodes& nodes,
                      Score score) {
    boost::random::uniform_int_distribution<size_t> pick(0, from.size() - 1);
    for (int i = 0; i < samples; ++i) {
      const Handle h = from.at(pick(rng));
      Offer(score(h), h, nodes[h].key);
    }
    const Handle v = PopBest([&](Handle h, Key k) { return nodes[h].live && nodes[h].key == k; });
    return v != kNil ? v : from.at(pick(rng));  // unreachable: a sample was just pooled
  }

  size_t size() const { return n_; }

 private:
  std::array<Candidate, kSize> slots_{};
  size_t n_ = 0;
};

}  // namespace cachelab::eviction
