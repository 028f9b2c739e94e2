// CLOCK (second chance, FIFO-reinsertion): a FIFO queue where each entry has
// a small saturating hit counter. A hit increments it (up to 2^bits - 1). To
// evict, look at the oldest entry: if its counter is non-zero, decrement it
// and move the entry to the front (a second chance); otherwise evict it.
// With bits = 1 this is the classic CLOCK of Corbato (1968).
//
// In pseudo-code:
//   on insert(x): count(x) = 0; push x at the front
//   on hit(x):    count(x) = min(count(x) + 1, 2^bits - 1)
//   victim:       y = the back entry
//                 while count(y) > 0: count(y) -= 1; move y to the front; y = the back entry
//                 return y
//
// Source: F. J. Corbato, "A paging experiment with the Multics system" (1968);
// the behaviour matches libCacheSim's Clock.c (its n-bit counter), which
// moves the entry to the head rather than advancing a hand: the same order.
#include "policies/eviction/node_list.h"
#include "policies/modules.h"

namespace cachelab {
namespace {

using eviction::Handle;

class Clock final : public EvictionPolicy {
 public:
  explicit Clock(int bits) : max_count_(static_cast<uint8_t>((1u << bits) - 1)) {}

  Handle Insert(Key key, uint64_t) override {
    const Handle h = pool_.Allocate();
    pool_[h].key = key;
    queue_.PushFront(pool_, h, 1);
    return h;
  }
  void Touch(Handle h) override {
    if (pool_[h].count < max_count_) ++pool_[h].count;
  }
  Key Victim() override {
    Handle h = queue_.back();
    while (pool_[h].count > 0) {
      --pool_[h].count;
      queue_.MoveToFront(pool_, h);
      h = queue_.back();
    }
    return pool_[h].key;
  }
  void Erase(Handle h) override {
    queue_.Remove(pool_, h, 1);
    pool_.Release(h);
  }
  // For the timed store, which draws requests ahead (eviction.h).
  void PrefetchNode(Handle h) const override { __builtin_prefetch(&pool_[h]); }
  uint64_t size() const override { return queue_.size(); }
  std::string CheckInvariants() const override {
    return queue_.Check(pool_, [](const Node&) { return 1; });
  }

 private:
  struct Node {
    Key key = 0;
    Handle prev = eviction::kNil, next = eviction::kNil;
    uint8_t count = 0;
  };
  uint8_t max_count_;
  eviction::NodePool<Node> pool_;
  eviction::List<Node> queue_;
};

std::unique_ptr<Clock> MakeClock(const Params& p) {
  return std::make_unique<Clock>(static_cast<int>(p.GetInt("bits")));
}

}  // namespace

PolicyInfo modules::ClockModule() {
  PolicyInfo info;
  info.role = Role::kEviction;
  info.name = "clock";
  info.summary = "CLOCK / second chance: FIFO that reinserts entries hit since their last pass";
  info.params = {{"bits", ParamType::kInt, int64_t{1},
                  "width of the per-entry hit counter (1 = classic CLOCK, at most 7)",
                  ParamBound::kPositive}};
  info.make_eviction = [](const Params& p) { return MakeClock(p); };
  info.make_replayer = [](const Params& p, const ReplayConfig& c) {
    return MakeReplayer(MakeClock(p), c);
  };
  return info;
}

}  // namespace cachelab
