// Segmented LRU: a probation segment for objects seen once and a protected
// segment (`protected_ratio` of the cache) for objects hit again. A hit in
// probation promotes the object to protected, whose overflow is demoted back
// to probation; the victim is probation's least recently used object. Scan
// resistant: a burst of one-time objects only churns probation.
//
// In pseudo-code (both segments are LRU lists, newest at the front):
//   on insert(x): push x at probation's front, or at protected's front when
//                 probation lacks room for x and protected has it
//   on hit(x):    if x is in protected: move x to protected's front
//                 else: move x to protected's front; while protected is over its
//                   limit and holds more than one entry: demote its back to probation's front
//   victim:       probation's back, or protected's back when probation is empty
//
// Source: R. Karedla, J. S. Love, B. G. Wherry, "Caching strategies to improve
// disk system performance", IEEE Computer 27(3), 1994; two segments with the
// placement rules of libCacheSim's SLRU.c (see segmented_lru.h).
#include "policies/eviction/segmented_lru.h"
#include "policies/modules.h"

namespace cachelab {
namespace {

using eviction::Handle;
using eviction::kNil;

class Slru final : public EvictionPolicy {
 public:
  explicit Slru(double protected_ratio) : protected_ratio_(protected_ratio) {}

  void SetCapacity(uint64_t capacity) override {
    const auto prot = static_cast<uint64_t>(static_cast<double>(capacity) * protected_ratio_);
    segments_.SetLimits(capacity - prot, prot);
  }
  Handle Insert(Key key, uint64_t bytes) override {
    const Handle h = pool_.Allocate();
    pool_[h].key = key;
    pool_[h].bytes = bytes;
    segments_.Insert(pool_, h);
    return h;
  }
  void Touch(Handle h) override { segments_.Hit(pool_, h); }
  Key Victim() override { return pool_[segments_.Victim()].key; }
  void Erase(Handle h) override {
    segments_.Remove(pool_, h);
    pool_.Release(h);
  }
  // For the timed store, which draws requests ahead (eviction.h).
  void PrefetchNode(Handle h) const override { __builtin_prefetch(&pool_[h]); }
  uint64_t size() const override { return segments_.size(); }
  std::string CheckInvariants() const override { return segments_.Check(pool_); }

 private:
  struct Node {
    Key key = 0;
    Handle prev = kNil, next = kNil;
    uint64_t bytes = 0;
    bool protected_seg = false;
  };
  double protected_ratio_;
  eviction::NodePool<Node> pool_;
  eviction::SegmentedLru<Node> segments_;
};

std::unique_ptr<Slru> MakeSlru(const Params& p) {
  return std::make_unique<Slru>(p.GetDouble("protected_ratio"));
}

}  // namespace

PolicyInfo modules::SlruModule() {
  PolicyInfo info;
  info.role = Role::kEviction;
  info.name = "slru";
  info.summary = "segmented LRU: probation + protected segments";
  info.params = {{"protected_ratio", ParamType::kDouble, 0.8,
                  "share of the cache for the protected segment", ParamBound::kProbability}};
  info.make_eviction = [](const Params& p) { return MakeSlru(p); };
  info.make_replayer = [](const Params& p, const ReplayConfig& c) {
    return MakeReplayer(MakeSlru(p), c);
  };
  return info;
}

}  // namespace cachelab
