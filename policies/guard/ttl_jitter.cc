// Stampede guard by TTL jitter: every fill gets a TTL shortened by a random
// fraction of itself, so entries that were filled together (a cold start, a
// flush, a deploy) do not all expire together one TTL later. Without jitter a
// cold cache turns into a synchronized expiry wave at t = TTL, and again at
// every multiple of it: the database sees the whole hot set's loads at once.
// With a spread s, the reloads of entries filled at one moment are spread
// uniformly over [TTL x (1 - s), TTL] after it, so the peak load of the wave
// falls by about the ratio of that window to the load burst's length.
//
//   read(k):
//     if v := cache.get(k): return v
//     v = db.read(k)
//     cache.set(k, v, ttl = fill_ttl(v) x (1 - spread x U))   # U uniform in [0, 1)
//     return v
//
// The TTL is only ever shortened, never lengthened: jitter cannot make an
// entry staler than the configured TTL allows, and a TTL of 0 (never
// expires) stays 0. Misses that overlap a load are not coalesced (combine
// with the article's other guards where single keys are hot; this one is for
// many keys expiring together). A cache error follows the degradation rule.
// Randomness comes from the policy-private stream "guard.ttl-jitter", so
// variants compared on the same traffic draw the same jitters.
//
// Source: the article's "Cache Stampede" section (synchronized expiry of
// entries cached at the same time; add a random jitter to the TTL).
#include "policies/modules.h"
#include "sim/core/random.h"

namespace cachelab {
namespace {

class TtlJitter final : public Guard {
 public:
  explicit TtlJitter(double spread) : spread_(spread) {}

  void Start(Ctx& c) override { rng_ = c.Stream("guard.ttl-jitter"); }

  Task<ReadOutcome> Read(Ctx c, Key k) override {
    const CacheGetResult cached = co_await c.cache.Get(k);
    if (cached.hit()) co_return ReadOutcome{cached.value, CacheOutcome::kHit, false};
    if (cached.status == CacheStatus::kError) co_return co_await c.LoadAndFill(k, cached.status);
    const DbResult row = co_await c.db.Read(k);
    if (!row.ok) co_return ReadOutcome{{}, CacheOutcome::kMiss, true};
    if (c.Fillable(row.value)) {
      co_await c.cache.Set(k, row.value, Jittered(c.FillTtl(k, row.value)),
                           c.fill_rule().caller_waits_for_fill);
    }
    co_return ReadOutcome{row.value, CacheOutcome::kMiss, false};
  }

 private:
  // `ttl` x (1 - spread x U), at least 1 ns so a finite TTL stays finite.
  Duration Jittered(Duration ttl) {
    if (ttl <= Duration() || ttl == Duration::Max()) return ttl;
    const double factor = 1.0 - spread_ * Uniform01(rng_);
    const auto nanos = static_cast<int64_t>(static_cast<double>(ttl.nanos()) * factor);
    return Duration::Nanos(std::max<int64_t>(nanos, 1));
  }

  double spread_;
  RandomEngine rng_;
};

}  // namespace

PolicyInfo modules::TtlJitterModule() {
  PolicyInfo info;
  info.role = Role::kGuard;
  info.name = "ttl-jitter";
  info.summary = "fills get TTL x (1 - spread x U): entries filled together expire spread out";
  info.params = {{"spread", ParamType::kDouble, 0.1,
                  "largest fraction of the TTL a fill loses; 0 = no jitter",
                  ParamBound::kProbability}};
  info.make_guard = [](const Params& p) {
    return std::make_unique<TtlJitter>(p.GetDouble("spread"));
  };
  return info;
}

}  // namespace cachelab
