// The world with a cache of several nodes (CacheCluster): what a planner asks
// of a cluster, held to theory. A node's crash sends its share of the key
// space to the database, a hot key makes a hot node, and each
// single-threaded node queues as M/G/1 for its share of the load.
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <vector>

#include "policies/run.h"
#include "sim/model/cache_cluster.h"
#include "tests/support/world.h"

namespace cachelab {
namespace {

using test::TestStack;
using test::TestWorld;

// Workload keys 0..keys-1 on each node (the default key design: a workload
// key is its own cache key).
std::vector<uint64_t> KeysPerNode(const ClusterConfig& c, uint64_t keys) {
  const ShardMap m(c);
  std::vector<uint64_t> n(m.nodes());
  for (Key k = 0; k < keys; ++k) ++n[m.NodeOf(k)];
  return n;
}

TEST_CASE("a node's crash sends its share of the reads to the database, and no other node's",
          "[sim][model][world][cluster]") {
  const Duration start = Duration::Seconds(20), length = Duration::Seconds(10);
  const TestWorld base = TestWorld("shard-crash", 3).Keys(1000).Rps(2000).Nodes(4);
  const RunResult calm = RunSimulation(base, TestStack(Duration::Seconds(3600)));
  const RunResult crash = RunSimulation(TestWorld(base).NodeRestart(1, start, length),
                                        TestStack(Duration::Seconds(3600)));
  const Summary& s = crash.summary;
  REQUIRE(s.cluster);
  REQUIRE(s.cluster->per_node.size() == 4);
  for (const Summary::CacheNode& n : s.cluster->per_node) {
    CAPTURE(n.node);
    CHECK(n.flushes == (n.node == 1 ? 1u : 0u));
    if (n.node != 1) CHECK(n.errors == 0);
  }
  // Reads of node 1's keys during the window fail over to the database: a
  // Poisson count with mean rate x length x node 1's share of the (equally
  // popular) keys.
  const std::vector<uint64_t> on = KeysPerNode(base.config().cache.cluster, 1000);
  const double share = on[1] / 1000.0;
  const double expected = 2000 * length.seconds() * share;
  INFO("node 1 holds " << on[1] << " keys; " << s.cache.errors << " reads failed over, expected "
                       << expected);
  CHECK(std::fabs(static_cast<double>(s.cache.errors) - expected) <= 5 * std::sqrt(expected));
  CHECK(calm.summary.cache.errors == 0);
  // The database served those reads, and then refilled node 1's keys once each
  // (give or take a duplicate load of a key read twice within one load).
  const double extra = static_cast<double>(s.db.reads) - static_cast<double>(calm.summary.db.reads);
  CHECK(extra >= static_cast<double>(s.cache.errors + on[1]) * 0.97);
  CHECK(extra <= static_cast<double>(s.cache.errors + on[1]) * 1.03);
  // The other nodes kept every entry: the end state holds all 1,000 keys.
  CHECK(s.cluster->per_node[0].items + s.cluster->per_node[1].items + s.cluster->per_node[2].items +
            s.cluster->per_node[3].items ==
        1000);
}

TEST_CASE("a hot key makes a hot node, and each node queues as M/G/1 for its share",
          "[sim][model][world][cluster]") {
  // Zipf(1.2) over 1,000 keys: the hottest key alone draws about a fifth of
  // the reads, all to one node. Each read is one GET (the cache holds every
  // key after the cold start), so a node's GETs are a thinned Poisson stream
  // and its CPU an M/D/1 queue: W = lambda S^2 / (2 (1 - lambda S)).
  const Duration per_op = Duration::Micros(100);
  const WorldConfig w = TestWorld("hot-shard", 5)
                            .Keys(1000)
                            .Zipf(1.2)
                            .Rps(10'000)
                            .Lasting(Duration::Seconds(60))
                            .Nodes(4)
                            .CacheCpu(per_op);
  const RunResult r = RunSimulation(w, TestStack(Duration::Seconds(3600)));
  REQUIRE(r.summary.cluster);
  const Summary::Cluster& c = *r.summary.cluster;
  const uint32_t hot = ShardMap(w.cache.cluster).NodeOf(0);
  CHECK(c.busiest_node == hot);
  CHECK(c.ops_imbalance > 1.4);
  // Each node's GETs: Binomial(reads, the Zipf mass of its keys).
  const ShardMap m(w.cache.cluster);
  std::vector<double> mass(c.nodes);
  double total = 0;
  for (Key k = 0; k < 1000; ++k) {
    const double p = std::pow(static_cast<double>(k + 1), -1.2);
    mass[m.NodeOf(k)] += p;
    total += p;
  }
  const double reads = static_cast<double>(r.summary.requests.reads);
  for (const Summary::CacheNode& n : c.per_node) {
    const double p = mass[n.node] / total, mean = reads * p;
    CAPTURE(n.node, n.gets, mean);
    CHECK(std::fabs(static_cast<double>(n.gets) - mean) <= 5 * std::sqrt(mean * (1 - p)));
  }
  CHECK(c.max_cpu_utilization == c.per_node[hot].cpu_utilization);
  const double seconds = r.summary.simulated_seconds, s = per_op.seconds();
  for (const Summary::CacheNode& n : c.per_node) {
    const double lambda = static_cast<double>(n.ops) / seconds, rho = lambda * s;
    const double theory_ms = lambda * s * s / (2 * (1 - rho)) * 1e3;
    INFO("node " << n.node << ": " << n.ops << " operations, utilization " << n.cpu_utilization
                 << ", mean wait " << n.cpu_wait_ms << " ms, Pollaczek-Khinchine " << theory_ms
                 << " ms");
    CHECK(n.cpu_utilization == Approx(rho).epsilon(0.001));
    CHECK(n.cpu_wait_ms == Approx(theory_ms).epsilon(0.05));
    if (n.node != hot) CHECK(n.cpu_utilization < c.per_node[hot].cpu_utilization / 1.5);
  }
  // The time series per node adds up to the summary's operations.
  std::vector<uint64_t> ops(c.nodes);
  for (const NodeIntervalRow& row : r.node_timeseries) ops[row.node] += row.ops;
  for (const Summary::CacheNode& n : c.per_node) CHECK(ops[n.node] == n.ops);
}

TEST_CASE("a cache of one node without a CPU limit reports no cluster",
          "[sim][model][world][cluster]") {
  const RunResult r =
      RunSimulation(TestWorld("single", 1).Keys(100), TestStack(Duration::Seconds(3600)));
  CHECK_FALSE(r.summary.cluster);
  CHECK(r.node_timeseries.empty());
}

}  // namespace
}  // namespace cachelab
