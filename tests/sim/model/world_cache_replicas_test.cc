// The world with replicated cache nodes (ClusterConfig::replicas): a replica
// applies each change a lag after its primary, so its reads are behind with
// the probability that the key changed within the lag; a failover after
// failover_after keeps the shard's data (minus the changes in flight), where
// a node without replicas comes back empty.
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>

#include "policies/run.h"
#include "sim/model/cache_cluster.h"
#include "tests/support/world.h"

namespace cachelab {
namespace {

using ReadFrom = CacheReplicaConfig::ReadFrom;
using test::TestStack;
using test::TestWorld;

// Uniform keys, Poisson writes through the cache (write-through): key k's
// entry changes at rate rps x write_fraction / keys, so a replica read is
// behind when a change of its key falls within the lag before it:
// P = 1 - exp(-rate_k x lag).
constexpr double kRps = 10'000, kWrites = 0.1, kKeys = 1000, kLagMs = 100;

TestWorld LaggingWorld(ReadFrom from) {
  return TestWorld("cache-replicas", 5)
      .Keys(static_cast<uint64_t>(kKeys))
      .Rps(kRps)
      .Writes(kWrites)
      .DbReadMs(1)
      .DbWriteMs(1)
      .Nodes(2)
      .CacheReplicas(1, kLagMs, from)
      .Lasting(Duration::Seconds(120));
}

TestStack WriteThrough() {
  return TestStack(Duration::Seconds(3600)).Use(Role::kWrite, "write-through");
}

TEST_CASE("a replica read is behind its primary with the probability of a change within the lag",
          "[sim][model][world][cluster][replicas]") {
  const RunResult run = RunSimulation(LaggingWorld(ReadFrom::kReplicas), WriteThrough());
  REQUIRE(run.summary.cluster);
  REQUIRE(run.summary.cluster->replication);
  const Summary::CacheReplication& r = *run.summary.cluster->replication;
  const double p = 1 - std::exp(-kRps * kWrites / kKeys * kLagMs / 1e3);
  INFO(r.behind_reads << " of " << r.replica_reads << " replica reads behind; theory " << p);
  // Every read went to a replica (none was down).
  CHECK(r.replica_reads == run.summary.cache.hits + run.summary.cache.misses);
  // Each write moves about 0.9 reads behind, so the count is over-dispersed;
  // the cold start adds about one read per key. 4% holds both.
  CHECK(std::fabs(r.behind_ratio - p) <= 0.04 * p);
  CHECK(r.failovers == 0);
  CHECK(r.lost_changes == 0);
  // The replicas applied every change: sets of fills and writes.
  CHECK(r.applied >= static_cast<uint64_t>(kRps * kWrites * 120 * 0.95));
  // A behind read of an entry the write replaced is a stale read.
  CHECK(run.summary.staleness.stale_reads >= r.behind_reads * 9 / 10);
}

TEST_CASE("reads from the primary are never behind, and far less often stale",
          "[sim][model][world][cluster][replicas]") {
  const RunResult primary = RunSimulation(LaggingWorld(ReadFrom::kPrimary), WriteThrough());
  const RunResult replicas = RunSimulation(LaggingWorld(ReadFrom::kReplicas), WriteThrough());
  const Summary::CacheReplication& r = *primary.summary.cluster->replication;
  CHECK(r.replica_reads == 0);
  CHECK(r.behind_reads == 0);
  // The replicas still applied every change.
  CHECK(r.applied > 0);
  CHECK(primary.summary.staleness.stale_reads * 10 < replicas.summary.staleness.stale_reads);
}

// Three nodes with a replica each; node 1's primary crashes at 20 s for 30 s.
TestWorld CrashWorld(uint32_t replicas, double lag_ms) {
  TestWorld w = TestWorld("cache-failover", 7)
                    .Keys(3000)
                    .Rps(3000)
                    .Writes(0.05)
                    .DbReadMs(1)
                    .DbWriteMs(1)
                    .Nodes(3)
                    .NodeRestart(1, Duration::Seconds(20), Duration::Seconds(30))
                    .Lasting(Duration::Seconds(80));
  if (replicas > 0) w.CacheReplicas(replicas, lag_ms, ReadFrom::kPrimary, Duration::Seconds(5));
  return w;
}

TEST_CASE("a failover after failover_after keeps the shard's data, which without a replica is lost",
          "[sim][model][world][cluster][replicas]") {
  const TestStack stack(Duration::Seconds(3600));
  const RunResult bare = RunSimulation(CrashWorld(0, 0), stack);
  const RunResult replicated = RunSimulation(CrashWorld(1, 1), stack);
  const ShardMap shards(CrashWorld(1, 1).config().cache.cluster);
  const double share = shards.Share(1);  // of equally popular keys
  const double reads_per_s = 3000 * 0.95 * share;

  // Reads of node 1's keys fail for the failover's 5 s instead of the 30 s.
  const double expected = reads_per_s * 5;
  const auto errors = static_cast<double>(replicated.summary.cache.errors);
  INFO("errors " << errors << " expected " << expected);
  CHECK(std::fabs(errors - expected) <= 5 * std::sqrt(expected));
  CHECK(bare.summary.cache.errors > 5 * replicated.summary.cache.errors);

  const Summary::CacheReplication& r = *replicated.summary.cluster->replication;
  REQUIRE(r.promotions.size() == 1);
  CHECK(r.failovers == 1);
  CHECK(r.promotions[0].shard == 1);
  CHECK(r.promotions[0].from == 1);
  CHECK(r.promotions[0].to == 4);  // server 1 + 1 x 3 nodes
  CHECK(r.promotions[0].crash_s == Approx(20));
  CHECK(r.promotions[0].at_s == Approx(25));
  // The crashed primary came back at 50 s as a replica of the new one.
  CHECK(r.resyncs >= 1);
  const auto& nodes = replicated.summary.cluster->per_node;
  REQUIRE(nodes.size() == 6);
  CHECK(nodes[1].role == "replica");
  CHECK(nodes[4].role == "primary");
  CHECK(nodes[4].shard == 1);

  // The promoted replica held node 1's keys. The bare run's database served
  // node 1's reads for 25 s longer (its extra errors), then refilled node 1's
  // whole share when it came back empty. It was spared one thing: writes to
  // node 1's keys in those 25 s invalidated nothing, so their next reads did
  // not miss (about one miss per write).
  const double keys_on_node = 3000 * share;
  const double writes_on_node = 3000 * 0.05 * share * 25;
  const double saved =
      static_cast<double>(bare.summary.db.reads) - static_cast<double>(replicated.summary.db.reads);
  const double longer = static_cast<double>(bare.summary.cache.errors) -
                        static_cast<double>(replicated.summary.cache.errors);
  INFO("database reads saved " << saved << "; failed-over reads saved " << longer
                               << "; node 1's keys " << keys_on_node << ", its writes in 25 s "
                               << writes_on_node);
  CHECK(saved - longer >= 0.9 * keys_on_node - 1.2 * writes_on_node);
  CHECK(saved - longer <= 1.1 * keys_on_node - 0.8 * writes_on_node);
}

TEST_CASE("changes in flight to the promoted replica at the crash are lost: rate x lag",
          "[sim][model][world][cluster][replicas]") {
  // A one-second lag keeps about a second of node 1's changes in flight.
  const TestStack stack(Duration::Seconds(3600));
  const TestWorld w = TestWorld(CrashWorld(1, 1000)).Writes(0.3);
  const RunResult run = RunSimulation(w, stack);
  const Summary::CacheReplication& r = *run.summary.cluster->replication;
  // Node 1's change rate before the crash, from a run without it: every
  // replica applies its primary's changes, so node 1's replica applied its
  // share of all of them.
  TestWorld calm_world = TestWorld("cache-failover", 7)
                             .Keys(3000)
                             .Rps(3000)
                             .Writes(0.3)
                             .DbReadMs(1)
                             .DbWriteMs(1)
                             .Nodes(3)
                             .CacheReplicas(1, 1000, ReadFrom::kPrimary, Duration::Seconds(5))
                             .Lasting(Duration::Seconds(80));
  const RunResult calm = RunSimulation(calm_world, stack);
  const ShardMap shards(calm_world.config().cache.cluster);
  // Little's law: changes in flight = change rate x lag. The first seconds
  // fill the cache (more sets), so take the steady rate over the last 60 s
  // as the rate of writes that change an entry: deletes of cached keys.
  const double rate =
      static_cast<double>(calm.summary.cluster->replication->applied) / 80 * shards.Share(1);
  INFO("lost " << r.lost_changes << ", rate " << rate << "/s");
  CHECK(r.lost_changes > 0);
  CHECK(static_cast<double>(r.lost_changes) <= 1.2 * rate + 3 * std::sqrt(rate));
  CHECK(static_cast<double>(r.lost_changes) >= 0.7 * rate - 3 * std::sqrt(rate));
}

}  // namespace
}  // namespace cachelab
