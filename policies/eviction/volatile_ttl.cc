// Redis' volatile-ttl: evict, among keys that have an expiry, the one that
// would expire soonest, approximated by sampling: `samples` random keys with
// an expiry are offered to a 16-entry eviction pool scored by how soon they
// expire, and the pooled key expiring first that is still resident goes.
// Redis refuses the write when no key has an expiry; a simulated cache must
// evict something, so then a uniformly random resident key goes (in trace
// replay, which has no TTLs, volatile-ttl is therefore random eviction).
// Deterministic: sampling uses Boost.Random mt19937_64 seeded with `seed`.
//
// In pseudo-code (the pool: sampling.h's EvictionPool, its scores fixed when offered):
//   on insert(x):     add x to the residents
//   on expiry(x, t):  expires(x) = t; add x to the volatile residents (the first expiry counts)
//   on hit(x):        nothing
//   victim:           if no resident has an expiry: a uniformly drawn resident
//                     else: repeat `samples` times: offer (max - expires(y), y) to the pool,
//                       y a uniformly drawn volatile resident (pool rules as in allkeys_lru.cc)
//                     pop pooled entries, soonest expiry first, until one is still resident
//   on erase(x):      drop x from both sets (a pool entry of x is skipped when popped)
//
// Source: Redis src/evict.c (evictionPoolPopulate with
// MAXMEMORY_VOLATILE_TTL: idle = ULLONG_MAX - expire time) and
// https://redis.io/docs/latest/develop/reference/eviction/.
#include <boost/random/mersenne_twister.hpp>
#include <boost/random/uniform_int_distribution.hpp>
#include <limits>

#include "policies/eviction/sampling.h"
#include "policies/modules.h"

namespace cachelab {
namespace {

using eviction::Handle;
using eviction::kNil;

class VolatileTtl final : public EvictionPolicy {
 public:
  VolatileTtl(int samples, uint64_t seed) : samples_(samples), rng_(seed) {}

  Handle Insert(Key key, uint64_t) override {
    const Handle h = pool_.Allocate();
    pool_[h].key = key;
    pool_[h].live = true;
    pool_[h].volatile_key = false;
    all_.Add(h, &pool_[h].pos);
    return h;
  }
  void SetExpiry(Handle h, Time expires) override {
    if (pool_[h].volatile_key) return;
    pool_[h].volatile_key = true;
    pool_[h].expires = expires.nanos();
    volatile_.Add(h, &pool_[h].volatile_pos);
  }
  void Touch(Handle) override {}
  Key Victim() override {
    if (volatile_.empty()) {
      boost::random::uniform_int_distribution<size_t> pick(0, all_.size() - 1);
      return pool_[all_.at(pick(rng_))].key;
    }
    const Handle v = candidates_.SampleAndPop(volatile_, samples_, rng_, pool_, [this](Handle h) {
      return std::numeric_limits<uint64_t>::max() - static_cast<uint64_t>(pool_[h].expires);
    });
    return pool_[v].key;
  }
  void Erase(Handle h) override {
    all_.Remove(pool_[h].pos, [this](Handle o) { return &pool_[o].pos; });
    if (pool_[h].volatile_key) {
      volatile_.Remove(pool_[h].volatile_pos, [this](Handle o) { return &pool_[o].volatile_pos; });
    }
    pool_[h].live = false;
    pool_.Release(h);
  }
  // For the timed store, which draws requests ahead (eviction.h).
  void PrefetchNode(Handle h) const override { __builtin_prefetch(&pool_[h]); }
  uint64_t size() const override { return all_.size(); }
  std::string CheckInvariants() const override {
    for (size_t i = 0; i < all_.size(); ++i) {
      if (pool_[all_.at(i)].pos != i || !pool_[all_.at(i)].live) return "key index out of step";
    }
    for (size_t i = 0; i < volatile_.size(); ++i) {
      const auto& n = pool_[volatile_.at(i)];
      if (n.volatile_pos != i || !n.volatile_key || !n.live) return "expiry index out of step";
    }
    return {};
  }

 private:
  struct Node {
    Key key = 0;
    Handle prev = kNil, next = kNil;  // free list only
    int64_t expires = 0;
    uint32_t pos = 0;
    uint32_t volatile_pos = 0;
    bool volatile_key = false;
    bool live = false;
  };
  int samples_;
  boost::random::mt19937_64 rng_;
  eviction::NodePool<Node> pool_;
  eviction::DenseHandles all_, volatile_;
  eviction::EvictionPool candidates_;
};

std::unique_ptr<VolatileTtl> MakeVolatileTtl(const Params& p) {
  return std::make_unique<VolatileTtl>(static_cast<int>(p.GetInt("samples")),
                                       static_cast<uint64_t>(p.GetInt("seed")));
}

}  // namespace

PolicyInfo modules::VolatileTtlModule() {
  PolicyInfo info;
  info.role = Role::kEviction;
  info.name = "volatile-ttl";
  info.summary = "Redis' volatile-ttl: evict the sampled key with the nearest expiry";
  info.redis_policy = "volatile-ttl";
  info.params = {
      {"samples", ParamType::kInt, int64_t{5}, "keys sampled per eviction (maxmemory-samples)",
       ParamBound::kPositive},
      {"seed", ParamType::kInt, int64_t{1}, "seed of the sampling generator",
       ParamBound::kNonNegative},
  };
  info.make_eviction = [](const Params& p) { return MakeVolatileTtl(p); };
  info.make_replayer = [](const Params& p, const ReplayConfig& c) {
    return MakeReplayer(MakeVolatileTtl(p), c);
  };
  return info;
}

}  // namespace cachelab
