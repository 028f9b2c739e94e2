// What the world and the policy stack see of each other. The world drives
// requests into a PolicyStack (built from the scenario's policy modules in
// policies/) and hands it, once, the Services of the run: the simulated
// servers, the Runtime (sim/core/runtime.h) and what the run measures.
//
// The seam: the stack turns Services into one Ctx per request
// (policies/context.h). Policy modules see only that Ctx: the Runtime's
// operations (now, sleep, spawn, wait, notify), the cache and database
// operations, counters and notes. Services is the simulator's side of the
// seam; a live world would give the stack its own Runtime and cache/database
// backends behind the same Ctx, and the modules would not change.
#pragma once

#include <cstdint>
#include <string>

#include "sim/core/task.h"
#include "sim/metrics/key_trace.h"
#include "sim/model/config.h"
#include "sim/model/value.h"

namespace cachelab {

class CacheCluster;
class Database;
class ReadRouter;
class Runtime;
class Simulator;
class VersionLedger;

// Counters policy modules keep; the world reports them in the summary.
struct PolicyStats {
  uint64_t l1_hits = 0, l1_misses = 0;
  uint64_t early_refreshes = 0;  // refreshes started before expiry (XFetch, early-refresh, SWR)
  uint64_t background_refreshes = 0;   // loads done by a refresher on a schedule
  uint64_t coalesced_reads = 0;        // reads answered by another request's load (single-flight)
  uint64_t guard_waits = 0;            // sleeps or waits for another request's load (lock, lease)
  uint64_t guard_gave_up = 0;          // reads that stopped waiting and loaded anyway
  uint64_t stale_served = 0;           // reads answered with an entry past its fresh TTL (SWR, SIE)
  uint64_t warmed_keys = 0;            // keys a warmer loaded into the cache
  uint64_t lost_writes = 0;            // acknowledged writes that never reached the DB
  uint64_t writes_pending_at_end = 0;  // acknowledged writes still queued when the run ended
  uint64_t invalidations_published = 0, invalidations_delivered = 0, invalidations_lost = 0;
  uint64_t breaker_bypasses = 0;  // reads that skipped a failing cache (circuit open)
};

// One per run, from the world to the policy stack: the simulated servers
// and what the run measures. Only the stack's implementation (CacheOps in
// policies/context.h) touches it; policy modules see a Ctx.
struct Services {
  Simulator& sim;
  Runtime& runtime;  // the simulator as a Runtime: what policy code waits, sleeps and spawns on
  CacheCluster& cache;
  Database& db;
  const VersionLedger& ledger;
  const WorldConfig& config;
  PolicyStats& stats;
  KeyTrace* trace = nullptr;  // set only for `cachelab explain`
  // The same ledger, writable: only for a write path whose acknowledgement
  // is not a database commit (write-behind acknowledges at the cache set).
  // Set by the World; nullptr in a Services built without one.
  VersionLedger* writable_ledger = nullptr;
  // Set when the last request has finished: background loops stop at their next step.
  bool stopped = false;
  // Set when the run's result will be thrown away (Ctrl-C, the memory
  // guard, the event limit): loops that wait for a fill give up at their
  // next step, so the drain ends soon whatever their retry settings.
  bool abandoned = false;
  // With read replicas: where each read goes (else every query goes to `db`).
  ReadRouter* reads = nullptr;
};

// How a read request used the caches; hits + misses + errors == reads.
enum class CacheOutcome : uint8_t {
  kHit,    // answered from a cache (the instance's L1 or the shared cache)
  kMiss,   // no usable entry; the value came from the database
  kError,  // the shared cache failed (down, timeout); see ReadOutcome::failed
};

struct ReadOutcome {
  Value value;
  CacheOutcome cache = CacheOutcome::kMiss;
  bool failed = false;  // the caller got an error instead of a value
};

// The composed policy stack (read path, guard, invalidation, L1, write path,
// warming, degradation) as the world sees it. The world names a request by
// the instance it landed on and its id (> 0); the stack makes the request's
// Ctx (policies/context.h) and runs the modules with it.
class PolicyStack {
 public:
  virtual ~PolicyStack() = default;
  // Once, before the first arrival: subscribe to the DB commit feed and cache
  // flushes, start background processes (which must end once svc.stopped).
  virtual void Start(Services& svc) = 0;
  virtual Task<ReadOutcome> Read(uint32_t instance, Key key, uint64_t request) = 0;
  // A request for `key` will land on `instance` a few arrivals from now:
  // start loading what the stack's own structures (an L1) will read for it.
  // Changes nothing.
  virtual void Prefetch(uint32_t instance, Key key) const {
    (void)instance;
    (void)key;
  }
  // Writes a new version of `key` of `size` bytes; false when the caller got an error.
  virtual Task<bool> Write(uint32_t instance, Key key, uint32_t size, uint64_t request) = 0;
  // Once, after the run: last numbers into svc.stats (e.g. writes still queued).
  virtual void Finish(Services& svc) = 0;
};

}  // namespace cachelab
