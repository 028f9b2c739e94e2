// Redis' approximated LFU (maxmemory-policy allkeys-lfu). Each key has an
// 8-bit logarithmic (Morris) counter: a new key starts at 5 (LFU_INIT_VAL);
// a hit increments it with probability 1 / ((counter - 5) * log_factor + 1),
// so with Redis' default factor it saturates (255) after about a million
// hits. To evict, `samples` random keys are offered to a 16-entry eviction
// pool scored 255 - counter, and the pooled key with the lowest counter that
// is still resident goes. Redis also halves counters with idle time
// (lfu-decay-time, in minutes of wall clock); replay has no wall clock, so
// there is no decay here.
// Deterministic: sampling and increments use Boost.Random mt19937_64 seeded
// with `seed`.
//
// In pseudo-code (the pool: sampling.h's EvictionPool, its scores fixed when offered):
//   on insert(x): count(x) = 5
//   on hit(x):    if count(x) < 255: count(x) += 1 with probability
//                   1 / ((count(x) - 5) * log_factor + 1)
//   victim:       repeat `samples` times: offer (255 - count(y), y) to the pool, y a
//                   uniformly drawn resident (the pool's rules as in allkeys_lru.cc)
//                 pop pooled entries, lowest counter first, until one is still resident
//   on erase(x):  drop x from the residents (a pool entry of x is skipped when popped)
//
// Source: Redis src/evict.c (LFULogIncr, evictionPoolPopulate) and
// https://redis.io/docs/latest/develop/reference/eviction/ ("The new LFU mode").
#include <boost/random/mersenne_twister.hpp>
#include <boost/random/uniform_01.hpp>
#include <boost/random/uniform_int_distribution.hpp>

#include "policies/eviction/sampling.h"
#include "policies/modules.h"

namespace cachelab {
namespace {

using eviction::Handle;
using eviction::kNil;

constexpr uint8_t kInitialCount = 5;  // Redis' LFU_INIT_VAL

class AllKeysLfu final : public EvictionPolicy {
 public:
  AllKeysLfu(int samples, double log_factor, uint64_t seed)
      : samples_(samples), log_factor_(log_factor), rng_(seed) {}

  Handle Insert(Key key, uint64_t) override {
    const Handle h = pool_.Allocate();
    pool_[h].key = key;
    pool_[h].live = true;
    pool_[h].count = kInitialCount;
    dense_.Add(h, &pool_[h].pos);
    return h;
  }
  void Touch(Handle h) override {
    uint8_t& c = pool_[h].count;
    if (c == 255) return;
    const double base = c > kInitialCount ? c - kInitialCount : 0;
    if (boost::random::uniform_01<double>()(rng_) < 1.0 / (base * log_factor_ + 1)) ++c;
  }
  Key Victim() override {
    const Handle v = candidates_.SampleAndPop(
        dense_, samples_, rng_, pool_, [this](Handle h) { return uint64_t{255} - pool_[h].count; });
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
    Handle prev = kNil, next = kNil;  // free list only
    uint32_t pos = 0;
    uint8_t count = kInitialCount;
    bool live = false;
  };
  int samples_;
  double log_factor_;
  boost::random::mt19937_64 rng_;
  eviction::NodePool<Node> pool_;
  eviction::DenseHandles dense_;
  eviction::EvictionPool candidates_;
};

std::unique_ptr<AllKeysLfu> MakeAllKeysLfu(const Params& p) {
  return std::make_unique<AllKeysLfu>(static_cast<int>(p.GetInt("samples")),
                                      p.GetDouble("log_factor"),
                                      static_cast<uint64_t>(p.GetInt("seed")));
}

}  // namespace

PolicyInfo modules::AllKeysLfuModule() {
  PolicyInfo info;
  info.role = Role::kEviction;
  info.name = "allkeys-lfu";
  info.summary = "Redis' approximated LFU: logarithmic 8-bit counters, sampled eviction pool";
  info.redis_policy = "allkeys-lfu";
  info.params = {
      {"samples", ParamType::kInt, int64_t{5}, "keys sampled per eviction (maxmemory-samples)",
       ParamBound::kPositive},
      {"log_factor", ParamType::kDouble, 10.0,
       "lfu-log-factor: higher makes the counter grow more slowly", ParamBound::kNonNegative},
      {"seed", ParamType::kInt, int64_t{1}, "seed of the sampling generator",
       ParamBound::kNonNegative},
  };
  info.make_eviction = [](const Params& p) { return MakeAllKeysLfu(p); };
  info.make_replayer = [](const Params& p, const ReplayConfig& c) {
    return MakeReplayer(MakeAllKeysLfu(p), c);
  };
  return info;
}

}  // namespace cachelab
