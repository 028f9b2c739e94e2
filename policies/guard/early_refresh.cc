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
//   read(k):
//     v, ttl_left := cache.get(k)
//     if not v: v = db.read(k); cache.set(k, v, ttl); return v
//     if ttl_left < window and rand() < probability:
//       spawn { cache.set(k, db.read(k), ttl) }       // refresh_async
//     return v
//
// Parameters: window (duration >= 0; the default is the article's window),
// probability ([0,1]; the default is the article's probability),
// skip_if_refreshing (off by default, as in the article's rule). Every refresh
// started counts in guard.early_refreshes. Randomness comes from the
// policy-private stream "guard.early-refresh".
//
// Source: the article's "Solving Cache Stampede", "Solution 2: Probabilistic
// Early Refresh".
#include <boost/unordered/unordered_flat_set.hpp>
#include <vector>

#include "policies/modules.h"

namespace cachelab {
namespace {

class EarlyRefresh final : public Guard {
 public:
  explicit EarlyRefresh(const Params& p)
      : window_(p.GetDuration("window")),
        probability_(p.GetDouble("probability")),
        skip_if_refreshing_(p.GetBool("skip_if_refreshing")) {}

  void Start(Ctx& c) override {
    rng_ = c.Stream("guard.early-refresh");
    refreshing_.resize(c.instances());
  }

  Task<ReadOutcome> Read(Ctx c, Key k) override {
    const CacheGetResult cached = co_await c.cache.Get(k);
    if (!cached.hit()) co_return co_await c.LoadAndFill(k, cached.status);
    if (cached.remaining_ttl < window_ && Uniform01(rng_) < probability_) {
      auto& in_flight = refreshing_[c.instance()];
      if (!skip_if_refreshing_ || !in_flight.contains(k)) {
        ++c.stats().early_refreshes;
        if (c.Tracing(k)) c.Note(k, "app", "early refresh started (async)");
        in_flight.insert(k);
        c.Spawn(Refresh(c, k));
      }
    }
    co_return ReadOutcome{cached.value, CacheOutcome::kHit, false};
  }

 private:
  // Outlives the request: takes its own copy of the context.
  Task<void> Refresh(Ctx c, Key k) {
    const DbResult row = co_await c.db.Read(k);
    if (row.ok) co_await c.cache.Fill(k, row.value);
    // Erased after the fill lands, so a hit in between starts no second refresh.
    refreshing_[c.instance()].erase(k);
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
