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
//    In a cluster the list is one key (keyspace::kWriteBehindQueue) on one
//    node: only that node's flush or restart drops it, and while that node is
//    down a write's push fails, and so does the write.
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
//   write(k, v):
//     cache.set(k, v, ttl); queue.push(k, v)   // one pipelined round trip
//     acknowledge
//   worker, every flush_interval:
//     batch = queue.take(batch_size)           // coalesced per key
//     for each key of batch (paced by max_rate): spawn { db.write(its versions, in order) }
//     wait for all of them
//
// Source: the article's "Write-Behind (Write-Back)" pattern (update the cache,
// queue the DB write, a background worker persists it; "data loss risk if
// cache dies before persist").
#include <algorithm>
#include <boost/unordered/unordered_flat_map.hpp>
#include <deque>
#include <stdexcept>
#include <vector>

#include "policies/modules.h"
#include "sim/core/when_all.h"

namespace cachelab {
namespace {

class WriteBehind final : public WritePath {
 public:
  explicit WriteBehind(const Params& p)
      : ttl_(p.GetDuration("ttl")),
        flush_interval_(p.GetDuration("flush_interval")),
        batch_size_(static_cast<size_t>(p.GetInt("batch_size"))),
        max_rate_(p.GetDouble("max_rate")),
        coalesce_(p.GetBool("coalesce")) {}

  void Start(Ctx& c) override {
    if (!c.CanAcknowledge()) {
      throw std::logic_error("write-behind needs a writable version ledger");
    }
    PolicyStats* stats = &c.stats();
    queue_node_ = c.cache.NodeOfRaw(keyspace::kWriteBehindQueue);
    // FLUSHALL and a crash of the list's node take the list with them.
    c.cache.OnFlush([this, stats](uint32_t node) {
      if (node != queue_node_) return;
      stats->lost_writes += queue_.size();
      queue_.clear();
      ++flushes_;
    });
    c.Spawn(Worker(c.Background()));
  }

  Task<bool> Write(Ctx& c, Key k, uint32_t size) override {
    uint64_t& issued = issued_[k];
    issued = std::max(issued, c.AckedVersion(k)) + 1;
    const uint64_t version = issued;
    const uint64_t flushes_before = flushes_;
    const Value v{version, c.CachedSize(size), true};
    const CacheWriteStatus s = co_await c.cache.Set(k, v, c.FillTtlFor(k, ttl_));
    // Rejected (too big to store): the pipelined push still queued it, but
    // the caller cannot read it back; treat it like an error all the same.
    if (s != CacheWriteStatus::kOk) co_return false;
    if (c.cache.Nodes() > 1 && c.cache.DownRaw(keyspace::kWriteBehindQueue)) co_return false;
    if (version > c.AckedVersion(k)) c.Acknowledge(k, version);
    if (flushes_ != flushes_before) {
      // The list this write was pushed to is gone: acknowledged, never persisted.
      ++c.stats().lost_writes;
    } else {
      queue_.push_back(Queued{k, version, size});
    }
    if (c.Tracing(k)) c.Note(k, "queue", "write-behind queued v" + std::to_string(version));
    co_return true;
  }

  void Finish(Ctx& c) override { c.stats().writes_pending_at_end += queue_.size(); }

 private:
  struct Queued {
    Key key;
    uint64_t version;
    uint32_t size;
  };

  Task<void> Worker(Ctx c) {
    // The batch grouped by key, in order of first appearance; each group in queue order.
    std::vector<std::vector<Queued>> groups;
    boost::unordered_flat_map<Key, size_t> group_of;
    // Turns on a fixed cadence (interval, 2 * interval, ...); a batch that
    // overruns its turn is followed by the next one at once.
    Time next = c.now();
    while (true) {
      next = next + flush_interval_;
      if (next > c.now()) co_await c.Sleep(next - c.now());
      if (c.stopped()) co_return;
      if (queue_.empty() || c.cache.DownRaw(keyspace::kWriteBehindQueue)) continue;
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
      WhenAll all(c.runtime());
      for (size_t i = 0; i < groups.size(); ++i) {
        if (i > 0 && max_rate_ > 0) co_await c.Sleep(Duration::FromSecondsF(1 / max_rate_));
        all.Spawn(Persist(c, groups[i]));
      }
      co_await all;
    }
  }

  // One key's writes, one commit after the other, so its row never goes
  // backwards. Different keys commit concurrently.
  static Task<void> Persist(const Ctx& c, const std::vector<Queued>& writes) {
    for (const Queued& q : writes) {
      co_await c.db.Write(q.key, q.size, /*acknowledges=*/false, q.version);
    }
  }

  Duration ttl_;
  Duration flush_interval_;
  size_t batch_size_;
  double max_rate_;
  bool coalesce_;
  std::deque<Queued> queue_;  // the list in the cache server
  uint64_t flushes_ = 0;
  uint32_t queue_node_ = 0;                          // the cache node holding the list
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
