// What policy code sees of the world: one context per request (Ctx), so a
// module's body reads like the article's pseudo-code:
//
//   Task<ReadOutcome> Read(Ctx c, Key k) override {
//     const CacheGetResult cached = co_await c.cache.Get(k);
//     if (cached.hit()) co_return ReadOutcome{cached.value, CacheOutcome::kHit, false};
//     co_return co_await c.LoadAndFill(k, cached.status);  // c.db.Read, then c.cache.Fill
//   }
//
// Contract:
//  - A Ctx names one request on one application instance (instance(),
//    request()); background work (warmers, workers, refreshers, feed
//    consumers) gets c.Background(): instance 0's client, request id 0. It is
//    the only way to make a context for work that is no request.
//  - c.cache and c.db are the shared cache's and the database's operations
//    as that request issues them: the cost models (serialization, versioned
//    cache keys, TTL caps, the circuit breaker) and `explain` notes apply
//    inside, the same for every module. They take workload keys; the cache
//    key is derived inside (except the *Raw lock operations).
//  - Time, sleeping, spawning and per-key wait/notify go through the runtime
//    (sim/core/runtime.h) via c.now(), c.Sleep(d), c.Spawn(t), c.Wait(key),
//    c.NotifyAll(key). Policy modules use nothing else of the machine (their
//    own in-process data structures, such as the near cache's Store, take
//    times as arguments), so the same modules can run on the simulator or on
//    a live runtime.
//  - Counters: c.stats(). Tracing: if (c.Tracing(k)) c.Note(k, actor, text).
//  - A Ctx is a few pointers: copy it into a spawned coroutine's parameters
//    (Task<void> Refresh(Ctx c, Key k)) when the work outlives the request;
//    a Ctx& is valid only while the request's Read/Write is running.
//
// Key space (one 64-bit space shared by the cache, the locks and the waits):
//   bits  0..47  the workload key (workloads stay below 2^48)
//   bits 48..61  cache keys only: the versioned namespace generation
//                (keyspace::Namespaced, 14 bits, wrapping)
//   bit  62      lock keys: the entry's cache key with this bit (LockKey),
//                so a lock never collides with an entry and a namespace bump
//                moves the locks too
//   bit  63      wait keys of in-instance flights (FlightKey): the instance in
//                bits 48..62, the workload key below; only ever passed to
//                Wait/NotifyAll, never to the cache
//   all of 48..63 (keyspace::kWriteBehindQueue): the key of the list a
//                write-behind queue keeps in the cache; it is never stored,
//                only placed (NodeOfRaw, DownRaw) on a node of a cluster
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sim/core/random.h"
#include "sim/core/runtime.h"
#include "sim/core/task.h"
#include "sim/model/cache_server.h"
#include "sim/model/database.h"
#include "sim/model/key_spelling.h"
#include "sim/model/roles.h"

namespace cachelab {

namespace keyspace {

inline constexpr int kNamespaceShift = 48;
inline constexpr uint64_t kNamespaceMask = (uint64_t{1} << 14) - 1;
inline constexpr Key kLockBit = Key{1} << 62;
inline constexpr uint64_t kFlightBit = uint64_t{1} << 63;

// The fields must not overlap: the namespace ends below the lock bit.
static_assert((kNamespaceMask << kNamespaceShift) < kLockBit);
static_assert(kLockBit < kFlightBit);
// Flight keys keep bits 48..62 for the instance, and instances are far fewer than 2^15.
inline constexpr Key kWriteBehindQueue = ~Key{0};

// The cache key of workload key `k` in namespace `generation` (wraps at 14 bits).
constexpr Key Namespaced(Key k, uint64_t generation) {
  return k | ((generation & kNamespaceMask) << kNamespaceShift);
}
// The lock of the entry whose cache key is `cache_key`.
constexpr Key Lock(Key cache_key) {
  return cache_key | kLockBit;
}
// The wait key of instance `instance`'s flight of workload key `k`.
constexpr uint64_t Flight(uint32_t instance, Key k) {
  return kFlightBit | (uint64_t{instance} << kNamespaceShift) | k;
}

}  // namespace keyspace

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
class Ctx;
class VersionLedger;
class Invalidation;
class NearCache;

struct ChannelStats {
  uint64_t published = 0, delivered = 0, lost = 0;
};

// A pub/sub channel (Redis pub/sub, a topic of change events), made by
// c.OpenChannel(): fire-and-forget, each subscriber's copy delivered on its own
// (or lost), never inline in Publish.
class Channel {
 public:
  using Handler = std::function<void(Key)>;
  virtual ~Channel() = default;
  // Subscribers live as long as the channel.
  virtual void Subscribe(Handler h) = 0;
  virtual void Publish(Key k) = 0;
  virtual ChannelStats stats() const = 0;
};

// c.cache: the shared cache as one request uses it.
class CacheClient {
 public:
  // GET; a hit pays deserialization. While the instance's breaker is open it
  // returns kError at once without touching the cache.
  Task<CacheGetResult> Get(Key k) const;
  // GET that may grant a lease token on a miss (one per key per `period`).
  Task<LeaseGetResult> LeaseGet(Key k, Duration period) const;
  // SET with `ttl` after paying serialization; awaited or not per `wait`
  // (the operation acts when issued either way).
  Task<CacheWriteStatus> Set(Key k, const Value& v, Duration ttl, bool wait = true) const;
  // SET kept only while `token` is the key's current lease.
  Task<CacheWriteStatus> LeaseSet(Key k, const Value& v, Duration ttl, uint64_t token) const;
  Task<CacheWriteStatus> Delete(Key k) const;
  // Fill per the read rule: Set(FillTtl(v)) when Fillable, awaited when the
  // caller waits for fills. `extra_ttl` lengthens the stored TTL (stale windows).
  Task<void> Fill(Key k, const Value& v, Duration extra_ttl = {}) const;
  // SETNX / DEL of a lock on raw cache key `lock` (LockKey); `k` names the
  // workload key for notes.
  Task<CacheWriteStatus> SetIfAbsentRaw(Key k, Key lock, const Value& v, Duration ttl) const;
  Task<CacheWriteStatus> DeleteRaw(Key k, Key lock) const;

  // The node holding `k`'s entry (workload key) or raw cache key
  // `cache_key` is down now (a client's failed probe; no round trip modelled).
  bool Down(Key k) const;
  bool DownRaw(Key cache_key) const;
  // The cache's nodes (CacheConfig::cluster; 1 for a single server), and
  // which of them holds `k`'s entry or the raw key `cache_key`.
  uint32_t Nodes() const;
  uint32_t NodeOf(Key k) const;
  uint32_t NodeOfRaw(Key cache_key) const;
  // When `node` (FaultWindowConfig::kAllNodes: every node) is next up at or
  // after `t` (the end of the down or restart windows holding at `t`; `t`
  // itself when it is up).
  Time UpAgainAt(Time t, uint32_t node = FaultWindowConfig::kAllNodes) const;
  // `f(node)` runs whenever a node is emptied (FLUSHALL, a restart): once per
  // node, so a window on every node calls it for each.
  void OnFlush(std::function<void(uint32_t node)> f) const;

 private:
  friend class Ctx;
  explicit CacheClient(const Ctx* c) : c_(c) {}
  const Ctx* c_;
};

// c.db: the database as one request uses it.
class DbClient {
 public:
  // SELECT; the value carries how long the read took (compute_us) and its
  // cached size (CachedSize).
  Task<DbResult> Read(Key k) const;
  // UPDATE installing a new version of `size` bytes. With `acknowledges`
  // false the commit is not the write's acknowledgement (write-behind:
  // the cache set was); `version` > 0 commits exactly that version.
  Task<DbResult> Write(Key k, uint32_t size, bool acknowledges = true, uint64_t version = 0) const;
  // The change feed: `f(key, version)` runs on every commit.
  void OnCommit(std::function<void(Key, uint64_t)> f) const;

 private:
  friend class Ctx;
  explicit DbClient(const Ctx* c) : c_(c) {}
  const Ctx* c_;
};

class Ctx {
 public:
  Ctx(CacheOps& ops, uint32_t instance, uint64_t request)
      : cache(this), db(this), ops_(&ops), instance_(instance), request_(request) {}
  Ctx(const Ctx& o) : Ctx(*o.ops_, o.instance_, o.request_) {}
  Ctx& operator=(const Ctx&) = delete;

  CacheClient cache;
  DbClient db;

  uint32_t instance() const { return instance_; }
  uint64_t request() const { return request_; }  // 0: no request (background work)
  // The context of background work: instance 0's client, request 0.
  Ctx Background() const { return Ctx(*ops_, 0, 0); }

  // The runtime.
  Runtime& runtime() const;
  Time now() const { return runtime().now(); }
  Runtime::SleepAwaiter Sleep(Duration d) const { return runtime().Sleep(d); }
  void Spawn(Task<void> task) const { runtime().Spawn(std::move(task)); }
  Runtime::WaitAwaiter Wait(uint64_t key) const { return runtime().Wait(key); }
  size_t NotifyAll(uint64_t key) const { return runtime().NotifyAll(key); }

  // Key space (see the header comment).
  Key CacheKey(Key k) const;
  Key LockKey(Key k) const { return keyspace::Lock(CacheKey(k)); }
  uint64_t FlightKey(Key k) const { return keyspace::Flight(instance_, k); }

  // The read path's rules.
  const FillRule& fill_rule() const;
  const DegradationRule& degradation() const;
  // TTL of a fill of key `k` with `v`: ttl or negative_ttl (an existing row
  // of a key class with its own TTL: that TTL), capped by the invalidation role.
  Duration FillTtl(Key k, const Value& v) const;
  // `ttl` (or the key class's own TTL) as the invalidation role lets it be
  // stored (hybrid caps it).
  Duration FillTtlFor(Key k, Duration ttl) const;
  // Would a fill of `v` be stored at all (rows always; "not found" only with a negative TTL)?
  bool Fillable(const Value& v) const;
  // Serialized bytes of a cached value: the row's size times cached_fraction.
  uint32_t CachedSize(uint32_t row_size) const;
  // The plain miss path after a GET that did not hit: on kError fail the read
  // (degradation without fallback) or load without filling; on kMiss load and fill.
  Task<ReadOutcome> LoadAndFill(Key k, CacheStatus why) const;

  // The run.
  PolicyStats& stats() const;
  uint32_t instances() const;
  NearCache* l1() const;
  // The last request has finished, or the run will be thrown away
  // (abandoned()): background loops end at their next step, so a discarded
  // run's drain does not wait on their timers.
  bool stopped() const;
  // The run will be thrown away (Services::abandoned): waiting loops give up.
  bool abandoned() const;
  uint64_t keys() const;  // workload keys 0 .. keys()-1 exist
  // The policy-private random stream `name` of this run.
  RandomEngine Stream(std::string_view name) const;
  // A pub/sub channel: each subscriber's copy arrives after `delay` unless lost
  // (probability `loss`, drawn from stream `stream`).
  std::unique_ptr<Channel> OpenChannel(Duration delay, double loss,
                                       const std::string& stream) const;

  // The truth about writes (sim/model/ledger.h): the latest acknowledged
  // version of `k`, and acknowledging a write that is not a DB commit
  // (write-behind's cache set). CanAcknowledge() is false when the world
  // keeps no writable ledger.
  uint64_t AckedVersion(Key k) const;
  bool CanAcknowledge() const;
  void Acknowledge(Key k, uint64_t version) const;

  // `explain`: record an event of `k`; call Note only when Tracing(k).
  bool Tracing(Key k) const;
  void Note(Key k, const char* actor, std::string text) const;

 private:
  friend class CacheClient;
  friend class DbClient;
  CacheOps* ops_;
  uint32_t instance_;
  uint64_t request_;
};

// What a CacheOps needs of the run besides the world's operations: the
// runtime, the scenario, the counters and the truth about writes. The
// simulator fills it from its Services; a live world from its own parts.
struct OpsEnv {
  Runtime& rt;
  const WorldConfig& config;
  PolicyStats& stats;
  const bool& stopped;        // the last request has finished
  KeyTrace* trace = nullptr;  // `explain` only
  const VersionLedger& ledger;
  VersionLedger* writable_ledger = nullptr;  // see Services::writable_ledger
  const bool* abandoned = nullptr;           // see Services::abandoned; null: never
};

// The stack's rules every CacheOps applies (policies/stack.cc fills them).
struct StackRules {
  FillRule fill;
  DegradationRule degradation;
  Invalidation* invalidation = nullptr;  // never null once built
  NearCache* l1 = nullptr;
  uint32_t instances = 1;
};

// The per-run state behind every Ctx: the read and degradation rules, the
// invalidation and L1 modules, the circuit breakers, and the world's cache
// and database operations. Policy modules never use it directly, only through
// Ctx. The world's operations are the pure virtual functions: the simulator
// implements them on its simulated servers (MakeSimOps), a live world on a
// real Redis and PostgreSQL (analysis/live/). Both implement them once, with
// the shared rules (serialization cost, the breaker, notes), in
// policies/ops.h's PortOps, so the two worlds apply the same rules.
class CacheOps {
 public:
  CacheOps(const OpsEnv& env, const StackRules& rules);
  virtual ~CacheOps() = default;
  CacheOps(const CacheOps&) = delete;
  CacheOps& operator=(const CacheOps&) = delete;

  Ctx Background() { return Ctx(*this, 0, 0); }
  Time now() const { return env_.rt.now(); }

 protected:
  friend class Ctx;
  friend class CacheClient;
  friend class DbClient;

  // The world's operations, as CacheClient and DbClient document them (k is
  // the workload key; the implementation derives the cache key).
  virtual Task<CacheGetResult> Get(const Ctx& c, Key k) = 0;
  virtual Task<LeaseGetResult> LeaseGet(const Ctx& c, Key k, Duration period) = 0;
  virtual Task<DbResult> Load(const Ctx& c, Key k) = 0;
  virtual Task<DbResult> Commit(const Ctx& c, Key k, uint32_t size, bool acknowledges,
                                uint64_t version) = 0;
  virtual Task<CacheWriteStatus> Set(const Ctx& c, Key k, const Value& v, Duration ttl,
                                     bool wait) = 0;
  virtual Task<CacheWriteStatus> LeaseSet(const Ctx& c, Key k, const Value& v, Duration ttl,
                                          uint64_t token) = 0;
  virtual Task<CacheWriteStatus> SetIfAbsent(const Ctx& c, Key k, Key cache_key, const Value& v,
                                             Duration ttl) = 0;
  virtual Task<CacheWriteStatus> DeleteRaw(const Ctx& c, Key k, Key cache_key) = 0;
  virtual Task<CacheWriteStatus> Delete(const Ctx& c, Key k) = 0;
  virtual bool CacheDown(Time t, Key cache_key) const = 0;
  virtual uint32_t CacheNodes() const = 0;
  virtual uint32_t CacheNodeOf(Key cache_key) const = 0;
  virtual Time CacheUpAgainAt(Time t, uint32_t node) const = 0;
  virtual void AddFlushListener(std::function<void(uint32_t node)> f) = 0;
  virtual void AddCommitListener(std::function<void(Key, uint64_t)> f) = 0;
  virtual std::unique_ptr<Channel> MakeChannel(Duration delay, double loss,
                                               const std::string& stream) = 0;

  // The shared rules.
  Task<void> Fill(const Ctx& c, Key k, const Value& v, Duration extra_ttl);
  Task<ReadOutcome> LoadAndFill(const Ctx& c, Key k, CacheStatus why);
  Key CacheKey(Key k) const;
  // The cache key a delete of `k` reaches: CacheKey(k) unless the class's
  // keys are not predictable (KeySpelling::SpellForDelete).
  Key DeleteKey(Key k) const;
  // `v` stamped as `k`'s copy (KeySpelling::Stamp), as every stored copy is.
  Value Stamped(Key k, Value v) const {
    spelling_.Stamp(k, &v);
    return v;
  }
  Duration FillTtl(Key k, const Value& v) const;
  Duration FillTtlFor(Key k, Duration ttl) const;
  bool Fillable(const Value& v) const;
  uint32_t CachedSize(uint32_t row_size) const;
  Duration SerializationCost(uint32_t bytes) const;
  void NoteCacheError(const Ctx& c);
  bool BreakerOpen(const Ctx& c) const;

  OpsEnv env_;
  Runtime& rt_;
  FillRule fill_;
  DegradationRule degradation_;
  Invalidation& invalidation_;
  NearCache* l1_;
  uint32_t instances_;
  std::vector<Time> breaker_until_;  // per instance
  KeyClassMap classes_;
  std::vector<Duration> class_ttl_;  // per key class; 0: the policy's TTL
  KeySpelling spelling_;
};

// The simulator's CacheOps: the simulated cache server, database and clock of
// `svc` (policies/context.cc).
std::unique_ptr<CacheOps> MakeSimOps(Services& svc, const StackRules& rules);

// The forwarding is inline and allocates nothing: each call is the
// CacheOps coroutine itself.
inline Runtime& Ctx::runtime() const {
  return ops_->rt_;
}
inline Key Ctx::CacheKey(Key k) const {
  return ops_->CacheKey(k);
}
inline const FillRule& Ctx::fill_rule() const {
  return ops_->fill_;
}
inline const DegradationRule& Ctx::degradation() const {
  return ops_->degradation_;
}
inline Duration Ctx::FillTtl(Key k, const Value& v) const {
  return ops_->FillTtl(k, v);
}
inline Duration Ctx::FillTtlFor(Key k, Duration ttl) const {
  return ops_->FillTtlFor(k, ttl);
}
inline bool Ctx::Fillable(const Value& v) const {
  return ops_->Fillable(v);
}
inline uint32_t Ctx::CachedSize(uint32_t row_size) const {
  return ops_->CachedSize(row_size);
}
inline Task<ReadOutcome> Ctx::LoadAndFill(Key k, CacheStatus why) const {
  return ops_->LoadAndFill(*this, k, why);
}
inline PolicyStats& Ctx::stats() const {
  return ops_->env_.stats;
}
inline uint32_t Ctx::instances() const {
  return ops_->instances_;
}
inline NearCache* Ctx::l1() const {
  return ops_->l1_;
}
inline bool Ctx::stopped() const {
  return ops_->env_.stopped || abandoned();
}

inline bool Ctx::abandoned() const {
  return ops_->env_.abandoned != nullptr && *ops_->env_.abandoned;
}
inline bool Ctx::Tracing(Key k) const {
  return ops_->env_.trace != nullptr && ops_->env_.trace->Wants(k, now());
}

inline Task<CacheGetResult> CacheClient::Get(Key k) const {
  return c_->ops_->Get(*c_, k);
}
inline Task<LeaseGetResult> CacheClient::LeaseGet(Key k, Duration period) const {
  return c_->ops_->LeaseGet(*c_, k, period);
}
inline Task<CacheWriteStatus> CacheClient::Set(Key k, const Value& v, Duration ttl,
                                               bool wait) const {
  return c_->ops_->Set(*c_, k, v, ttl, wait);
}
inline Task<CacheWriteStatus> CacheClient::LeaseSet(Key k, const Value& v, Duration ttl,
                                                    uint64_t token) const {
  return c_->ops_->LeaseSet(*c_, k, v, ttl, token);
}
inline Task<CacheWriteStatus> CacheClient::Delete(Key k) const {
  return c_->ops_->Delete(*c_, k);
}
inline Task<void> CacheClient::Fill(Key k, const Value& v, Duration extra_ttl) const {
  return c_->ops_->Fill(*c_, k, v, extra_ttl);
}
inline Task<CacheWriteStatus> CacheClient::SetIfAbsentRaw(Key k, Key lock, const Value& v,
                                                          Duration ttl) const {
  return c_->ops_->SetIfAbsent(*c_, k, lock, v, ttl);
}
inline Task<CacheWriteStatus> CacheClient::DeleteRaw(Key k, Key lock) const {
  return c_->ops_->DeleteRaw(*c_, k, lock);
}
inline Task<DbResult> DbClient::Read(Key k) const {
  return c_->ops_->Load(*c_, k);
}
inline Task<DbResult> DbClient::Write(Key k, uint32_t size, bool acknowledges,
                                      uint64_t version) const {
  return c_->ops_->Commit(*c_, k, size, acknowledges, version);
}

}  // namespace cachelab
