// XFetch, probabilistic early recomputation: every hit may decide to reload
// the row before its entry expires, with a probability that rises as expiry
// nears and with the cost of a reload. A hit with remaining TTL r on a value
// whose load took delta recomputes when
//
//     -delta * beta * ln(U) >= r,   U uniform in (0, 1],
//
// i.e. with probability exp(-r / (beta * delta)). For a key read at Poisson
// rate lambda the lead time of the first refresh before expiry is then
// Gumbel-distributed: P(lead <= tau) = exp(-lambda * beta * delta *
// (exp(-tau / (beta * delta)) - exp(-ttl / (beta * delta)))), so one request
// usually reloads about beta * delta * ln(lambda * beta * delta) before
// expiry while the others keep hitting, and the expiry-time stampede becomes
// rare. The paper proves this rule optimal among memoryless ones.
//
// As in the paper, the request that decides to recompute loads the row
// itself (synchronously), fills the cache and answers with the fresh value.
// It counts as an early refresh and, since a cached value was there, as a
// cache hit: the hit ratio reflects entries found, the extra DB load shows in
// db.reads and guard.early_refreshes. If that load fails (DB queue timeout)
// the request answers with the cached value, which has not expired.
// delta is Value::compute_us, the duration of the load that produced the
// cached copy (c.db.Read records it); a value without one (set by a
// write path, say) has delta 0 and is never refreshed early.
//
//   read(k):
//     v, ttl_left := cache.get(k)
//     if not v: v = db.read(k); cache.set(k, v, ttl); return v
//     if -v.load_time * beta * ln(rand()) >= ttl_left:    // recompute early
//       v = db.read(k); cache.set(k, v, ttl)
//     return v
//
// Parameters: beta (> 0): larger refreshes earlier (more extra loads, fewer
// stampedes); beta = 1 is the paper's recommended value.
// Randomness comes from the policy-private stream "guard.xfetch".
//
// Source: A. Vattani, F. Chierichetti, K. Lowenstein, "Optimal Probabilistic
// Cache Stampede Prevention", PVLDB 8(8), 2015.
#include <cmath>

#include "policies/modules.h"

namespace cachelab {
namespace {

class XFetch final : public Guard {
 public:
  explicit XFetch(const Params& p) : beta_(p.GetDouble("beta")) {}

  void Start(Ctx& c) override { rng_ = c.Stream("guard.xfetch"); }

  Task<ReadOutcome> Read(Ctx c, Key k) override {
    const CacheGetResult cached = co_await c.cache.Get(k);
    if (!cached.hit()) co_return co_await c.LoadAndFill(k, cached.status);
    if (!RecomputeNow(cached)) co_return ReadOutcome{cached.value, CacheOutcome::kHit, false};

    ++c.stats().early_refreshes;
    if (c.Tracing(k)) c.Note(k, "app", "xfetch: recompute early");
    const DbResult row = co_await c.db.Read(k);
    if (!row.ok) co_return ReadOutcome{cached.value, CacheOutcome::kHit, false};
    co_await c.cache.Fill(k, row.value);
    co_return ReadOutcome{row.value, CacheOutcome::kHit, false};
  }

 private:
  bool RecomputeNow(const CacheGetResult& cached) {
    if (cached.remaining_ttl == Duration::Max() || cached.value.compute_us == 0) return false;
    const double u = 1.0 - Uniform01(rng_);  // (0, 1]: ln(u) is finite
    const double delta_s = cached.value.compute_us * 1e-6;
    return -delta_s * beta_ * std::log(u) >= cached.remaining_ttl.seconds();
  }

  double beta_;
  RandomEngine rng_;
};

}  // namespace

PolicyInfo modules::XFetchModule() {
  PolicyInfo info;
  info.role = Role::kGuard;
  info.name = "xfetch";
  info.summary =
      "probabilistic early recomputation, P = exp(-ttl_left / (beta * load time)) "
      "(Vattani et al., VLDB 2015)";
  info.params = {{"beta", ParamType::kDouble, 1.0,
                  "eagerness: > 1 refreshes earlier, < 1 later; 1 is the paper's default",
                  ParamBound::kPositive}};
  info.make_guard = [](const Params& p) { return std::make_unique<XFetch>(p); };
  return info;
}

}  // namespace cachelab
