// SIEVE: a FIFO queue with one "visited" bit per entry and a hand. A hit sets
// the bit. To evict, the hand moves from the oldest entry towards newer ones,
// clearing set bits, and evicts the first entry whose bit is clear; it then
// rests on the next newer entry and wraps to the oldest at the end of the
// queue. New entries go to the front and are not visited. Unlike CLOCK,
// survivors stay where they are, so new objects are demoted quickly.
//
// In pseudo-code:
//   on insert(x): visited(x) = false; push x at the front
//   on hit(x):    visited(x) = true
//   victim:       y = hand, or the back entry when there is no hand
//                 while visited(y): visited(y) = false; y = the next newer entry (wrap to the back)
//                 hand = y; return y
//   on erase(x):  if x is the hand: hand = the next newer entry (none at the front); unlink x
//
// Source: Y. Zhang, J. Yang, Y. Yue, Y. Vigfusson, K. V. Rashmi, "SIEVE is
// simpler than LRU: an efficient turn-key eviction algorithm for web caches",
// NSDI 2024; as in libCacheSim's Sieve.c.
#include "policies/eviction/node_list.h"
#include "policies/modules.h"

namespace cachelab {
namespace {

using eviction::Handle;
using eviction::kNil;

class Sieve final : public EvictionPolicy {
 public:
  Handle Insert(Key key, uint64_t) override {
    const Handle h = pool_.Allocate();
    pool_[h].key = key;
    queue_.PushFront(pool_, h, 1);
    return h;
  }
  void Touch(Handle h) override { pool_[h].visited = true; }
  Key Victim() override {
    Handle h = hand_ == kNil ? queue_.back() : hand_;
    while (pool_[h].visited) {
      pool_[h].visited = false;
      h = pool_[h].prev == kNil ? queue_.back() : pool_[h].prev;
    }
    hand_ = h;  // Erase moves the hand past the victim
    return pool_[h].key;
  }
  void Erase(Handle h) override {
    if (h == hand_) hand_ = pool_[h].prev;  // the next newer entry, or none: wrap
    queue_.Remove(pool_, h, 1);
    pool_.Release(h);
  }
  uint64_t size() const override { return queue_.size(); }
  // For the replay loop (replayer.h): the node a coming hit will mark.
  void Prefetch(Handle h) const { __builtin_prefetch(&pool_[h]); }
  void PrefetchNode(Handle h) const override { Prefetch(h); }
  std::string CheckInvariants() const override {
    if (hand_ != kNil) {
      bool found = false;
      for (Handle h = queue_.front(); h != kNil; h = pool_[h].next) found = found || h == hand_;
      if (!found) return "hand is not in the queue";
    }
    return queue_.Check(pool_, [](const Node&) { return 1; });
  }

 private:
  struct Node {
    Key key = 0;
    Handle prev = kNil, next = kNil;
    bool visited = false;
  };
  eviction::NodePool<Node> pool_;
  eviction::List<Node> queue_;
  Handle hand_ = kNil;
};

}  // namespace

PolicyInfo modules::SieveModule() {
  PolicyInfo info;
  info.role = Role::kEviction;
  info.name = "sieve";
  info.summary = "SIEVE: FIFO with a visited bit and a hand that keeps survivors in place";
  info.make_eviction = [](const Params&) { return std::make_unique<Sieve>(); };
  info.make_replayer = [](const Params&, const ReplayConfig& c) {
    return MakeReplayer(std::make_unique<Sieve>(), c);
  };
  return info;
}

}  // namespace cachelab
