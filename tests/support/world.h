// Worlds and stacks for policy tests, built from named settings instead of
// a page of field assignments per test.
//
// TestWorld's defaults are the world most policy tests share: constant-rate
// (Poisson) arrivals over equally popular keys, fixed value sizes, a cache big
// enough for everything, and constant latencies, so the bounds a test derives
// from them hold exactly. A test names only what differs:
//
//   const WorldConfig w = TestWorld("race", 5).Lasting(Duration::Seconds(120))
//                             .Rps(500).Keys(10).Writes(0.02).DbReadMs(50);
//
// TestStack starts from StackConfig's defaults (cache-aside, invalidate-on-write,
// ttl, no guard, no L1, no warming, fallback, lru) and sets one role at a time.
#pragma once

#include <cstdint>
#include <string>
#include <utility>

#include "policies/registry.h"
#include "sim/model/config.h"
#include "tests/support/distributions.h"

namespace cachelab::test {

class TestWorld {
 public:
  TestWorld(std::string name, uint64_t seed) {
    w_.name = std::move(name);
    w_.seed = seed;
    w_.duration = Duration::Seconds(60);
    w_.workload.rate.kind = RateProfileConfig::Kind::kConstant;
    w_.workload.rate.rps = 1000;
    w_.workload.keys = 20;
    w_.workload.popularity = WorkloadConfig::Popularity::kUniform;
    w_.workload.value_size = Constant(1000);
    w_.cache.capacity_bytes = 1ull << 30;
    RttMs(0.5);
    w_.cache.timeout = Duration::Millis(50);
    w_.database.connections = 64;
    DbReadMs(20);
    DbWriteMs(1);
    w_.metrics.interval = Duration::Seconds(10);
  }

  // Arrivals stop after `d` (default 60 s).
  TestWorld& Lasting(Duration d) {
    w_.duration = d;
    return *this;
  }
  // Constant arrival rate, requests per second over all keys (default 1,000).
  TestWorld& Rps(double rps) {
    w_.workload.rate.rps = rps;
    return *this;
  }
  // Number of keys (default 20).
  TestWorld& Keys(uint64_t keys) {
    w_.workload.keys = keys;
    return *this;
  }
  // Key popularity Zipf(alpha) instead of uniform.
  TestWorld& Zipf(double alpha = 1.0) {
    w_.workload.popularity = WorkloadConfig::Popularity::kZipf;
    w_.workload.zipf_alpha = alpha;
    return *this;
  }
  // Share of requests that are writes (default 0).
  TestWorld& Writes(double fraction) {
    w_.workload.write_fraction = fraction;
    return *this;
  }
  // Size of every value (default 1,000 bytes).
  TestWorld& ValueBytes(double bytes) {
    w_.workload.value_size = Constant(bytes);
    return *this;
  }
  // Application instances, requests spread round-robin (default 1).
  TestWorld& Instances(uint32_t count) {
    w_.instances.count = count;
    return *this;
  }
  // Shared-cache capacity (default 1 GiB).
  TestWorld& CacheBytes(uint64_t bytes) {
    w_.cache.capacity_bytes = bytes;
    return *this;
  }
  // Constant cache round trip (default 0.5 ms).
  TestWorld& RttMs(double ms) {
    w_.cache.rtt = Constant(ms * 1e6);
    return *this;
  }
  // How long an operation on a down cache takes to fail (default 50 ms).
  TestWorld& CacheTimeout(Duration d) {
    w_.cache.timeout = d;
    return *this;
  }
  // Database connections (default 64).
  TestWorld& Connections(uint32_t count) {
    w_.database.connections = count;
    return *this;
  }
  // Each application instance with a pool of its own of Connections()
  // connections (DatabaseConfig::kPerInstance) instead of one global pool.
  TestWorld& PoolPerInstance() {
    w_.database.pool = DatabaseConfig::PoolScope::kPerInstance;
    return *this;
  }
  // Constant database read service time (default 20 ms).
  TestWorld& DbReadMs(double ms) {
    w_.database.read_service = Constant(ms * 1e6);
    return *this;
  }
  // Exponential database read service time of mean `ms` (an M/M/c database).
  TestWorld& DbReadExponentialMs(double ms) {
    w_.database.read_service = Exponential(ms * 1e6);
    return *this;
  }
  // Constant database write service time (default 1 ms).
  TestWorld& DbWriteMs(double ms) {
    w_.database.write_service = Constant(ms * 1e6);
    return *this;
  }
  // Constant database read and write service time `d`.
  TestWorld& DbTime(Duration d) {
    w_.database.read_service = Constant(static_cast<double>(d.nanos()));
    w_.database.write_service = Constant(static_cast<double>(d.nanos()));
    return *this;
  }
  // Time-series resolution (default 10 s).
  TestWorld& Interval(Duration d) {
    w_.metrics.interval = d;
    return *this;
  }
  // The cache server down from `start` for `length`.
  TestWorld& CacheDown(Duration start, Duration length) {
    w_.cache.faults.push_back({FaultWindowConfig::Kind::kDown, start, length, 1});
    return *this;
  }

  // The cache as `nodes` nodes (Redis Cluster hash slots unless `sharding` says otherwise).
  TestWorld& Nodes(uint32_t nodes,
                   ClusterConfig::Sharding sharding = ClusterConfig::Sharding::kHashSlots) {
    w_.cache.cluster.nodes = nodes;
    w_.cache.cluster.sharding = sharding;
    return *this;
  }
  // Each cache node's single-threaded CPU: `per_op` per operation.
  TestWorld& CacheCpu(Duration per_op) {
    w_.cache.cpu.per_op = per_op;
    return *this;
  }
  // Cache node `node` crashes at `start`, is down for `length`, comes back empty.
  TestWorld& NodeRestart(uint32_t node, Duration start, Duration length) {
    FaultWindowConfig f{FaultWindowConfig::Kind::kRestart, start, length, 1};
    f.node = node;
    w_.cache.faults.push_back(f);
    return *this;
  }

  // `count` replicas per cache node, applying each change `lag_ms` late
  // (constant); GETs go where `from` says.
  TestWorld& CacheReplicas(uint32_t count, double lag_ms, CacheReplicaConfig::ReadFrom from,
                           Duration failover_after = Duration::Seconds(15)) {
    CacheReplicaConfig& r = w_.cache.cluster.replicas;
    r.count = count;
    r.lag = Constant(lag_ms * 1e6);
    r.read_from = from;
    r.failover_after = failover_after;
    return *this;
  }

  // No cache: every read is a database query.
  TestWorld& NoCache() {
    w_.cache.enabled = false;
    return *this;
  }
  // `count` read replicas, each `lag_ms` behind the primary (constant).
  TestWorld& Replicas(uint32_t count, double lag_ms, Duration read_your_writes = {}) {
    w_.database.replicas.count = count;
    w_.database.replicas.connections = w_.database.connections;
    w_.database.replicas.lag = Constant(lag_ms * 1e6);
    w_.database.replicas.read_your_writes = read_your_writes;
    return *this;
  }

  const WorldConfig& config() const { return w_; }
  operator WorldConfig() const { return w_; }  // NOLINT: a builder reads best converting

 private:
  WorldConfig w_;
};

class TestStack {
 public:
  // Cache-aside with fill TTL `ttl`; every other role at StackConfig's default.
  explicit TestStack(Duration ttl) {
    s_.read.name = "cache-aside";
    s_.read.params.Set("ttl", ttl);
  }

  // Role `role` runs module `name` with `params` (defaults for the rest).
  TestStack& Use(Role role, std::string name, Params params = {}) {
    s_.Of(role) = PolicyChoice{std::move(name), std::move(params)};
    return *this;
  }
  // One parameter of the module already chosen for `role`.
  TestStack& Set(Role role, const std::string& param, ParamValue value) {
    s_.Of(role).params.Set(param, std::move(value));
    return *this;
  }

  const StackConfig& config() const { return s_; }
  operator StackConfig() const { return s_; }  // NOLINT: a builder reads best converting

 private:
  StackConfig s_;
};

}  // namespace cachelab::test
