// ARC, the adaptive replacement cache. Resident entries live in two LRU
// lists, T1 (seen once recently) and T2 (seen at least twice); evicted keys
// are remembered in ghost lists B1 and B2. A target p for T1's size adapts:
// a miss that hits B1 means T1 was too small (p grows by max(|B2|/|B1|, 1)),
// one that hits B2 means T2 was (p shrinks by max(|B1|/|B2|, 1)). REPLACE
// evicts T1's LRU end into B1 when T1 exceeds p (or equals it on a B2 hit),
// else T2's LRU end into B2. Sizes are in the cache's unit (bytes or objects).
//
// In pseudo-code (|L| is the size of list L, lists gain entries at their MRU end):
//   admit(x):     if x is in B1: p = min(p + max(|B2|/|B1|, 1), c); forget x
//                 if x is in B2: p = max(p - max(|B1|/|B2|, 1), 0); forget x
//   on insert(x): put x in T2 if admit found it in a ghost list, else in T1
//   on hit(x):    move x to T2's MRU end
//   victim:       if x was in a ghost list: REPLACE
//                 else if |T1| + |B1| + size(x) > c: if B1 is empty: T1's LRU end, no ghost
//                                                    else: drop B1's LRU end; REPLACE
//                 else: if |T1| + |T2| + |B1| + |B2| >= 2c: drop B2's LRU end; REPLACE
//   REPLACE:      T1's LRU end, into B1, if T2 is empty or |T1| > p (or = p after a B2
//                 hit); else T2's LRU end, into B2
//
// Source: N. Megiddo, D. S. Modha, "ARC: A Self-Tuning, Low Overhead
// Replacement Cache", FAST 2003 (Fig. 4, cases I-IV). Variable sizes, the
// float p and the order of steps follow libCacheSim's ARC.c: the ghost hit
// and the adaptation of p happen when the miss is seen (Admit), before the
// evictions; case IV trims B1 when |T1|+|B1|+incoming exceeds c and B1 is not
// empty (else evicts T1's LRU end without a ghost), and trims B2 when all four
// lists reach 2c.
#include <algorithm>
#include <boost/unordered/unordered_flat_map.hpp>

#include "policies/eviction/node_list.h"
#include "policies/modules.h"

namespace cachelab {
namespace {

using eviction::Handle;
using eviction::kNil;

class Arc final : public EvictionPolicy {
 public:
  void SetCapacity(uint64_t capacity) override { c_ = capacity; }

  bool Admit(Key key, uint64_t bytes) override {
    incoming_ = bytes;
    ghost_hit_now_ = false;
    auto it = ghosts_.find(key);
    if (it == ghosts_.end()) return true;
    const Handle h = it->second;
    in_b1_ = pool_[h].list == kB1;
    in_b2_ = !in_b1_;
    ghost_hit_now_ = true;
    const double b1 = static_cast<double>(lists_[kB1].bytes());
    const double b2 = static_cast<double>(lists_[kB2].bytes());
    if (in_b1_) {
      p_ = std::min(p_ + std::max(b2 / b1, 1.0), static_cast<double>(c_));
    } else {
      p_ = std::max(p_ - std::max(b1 / b2, 1.0), 0.0);
    }
    DropGhost(h);
    return true;
  }

  Handle Insert(Key key, uint64_t bytes) override {
    const Handle h = pool_.Allocate();
    pool_[h].key = key;
    pool_[h].bytes = bytes;
    if (ghost_hit_now_) {
      Link(h, kT2);
      in_b1_ = in_b2_ = false;
      ghost_hit_now_ = false;
    } else {
      Link(h, kT1);
    }
    ++resident_;
    return h;
  }

  void Touch(Handle h) override {
    in_b1_ = in_b2_ = false;
    if (pool_[h].list == kT1) {
      Unlink(h);
      Link(h, kT2);
    } else {
      lists_[kT2].MoveToFront(pool_, h);
    }
  }

  Key Victim() override {
    to_ghost_ = true;
    if (ghost_hit_now_) {
      pending_ = Replace();
    } else if (lists_[kT1].bytes() + lists_[kB1].bytes() + incoming_ > c_) {
      if (!lists_[kB1].empty()) {
        DropGhost(lists_[kB1].back());
        pending_ = Replace();
      } else {
        pending_ = lists_[kT1].back();
        to_ghost_ = false;
      }
    } else {
      if (TotalBytes() >= 2 * c_ && !lists_[kB2].empty()) DropGhost(lists_[kB2].back());
      pending_ = Replace();
    }
    return pool_[pending_].key;
  }

  void Erase(Handle h) override {
    --resident_;
    const bool evicted = h == pending_;
    pending_ = kNil;
    const List from = pool_[h].list;
    Unlink(h);
    if (evicted && to_ghost_) {
      Link(h, from == kT1 ? kB1 : kB2);
      ghosts_[pool_[h].key] = h;
    } else {
      pool_.Release(h);
    }
  }

  uint64_t size() const override { return resident_; }

  std::string CheckInvariants() const override {
    auto bytes_of = [](const Node& n) { return n.bytes; };
    for (const auto& l : lists_) {
      if (auto e = l.Check(pool_, bytes_of); !e.empty()) return e;
    }
    if (lists_[kT1].size() + lists_[kT2].size() != resident_) return "T1 + T2 differ from size";
    if (lists_[kB1].size() + lists_[kB2].size() != ghosts_.size()) return "ghost index out of step";
    if (lists_[kT1].bytes() + lists_[kT2].bytes() > c_) return "T1 + T2 exceed the capacity";
    if (p_ < 0 || p_ > static_cast<double>(c_)) return "target p outside [0, c]";
    return {};
  }

 private:
  enum List : uint8_t { kT1, kT2, kB1, kB2 };
  struct Node {
    Key key = 0;
    Handle prev = kNil, next = kNil;
    uint64_t bytes = 0;
    List list = kT1;
  };

  void Link(Handle h, List l) {
    pool_[h].list = l;
    lists_[l].PushFront(pool_, h, pool_[h].bytes);
  }
  void Unlink(Handle h) { lists_[pool_[h].list].Remove(pool_, h, pool_[h].bytes); }
  void DropGhost(Handle h) {
    ghosts_.erase(pool_[h].key);
    Unlink(h);
    pool_.Release(h);
  }
  uint64_t TotalBytes() const {
    return lists_[kT1].bytes() + lists_[kT2].bytes() + lists_[kB1].bytes() + lists_[kB2].bytes();
  }
  // REPLACE: the LRU end of T1 or of T2 (the caller moves it to its ghost).
  Handle Replace() const {
    const double t1 = static_cast<double>(lists_[kT1].bytes());
    const bool from_t1 =
        (!lists_[kT1].empty() && (t1 > p_ || (t1 == p_ && in_b2_))) || lists_[kT2].empty();
    return from_t1 ? lists_[kT1].back() : lists_[kT2].back();
  }

  uint64_t c_ = 0;
  double p_ = 0;
  uint64_t incoming_ = 0;
  bool ghost_hit_now_ = false;  // the current miss hit a ghost
  bool in_b1_ = false, in_b2_ = false;
  Handle pending_ = kNil;  // named by the last Victim()
  bool to_ghost_ = true;
  uint64_t resident_ = 0;
  eviction::NodePool<Node> pool_;
  eviction::List<Node> lists_[4];
  boost::unordered_flat_map<Key, Handle> ghosts_;
};

}  // namespace

PolicyInfo modules::ArcModule() {
  PolicyInfo info;
  info.role = Role::kEviction;
  info.name = "arc";
  info.summary = "ARC: recency and frequency LRUs with ghost lists and an adaptive target";
  info.make_eviction = [](const Params&) { return std::make_unique<Arc>(); };
  info.make_replayer = [](const Params&, const ReplayConfig& c) {
    return MakeReplayer(std::make_unique<Arc>(), c);
  };
  return info;
}

}  // namespace cachelab
