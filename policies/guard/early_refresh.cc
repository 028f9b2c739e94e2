// Probabilistic early refresh with a fixed probability: a hit whose entry has
// less than `window` of its TTL left starts, with probability `probability`,
// an asynchronous reload (load the row, fill the cache) and answers at once
// with the cached value. A hot key is thus reloaded shortly after it enters
// the window, long before it expires, and its readers never miss; a cold key
// (fewer than about 1/probability reads per window) still expires and misses.
//
// Unlike XFetch the probability does not grow as expiry nears nor with the
// cost of a load, and nothing stops several hits from starting refreshes of
// the same key: the article's rule launches one per lucky hit. For a key read
// at rate lambda whose load takes delta, the first refresh is followed by
// about lambda * probability * delta more before its fill lands, all of them
// concurrent loads of the key (they show as stampede.duplicate_loads). That
// is the default, to stay faithful to the article and make the cost visible;
// `skip_if_refreshing` = true starts no refresh of a key while this instance
// already has one in flight (per instance: instances do not coordinate), which
// is what a careful refresh_async would do.
//
// Parameters: window (duration >= 0, default 5m, the article's "last 5 min"),
// probability ([0,1], default 0.1, the article's 10%), skip_if_refreshing
// (default false). Every refresh started counts in guard.early_refreshes.
// Randomness comes from the policy-private stream "guard.early-refresh".
//
// Source: the article's "Solving Cache Stampede", "Solution 2: Probabilistic
// Early Refresh".
#include <boost/unordered/unordered_flat_set.hpp>
#include <vector>

#include "policies/modules.h"
#include "sim/core/random.h"

namespace cachelab {
namespace {

class EarlyRefresh final : public Guard {
 public:
  explicit EarlyRefresh(const Params& p)
      : window_(p.GetDuration("window")),
        probability_(p.GetDouble("probability")),
        skip_if_refreshing_(p.GetBool("skip_if_refreshing")) {}

  void Start(Services& svc, CacheOps& ops) override {
    rng_ = MakeStream(svc.config.seed, "guard.early-refresh");
    refreshing_.resize(ops.instances());
  }

  Task<ReadOutcome> Read(Env& env, Key key, uint64_t request, CacheOps& ops) override {
    const CacheGetResult cached = co_await ops.Get(env, key, request);
    if (!cached.hit()) co_return co_await ops.LoadAndFill(env, key, cached.status, request);
    if (cached.remaining_ttl < window_ && Uniform01(rng_) < probability_) {
      auto& in_flight = refreshing_[env.instance];
      if (!skip_if_refreshing_ || !in_flight.contains(key)) {
        ++env.svc->stats.early_refreshes;
        if (env.Tracing(key)) env.Note(key, request, "app", "early refresh started (async)");
        in_flight.insert(key);
        Spawn(env.sim, Refresh(env, key, request, ops));
      }
    }
    co_return ReadOutcome{cached.value, CacheOutcome::kHit, false};
  }

 private:
  Task<void> Refresh(Env& env, Key key, uint64_t request, CacheOps& ops) {
    const DbResult row = co_await ops.Load(env, key, request);
    if (row.ok) co_await ops.Fill(env, key, row.value, request);
    // Erased after the fill lands, so a hit in between starts no second refresh.
    refreshing_[env.instance].erase(key);
  }

  Duration window_;
  double probability_;
  bool skip_if_refreshing_;
  RandomEngine rng_;
  // Keys with a refresh in flight, per instance (only consulted with skip_if_refreshing).
  std::vector<boost::unordered_flat_set<Key>> refreshing_;
};

}  // namespace

PolicyInfo modules::EarlyRefreshModule() {
  PolicyInfo info;
  info.role = Role::kGuard;
  info.name = "early-refresh";
  info.summary =
      "a hit within `window` of expiry refreshes asynchronously with a fixed probability "
      "(article, Solution 2)";
  info.params = {
      {"window", ParamType::kDuration, Duration::Seconds(300),
       "hits with less than this TTL left may refresh", ParamBound::kNonNegative},
      {"probability", ParamType::kDouble, 0.1,
       "chance that such a hit starts an asynchronous refresh", ParamBound::kProbability},
      {"skip_if_refreshing", ParamType::kBool, false,
       "start no refresh of a key this instance is already refreshing (the article's rule does not "
       "check)"}};
  info.make_guard = [](const Params& p) { return std::make_unique<EarlyRefresh>(p); };
  return info;
}

}  // namespace cachelab
