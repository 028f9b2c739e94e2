#include "policies/warming/preload.h"

#include <optional>

#include "sim/model/cache_server.h"

namespace cachelab {
namespace {

// When the cache server is next up at or after `t`: the end of every down or
// restart window holding at `t`, chained (windows may overlap or abut).
Time UpAgainAt(const CacheConfig& cache, Time t) {
  for (bool moved = true; moved;) {
    moved = false;
    for (const FaultWindowConfig& f : cache.faults) {
      const bool down =
          f.kind == FaultWindowConfig::Kind::kDown || f.kind == FaultWindowConfig::Kind::kRestart;
      const Time start = Time::Zero() + f.start, end = start + f.duration;
      if (down && t >= start && t < end) {
        t = end;
        moved = true;
      }
    }
  }
  return t;
}

class Preloader final : public Warmer {
 public:
  explicit Preloader(PreloadOptions o) : o_(std::move(o)) {}

  void Start(Services& svc, CacheOps& ops) override {
    // The warmer is not an application instance; it borrows instance 0's
    // client (and circuit breaker) and uses request id 0 ("no request") in traces.
    env_.emplace(Env{svc.sim, svc.cache, svc.db, svc.waits, 0, &svc});
    if (o_.at_start) Spawn(svc.sim, Pass(svc, ops, ++generation_));
    if (o_.after_flush) {
      svc.cache.AddFlushListener([this, &svc, &ops] {
        // A new pass supersedes one still running: the flush emptied what it loaded.
        Spawn(svc.sim, Pass(svc, ops, ++generation_));
      });
    }
  }

 private:
  Task<void> Pass(Services& svc, CacheOps& ops, uint64_t generation) {
    // After a restart the server is down for a while: loading into it would only fail.
    const Time up = UpAgainAt(svc.config.cache, svc.sim.now());
    if (up > svc.sim.now()) co_await Sleep(svc.sim, up - svc.sim.now());
    const Duration gap = Duration::FromSecondsF(1.0 / o_.rate);
    for (size_t i = 0; i < o_.keys.size(); ++i) {
      if (svc.stopped || generation != generation_) co_return;
      // Each key is its own process so a slow load does not hold back the rate.
      Spawn(svc.sim, WarmOne(svc, ops, o_.keys[i]));
      if (i + 1 < o_.keys.size()) co_await Sleep(svc.sim, gap);
    }
  }

  Task<void> WarmOne(Services& svc, CacheOps& ops, Key k) {
    Env& env = *env_;
    const DbResult row = co_await ops.Load(env, k, 0);
    if (!row.ok || svc.stopped || !ops.Fillable(row.value)) co_return;
    const CacheWriteStatus s = co_await ops.Set(env, k, row.value, ops.FillTtl(row.value), 0);
    if (s == CacheWriteStatus::kOk) ++svc.stats.warmed_keys;
  }

  PreloadOptions o_;
  std::optional<Env> env_;
  uint64_t generation_ = 0;
};

}  // namespace

std::vector<ParamSpec> PreloadParams() {
  return {
      {"rate", ParamType::kDouble, 1000.0,
       "keys whose load starts per second (loads compete with requests for DB connections)",
       ParamBound::kPositive},
      {"at_start", ParamType::kBool, true, "warm when the run starts"},
      {"after_flush", ParamType::kBool, true,
       "warm again after every flush or restart fault (after a restart, once the server is up)"},
  };
}

void PreloadOptionsFromParams(const Params& p, PreloadOptions* out) {
  out->rate = p.GetDouble("rate");
  out->at_start = p.GetBool("at_start");
  out->after_flush = p.GetBool("after_flush");
}

std::unique_ptr<Warmer> MakePreloader(PreloadOptions options) {
  return std::make_unique<Preloader>(std::move(options));
}

}  // namespace cachelab
