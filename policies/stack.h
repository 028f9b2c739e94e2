// The policy stack: how the modules of a scenario's `policies` object compose
// into the one PolicyStack the world drives, and the interfaces of each role.
//
// A read on instance i:
//   1. L1 (role `l1`, optional): a hit in instance i's near cache answers at
//      once (counted as a cache hit and an l1 hit).
//   2. The stampede guard (role `guard`) runs the shared-cache part with the
//      building blocks of CacheOps: get, load from the database, fill. The
//      guard `none` is plain get -> miss -> load -> fill; the others add
//      locks, leases, coalescing, early or background refresh, stale serving.
//   3. A value that came back is put into instance i's L1.
// The read role (`read`: cache-aside, read-through) only decides the fill
// rule (TTLs, whether the caller waits for the fill); the invalidation role
// may cap the TTL (hybrid), namespace cache keys (versioned) and subscribe to
// the database's commit feed (event); degradation decides what a cache error
// does to a read (fall back to the DB, or fail).
//
// A write on instance i: the write role (`write`) writes the DB and/or the
// cache through CacheOps, then the L1 role invalidates: instance i's copy
// (local) or every instance's (broadcast over a channel).
//
// Background work (warming, write-behind's worker, background refresh)
// starts in Start() and ends once Services::stopped is set.
#pragma once

#include <memory>
#include <optional>

#include "policies/registry.h"
#include "sim/model/cache_server.h"
#include "sim/model/database.h"
#include "sim/model/roles.h"

namespace cachelab {

// The read role's decision: how a loaded row gets into the shared cache.
struct FillRule {
  Duration ttl;                       // of a filled row; 0 = never expires
  Duration negative_ttl;              // of a cached "not found"; 0 = missing rows are not cached
  bool caller_waits_for_fill = true;  // cache-aside: yes; read-through: the loader fills
};

// The degradation role's decision: what a shared-cache error does to a read.
struct DegradationRule {
  bool fallback = true;  // true: read the DB instead (no fill); false: the read fails
  // After a cache error, the instance skips the cache for this long (a circuit
  // breaker), so reads stop paying the cache timeout; 0 = never skip.
  Duration breaker_open;
};

class CacheOps;

// Invalidation role: how entries stop being served once the row changes.
class Invalidation {
 public:
  virtual ~Invalidation() = default;
  // Subscribe to svc.db's commit feed etc.; `ops` reaches the L1s.
  virtual void Start(Services& svc, CacheOps& ops) {
    (void)svc;
    (void)ops;
  }
  // The TTL a fill of `ttl` gets (hybrid caps it).
  virtual Duration FillTtl(Duration ttl) const { return ttl; }
  // The shared-cache key of workload key `k` at `now` (versioned keys add a
  // namespace generation in bits 48..61; workload keys stay below 2^48).
  virtual Key CacheKey(Key k, Time now) const {
    (void)now;
    return k;
  }
  // Last numbers into svc.stats.
  virtual void Finish(Services& svc) { (void)svc; }
};

// L1 role: a near cache inside every application instance (in-process, no
// round trip), above the shared cache.
class NearCache {
 public:
  virtual ~NearCache() = default;
  virtual void Start(Services& svc, CacheOps& ops) = 0;
  virtual std::optional<Value> Get(uint32_t instance, Key k, Time now) = 0;
  virtual void Put(uint32_t instance, Key k, const Value& v, Time now) = 0;
  virtual void Erase(uint32_t instance, Key k) = 0;
  // A write on `instance` has been acknowledged: drop the copies it makes stale.
  virtual void OnWrite(Env& env, Key k, uint64_t request) = 0;
  virtual void Finish(Services& svc) { (void)svc; }
};

// Guard role: the shared-cache part of a read.
class Guard {
 public:
  virtual ~Guard() = default;
  virtual void Start(Services& svc, CacheOps& ops) {
    (void)svc;
    (void)ops;
  }
  virtual Task<ReadOutcome> Read(Env& env, Key key, uint64_t request, CacheOps& ops) = 0;
};

// Write role.
class WritePath {
 public:
  virtual ~WritePath() = default;
  virtual void Start(Services& svc, CacheOps& ops) {
    (void)svc;
    (void)ops;
  }
  // Writes a new version of `key` of `size` bytes; false when the caller got an error.
  virtual Task<bool> Write(Env& env, Key key, uint32_t size, uint64_t request, CacheOps& ops) = 0;
  virtual void Finish(Services& svc) { (void)svc; }
};

// Warming role: preloads the cache in the background.
class Warmer {
 public:
  virtual ~Warmer() = default;
  virtual void Start(Services& svc, CacheOps& ops) = 0;
};

// The building blocks every role uses, so that cost models (serialization,
// versioned keys, TTL caps, the circuit breaker) and `explain` notes apply
// the same way whatever the module. All take the workload key; the cache key
// is derived inside.
class CacheOps {
 public:
  CacheOps(Services& svc, const FillRule& fill, const DegradationRule& degradation,
           Invalidation& invalidation, NearCache* l1, uint32_t instances);

  Services& svc() { return svc_; }
  const FillRule& fill_rule() const { return fill_; }
  const DegradationRule& degradation() const { return degradation_; }
  NearCache* l1() { return l1_; }
  uint32_t instances() const { return instances_; }
  Key CacheKey(Key k) const { return invalidation_.CacheKey(k, svc_.sim.now()); }
  // TTL of a fill of `v` by the read path: ttl or negative_ttl, capped by the invalidation role.
  Duration FillTtl(const Value& v) const;
  // `ttl` as the invalidation role lets it be stored (hybrid caps it).
  Duration FillTtlFor(Duration ttl) const { return invalidation_.FillTtl(ttl); }
  // Would a fill of `v` be stored at all (rows always; "not found" only with a negative TTL)?
  bool Fillable(const Value& v) const;

  // Shared-cache GET; a hit pays deserialization. While the instance's
  // breaker is open it returns kError at once without touching the cache.
  Task<CacheGetResult> Get(Env& env, Key k, uint64_t request);
  Task<LeaseGetResult> LeaseGet(Env& env, Key k, uint64_t request, Duration period);
  // Database read; the value carries how long the read took (compute_us) and
  // its cached size (CachedSize).
  Task<DbResult> Load(Env& env, Key k, uint64_t request);
  // Database write (Database::Write's arguments); the committed value carries
  // its cached size.
  Task<DbResult> Commit(Env& env, Key k, uint32_t size, uint64_t request, bool acknowledges = true,
                        uint64_t version = 0);
  // SET with `ttl` after paying serialization; awaited or not per `wait`.
  Task<CacheWriteStatus> Set(Env& env, Key k, const Value& v, Duration ttl, uint64_t request,
                             bool wait = true);
  Task<CacheWriteStatus> LeaseSet(Env& env, Key k, const Value& v, Duration ttl, uint64_t token,
                                  uint64_t request);
  // On a raw cache key (a lock key, say: not namespaced); `k` names the
  // workload key for notes.
  Task<CacheWriteStatus> SetIfAbsent(Env& env, Key k, Key cache_key, const Value& v, Duration ttl,
                                     uint64_t request);
  Task<CacheWriteStatus> DeleteRaw(Env& env, Key k, Key cache_key, uint64_t request);
  Task<CacheWriteStatus> Delete(Env& env, Key k, uint64_t request);
  // Fill per the read rule: Set(FillTtl(v)) when Fillable, awaited when the
  // caller waits for fills. `extra_ttl` lengthens the stored TTL (stale windows).
  Task<void> Fill(Env& env, Key k, const Value& v, uint64_t request, Duration extra_ttl = {});
  // The plain miss path after a GET that did not hit: on kError fail the read
  // (degradation without fallback) or load without filling; on kMiss load and fill.
  Task<ReadOutcome> LoadAndFill(Env& env, Key k, CacheStatus why, uint64_t request);

  // Serialized bytes of a cached value: the row's size times cached_fraction.
  uint32_t CachedSize(uint32_t row_size) const;

 private:
  Duration SerializationCost(uint32_t bytes) const;
  void NoteCacheError(Env& env);
  bool BreakerOpen(const Env& env) const;

  Services& svc_;
  FillRule fill_;
  DegradationRule degradation_;
  Invalidation& invalidation_;
  NearCache* l1_;
  uint32_t instances_;
  std::vector<Time> breaker_until_;  // per instance
};

// Builds the stack of `config`; throws std::invalid_argument for a name that
// is not registered.
std::unique_ptr<PolicyStack> BuildStack(const StackConfig& config, uint32_t instances);

}  // namespace cachelab
