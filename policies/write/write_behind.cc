// Write-behind (write-back): a write stores the new version in the cache and
// appends it to a queue that lives in the cache server (a Redis list, pushed
// in the same pipelined round trip as the SET); the caller is acknowledged
// when the cache answers, so a write costs one cache round trip. A background
// worker persists the queue: every `flush_interval` (on a fixed cadence) it takes up to
// `batch_size` queued writes, commits them to the database (different keys
// concurrently, one key's writes in order) and waits for all of them before
// it sleeps again.
//
// Versions: a write installs version max(acknowledged, highest issued) + 1 of
// its key (acknowledged + 1 unless another write of the key is still in
// flight) and acknowledges it in the version ledger when the SET succeeds.
// The worker commits exactly the versions it took (the database's commit
// does not acknowledge again); with `coalesce`, several queued writes of one
// key in a batch become one commit of the latest version, as the article's
// worker that reads the current cached value does. Batches run one after the
// other, so each key's commits stay in version order.
//
// What can go wrong is measured:
//  - the queue lives in the cache, so a `flush` or `restart` fault drops every
//    queued write: acknowledged but never persisted (PolicyStats::lost_writes,
//    summary writes.lost). A write whose SET was issued before the flush but
//    answered after it lost its queue entry too and is counted the same way.
//  - while the cache is down a write cannot be acknowledged: the SET fails
//    after the cache timeout and so does the write (nothing is queued), and
//    the worker cannot read the queue, so it skips its turns.
//  - writes still queued when the run ends are reported as
//    writes.pending_at_end.
//  - reads that miss load the database, which lags the cache: a key evicted
//    or expired before its flush is read back at an older version (stale).
//
// Parameters: ttl (of the entry the write stores, capped by the invalidation
// role like any fill), flush_interval, batch_size, max_rate (keys per second
// whose commits the worker may start, one commit per key when coalescing;
// 0 = no limit), coalesce.
//
// Source: the article's "Write-Behind (Write-Back)" pattern (update the cache,
// queue the DB write, a background worker persists it; "data loss risk if
// cache dies before persist").
#include <algorithm>
#include <boost/unordered/unordered_flat_map.hpp>
#include <coroutine>
#include <deque>
#include <stdexcept>
#include <vector>

#include "policies/modules.h"
#include "sim/model/ledger.h"

namespace cachelab {
namespace {

// The worker waits for the commits of a batch: each finished commit counts
// down; the last one resumes the worker through the event queue.
class BatchJoin {
 public:
  BatchJoin(Simulator& sim, size_t pending) : sim_(sim), pending_(pending) {}
  void Done() {
    if (--pending_ == 0 && waiter_) sim_.ScheduleResume(sim_.now(), waiter_);
  }
  bool await_ready() const noexcept { return pending_ == 0; }
  void await_suspend(std::coroutine_handle<> h) { waiter_ = h; }
  void await_resume() const noexcept {}

 private:
  Simulator& sim_;
  size_t pending_;
  std::coroutine_handle<> waiter_;
};

class WriteBehind final : public WritePath {
 public:
  explicit WriteBehind(const Params& p)
      : ttl_(p.GetDuration("ttl")),
        flush_interval_(p.GetDuration("flush_interval")),
        batch_size_(static_cast<size_t>(p.GetInt("batch_size"))),
        max_rate_(p.GetDouble("max_rate")),
        coalesce_(p.GetBool("coalesce")) {}

  void Start(Services& svc, CacheOps& ops) override {
    if (svc.writable_ledger == nullptr) {
      throw std::logic_error("write-behind needs Services::writable_ledger");
    }
    svc_ = &svc;
    // FLUSHALL and a crash take the list with them.
    svc.cache.AddFlushListener([this] {
      svc_->stats.lost_writes += queue_.size();
      queue_.clear();
      ++flushes_;
    });
    Spawn(svc.sim, Worker(svc, ops));
  }

  Task<bool> Write(Env& env, Key key, uint32_t size, uint64_t request, CacheOps& ops) override {
    uint64_t& issued = issued_[key];
    issued = std::max(issued, env.svc->ledger.acked(key)) + 1;
    const uint64_t version = issued;
    const uint64_t flushes_before = flushes_;
    const Value v{version, ops.CachedSize(size), true};
    const CacheWriteStatus s = co_await ops.Set(env, key, v, ops.FillTtlFor(ttl_), request);
    // Rejected (too big to store): the pipelined push still queued it, but
    // the caller cannot read it back; treat it like an error all the same.
    if (s != CacheWriteStatus::kOk) co_return false;
    VersionLedger& ledger = *env.svc->writable_ledger;
    if (version > ledger.acked(key)) ledger.Acknowledge(key, version, env.sim.now());
    if (flushes_ != flushes_before) {
      // The list this write was pushed to is gone: acknowledged, never persisted.
      ++env.svc->stats.lost_writes;
    } else {
      queue_.push_back(Queued{key, version, size});
    }
    if (env.Tracing(key)) {
      env.Note(key, request, "queue", "write-behind queued v" + std::to_string(version));
    }
    co_return true;
  }

  void Finish(Services& svc) override { svc.stats.writes_pending_at_end += queue_.size(); }

 private:
  struct Queued {
    Key key;
    uint64_t version;
    uint32_t size;
  };

  Task<void> Worker(Services& svc, CacheOps& ops) {
    Env env{svc.sim, svc.cache, svc.db, svc.waits, 0, &svc};
    // The batch grouped by key, in order of first appearance; each group in queue order.
    std::vector<std::vector<Queued>> groups;
    boost::unordered_flat_map<Key, size_t> group_of;
    // Turns on a fixed cadence (interval, 2 * interval, ...); a batch that
    // overruns its turn is followed by the next one at once.
    Time next = svc.sim.now();
    while (true) {
      next = next + flush_interval_;
      if (next > svc.sim.now()) co_await Sleep(svc.sim, next - svc.sim.now());
      if (svc.stopped) co_return;
      if (queue_.empty() || svc.cache.IsDown(svc.sim.now())) continue;
      groups.clear();
      group_of.clear();
      for (size_t taken = 0; taken < batch_size_ && !queue_.empty(); ++taken) {
        const Queued q = queue_.front();
        queue_.pop_front();
        auto [it, fresh] = group_of.try_emplace(q.key, groups.size());
        if (fresh) groups.emplace_back();
        std::vector<Queued>& g = groups[it->second];
        if (coalesce_ && !g.empty()) {
          g.back() = q;  // a later version of a key already in the batch
        } else {
          g.push_back(q);
        }
      }
      BatchJoin join(svc.sim, groups.size());
      for (size_t i = 0; i < groups.size(); ++i) {
        if (i > 0 && max_rate_ > 0) co_await Sleep(svc.sim, Duration::FromSecondsF(1 / max_rate_));
        Spawn(svc.sim, Persist(env, groups[i], ops, join));
      }
      co_await join;
    }
  }

  // One key's writes, one commit after the other, so its row never goes
  // backwards. Different keys commit concurrently.
  Task<void> Persist(Env& env, const std::vector<Queued>& writes, CacheOps& ops, BatchJoin& join) {
    for (const Queued& q : writes) {
      co_await ops.Commit(env, q.key, q.size, 0, /*acknowledges=*/false, q.version);
    }
    join.Done();
  }

  Duration ttl_;
  Duration flush_interval_;
  size_t batch_size_;
  double max_rate_;
  bool coalesce_;
  Services* svc_ = nullptr;
  std::deque<Queued> queue_;  // the list in the cache server
  uint64_t flushes_ = 0;
  boost::unordered_flat_map<Key, uint64_t> issued_;  // highest version handed out per key
};

}  // namespace

PolicyInfo modules::WriteBehindModule() {
  PolicyInfo info;
  info.role = Role::kWrite;
  info.name = "write-behind";
  info.summary =
      "set the cache and queue the write in it; a worker commits queued writes to the DB in "
      "batches";
  info.params = {
      {"ttl", ParamType::kDuration, Duration::Seconds(3600),
       "time to live of the entry the write stores; 0 = never expires", ParamBound::kNonNegative},
      {"flush_interval", ParamType::kDuration, Duration::Seconds(1),
       "how often the worker takes a batch from the queue", ParamBound::kPositive},
      {"batch_size", ParamType::kInt, int64_t{1000}, "queued writes the worker takes per turn",
       ParamBound::kPositive},
      {"max_rate", ParamType::kDouble, 0.0,
       "keys per second whose commits the worker starts (one commit each when coalescing); 0 = no "
       "limit",
       ParamBound::kNonNegative},
      {"coalesce", ParamType::kBool, true,
       "queued writes of one key in a batch become one commit of the latest version"},
  };
  info.make_write = [](const Params& p) { return std::make_unique<WriteBehind>(p); };
  return info;
}

}  // namespace cachelab
