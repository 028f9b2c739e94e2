// Building blocks of the sampled policies (random, Redis' allkeys-lru,
// allkeys-lfu, volatile-ttl):
//  - DenseHandles: the resident handles in a vector, so that a uniformly
//    random one is drawn in O(1); removal swaps with the last element.
//  - EvictionPool: Redis' eviction pool (evict.c, EVPOOL_SIZE = 16): the best
//    candidates seen by recent samplings, ordered by score (higher = evict
//    sooner). A sampled entry enters when the pool has room or when it beats
//    the pool's worst; the victim is the best pooled entry that is still
//    resident (scores are those seen when sampled, as in Redis).
//  - LookaheadEngine: a random engine that shows its coming outputs, so that
//    an eviction can fetch the handles and nodes the next ones will sample
//    while it works (a sampled node is a random line in a table far larger
//    than the caches, and an eviction samples five or more).
#pragma once

#include <algorithm>
#include <array>
#include <boost/random/uniform_int_distribution.hpp>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "policies/eviction/node_list.h"
#include "sim/core/huge_page_allocator.h"

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
  const Handle* address(size_t i) const { return &handles_[i]; }
  size_t size() const { return handles_.size(); }
  bool empty() const { return handles_.empty(); }

 private:
  // Drawn from at random: in huge pages once large (huge_page_allocator.h).
  std::vector<Handle, HugePageAllocator<Handle>> handles_{HugePageAllocator<Handle>(true)};
};

// Base's outputs, in Base's order, drawn up to `ahead` values early into a
// ring: Peek(i) is the value the (i+1)-th next call will return. A drop-in
// engine for Boost.Random's distributions (same min, max and sequence), so a
// policy using it draws exactly what it drew with Base.
template <class Base>
class LookaheadEngine {
 public:
  using result_type = typename Base::result_type;
  LookaheadEngine(uint64_t seed, size_t ahead) : base_(seed) {
    size_t n = 1;
    while (n < ahead) n *= 2;
    ring_.resize(n);
  }
  static constexpr result_type min() { return Base::min(); }
  static constexpr result_type max() { return Base::max(); }
  result_type operator()() {
    if (count_ == 0) return base_();
    const result_type v = ring_[head_];
    head_ = (head_ + 1) & (ring_.size() - 1);
    --count_;
    return v;
  }
  // i < the `ahead` given at construction.
  result_type Peek(size_t i) {
    while (count_ <= i) ring_[(head_ + count_++) & (ring_.size() - 1)] = base_();
    return ring_[(head_ + i) & (ring_.size() - 1)];
  }
  size_t ahead() const { return ring_.size(); }

 private:
  Base base_;
  std::vector<result_type> ring_;
  size_t head_ = 0, count_ = 0;
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
  //
  // With a LookaheadEngine the draws are the same, but the loads are early:
  // this eviction's nodes are requested together before any is scored, and
  // the engine's coming values, mapped to indices at today's size (a guess:
  // the size may change before then), fetch the next eviction's nodes and
  // the one after's handles. A wrong guess costs a wasted prefetch.
  template <class Rng, class Nodes, class Score>
  Handle SampleAndPop(const DenseHandles& from, int samples, Rng& rng, const Nodes& nodes,
                      Score score) {
    boost::random::uniform_int_distribution<size_t> pick(0, from.size() - 1);
    if constexpr (requires { rng.Peek(size_t{0}); }) {
      constexpr int kBatch = 16;
      Handle batch[kBatch];
      for (int done = 0; done < samples; done += kBatch) {
        const int n = std::min(kBatch, samples - done);
        for (int i = 0; i < n; ++i) {
          batch[i] = from.at(pick(rng));
          __builtin_prefetch(&nodes[batch[i]]);
        }
        for (int i = 0; i < n; ++i) Offer(score(batch[i]), batch[i], nodes[batch[i]].key);
      }
      const auto guess = [&](size_t i) {
        return static_cast<size_t>((Wide{rng.Peek(i)} * from.size()) >> 64);
      };
      const size_t next = std::min<size_t>(static_cast<size_t>(samples), rng.ahead() / 2);
      for (size_t i = 0; i < next; ++i) {
        __builtin_prefetch(&nodes[from.at(guess(i))]);
        __builtin_prefetch(from.address(guess(next + i)));
      }
    } else {
      for (int i = 0; i < samples; ++i) {
        const Handle h = from.at(pick(rng));
        Offer(score(h), h, nodes[h].key);
      }
    }
    const Handle v = PopBest([&](Handle h, Key k) { return nodes[h].live && nodes[h].key == k; });
    return v != kNil ? v : from.at(pick(rng));  // unreachable: a sample was just pooled
  }

  size_t size() const { return n_; }

 private:
  __extension__ typedef unsigned __int128 Wide;  // NOLINT(modernize-use-using)
  std::array<Candidate, kSize> slots_{};
  size_t n_ = 0;
};

}  // namespace cachelab::eviction
