// Redis' approximated LRU (maxmemory-policy allkeys-lru): to evict, sample
// `samples` resident keys at random (Redis' maxmemory-samples), offer
// each to a pool of the 16 best candidates seen so far, scored by idle time,
// and evict the pooled key idle longest that is still resident. With many
// samples it approaches exact LRU; with few it is cheaper and noisier.
// Idle time is measured on a logical clock that ticks once per insert or hit
// (Redis uses a wall clock in milliseconds; in replay there is none).
// Deterministic: sampling uses Boost.Random mt19937_64 seeded with `seed`
// (drawn ahead, so each eviction fetches the next one's samples early).
//
// In pseudo-code (the pool: sampling.h's EvictionPool, its scores fixed when offered):
//   on insert(x), on hit(x): last(x) = ++clock
//   victim:       repeat `samples` times: y = a uniformly drawn resident (repeats allowed)
//                   offer (clock - last(y), y) to the pool: it enters unless y is pooled
//                   already, or the pool is full and y's score is not above its lowest
//                 pop pooled entries, highest score first, until one is still resident
//   on erase(x):  drop x from the residents (a pool entry of x is skipped when popped)
//
// Source: Redis src/evict.c (evictionPoolPopulate, performEvictions) and
// https://redis.io/docs/latest/develop/reference/eviction/ ("Approximated LRU
// algorithm").
#include <boost/random/mersenne_twister.hpp>
#include <boost/random/uniform_int_distribution.hpp>

#include "policies/eviction/sampling.h"
#include "policies/modules.h"

namespace cachelab {
namespace {

using eviction::Handle;

class AllKeysLru final : public EvictionPolicy {
 public:
  AllKeysLru(int samples, uint64_t seed)
      : samples_(samples), rng_(seed, 2 * static_cast<size_t>(samples)) {}

  Handle Insert(Key key, uint64_t) override {
    const Handle h = pool_.Allocate();
    pool_[h].key = key;
    pool_[h].live = true;
    pool_[h].last_access = ++clock_;
    dense_.Add(h, &pool_[h].pos);
    return h;
  }
  void Touch(Handle h) override { pool_[h].last_access = ++clock_; }
  Key Victim() override {
    const Handle v = candidates_.SampleAndPop(
        dense_, samples_, rng_, pool_, [this](Handle h) { return clock_ - pool_[h].last_access; });
    return pool_[v].key;
  }
  void Erase(Handle h) override {
    dense_.Remove(pool_[h].pos, [this](Handle o) { return &pool_[o].pos; });
    pool_[h].live = false;
    pool_.Release(h);
  }
  // For the timed store, which draws requests ahead (eviction.h).
  void PrefetchNode(Handle h) const override { __builtin_prefetch(&pool_[h]); }
  uint64_t size() const override { return dense_.size(); }
  std::string CheckInvariants() const override {
    for (size_t i = 0; i < dense_.size(); ++i) {
      if (pool_[dense_.at(i)].pos != i || !pool_[dense_.at(i)].live)
        return "dense index out of step";
    }
    return {};
  }

 private:
  struct Node {
    Key key = 0;
    uint64_t last_access = 0;
    uint32_t pos = 0;  // in dense_ (the free list's link while free)
    bool live = false;
  };
  int samples_;
  eviction::LookaheadEngine<boost::random::mt19937_64> rng_;
  uint64_t clock_ = 0;
  eviction::NodePool<Node> pool_;
  eviction::DenseHandles dense_;
  eviction::EvictionPool candidates_;
};

std::unique_ptr<AllKeysLru> MakeAllKeysLru(const Params& p) {
  return std::make_unique<AllKeysLru>(static_cast<int>(p.GetInt("samples")),
                                      static_cast<uint64_t>(p.GetInt("seed")));
}

}  // namespace

PolicyInfo modules::AllKeysLruModule() {
  PolicyInfo info;
  info.role = Role::kEviction;
  info.name = "allkeys-lru";
  info.summary = "Redis' approximated LRU: sampled keys + 16-entry eviction pool";
  info.redis_policy = "allkeys-lru";
  info.params = {
      {"samples", ParamType::kInt, int64_t{5}, "keys sampled per eviction (maxmemory-samples)",
       ParamBound::kPositive},
      {"seed", ParamType::kInt, int64_t{1}, "seed of the sampling generator",
       ParamBound::kNonNegative},
  };
  info.make_eviction = [](const Params& p) { return MakeAllKeysLru(p); };
  info.make_replayer = [](const Params& p, const ReplayConfig& c) {
    return MakeReplayer(MakeAllKeysLru(p), c);
  };
  return info;
}

}  // namespace cachelab
