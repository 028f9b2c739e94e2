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
// last request has finished (Ctx::stopped).
//
//   start():
//     spawn loop until the run ends:
//       for k in hottest top_n keys (at most `rate` loads per second):
//         v = db.read(k); cache.set(k, v, ttl)
//       sleep until `interval` after the pass started
//   read(k):
//     if v := cache.get(k): return v
//     v = db.read(k); cache.set(k, v, ttl); return v
//
// Parameters: interval (> 0), top_n (> 0), rate (loads per second, > 0).
// Every load counts in guard.background_refreshes.
//
// Source: the article's "Solving Cache Stampede", "Solution 3: Background
// Refresh" (a scheduled task reloading the hot keys).
#include <algorithm>

#include "policies/modules.h"

namespace cachelab {
namespace {

class BackgroundRefresh final : public Guard {
 public:
  explicit BackgroundRefresh(const Params& p)
      : interval_(p.GetDuration("interval")),
        top_n_(static_cast<uint64_t>(p.GetInt("top_n"))),
        spacing_(Duration::FromSecondsF(1.0 / p.GetDouble("rate"))) {}

  // The refresher is no request: it runs in the background context (instance
  // 0's client, whose circuit breaker, if any, it shares).
  void Start(Ctx& c) override { c.Spawn(Loop(c.Background())); }

  Task<ReadOutcome> Read(Ctx c, Key k) override {
    const CacheGetResult cached = co_await c.cache.Get(k);
    if (cached.hit()) co_return ReadOutcome{cached.value, CacheOutcome::kHit, false};
    co_return co_await c.LoadAndFill(k, cached.status);
  }

 private:
  Task<void> Loop(Ctx c) {
    const uint64_t keys = std::min<uint64_t>(top_n_, c.keys());
    Time next_load = c.now();
    while (!c.stopped()) {
      const Time pass_start = c.now();
      for (Key k = 0; k < keys && !c.stopped(); ++k) {
        if (c.now() < next_load) {
          co_await c.Sleep(next_load - c.now());
          if (c.stopped()) co_return;
        }
        next_load = c.now() + spacing_;
        ++c.stats().background_refreshes;
        if (c.Tracing(k)) c.Note(k, "worker", "background refresh");
        const DbResult row = co_await c.db.Read(k);
        if (row.ok && c.Fillable(row.value)) {
          co_await c.cache.Set(k, row.value, c.FillTtl(k, row.value));
        }
      }
      const Time next_pass = pass_start + interval_;
      if (c.now() < next_pass) co_await c.Sleep(next_pass - c.now());
    }
  }

  Duration interval_;
  uint64_t top_n_;
  Duration spacing_;  // between the starts of two loads: 1 / rate
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
