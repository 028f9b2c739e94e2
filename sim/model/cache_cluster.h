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
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "sim/model/cache_server.h"

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

class CacheCluster {
 public:
  // `first` is node 0's eviction policy; `more` makes those of the others
  // (needed only with more than one node).
  CacheCluster(Simulator& sim, const CacheConfig& config, std::unique_ptr<EvictionPolicy> first,
               const EvictionFactory& more, uint64_t seed);

  uint32_t nodes() const { return static_cast<uint32_t>(nodes_.size()); }
  uint32_t NodeOf(Key cache_key) const {
    return nodes_.size() == 1 ? 0 : shards_.NodeOf(cache_key);
  }
  const ShardMap& shards() const { return shards_; }
  CacheServer& node(uint32_t i) { return *nodes_[i]; }
  const CacheServer& node(uint32_t i) const { return *nodes_[i]; }

  Delayed<CacheGetResult> Get(Key k) { return At(k).Get(k); }
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

  // Called with the node's index when a flush or restart empties a node (a
  // window on every node calls it once per node, in node order).
  void AddFlushListener(std::function<void(uint32_t node)> f);
  void SetMissHint(CacheServer::MissHint fn, const void* ctx);
  void WatchExpiries(const std::vector<Key>& keys, uint64_t limit);
  void Start();
  void Stop();

  // Whether the node owning `cache_key` is down at `t`.
  bool IsDown(Time t, Key cache_key) const { return AtConst(cache_key).IsDown(t); }
  // When `node` (kAllNodes: every node) is up again at or after `t`.
  Time UpAgainAt(Time t, uint32_t node) const;

  // Prefetches the store slot of `k` on its node (World::TakeNext).
  void Prefetch(Key k) const { AtConst(k).store().Prefetch(k); }
  void PrefetchNode(Key k) const { AtConst(k).store().PrefetchNode(k); }

  // Sums over the nodes.
  CacheServerStats stats() const;
  uint64_t bytes() const {
    return Sum([](const Store& s) { return s.bytes(); });
  }
  uint64_t items() const {
    return Sum([](const Store& s) { return s.items(); });
  }
  uint64_t peak_bytes() const {
    return Sum([](const Store& s) { return s.peak_bytes(); });
  }
  uint64_t peak_items() const {
    return Sum([](const Store& s) { return s.peak_items(); });
  }
  uint64_t evictions() const {
    return Sum([](const Store& s) { return s.evictions(); });
  }
  uint64_t expirations() const {
    return Sum([](const Store& s) { return s.expirations(); });
  }
  uint64_t stored() const {
    return Sum([](const Store& s) { return s.stored(); });
  }
  uint64_t unused() const {
    return Sum([](const Store& s) { return s.unused_removed() + s.UnusedResident(); });
  }
  // Every node's watched expiries of watched key i, merged.
  std::vector<Time> WatchedExpiries(size_t i, bool* truncated) const;

 private:
  template <class F>
  uint64_t Sum(F f) const {
    uint64_t total = 0;
    for (const auto& n : nodes_) total += f(n->store());
    return total;
  }
  CacheServer& At(Key k) { return *nodes_[NodeOf(k)]; }
  const CacheServer& AtConst(Key k) const { return *nodes_[NodeOf(k)]; }

  ShardMap shards_;
  std::vector<std::unique_ptr<CacheServer>> nodes_;
};

}  // namespace cachelab
