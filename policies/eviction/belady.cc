// Belady's MIN (the offline optimum for equal sizes): evict the resident
// object whose next access is farthest in the future, never-again objects
// first. Needs every request's next access time (SetNextAccess), which an
// oracleGeneral trace carries, so it runs in trace replay only; the timed
// simulation refuses it ("belady needs a trace's next-access times").
// Size-unaware, like libCacheSim's `belady` (not `beladySize`).
//
// An indexed binary max-heap on next access (ties: the smaller handle first)
// gives O(log n) per insert, hit and eviction.
//
// In pseudo-code (next(x): the request index of x's next access):
//   on insert(x):         next(x) = never; add x to the heap
//   on next access(x, t): next(x) = t; restore x's place in the heap
//   on hit(x):            nothing (the caller follows it with a next access)
//   victim:               the heap's top: the largest next(x), never-again first,
//                         the smaller handle on a tie
//
// Source: L. A. Belady, "A study of replacement algorithms for a virtual-
// storage computer", IBM Systems Journal 5(2), 1966; as libCacheSim's Belady.c.
#include <vector>

#include "policies/eviction/node_list.h"
#include "policies/modules.h"

namespace cachelab {
namespace {

using eviction::Handle;
using eviction::kNil;

class Belady final : public EvictionPolicy {
 public:
  Handle Insert(Key key, uint64_t) override {
    const Handle h = pool_.Allocate();
    pool_[h].key = key;
    pool_[h].next_access = kNeverAgain;
    pool_[h].pos = heap_.size();
    heap_.push_back(h);
    SiftUp(pool_[h].pos);
    return h;
  }
  void SetNextAccess(Handle h, int64_t when) override {
    const int64_t old = pool_[h].next_access;
    pool_[h].next_access = when;
    if (when > old) {
      SiftUp(pool_[h].pos);
    } else {
      SiftDown(pool_[h].pos);
    }
  }
  void Touch(Handle) override {}
  Key Victim() override { return pool_[heap_.front()].key; }
  void Erase(Handle h) override {
    const size_t pos = pool_[h].pos;
    const Handle last = heap_.back();
    heap_.pop_back();
    if (last != h) {
      heap_[pos] = last;
      pool_[last].pos = pos;
      SiftUp(pos);
      SiftDown(pool_[last].pos);
    }
    pool_.Release(h);
  }
  uint64_t size() const override { return heap_.size(); }
  std::string CheckInvariants() const override {
    for (size_t i = 0; i < heap_.size(); ++i) {
      if (pool_[heap_[i]].pos != i) return "heap index out of step";
      if (i > 0 && Before(heap_[i], heap_[(i - 1) / 2])) return "heap order violated";
    }
    return {};
  }

 private:
  struct Node {
    Key key = 0;
    Handle prev = kNil, next = kNil;  // free list only
    int64_t next_access = kNeverAgain;
    size_t pos = 0;
  };

  // a is evicted before b.
  bool Before(Handle a, Handle b) const {
    const int64_t na = pool_[a].next_access, nb = pool_[b].next_access;
    return na > nb || (na == nb && a < b);
  }
  void Place(size_t i, Handle h) {
    heap_[i] = h;
    pool_[h].pos = i;
  }
  void SiftUp(size_t i) {
    const Handle h = heap_[i];
    while (i > 0 && Before(h, heap_[(i - 1) / 2])) {
      Place(i, heap_[(i - 1) / 2]);
      i = (i - 1) / 2;
    }
    Place(i, h);
  }
  void SiftDown(size_t i) {
    const Handle h = heap_[i];
    for (;;) {
      size_t c = 2 * i + 1;
      if (c >= heap_.size()) break;
      if (c + 1 < heap_.size() && Before(heap_[c + 1], heap_[c])) ++c;
      if (!Before(heap_[c], h)) break;
      Place(i, heap_[c]);
      i = c;
    }
    Place(i, h);
  }

  eviction::NodePool<Node> pool_;
  std::vector<Handle> heap_;
};

}  // namespace

PolicyInfo modules::BeladyModule() {
  PolicyInfo info;
  info.role = Role::kEviction;
  info.name = "belady";
  info.summary =
      "Belady's MIN: evict the object reused farthest in the future (offline, replay only)";
  info.offline = true;
  info.make_eviction = [](const Params&) { return std::make_unique<Belady>(); };
  info.make_replayer = [](const Params&, const ReplayConfig& c) {
    return MakeReplayer(std::make_unique<Belady>(), c);
  };
  return info;
}

}  // namespace cachelab
