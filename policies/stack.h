// The policy stack: how the modules of a scenario's `policies` object compose
// into the one PolicyStack the world drives, and the interface of each role.
//
// A read on instance i (the stack makes its Ctx c, policies/context.h):
//   1. L1 (role `l1`, optional): a hit in instance i's near cache answers at
//      once (counted as a cache hit and an l1 hit).
//   2. The stampede guard (role `guard`) runs the shared-cache part with the
//      operations of c: c.cache.Get, c.db.Read, c.cache.Fill. The guard
//      `none` is plain get -> miss -> load -> fill; the others add locks,
//      leases, coalescing, early or background refresh, stale serving.
//   3. A value that came back is put into instance i's L1.
// The read role (`read`: cache-aside, read-through) only decides the fill
// rule (TTLs, whether the caller waits for the fill); the invalidation role
// may cap the TTL (hybrid), namespace cache keys (versioned) and subscribe to
// the database's commit feed (event); degradation decides what a cache error
// does to a read (fall back to the DB, or fail).
//
// A write on instance i: the write role (`write`) writes the DB and/or the
// cache through c, then the L1 role invalidates: instance i's copy (local)
// or every instance's (broadcast over a channel).
//
// Contract of every role method:
//  - Per-request methods take (Ctx& c, Key k, ...): c names the instance and
//    the request, k is the workload key. c is valid until the method's task
//    finishes; work that outlives it takes a copy (Ctx by value).
//  - Start(Ctx& c) runs once, before the first request, with the context of
//    background work (c.Background(): instance 0, request 0); processes it
//    spawns must end once c.stopped(). Finish(Ctx& c) runs once after the
//    last request, to put last numbers into c.stats().
//  - Modules use only Ctx (runtime + cache/DB operations + counters + notes),
//    never the simulator's types: the seam a live runtime plugs into.
#pragma once

#include <memory>
#include <optional>

#include "policies/context.h"
#include "policies/registry.h"
#include "sim/model/roles.h"

namespace cachelab {

// Invalidation role: how entries stop being served once the row changes.
class Invalidation {
 public:
  virtual ~Invalidation() = default;
  // Subscribe to the commit feed (c.db.OnCommit) etc.; c.l1() reaches the L1s.
  virtual void Start(Ctx& c) { (void)c; }
  // The TTL a fill of `ttl` gets (hybrid caps it).
  virtual Duration FillTtl(Duration ttl) const { return ttl; }
  // The shared-cache key of workload key `k` at `now` (versioned keys add a
  // namespace generation, keyspace::Namespaced).
  virtual Key CacheKey(Key k, Time now) const {
    (void)now;
    return k;
  }
  virtual void Finish(Ctx& c) { (void)c; }
};

// L1 role: a near cache inside every application instance (in-process, no
// round trip), above the shared cache. Get/Put/Erase act on one instance's
// store at once (no simulated cost); the stack calls Get and Put.
class NearCache {
 public:
  virtual ~NearCache() = default;
  virtual void Start(Ctx& c) = 0;
  virtual std::optional<Value> Get(uint32_t instance, Key k, Time now) = 0;
  virtual void Put(uint32_t instance, Key k, const Value& v, Time now) = 0;
  virtual void Erase(uint32_t instance, Key k) = 0;
  // Start loading what a coming Get(instance, k) reads; changes nothing.
  virtual void Prefetch(uint32_t instance, Key k) const {
    (void)instance;
    (void)k;
  }
  // A write on c.instance() has been acknowledged: drop the copies it makes stale.
  virtual void OnWrite(Ctx& c, Key k) = 0;
  virtual void Finish(Ctx& c) { (void)c; }
};

// Guard role: the shared-cache part of a read.
class Guard {
 public:
  virtual ~Guard() = default;
  virtual void Start(Ctx& c) { (void)c; }
  // `c` by value: the guard's frame holds the request's context, so the
  // stack can hand the guard's task on without a frame of its own.
  virtual Task<ReadOutcome> Read(Ctx c, Key k) = 0;
};

// Write role.
class WritePath {
 public:
  virtual ~WritePath() = default;
  virtual void Start(Ctx& c) { (void)c; }
  // Writes a new version of `k` of `size` bytes; false when the caller got an error.
  virtual Task<bool> Write(Ctx& c, Key k, uint32_t size) = 0;
  virtual void Finish(Ctx& c) { (void)c; }
};

// Warming role: preloads the cache in the background.
class Warmer {
 public:
  virtual ~Warmer() = default;
  virtual void Start(Ctx& c) = 0;
};

// The composed stack as the policy layer sees it: the simulator starts it with
// its Services (PolicyStack::Start); any other world starts it on its own
// CacheOps, made by `make` from the stack's rules (a live world,
// analysis/live/). Either way the same modules run.
class ComposedStack : public PolicyStack {
 public:
  using OpsFactory = std::function<std::unique_ptr<CacheOps>(const StackRules&)>;
  virtual void StartOn(const OpsFactory& make) = 0;
  // After the run, as PolicyStack::Finish.
  virtual void Finish() = 0;
  using PolicyStack::Finish;
};

// Builds the stack of `config`; throws std::invalid_argument for a name that
// is not registered.
std::unique_ptr<ComposedStack> BuildStack(const StackConfig& config, uint32_t instances);

}  // namespace cachelab
