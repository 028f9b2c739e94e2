// One simulated world: the workload drives requests into application
// instances, which serve them through the policy stack against the shared
// cache server and the database; metrics are gathered as it runs.
//
// Contract:
//  - Run() simulates until the workload's duration is over and every request
//    in flight has finished, then returns the summary and the time series.
//  - With a StopRule, arrivals may end early: at once when `abort` is set,
//    at a time-series tick when `cancel` is set, or (when_unstable) once the
//    queries issued so far already exceed what the database can serve in the whole duration at
//    its capacity (Summary::db.capacity_qps over the mix so far), so the
//    verdict can only be "unstable". Requests in flight then finish as
//    usual; RunResult::stopped_early says why and when.
//  - Cancellation (sim/core/cancel.h): once the simulator sees the flag, the
//    arrivals end as with a StopRule, the requests in flight finish (so no
//    coroutine is left suspended), and Run() throws Interrupted instead of
//    returning the truncated result.
//  - A run that steps StopRule::max_events events is a runaway: its arrivals
//    end and the run is abandoned (Services::abandoned: waiting guards give
//    up), so it drains, and Run() throws EventLimitError. Cancellation and a
//    tripped memory guard abandon the run too. A discarded run (event limit,
//    cancellation) also ends its periodic sources at once, so the drain steps
//    only the events of the requests still in flight.
//  - Deterministic: equal configs and policies give equal results.
//  - Conservation (checked by tests): requests.total = reads + writes;
//    reads = cache hits + misses + errors.
#pragma once

#include <array>
#include <functional>
#include <memory>
#include <vector>

#include "sim/core/sim_runtime.h"
#include "sim/core/simulator.h"
#include "sim/metrics/stampede.h"
#include "sim/metrics/summary.h"
#include "sim/model/cache_cluster.h"
#include "sim/model/database.h"
#include "sim/model/eviction.h"
#include "sim/model/ledger.h"
#include "sim/model/read_router.h"
#include "sim/model/roles.h"
#include "sim/model/run_meter.h"
#include "sim/model/workload.h"

namespace cachelab {

class World {
 public:
  // `trace`, when given, records the events of one key (for `explain`); it
  // must outlive the world. `eviction` is the cache's (node 0's, with a
  // cluster); `more_evictions` makes those of the other nodes.
  World(const WorldConfig& config, std::unique_ptr<PolicyStack> stack,
        std::unique_ptr<EvictionPolicy> eviction, KeyTrace* trace = nullptr,
        const EvictionFactory& more_evictions = {});
  World(const World&) = delete;
  World& operator=(const World&) = delete;

  RunResult Run(const std::function<void(double)>& progress = {}, const StopRule& stop = {});

  // For tests and policies that need to look inside.
  Simulator& sim() { return sim_; }
  const CacheCluster& cache() const { return cache_; }
  Database& db() { return db_; }
  const VersionLedger& ledger() const { return ledger_; }

 private:
  static void OnArrival(void* self, uint64_t);
  // Rows created outside the application (Workload::NextCreation), until the
  // duration or an early stop.
  static void OnCreation(void* self, uint64_t);
  void ScheduleNextCreation();
  Process CreateRow(Key key, uint32_t size);
  static void OnTick(void* self, uint64_t);
  static void OnCancel(void* self, uint64_t);
  static void OnEventLimit(void* self, uint64_t events);
  void ScheduleNextArrival();
  // Each request is a process of its own (task.h's Process).
  Process ServeRead(Key key, uint32_t instance, uint64_t request);          // through the stack
  Process ServeReadUncached(Key key, uint32_t instance, uint64_t request);  // cache disabled
  // A read's answer: metered, noted, finished.
  void Answered(Key key, uint32_t instance, uint64_t request, const ReadOutcome& out, Time started);
  // `new_size`: the value size the write installs; 0 = the row's current size.
  Process ServeWrite(Key key, uint32_t new_size, uint32_t instance, uint64_t request);
  void Finish(Time started, bool read, Key key);
  void EmitRow(Time end);
  // With Summary::cluster: each node's row of the interval ending at `end`.
  void EmitNodeRows(double start_s, Time end);
  void FillClusterSummary(Summary& s, Time end) const;
  void FillMemorySummary(Summary& s) const;
  void FillReplicaSummary(Summary& s, Time end);
  void FillPoolSummary(Summary& s, Time end);
  // With per-instance pools: each pool's row of the interval ending at `end`.
  void EmitPoolRows(double start_s, Time end);
  bool ReportsNodes() const {
    return cache_.servers() > 1 || config_.cache.cpu.Limited() || config_.cache.network.Limited();
  }
  bool Done() const { return arrivals_done_ && in_flight_ == 0; }
  void CheckStopRule();
  void StopEarly(const char* why);
  // The run's result will be thrown away (event limit, cancellation).
  void Discard();
  bool Discarded() const { return interrupted_ || limit_events_ > 0; }
  // `explain`: the world's own notes about a request (arrival, answer).
  bool Tracing(Key k) const;
  void Note(Key k, uint32_t instance, uint64_t request, std::string text) const;
  void NoteRead(Key k, uint32_t instance, uint64_t request, const ReadOutcome& out,
                bool stale) const;
  void NoteWrite(Key k, uint32_t instance, uint64_t request, bool ok) const;
  void StopIfDone();
  Summary BuildSummary();

  WorldConfig config_;
  Simulator sim_;
  Workload workload_;
  VersionLedger ledger_;
  StampedeTracker stampede_;
  SimRuntime runtime_;
  CacheCluster cache_;
  Database db_;
  std::vector<std::unique_ptr<Database>> replicas_;  // read replicas, if any
  ReadRouter router_;
  PolicyStats policy_stats_;
  Services services_;
  std::unique_ptr<PolicyStack> stack_;
  uint32_t instances_;  // application instances, >= 1
  std::function<void(double)> progress_;
  StopRule stop_;
  std::string stopped_early_;
  bool interrupted_ = false;   // cancellation seen: Run() throws Interrupted
  uint64_t limit_events_ = 0;  // StopRule::max_events reached: Run() throws EventLimitError

  std::optional<Request> next_;
  std::optional<Request> next_creation_;
  // Per key class: the application does not cache it (KeyClass::cached); empty
  // when every class is cached (no look-up per request then).
  std::vector<bool> uncached_class_;
  std::vector<Key> hot_keys_;  // workload keys of the watched cache keys, in order
  KeyClassMap class_map_;
  bool Cached(Key k) const {
    return config_.cache.enabled && (uncached_class_.empty() || !uncached_class_[class_map_.Of(k)]);
  }
  // Requests drawn ahead of their arrival (a ring), so that the cache slot of
  // each is prefetched kAhead arrivals before its lookup: a lookup is a random
  // access into a table far larger than the CPU's caches. The workload's
  // streams are its own, so drawing early changes no result.
  static constexpr size_t kAhead = 8;
  std::array<Request, kAhead> ahead_{};
  size_t ahead_head_ = 0;
  size_t ahead_count_ = 0;
  bool workload_done_ = false;
  std::optional<Request> TakeNext();
  uint32_t next_instance_ = 0;
  uint64_t next_request_ = 1;
  bool arrivals_done_ = false;
  uint64_t in_flight_ = 0;
  Time last_finish_;

  RunMeter meter_;
  std::vector<IntervalRow> rows_;
  std::vector<NodeIntervalRow> node_rows_;
  std::vector<CacheServerStats> node_last_;  // each node's counts at the last row
  Time node_last_at_;
  std::vector<PoolIntervalRow> pool_rows_;
  std::vector<PoolStats> pool_last_;  // each pool's counts at the last row
  Time pool_last_at_;
};

}  // namespace cachelab
