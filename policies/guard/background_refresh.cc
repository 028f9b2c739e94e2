// Background refresh of hot keys: a refresher process reloads the `top_n`
// most popular keys from the database on a schedule and sets them in the
// cache with the fill TTL, so that (as long as `interval` is shorter than the
// TTL) a hot key is replaced before it expires and its readers never miss.
// Reads themselves are plain get / miss / load / fill, as with guard `none`:
// cold keys are unprotected, and so is a hot key whose entry was deleted by a
// write until the next pass.
//
// The hottest keys are workload keys 0 .. top_n-1 (rank 0 is key 0 under
// Zipf popularity); a real system would have to find them (the article's
// get_frequently_accessed_users), which this module takes as given. A pass
// starts at time 0 (warming the hot keys) and then every `interval` after the
// previous pass started; a pass that overruns the interval is followed at
// once by the next. The refresher loads one key at a time and starts at most
// `rate` loads per second, so it never puts more than one query on the
// database and costs about top_n / interval reads per second. A failed load
// (DB timeout) leaves the entry as it was. The process ends once the run's
// last request has finished (Services::stopped).
//
// Parameters: interval (> 0, default 1m), top_n (> 0, default 100), rate
// (loads per second, > 0, default 100). Every load counts in
// guard.background_refreshes.
//
// Source: the article's "Solving Cache Stampede", "Solution 3: Background
// Refresh" (a scheduled task reloading the hot keys).
#include <algorithm>
#include <optional>

#include "policies/modules.h"

namespace cachelab {
namespace {

class BackgroundRefresh final : public Guard {
 public:
  explicit BackgroundRefresh(const Params& p)
      : interval_(p.GetDuration("interval")),
        top_n_(static_cast<uint64_t>(p.GetInt("top_n"))),
        spacing_(Duration::FromSecondsF(1.0 / p.GetDouble("rate"))) {}

  void Start(Services& svc, CacheOps& ops) override {
    // The refresher is no request; it speaks for instance 0 (whose circuit
    // breaker, if any, it shares).
    env_.emplace(Env{svc.sim, svc.cache, svc.db, svc.waits, 0, &svc});
    Spawn(svc.sim, Loop(svc, ops));
  }

  Task<ReadOutcome> Read(Env& env, Key key, uint64_t request, CacheOps& ops) override {
    const CacheGetResult cached = co_await ops.Get(env, key, request);
    if (cached.hit()) co_return ReadOutcome{cached.value, CacheOutcome::kHit, false};
    co_return co_await ops.LoadAndFill(env, key, cached.status, request);
  }

 private:
  Task<void> Loop(Services& svc, CacheOps& ops) {
    Env& env = *env_;
    const uint64_t keys = std::min<uint64_t>(top_n_, svc.config.workload.keys);
    Time next_load = svc.sim.now();
    while (!svc.stopped) {
      const Time pass_start = svc.sim.now();
      for (Key k = 0; k < keys && !svc.stopped; ++k) {
        if (svc.sim.now() < next_load) {
          co_await Sleep(svc.sim, next_load - svc.sim.now());
          if (svc.stopped) co_return;
        }
        next_load = svc.sim.now() + spacing_;
        ++svc.stats.background_refreshes;
        if (env.Tracing(k)) env.Note(k, 0, "worker", "background refresh");
        const DbResult row = co_await ops.Load(env, k, 0);
        if (row.ok && ops.Fillable(row.value)) {
          co_await ops.Set(env, k, row.value, ops.FillTtl(row.value), 0);
        }
      }
      const Time next_pass = pass_start + interval_;
      if (svc.sim.now() < next_pass) co_await Sleep(svc.sim, next_pass - svc.sim.now());
    }
  }

  Duration interval_;
  uint64_t top_n_;
  Duration spacing_;  // between the starts of two loads: 1 / rate
  std::optional<Env> env_;
};

}  // namespace

PolicyInfo modules::BackgroundRefreshModule() {
  PolicyInfo info;
  info.role = Role::kGuard;
  info.name = "background-refresh";
  info.summary =
      "a background process reloads the top_n hottest keys every interval (article, Solution 3)";
  info.params = {{"interval", ParamType::kDuration, Duration::Seconds(60),
                  "time between the starts of two refresh passes; keep it below the fill TTL",
                  ParamBound::kPositive},
                 {"top_n", ParamType::kInt, int64_t{100},
                  "how many of the hottest keys (0 .. top_n-1) to refresh", ParamBound::kPositive},
                 {"rate", ParamType::kDouble, 100.0,
                  "most loads the refresher starts per second (it runs one at a time)",
                  ParamBound::kPositive}};
  info.make_guard = [](const Params& p) { return std::make_unique<BackgroundRefresh>(p); };
  return info;
}

}  // namespace cachelab
