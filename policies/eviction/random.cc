// Random eviction: the victim is a resident object drawn uniformly at random.
// Deterministic: the generator (Boost.Random mt19937_64, Boost's uniform
// distribution) starts from the `seed` parameter.
//
// In pseudo-code (residents kept in a dense array, so a draw is one index):
//   on insert(x): append x to the array
//   on hit(x):    nothing
//   victim:       the array's entry at a uniformly drawn index in [0, size)
//   on erase(x):  move the array's last entry into x's slot
//
// Source: the classic baseline (e.g. L. A. Belady, "A study of replacement
// algorithms for a virtual-storage computer", IBM Systems Journal 5(2), 1966,
// RAND); libCacheSim's Random.c.
#include <boost/random/mersenne_twister.hpp>
#include <boost/random/uniform_int_distribution.hpp>

#include "policies/eviction/sampling.h"
#include "policies/modules.h"

namespace cachelab {
namespace {

using eviction::Handle;
using eviction::kNil;

class Random final : public EvictionPolicy {
 public:
  explicit Random(uint64_t seed) : rng_(seed) {}

  Handle Insert(Key key, uint64_t) override {
    const Handle h = pool_.Allocate();
    pool_[h].key = key;
    dense_.Add(h, &pool_[h].pos);
    return h;
  }
  void Touch(Handle) override {}
  Key Victim() override {
    boost::random::uniform_int_distribution<size_t> pick(0, dense_.size() - 1);
    return pool_[dense_.at(pick(rng_))].key;
  }
  void Erase(Handle h) override {
    dense_.Remove(pool_[h].pos, [this](Handle o) { return &pool_[o].pos; });
    pool_.Release(h);
  }
  uint64_t size() const override { return dense_.size(); }
  std::string CheckInvariants() const override {
    for (size_t i = 0; i < dense_.size(); ++i) {
      if (pool_[dense_.at(i)].pos != i) return "dense index out of step";
    }
    return {};
  }

 private:
  struct Node {
    Key key = 0;
    Handle prev = kNil, next = kNil;  // free list only
    uint32_t pos = 0;
  };
  boost::random::mt19937_64 rng_;
  eviction::NodePool<Node> pool_;
  eviction::DenseHandles dense_;
};

std::unique_ptr<Random> MakeRandom(const Params& p) {
  return std::make_unique<Random>(static_cast<uint64_t>(p.GetInt("seed")));
}

}  // namespace

PolicyInfo modules::RandomModule() {
  PolicyInfo info;
  info.role = Role::kEviction;
  info.name = "random";
  info.summary = "evict a uniformly random resident object (seeded, deterministic)";
  info.params = {{"seed", ParamType::kInt, int64_t{1}, "seed of the policy's random generator",
                  ParamBound::kNonNegative}};
  info.make_eviction = [](const Params& p) { return MakeRandom(p); };
  info.make_replayer = [](const Params& p, const ReplayConfig& c) {
    return MakeReplayer(MakeRandom(p), c);
  };
  return info;
}

}  // namespace cachelab
