// The shared cache as the application sees it: one or more CacheServer nodes
// that split the key space (ClusterConfig, sim/model/config.h). Every
// operation goes to the node that owns its cache key and is that node's
// operation: its store, round trip, CPU queue and fault windows. A node's
// restart empties only its share of the key space.
//
// Contract:
//  - NodeOf is a pure function of the cache key and the config: equal keys,
//    equal nodes, in every run.
//  - With one node there is no routing (and no hashing): the cluster is that
//    node, with the random stream "cache.rtt" of a single server, so a
//    scenario without a cluster runs exactly as it did before clusters.
//  - Node i > 0 draws its round trips from the stream "cache.rtt.node<i>".
//  - A fault window with a node hits that node only; one without, every node.
//  - Totals (stats(), store figures) are sums over the nodes; peaks are the
//    sum of each node's own peak (an upper bound of the cluster's peak).
//
// Replicas (ClusterConfig::replicas): a node is then a shard, served by
// 1 + count servers. Server s + m x nodes is member m of shard s; member 0
// is the shard's first primary, so servers 0..nodes-1 are the nodes above.
//  - Writes and lease and lock operations go to the shard's primary; GETs
//    to the member read_from picks. Whatever the primary changes streams to
//    the shard's up replicas in order, each change applied after its lag.
//  - The failover schedule is a pure function of the config (fault windows
//    and failover_after), worked out at construction.
//  - A node's fault window hits its shard's primary of the moment; a window
//    on every node hits every server.
//  - IsDown and UpAgainAt speak of a shard's primary: a shard is down from a
//    crash until its primary is back or a replica has been promoted.
//  - Flush listeners hear a shard whose data is gone: a FLUSHALL, or a
//    primary's restart that no failover follows.
//  - Store totals are the primaries': each server's changes count for the
//    time it was its shard's primary (its replica time does not); stats()
//    sums every server's client operations, replica reads included.
//  - Replica server s + m x nodes draws its round trips from
//    "cache.rtt.node<s + m x nodes>" and its lags from
//    "cache.replication.node<s + m x nodes>".
//  - Without replicas nothing of this runs: a cluster behaves as before.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <vector>

#include "sim/model/cache_server.h"
#include "sim/model/distribution.h"

namespace cachelab {

// Makes one eviction policy per node.
using EvictionFactory = std::function<std::unique_ptr<EvictionPolicy>()>;

// Key -> node, as ClusterConfig describes.
class ShardMap {
 public:
  explicit ShardMap(const ClusterConfig& config);
  uint32_t NodeOf(Key cache_key) const;
  uint32_t nodes() const { return nodes_; }
  // The share of the hash space `node` owns: its slots / 16,384, or the
  // ring's arcs that end at its points.
  double Share(uint32_t node) const;

  static constexpr uint32_t kSlots = 16'384;
  // Redis Cluster's hash slot of a key whose text is `text` (CRC16/XMODEM mod 16,384).
  static uint32_t Slot(std::string_view text);
  // The slot of a cache key, spelled as its decimal text.
  static uint32_t SlotOfKey(Key cache_key);

 private:
  uint32_t nodes_;
  ClusterConfig::Sharding sharding_;
  std::vector<uint16_t> slot_node_;  // hash slots: owner of each slot
  struct Point {
    uint64_t hash;
    uint32_t node;
  };
  std::vector<Point> ring_;  // consistent hashing: sorted by hash
};

// What replication did over a run (ClusterConfig::replicas).
struct ReplicationStats {
  uint64_t replica_reads = 0;  // GETs a replica served
  // Replica reads whose answer differs from what the shard's primary held at
  // that moment (another version, or a hit against a miss): reads that the
  // replication lag made stale or missing.
  uint64_t behind_reads = 0;
  uint64_t applied = 0;       // changes replicas applied
  uint64_t peak_backlog = 0;  // most changes in flight to one replica at once
  uint64_t failovers = 0;     // replicas promoted
  uint64_t lost_changes = 0;  // changes in flight to a promoted replica when its primary crashed
  uint64_t resyncs = 0;       // full resyncs of a replica
  uint64_t failed_failovers = 0;  // crashes past failover_after with no replica up
};

// One promotion (CacheCluster::failovers()).
struct Failover {
  uint32_t shard = 0;
  Time crash, at;             // the primary's crash, the promotion
  uint32_t from = 0, to = 0;  // servers: the crashed primary, the promoted replica
};

class CacheCluster {
 public:
  // `first` is server 0's eviction policy; `more` makes those of the others
  // (needed only with more than one server).
  CacheCluster(Simulator& sim, const CacheConfig& config, std::unique_ptr<EvictionPolicy> first,
               const EvictionFactory& more, uint64_t seed);

  // Shards: what the application (and a fault window's `node`) calls nodes.
  uint32_t nodes() const { return shards_.nodes(); }
  uint32_t NodeOf(Key cache_key) const {
    return shards_.nodes() == 1 ? 0 : shards_.NodeOf(cache_key);
  }
  const ShardMap& shards() const { return shards_; }
  // Every server, replicas included (server i serves shard i % nodes()).
  uint32_t servers() const { return static_cast<uint32_t>(servers_.size()); }
  CacheServer& server(uint32_t i) { return *servers_[i]; }
  const CacheServer& server(uint32_t i) const { return *servers_[i]; }
  uint32_t ShardOf(uint32_t server) const { return server % nodes(); }
  // Whether `server` is its shard's primary now.
  bool IsPrimary(uint32_t server) const { return primary_[ShardOf(server)] == server; }
  uint32_t replicas() const { return replicas_; }

  Delayed<CacheGetResult> Get(Key k) {
    if (!read_replicas_) return At(k).Get(k);
    return ReplicaGet(k);
  }
  Delayed<CacheWriteStatus> Set(Key k, const Value& v, Duration ttl) {
    return At(k).Set(k, v, ttl);
  }
  Delayed<CacheWriteStatus> SetIfAbsent(Key k, const Value& v, Duration ttl) {
    return At(k).SetIfAbsent(k, v, ttl);
  }
  Delayed<CacheWriteStatus> Delete(Key k) { return At(k).Delete(k); }
  Delayed<LeaseGetResult> LeaseGet(Key k, Duration period) { return At(k).LeaseGet(k, period); }
  Delayed<CacheWriteStatus> LeaseSet(Key k, const Value& v, Duration ttl, uint64_t token) {
    return At(k).LeaseSet(k, v, ttl, token);
  }

  // Called with the shard's index when a shard's data is gone (a window on
  // every node calls it once per node, in node order).
  void AddFlushListener(std::function<void(uint32_t node)> f);
  void SetMissHint(CacheServer::MissHint fn, const void* ctx);
  void WatchExpiries(const std::vector<Key>& keys, uint64_t limit);
  void Start();
  void Stop();

  // Whether the shard owning `cache_key` is down (its primary, until a
  // failover) at `t`.
  bool IsDown(Time t, Key cache_key) const {
    if (replicas_ == 0) return AtConst(cache_key).IsDown(t);
    return cachelab::UpAgainAt(shard_down_[NodeOf(cache_key)], t) > t;
  }
  // When `node` (kAllNodes: every node) is up again at or after `t`.
  Time UpAgainAt(Time t, uint32_t node) const;

  // Prefetches the store slot of `k` on its primary (World::TakeNext).
  void Prefetch(Key k) const { AtConst(k).store().Prefetch(k); }
  void PrefetchNode(Key k) const { AtConst(k).store().PrefetchNode(k); }

  // Sums over the servers' client operations.
  CacheServerStats stats() const;
  // The primaries' store figures (see the contract above).
  uint64_t bytes() const {
    return Now([](const Store& s) { return s.bytes(); });
  }
  uint64_t items() const {
    return Now([](const Store& s) { return s.items(); });
  }
  uint64_t peak_bytes() const { return Peak(&Store::peak_bytes); }
  uint64_t peak_items() const { return Peak(&Store::peak_items); }
  uint64_t evictions() const { return Counted(&Store::evictions); }
  uint64_t expirations() const { return Counted(&Store::expirations); }
  uint64_t stored() const { return Counted(&Store::stored); }
  uint64_t unused() const {
    return Counted(&Store::unused_removed) + Now([](const Store& s) { return s.UnusedResident(); });
  }
  // Every primary's watched expiries of watched key i, merged.
  std::vector<Time> WatchedExpiries(size_t i, bool* truncated) const;

  const ReplicationStats& replication() const { return repl_; }
  const std::vector<Failover>& failovers() const { return failovers_; }

 private:
  using Counter = uint64_t (Store::*)() const;
  template <class F>
  uint64_t Now(F f) const {
    uint64_t total = 0;
    for (uint32_t p : primary_) total += f(servers_[p]->store());
    return total;
  }
  // A counter over each shard's primaries, each for its time as primary.
  uint64_t Counted(Counter c) const;
  uint64_t Peak(Counter c) const;
  CacheServer& At(Key k) { return *servers_[primary_[NodeOf(k)]]; }
  const CacheServer& AtConst(Key k) const { return *servers_[primary_[NodeOf(k)]]; }
  uint32_t Member(uint32_t shard, uint32_t m) const { return shard + m * nodes(); }

  // Replication.
  void Plan(const CacheConfig& config, std::vector<std::vector<FaultWindowConfig>>* own);
  Delayed<CacheGetResult> ReplicaGet(Key k);
  static void OnChange(void* ctx, const ReplicatedChange& c);
  void Stream(uint32_t from, const ReplicatedChange& c);
  static void OnDue(void* self, uint64_t arg);
  void ScheduleDue(uint32_t server);
  void DropStream(uint32_t server) {
    streams_[server].clear();
    ++epoch_[server];
  }
  void Resync(uint32_t replica, uint32_t primary);
  static void OnScheduled(void* self, uint64_t index);
  void Promote(uint32_t shard, uint32_t to);

  Simulator& sim_;
  ShardMap shards_;
  uint32_t replicas_ = 0;
  bool read_replicas_ = false;
  CacheReplicaConfig::ReadFrom read_from_ = CacheReplicaConfig::ReadFrom::kPrimary;
  std::vector<std::unique_ptr<CacheServer>> servers_;
  std::vector<uint32_t> primary_;                           // per shard: its primary server now
  std::vector<std::vector<FaultWindowConfig>> shard_down_;  // per shard: when it serves no writes
  std::vector<std::function<void(uint32_t)>> flush_listeners_;
  bool stopped_ = false;

  struct Pending {
    Time due;
    ReplicatedChange change;
  };
  std::vector<std::deque<Pending>> streams_;  // per server: changes in flight to it
  std::vector<Time> last_due_;                // per server: when its last change applies
  std::vector<uint32_t> epoch_;               // per server: bumped when its stream is dropped
  std::vector<RandomEngine> lag_rng_;         // per server
  std::unique_ptr<Sampler> lag_;
  std::vector<uint32_t> next_read_;  // per shard: round robin of reads
  struct SinkCtx {
    CacheCluster* cluster;
    uint32_t server;
  };
  std::vector<SinkCtx> sinks_;

  // The events worked out by Plan, in the order they were found.
  struct Scheduled {
    enum class Kind : uint8_t { kCrash, kPromote, kBack } kind;
    Time at;
    uint32_t shard, server, to;  // kCrash, kPromote: the crashed primary and its successor
    bool restarted;              // kBack: the window chain included a restart
    Time crash;                  // kPromote
  };
  std::vector<Scheduled> scheduled_;
  std::vector<Failover> failovers_;
  ReplicationStats repl_;

  // Per shard: the counters of its past primaries (for their time as
  // primary), and the current primary's counters when it was promoted.
  static constexpr Counter kCounters[] = {&Store::evictions, &Store::expirations, &Store::stored,
                                          &Store::unused_removed};
  static constexpr Counter kPeaks[] = {&Store::peak_bytes, &Store::peak_items};
  struct Past {
    uint64_t counted[4] = {}, base[4] = {};
    uint64_t peak[2] = {};
  };
  std::vector<Past> past_;
  std::vector<bool> ever_primary_;  // per server
};

}  // namespace cachelab
