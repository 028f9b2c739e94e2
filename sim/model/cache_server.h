// A Redis-like shared cache server as its clients see it: every operation
// takes one round trip (drawn from cache.rtt) and acts on the Store when it is
// issued; the caller sees the answer one round trip later. While a fault
// window holds the server down (a `down` window, or a `restart` until it is
// back), operations fail after cache.timeout; in a `slow` window round trips
// are stretched by the window's factor; `flush` and `restart` empty the store
// at their start and tell the flush listeners (warming, write-behind).
//
// Leases (Nishtala et al., "Scaling Memcache at Facebook", NSDI 2013, 3.2.1):
// LeaseGet on a miss hands out a token unless one was issued for the key less
// than `period` ago (then the caller gets no token: someone else is loading,
// wait and retry). LeaseSet stores only with the key's current token; Delete
// and a flush invalidate tokens, so a fill that loaded the row before a
// concurrent write's delete is rejected instead of caching the old version.
//
// CPU (config.cpu, when limited): the server runs one operation at a time in
// issue order (the one-way trip is folded into the round trip, so the queue
// sees operations in the order they act on the store); an answer comes after
// the wait for the CPU, the operation's service time and the round trip. A
// single-threaded node under Poisson traffic is then exactly M/G/1.
//
// One server is one node of a CacheCluster (sim/model/cache_cluster.h); its
// config holds only the fault windows that hit it.
//
// Background work (active expiry, fault events) runs as events until Stop().
#pragma once

#include <boost/unordered/unordered_flat_map.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>
#include <vector>

#include "sim/core/random.h"
#include "sim/core/task.h"
#include "sim/model/config.h"
#include "sim/model/distribution.h"
#include "sim/model/store.h"

namespace cachelab {

enum class CacheStatus : uint8_t { kHit, kMiss, kError };

struct CacheGetResult {
  CacheStatus status = CacheStatus::kMiss;
  Value value;
  Duration remaining_ttl;  // hits only; Duration::Max() when the entry never expires
  bool hit() const { return status == CacheStatus::kHit; }
};

enum class CacheWriteStatus : uint8_t {
  kOk,
  kRejected,
  kError
};  // rejected: not admitted / key present

struct CacheServerStats {
  uint64_t gets = 0, sets = 0, deletes = 0, errors = 0;
  uint64_t hits = 0;                         // gets (and lease gets) that found an entry
  uint64_t cpu_ops = 0;                      // operations served by a limited CPU
  int64_t cpu_busy_ns = 0, cpu_wait_ns = 0;  // serving them, and their waits before it
  // Value bytes each way (SET values in, GET answers out), limited link or
  // not; a limited link's (config.network) busy time each way, and the waits
  // of values for their direction.
  uint64_t bytes_in = 0, bytes_out = 0;
  int64_t link_in_busy_ns = 0, link_out_busy_ns = 0, link_wait_ns = 0;
  uint64_t leases_issued = 0, lease_sets_rejected = 0;
  uint64_t flushes = 0;  // flush and restart faults that emptied the store
  uint64_t ops() const { return gets + sets + deletes; }
};

struct LeaseGetResult {
  CacheGetResult get;
  uint64_t token = 0;  // on a miss: nonzero = this caller holds the lease
};

// A change a primary makes to its store, as it streams it to its replicas
// (CacheCluster): the expiry is absolute, as Redis propagates it (PXAT).
struct ReplicatedChange {
  enum class Kind : uint8_t { kSet, kSetIfAbsent, kDelete, kFlush };
  Kind kind = Kind::kSet;
  Key key = 0;
  Value value;
  Time expires = Time::Max();  // Time::Max(): no expiry
};

class CacheServer {
 public:
  // `rtt_stream` names the round trips' random stream (one per node).
  CacheServer(Simulator& sim, const CacheConfig& config, std::unique_ptr<EvictionPolicy> eviction,
              uint64_t seed, std::string_view rtt_stream = "cache.rtt");

  Delayed<CacheGetResult> Get(Key k);
  Delayed<CacheWriteStatus> Set(Key k, const Value& v, Duration ttl);
  Delayed<CacheWriteStatus> SetIfAbsent(Key k, const Value& v, Duration ttl);
  Delayed<CacheWriteStatus> Delete(Key k);
  Delayed<LeaseGetResult> LeaseGet(Key k, Duration period);
  // kRejected when `token` is no longer the key's lease (deleted, flushed,
  // expired or superseded); the lease is used up either way.
  Delayed<CacheWriteStatus> LeaseSet(Key k, const Value& v, Duration ttl, uint64_t token);

  // Called (in registration order) when a flush or restart fault empties the store.
  void AddFlushListener(std::function<void()> f) { flush_listeners_.push_back(std::move(f)); }

  // The end of the fault windows holding the server down at `t` (chained:
  // one window that starts inside another extends it); `t` when it is up.
  Time UpAgainAt(Time t) const;

  // Called with the key of every Get that misses, when the answer is known
  // and one round trip before the caller sees it: the world starts loading
  // the database row the caller will most likely query next. A hint only.
  using MissHint = void (*)(const void* ctx, Key k);
  void SetMissHint(MissHint fn, const void* ctx) {
    miss_hint_ = fn;
    miss_hint_ctx_ = ctx;
  }

  // Schedules active expiry; call once before running.
  void Start();
  // Background events stop rescheduling themselves.
  void Stop() { stopped_ = true; }

  // Store::WatchExpiries, for the run's hot keys (cache keys with any
  // namespace generation count as their workload key).
  void WatchExpiries(const std::vector<Key>& keys, uint64_t limit) {
    store_.WatchExpiries(keys, kKeyGenerationBits, limit);
  }

  // Replication (CacheCluster, with replicas). `sink` hears every change
  // this server's clients and its evictions make to its store (the cluster
  // forwards those of the shard's primary); null: none.
  using ChangeSink = void (*)(void* ctx, const ReplicatedChange& c);
  void SetChangeSink(ChangeSink sink, void* ctx);
  // A replica applies a change from its primary's stream, now.
  void Apply(const ReplicatedChange& c);
  // A full resync: drops every entry, then copies `primary`'s live ones.
  void ResyncFrom(const CacheServer& primary);

  bool IsDown(Time t) const;
  const Store& store() const { return store_; }
  const CacheServerStats& stats() const { return stats_; }

 private:
  Duration Rtt();
  // What an operation carrying `bytes` of value waits and takes at the node
  // beyond its round trip: the value's transfer in (a SET, `value_out`
  // false), the CPU, the value's transfer out (a GET's answer). 0 without
  // CPU and link limits.
  Duration Serve(uint64_t bytes, bool value_out);
  // When the CPU finishes an operation ready for it at `ready`.
  Time Cpu(uint64_t bytes, Time ready);
  // When the link direction free at `*free` has carried `bytes` ready at `ready`.
  Time Link(Time* free, int64_t* busy_ns, uint64_t bytes, Time ready);
  static void OnFaultStart(void* self, uint64_t index);
  // A mutating operation: counted, failed while down, else `apply(now)` on
  // the store decides between kOk and kRejected.
  template <typename Mutation>
  Delayed<CacheWriteStatus> WriteOp(uint64_t& counter, uint64_t bytes, Mutation apply);
  static void OnActiveExpiry(void* self, uint64_t);
  static void OnEvict(void* self, Key k);
  void Emit(ReplicatedChange::Kind kind, Key k, const Value& v, Time expires) {
    if (sink_ != nullptr) sink_(sink_ctx_, ReplicatedChange{kind, k, v, expires});
  }

  Simulator& sim_;
  CacheConfig config_;
  Store store_;
  Sampler rtt_;
  RandomEngine rng_;
  CacheServerStats stats_;
  bool stopped_ = false;
  Time cpu_free_;                      // when the CPU has served every operation issued so far
  Time link_in_free_, link_out_free_;  // when each link direction is free
  struct Lease {
    uint64_t token;
    Time issued;
  };
  boost::unordered_flat_map<Key, Lease> leases_;
  uint64_t next_token_ = 1;
  std::vector<std::function<void()>> flush_listeners_;
  MissHint miss_hint_ = nullptr;
  const void* miss_hint_ctx_ = nullptr;
  ChangeSink sink_ = nullptr;
  void* sink_ctx_ = nullptr;
};

}  // namespace cachelab
