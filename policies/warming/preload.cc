// The preloader every warmer uses (contract in the header):
//
//   on start, and after every flush or restart of a node (that node's keys):
//     sleep until the node (at start: every node) is up again
//     for k in keys, `rate` per second (a newer pass for k's node stops an
//     older pass's loads of its keys):
//       spawn { v = db.read(k); cache.set(k, v, ttl); count it if stored }
#include "policies/warming/preload.h"

#include <algorithm>
#include <optional>

namespace cachelab {
namespace {

class Preloader final : public Warmer {
 public:
  explicit Preloader(PreloadOptions o) : o_(std::move(o)) {}

  // The warmer is not an application instance: it runs in the background
  // context (instance 0's client and circuit breaker, request id 0 in traces).
  void Start(Ctx& c) override {
    bg_.emplace(c.Background());
    generation_.assign(c.cache.Nodes(), 0);
    if (o_.at_start) c.Spawn(Pass(FaultWindowConfig::kAllNodes));
    if (o_.after_flush) {
      c.cache.OnFlush([this](uint32_t node) {
        // A new pass supersedes one still running: the flush emptied what it loaded.
        ++generation_[node];
        bg_->Spawn(Pass(node));
      });
    }
  }

 private:
  // Warms the keys on `node` (kAllNodes: every key).
  Task<void> Pass(uint32_t node) {
    const Ctx& c = *bg_;
    const std::vector<uint64_t> started = generation_;
    // After a restart the node is down for a while: loading into it would only fail.
    const Time up = c.cache.UpAgainAt(c.now(), node);
    if (up > c.now()) co_await c.Sleep(up - c.now());
    const Duration gap = Duration::FromSecondsF(1.0 / o_.rate);
    const bool one_node = c.cache.Nodes() == 1;
    for (size_t i = 0; i < o_.keys.size(); ++i) {
      if (c.stopped() || Superseded(started, node)) co_return;
      const Key k = o_.keys[i];
      if (!one_node) {
        const uint32_t at = c.cache.NodeOf(k);
        if ((node != FaultWindowConfig::kAllNodes && at != node) ||
            generation_[at] != started[at]) {
          continue;
        }
      }
      // Each key is its own process so a slow load does not hold back the rate.
      c.Spawn(WarmOne(k));
      if (i + 1 < o_.keys.size()) co_await c.Sleep(gap);
    }
  }

  // Every node the pass warms has had a newer pass.
  bool Superseded(const std::vector<uint64_t>& started, uint32_t node) const {
    if (node != FaultWindowConfig::kAllNodes) return generation_[node] != started[node];
    for (size_t n = 0; n < started.size(); ++n) {
      if (generation_[n] == started[n]) return false;
    }
    return true;
  }

  Task<void> WarmOne(Key k) {
    const Ctx& c = *bg_;
    const DbResult row = co_await c.db.Read(k);
    if (!row.ok || c.stopped() || !c.Fillable(row.value)) co_return;
    const CacheWriteStatus s = co_await c.cache.Set(k, row.value, c.FillTtl(k, row.value));
    if (s == CacheWriteStatus::kOk) ++c.stats().warmed_keys;
  }

  PreloadOptions o_;
  std::optional<Ctx> bg_;             // the background context all passes share
  std::vector<uint64_t> generation_;  // per node: passes started after its flushes
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
