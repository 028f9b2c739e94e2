// What a deployment costs per month (the scenario's `cost` block), and the
// cache node types a planner chooses among.
//
// Prices are per hour of an instance and per GiB of cache traffic; a month is
// 730 hours (8,760 / 12, as cloud price lists count it). The monthly cost of
// a run is
//   cache nodes x the node's price (its node type's, or cache_node_per_hour)
//   + database_per_hour + replicas x replica_per_hour        (instance-hours)
//   + value bytes through the cache nodes' links, both ways, per second of
//     simulated time, x seconds in a month / 2^30 x network_per_gib
// so traffic that changes with the hit ratio or the value sizes changes the
// bill, while instances cost the same whatever they serve.
//
// A node type (cost.node_types.NAME: ram, maxmemory, bandwidth_mbit,
// per_hour) chosen by cache.node_type sets each node's capacity (maxmemory,
// by default 75% of ram: ElastiCache's default reserved-memory-percent of
// 25), its RAM for the memory verdict, its link's bandwidth (when given) and
// its price. A scenario may still spell those fields out, but only with the
// node type's values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sim/metrics/summary.h"

namespace cachelab {

constexpr double kHoursPerMonth = 730;

struct NodeType {
  std::string name;
  uint64_t ram_bytes = 0;        // > 0
  uint64_t maxmemory_bytes = 0;  // > 0, <= ram
  double bandwidth_mbit = 0;     // 0: the scenario's cache.network
  double per_hour = 0;
};

struct CostConfig {
  std::string currency = "USD";
  double cache_node_per_hour = 0;  // each cache node's, without a node type
  double database_per_hour = 0;    // the primary
  double replica_per_hour = 0;     // each read replica
  double network_per_gib = 0;      // cache traffic, both ways
  std::vector<NodeType> node_types;
  std::string cache_node_type;  // cache.node_type; empty: none
  // Any price at all: only then does summary.json carry a cost block.
  bool Priced() const {
    return cache_node_per_hour > 0 || database_per_hour > 0 || replica_per_hour > 0 ||
           network_per_gib > 0 || !cache_node_type.empty();
  }
  const NodeType* Find(const std::string& name) const {
    for (const NodeType& t : node_types) {
      if (t.name == name) return &t;
    }
    return nullptr;
  }
  // The price of one cache node: its node type's, or cache_node_per_hour.
  double CacheNodePerHour() const {
    const NodeType* t = Find(cache_node_type);
    return t != nullptr ? t->per_hour : cache_node_per_hour;
  }
};

// The monthly cost of a run of a scenario with `cost`, `cache_nodes` cache
// nodes (0 when the cache is disabled) and `replicas` database replicas, from
// its summary (for the traffic); none when nothing is priced.
std::optional<Summary::Cost> MonthlyCost(const CostConfig& cost, uint32_t cache_nodes,
                                         uint32_t replicas, const Summary& s);

}  // namespace cachelab
