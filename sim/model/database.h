// The database: `connections` servers in front of one FIFO wait queue
// (an M/G/c queue when arrivals are Poisson). Load emerges from the model:
// more concurrent misses -> a longer queue -> higher latency.
//
// Contract:
//  - A query takes a free connection of its pool at once or waits in FIFO
//    order; with a queue timeout, a query still waiting after it fails
//    (ok == false) at exactly enqueue time + timeout and never runs. With a
//    queue limit, a query that finds the limit's number already waiting in
//    its pool fails at once (rejected, ok == false) without suspending its
//    caller.
//  - Pools: one (DatabaseConfig::kGlobal), or one per application instance
//    (kPerInstance, `instances` of them): a query of instance i uses pool
//    i % pools, whose `connections`, queue, timeout and limit are its own, so
//    a query may wait in its pool while another pool has idle connections.
//    Queries of every pool run on the same server (the same cores, rows and
//    commit order). Stats are totals over the pools; PoolStats each pool's.
//  - Without cores (config.cores == 0) a query holds its connection for its
//    drawn service time. With k cores, the running queries share them
//    (egalitarian processor sharing): while n > k run, each advances at k / n
//    of full speed, so a query's drawn service time is its work, and it
//    completes when that work is done.
//  - A read sees the row as of the moment it starts service (a statement
//    snapshot), so a write committing during a read is not visible to it.
//  - A write commits when its service ends: the row's version goes up by
//    one and, when the write acknowledges, the ledger records it then.
//  - Keys >= workload keys have no row: reads return exists == false, until
//    a Create of the key commits (a row inserted by someone else: version 1,
//    acknowledged at its commit, commit listeners called).
//  - Every read counts as a load of its key for stampede tracking, from the
//    moment it is issued until it returns.
//  - A replica (the constructor with a primary) serves reads only, with its
//    own connections and queue: its statement snapshot is the primary's row
//    as of a lag drawn per read (RowAsOf). A primary with replicas keeps
//    every committed version's time for them.
//  - A read of a key class backed by an external API (DatabaseConfig::
//    class_api) takes no connection and never queues: it answers after its
//    drawn latency, failing (ok == false) when the API's token bucket is
//    empty or the call is drawn to fail. It counts in api_calls, not in
//    queries or reads.
//  - Link (config.network, when limited): the server's NIC, full duplex, each
//    direction carrying one value at a time (bytes x 8 / bandwidth) in the
//    order the values reach it. A write's value (its size) comes in first:
//    the query reaches its pool (and counts as a query, and its queue
//    timeout starts) when it has arrived. A read's answer (the row's size,
//    when the row exists) goes out after its service: the connection is free
//    at the end of the service, the caller resumes when the answer has
//    arrived, and the read counts as a load until then. A replica has a link
//    of its own. Without a limit, values take no time and no event.
#pragma once

#include <boost/unordered/unordered_flat_map.hpp>
#include <coroutine>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <queue>
#include <stdexcept>
#include <utility>
#include <vector>

#include "sim/core/huge_page_allocator.h"
#include "sim/core/random.h"
#include "sim/core/simulator.h"
#include "sim/core/slot_pool.h"
#include "sim/metrics/stampede.h"
#include "sim/model/config.h"
#include "sim/model/distribution.h"
#include "sim/model/ledger.h"
#include "sim/model/value.h"

namespace cachelab {

struct DbResult {
  bool ok = false;  // false: the query timed out waiting for a connection
  Value value;      // reads: the row seen; writes: the version committed
};

// One connection pool's share of DatabaseStats (API calls take no pool).
struct PoolStats {
  uint64_t queries = 0, timeouts = 0, rejected = 0, started = 0, queued = 0;
  int64_t wait_ns_total = 0;  // over started queries
  uint64_t peak_queue = 0;
  double busy_ns = 0;  // integral of the pool's busy connections over time
};

struct DatabaseStats {
  uint64_t queries = 0, reads = 0, writes = 0, timeouts = 0;
  uint64_t rejected = 0;          // queries that found the wait queue full
  uint64_t started = 0;           // queries that got a connection
  uint64_t queued = 0;            // queries that found every connection busy
  int64_t wait_ns_total = 0;      // over started queries
  uint64_t peak_concurrency = 0;  // running + waiting
  uint64_t peak_queue = 0;
  double busy_ns = 0;  // integral of busy connections over time
  // External API calls (reads of API-backed classes), those refused by its
  // rate limit and those that failed otherwise.
  uint64_t api_calls = 0, api_rate_limited = 0, api_errors = 0;
  uint64_t rows_created = 0;  // Create commits
  // Value bytes each way (write values in, read answers out), limited link or
  // not; with a limit, the values it carried, each direction's busy time and
  // the values' waits for their direction.
  uint64_t bytes_in = 0, bytes_out = 0;
  uint64_t link_transfers = 0;
  int64_t link_in_busy_ns = 0, link_out_busy_ns = 0, link_wait_ns = 0;
};

class Database {
 public:
  // `sizes[k]` is the value size of existing key k (keys = sizes.size()).
  // `instances`: the application instances, each with a pool of its own
  // when config.pool is kPerInstance (ignored with one global pool).
  Database(Simulator& sim, const DatabaseConfig& config, const std::vector<uint32_t>& sizes,
           VersionLedger& ledger, StampedeTracker& stampede, uint64_t seed, uint32_t instances = 1);
  // Read replica `index` of `primary` (config: the primary's, with the
  // replica's connections): reads only, each seeing the primary's row as of
  // a drawn lag ago. A replica has one pool.
  Database(Simulator& sim, const DatabaseConfig& config, const Database& primary, uint32_t index,
           StampedeTracker& stampede, uint64_t seed);
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  class Query {
   public:
    bool await_ready() const noexcept { return false; }
    // Does not suspend when the query is rejected at once (a full queue).
    bool await_suspend(std::coroutine_handle<> h) {
      slot_ = db_->Submit(*this, h);
      return !db_->Finished(slot_);
    }
    DbResult await_resume() { return db_->Collect(slot_); }

   private:
    friend class Database;
    Query(Database* db, Key key, bool write, uint32_t size, bool acknowledges, uint64_t version,
          uint32_t pool)
        : db_(db),
          key_(key),
          write_(write),
          size_(size),
          acknowledges_(acknowledges),
          version_(version),
          pool_(pool) {}
    Database* db_;
    Key key_;
    bool write_;
    uint32_t size_;
    bool acknowledges_;
    uint64_t version_;
    uint32_t pool_;
    uint32_t slot_ = 0;
  };

  // `instance`: the application instance asking (its pool, with per-instance pools).
  Query Read(Key k, uint32_t instance = 0) {
    return Query(this, k, false, 0, false, 0, PoolOf(instance));
  }
  bool replica() const { return primary_ != nullptr; }
  // `acknowledges`: the commit is the acknowledgement the caller sees (false
  // for write-behind, whose acknowledgement happened at the cache).
  // `version`: 0 = the row's next version; otherwise the version the commit
  // installs (write-behind applies versions it acknowledged earlier, possibly
  // coalesced; a version not above the row's is committed as the next one).
  // Keys without a row (k >= keys()) cannot be written (std::logic_error),
  // created or not: nothing writes a row created during the run.
  Query Write(Key k, uint32_t size, bool acknowledges = true, uint64_t version = 0,
              uint32_t instance = 0) {
    if (k >= rows_.size()) throw std::logic_error("write of a key without a row");
    return Query(this, k, true, size, acknowledges, version, PoolOf(instance));
  }
  // Inserts the row of a key that has none (k >= keys()): a write query whose
  // commit creates it with version 1, or does nothing when an earlier Create
  // of the key committed first (a duplicate insert). Inserts use instance 0's pool.
  Query Create(Key k, uint32_t size) {
    if (k < rows_.size()) throw std::logic_error("create of a key that has a row");
    return Query(this, k, true, size, true, 1, 0);
  }

  // Called at every commit with the key and the committed version, after the
  // row changed: a change-data-capture feed (event-based invalidation).
  void AddCommitListener(std::function<void(Key, uint64_t)> f) {
    commit_listeners_.push_back(std::move(f));
  }

  // Current committed row (exists == false for keys without a row).
  Value Row(Key k) const;
  // The row as committed by `t` (a primary with replicas only).
  Value RowAsOf(Key k, Time t) const;
  // Starts loading k's row, which a coming query of k reads; changes nothing.
  void PrefetchRow(Key k) const {
    if (k < rows_.size()) __builtin_prefetch(&rows_[k]);
  }
  // When the row's current version committed (time 0 for the initial version).
  Time CommitTime(Key k) const {
    const RowState* r = FindRow(k);
    return r != nullptr ? Time::FromNanos(r->commit_ns) : Time::Zero();
  }
  uint64_t keys() const { return rows_.size(); }
  uint32_t busy() const { return busy_; }            // over all pools
  uint64_t queue_depth() const { return waiting_; }  // over all pools
  // Busy-connection integral brought up to now (for utilization).
  const DatabaseStats& stats();
  uint32_t connections() const { return config_.connections; }  // each pool's
  uint32_t pools() const { return static_cast<uint32_t>(pools_.size()); }
  uint32_t total_connections() const { return config_.connections * pools(); }
  // Pool `i`'s share of stats(), its busy integral brought up to now.
  const PoolStats& pool_stats(uint32_t i);
  uint32_t pool_busy(uint32_t i) const { return pools_[i].busy; }
  uint64_t pool_queue_depth(uint32_t i) const { return pools_[i].waiting; }
  // TakeIntervalPeakQueue for pool `i` alone.
  uint64_t TakePoolIntervalPeakQueue(uint32_t i) {
    Pool& p = pools_[i];
    const uint64_t peak = p.interval_peak_queue;
    p.interval_peak_queue = p.waiting;
    return peak;
  }
  // Largest queue depth (over all pools) since the previous call (or the start); restarts the
  // window at the current depth. For per-interval time series.
  uint64_t TakeIntervalPeakQueue() {
    const uint64_t peak = interval_peak_queue_;
    interval_peak_queue_ = waiting_;
    return peak;
  }

 private:
  // kArriving: a write's value on the link in; kSending: a read's answer on the link out.
  enum class SlotState : uint8_t {
    kFree,
    kArriving,
    kWaiting,
    kRunning,
    kSending,
    kDone,
    kAbandoned
  };
  // A connection pool: its connections in use and its FIFO wait queue.
  struct Pool {
    Database* db = nullptr;       // the timeout event's way back
    std::deque<uint32_t> queue;   // waiting queries, in arrival order
    bool timeout_queued = false;  // an OnTimeout event of this pool is in the simulator's queue
    uint64_t waiting = 0;
    uint64_t interval_peak_queue = 0;  // since TakePoolIntervalPeakQueue
    uint32_t busy = 0;
    Time busy_since;
    PoolStats stats;
  };
  uint32_t PoolOf(uint32_t instance) const {
    return pools_.size() == 1 ? 0 : instance % static_cast<uint32_t>(pools_.size());
  }
  // A query's state, 56 bytes: an overloaded database holds one per waiting
  // query, so the answer lives in the request's own fields.
  struct Slot {
    std::coroutine_handle<> handle;
    Key key = 0;
    // Writes: the version asked for (0 = the next), then the one committed.
    // Reads: the row's version when the query started.
    uint64_t version = 0;
    Time enqueued;
    Simulator::EventId timeout_seq = 0;  // reserved when it queues
    uint32_t size = 0;                   // writes: the new size; reads: the row's size seen
    uint32_t pool = 0;
    bool write = false;
    bool acknowledges = false;
    bool ok = false;      // served (false: rejected or timed out)
    bool exists = false;  // reads: the row existed
    SlotState state = SlotState::kFree;
  };
  static_assert(sizeof(Slot) <= 56);

  uint32_t Submit(const Query& q, std::coroutine_handle<> h);
  // The query in `slot` reaches its pool: counted, then started, queued or rejected.
  void Admit(uint32_t slot);
  // A write's value has come in over the link: admits it, resuming a rejected caller.
  static void OnArrived(void* self, uint64_t slot);
  // A read's answer has gone out over the link: the caller resumes.
  static void OnDelivered(void* self, uint64_t slot);
  // When the link direction free at `*free` has carried `bytes` ready now.
  Time Link(Time* free, int64_t* busy_ns, uint64_t bytes);
  bool Finished(uint32_t slot) const { return slots_[slot].state == SlotState::kDone; }
  DbResult Collect(uint32_t slot);
  void StartService(uint32_t slot);
  // Commits or answers the query in `slot`, hands its connection to the next
  // waiter and resumes its caller.
  void Complete(uint32_t slot);
  // Processor sharing (cores > 0): virtual time is the work each running
  // query has received; it advances at min(1, cores / running) per ns.
  void AdvanceVirtual();
  // Each running query's speed: min(1, cores / running).
  double SharedSpeed() const;
  void ScheduleNextCompletion();
  static void OnSharedTick(void* self, uint64_t generation);
  void AdvanceBusy();
  void AdvanceBusy(Pool& p);
  void ReleaseSlot(uint32_t slot);
  static void OnComplete(void* self, uint64_t arg);
  // A read's statement snapshot: the row as it is now, into the slot.
  void Snapshot(Slot& s);
  // Starts the external API call in `slot` (a read of an API-backed class).
  void CallApi(uint32_t slot, size_t api);
  static void OnApiAnswer(void* self, uint64_t arg);
  // `pool`: the Pool whose first query in line it was armed for.
  static void OnTimeout(void* pool, uint64_t arg);
  // Queues the timeout event of the first query in line of `p`. Queries time
  // out in queue order (one timeout for all), so one queued event per pool at
  // a time does for them all, each with the sequence number reserved when its
  // query queued.
  void ArmTimeout(Pool& p);

  Simulator& sim_;
  DatabaseConfig config_;
  // One record per existing key, so a read touches one cache line.
  struct RowState {
    uint64_t version = 1;
    int64_t commit_ns = 0;
    uint32_t size = 0;
  };
  std::vector<RowState, HugePageAllocator<RowState>> rows_;  // random access: huge pages
  boost::unordered_flat_map<Key, RowState> created_;         // rows Create inserted
  // The row of `k` (existing or created during the run), or nullptr.
  const RowState* FindRow(Key k) const {
    if (k < rows_.size()) return &rows_[k];
    if (created_.empty()) return nullptr;
    const auto it = created_.find(k);
    return it == created_.end() ? nullptr : &it->second;
  }
  VersionLedger& ledger_;
  StampedeTracker& stampede_;
  Sampler read_service_;
  Sampler write_service_;
  // Per key class: its own sampler, or null for the two above.
  std::vector<std::unique_ptr<Sampler>> class_read_, class_write_;
  // The external APIs, and per class the index of its API + 1 (0: none).
  struct Api {
    explicit Api(const ApiConfig& c) : config(c), latency(c.latency), tokens(c.burst) {}
    ApiConfig config;
    Sampler latency;
    double tokens;  // the bucket as of `refilled`
    Time refilled;
  };
  std::vector<Api> apis_;
  std::vector<uint32_t> class_api_;
  RandomEngine rng_;
  RandomEngine api_rng_;  // its own stream: API draws leave the database's untouched
  SlotPool<Slot> slots_;
  std::vector<Pool> pools_;  // fixed at construction (timeout events point into it)
  uint64_t waiting_ = 0;     // over all pools
  uint64_t interval_peak_queue_ = 0;
  uint32_t busy_ = 0;  // over all pools
  Time busy_since_;
  Time link_in_free_, link_out_free_;  // when each link direction is free
  DatabaseStats stats_;
  std::vector<std::function<void(Key, uint64_t)>> commit_listeners_;
  // A primary with replicas: every commit of every key written or created,
  // in commit order (an existing key's first entry is its initial row).
  struct Commit {
    uint64_t version;
    int64_t commit_ns;
    uint32_t size;
  };
  bool keep_history_ = false;
  boost::unordered_flat_map<Key, std::vector<Commit>> history_;
  // A replica: whose rows it serves, and its lag.
  const Database* primary_ = nullptr;
  std::unique_ptr<Sampler> lag_;
  RandomEngine lag_rng_;
  // Processor sharing: running queries by the virtual time their work ends.
  using Finish = std::pair<double, uint32_t>;
  std::priority_queue<Finish, std::vector<Finish>, std::greater<>> finishes_;
  double virtual_ns_ = 0;
  Time virtual_since_;
  uint64_t tick_generation_ = 0;  // only the latest scheduled tick acts
};

}  // namespace cachelab
