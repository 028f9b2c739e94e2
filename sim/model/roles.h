// What the world and the policy stack see of each other. The world drives
// requests into a PolicyStack (built from the scenario's policy modules in
// policies/); the stack serves them through the Env of the instance the
// request landed on, and may start background work from the Services.
#pragma once

#include <cstdint>
#include <string>

#include "sim/core/task.h"
#include "sim/metrics/key_trace.h"
#include "sim/model/config.h"
#include "sim/model/value.h"

namespace cachelab {

class CacheServer;
class Database;
class KeyedWait;
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

// One per run: what background work and subscriptions may use.
struct Services {
  Simulator& sim;
  CacheServer& cache;
  Database& db;
  KeyedWait& waits;
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
};

// Everything a policy may use while serving one request on one instance.
struct Env {
  Simulator& sim;
  CacheServer& cache;
  Database& db;
  KeyedWait& waits;       // per-key wait/notify, shared by all instances
  uint32_t instance = 0;  // which application instance serves the request
  Services* svc = nullptr;

  bool Tracing(Key k) const;
  // Records an event of `k` for `explain`; call only when Tracing(k).
  void Note(Key k, uint64_t request, const char* actor, std::string text) const;
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
// warming, degradation) as the world sees it.
class PolicyStack {
 public:
  virtual ~PolicyStack() = default;
  // Once, before the first arrival: subscribe to the DB commit feed and cache
  // flushes, start background processes (which must end once svc.stopped).
  virtual void Start(Services& svc) = 0;
  virtual Task<ReadOutcome> Read(Env& env, Key key, uint64_t request) = 0;
  // Writes a new version of `key` of `size` bytes; false when the caller got an error.
  virtual Task<bool> Write(Env& env, Key key, uint32_t size, uint64_t request) = 0;
  // Once, after the run: last numbers into svc.stats (e.g. writes still queued).
  virtual void Finish(Services& svc) = 0;
};

inline bool Env::Tracing(Key k) const {
  return svc != nullptr && svc->trace != nullptr && svc->trace->Wants(k, sim.now());
}

inline void Env::Note(Key k, uint64_t request, const char* actor, std::string text) const {
  (void)k;
  svc->trace->Add(
      TraceEvent{sim.now(), request, static_cast<int32_t>(instance), actor, std::move(text)});
}

}  // namespace cachelab
