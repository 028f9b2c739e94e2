#include "sim/model/cache_cluster.h"

#include <boost/random/exponential_distribution.hpp>
#include <boost/random/uniform_int_distribution.hpp>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <memory>
#include <vector>

#include "policies/registry.h"
#include "sim/core/random.h"
#include "sim/core/simulator.h"
#include "sim/core/task.h"

namespace cachelab {
namespace {

std::unique_ptr<EvictionPolicy> MakeLru() {
  const PolicyInfo* info = FindPolicy(Role::kEviction, "lru");
  REQUIRE(info != nullptr);
  return info->make_eviction(Params{});
}

CacheConfig Config(uint32_t nodes) {
  CacheConfig c;
  c.capacity_bytes = 1'000'000;
  c.memory.entry_overhead = 0;
  c.rtt.kind = DistributionConfig::Kind::kConstant;
  c.rtt.mean = 1e6;  // 1 ms
  c.timeout = Duration::Millis(50);
  c.active_expiry_interval = Duration();
  c.cluster.nodes = nodes;
  return c;
}

// Node `node` crashes at `start` and is back, empty, `duration` later.
void AddRestart(CacheConfig& config, uint32_t node, Duration start, Duration duration) {
  FaultWindowConfig restart;
  restart.kind = FaultWindowConfig::Kind::kRestart;
  restart.start = start;
  restart.duration = duration;
  restart.node = node;
  config.faults.push_back(restart);
}

ClusterConfig Ring(uint32_t nodes, uint32_t virtual_nodes = 160) {
  ClusterConfig c;
  c.nodes = nodes;
  c.sharding = ClusterConfig::Sharding::kConsistentHashing;
  c.virtual_nodes = virtual_nodes;
  return c;
}

// Keys 0..n-1 counted per node; each count must lie within 5 standard
// deviations of Binomial(n, the node's share).
void CheckBinomialSpread(const ShardMap& m, uint64_t n) {
  std::vector<uint64_t> count(m.nodes());
  for (Key k = 0; k < n; ++k) ++count[m.NodeOf(k)];
  double shares = 0;
  for (uint32_t i = 0; i < m.nodes(); ++i) {
    const double p = m.Share(i);
    shares += p;
    const double mean = static_cast<double>(n) * p, sd = std::sqrt(mean * (1 - p));
    INFO("node " << i << " share " << p << ": " << count[i] << " keys, expected " << mean);
    CHECK(std::fabs(static_cast<double>(count[i]) - mean) <= 5 * sd + 1);
  }
  CHECK(shares == Approx(1).epsilon(1e-12));
}

TEST_CASE("hash slots are Redis Cluster's: CRC16/XMODEM of the key's text mod 16384",
          "[sim][model][cache_cluster]") {
  // The CRC's check value (the Redis Cluster specification) and CLUSTER KEYSLOT answers.
  CHECK(ShardMap::Slot("123456789") == (0x31C3 % 16384));
  CHECK(ShardMap::Slot("foo") == 12182);
  CHECK(ShardMap::Slot("bar") == 5061);
  CHECK(ShardMap::Slot("hello") == 866);
  CHECK(ShardMap::SlotOfKey(123456789) == ShardMap::Slot("123456789"));
}

TEST_CASE("slots are dealt in contiguous ranges as redis-cli --cluster create deals them",
          "[sim][model][cache_cluster]") {
  ClusterConfig c;
  c.nodes = 3;
  const ShardMap m(c);
  // redis-cli: 0-5460, 5461-10922, 10923-16383.
  CHECK(m.Share(0) == Approx(5461.0 / 16384));
  CHECK(m.Share(1) == Approx(5462.0 / 16384));
  CHECK(m.Share(2) == Approx(5461.0 / 16384));
  // A key goes to the owner of its slot.
  for (Key k : {0ull, 7ull, 999ull, 123456789ull}) {
    const uint32_t slot = ShardMap::SlotOfKey(k);
    const uint32_t owner = slot <= 5460 ? 0 : slot <= 10922 ? 1 : 2;
    CHECK(m.NodeOf(k) == owner);
  }
}

TEST_CASE("both shardings spread uniform keys within binomial bounds",
          "[sim][model][cache_cluster]") {
  SECTION("hash slots, 10 nodes") {
    ClusterConfig c;
    c.nodes = 10;
    CheckBinomialSpread(ShardMap(c), 200'000);
  }
  SECTION("consistent hashing, 7 nodes of 160 points") {
    CheckBinomialSpread(ShardMap(Ring(7)), 200'000);
  }
  SECTION(
      "consistent hashing, 3 nodes of 1 point: shares far from equal, counts still follow them") {
    const ShardMap m(Ring(3, 1));
    CheckBinomialSpread(m, 200'000);
  }
}

TEST_CASE("adding a node to a ring moves only the keys the new node takes",
          "[sim][model][cache_cluster]") {
  const ShardMap before(Ring(5)), after(Ring(6));
  const uint64_t n = 100'000;
  uint64_t moved = 0;
  for (Key k = 0; k < n; ++k) {
    const uint32_t a = before.NodeOf(k), b = after.NodeOf(k);
    if (a == b) continue;
    ++moved;
    CHECK(b == 5);  // a key that moves, moves to the new node
  }
  const double p = after.Share(5), mean = n * p, sd = std::sqrt(mean * (1 - p));
  CHECK(std::fabs(static_cast<double>(moved) - mean) <= 5 * sd);
  // Hash slots, by contrast, re-deal ranges: far more keys move.
  ClusterConfig five, six;
  five.nodes = 5;
  six.nodes = 6;
  uint64_t slot_moved = 0;
  for (Key k = 0; k < n; ++k) slot_moved += ShardMap(five).NodeOf(k) != ShardMap(six).NodeOf(k);
  CHECK(slot_moved > 2 * moved);
}

// Poisson GETs at `rate` per second for `seconds`, each of a key drawn
// uniformly from `keys`, against one node. `keys` by value: the coroutine
// outlives its caller's arguments.
Task<void> PoissonGets(Simulator& sim, CacheCluster& cache, double rate, double seconds,
                       std::vector<Key> keys,
                       uint64_t seed) {  // by value: a coroutine outlives its arguments
  RandomEngine rng = MakeStream(seed, "test.arrivals");
  boost::random::exponential_distribution<double> gap(rate);
  boost::random::uniform_int_distribution<size_t> pick(0, keys.size() - 1);
  const Time end = Time::Zero() + Duration::FromSecondsF(seconds);
  while (true) {
    co_await Sleep(sim, Duration::FromSecondsF(gap(rng)));
    if (sim.now() >= end) co_return;
    Spawn(sim,
          [](CacheCluster& c, Key k) -> Task<void> { co_await c.Get(k); }(cache, keys[pick(rng)]));
  }
}

TEST_CASE("a single-threaded node queues like M/G/1 (Pollaczek-Khinchine)",
          "[sim][model][cache_cluster]") {
  // Mean wait for the CPU: W = lambda E[S^2] / (2 (1 - rho)), rho = lambda E[S].
  Simulator sim;
  CacheConfig config = Config(1);
  config.cpu.per_op = Duration::Micros(4);
  config.cpu.per_kib = Duration::Micros(2);
  CacheCluster cache(sim, config, MakeLru(), {}, 1);
  // Values of 1, 2, 4 and 8 KiB, one key each: services of 6, 8, 12 and 20 us.
  std::vector<Key> keys = {1, 2, 3, 4};
  std::vector<double> service_us;
  for (size_t i = 0; i < keys.size(); ++i) {
    const uint32_t bytes = 1024u << i;
    Spawn(sim, [](CacheCluster& c, Key k, uint32_t b) -> Task<void> {
      co_await c.Set(k, Value{1, b, true}, Duration());
    }(cache, keys[i], bytes));
    service_us.push_back(4 + 2.0 * (1u << i));
  }
  sim.Run();
  const CacheServerStats before = cache.server(0).stats();
  double es = 0, es2 = 0;
  for (double s : service_us) {
    es += s / service_us.size();
    es2 += s * s / service_us.size();
  }
  const double rho = 0.7, rate = rho / (es * 1e-6);
  Spawn(sim, PoissonGets(sim, cache, rate, 20, keys, 7));
  sim.Run();
  const CacheServerStats& st = cache.server(0).stats();
  const double ops = static_cast<double>(st.cpu_ops - before.cpu_ops);
  const double wait_us = static_cast<double>(st.cpu_wait_ns - before.cpu_wait_ns) / 1e3 / ops;
  const double theory_us = rate * es2 * 1e-12 / (2 * (1 - rho)) * 1e6;
  INFO(ops << " gets, mean wait " << wait_us << " us, Pollaczek-Khinchine " << theory_us << " us");
  CHECK(st.hits - before.hits == st.cpu_ops - before.cpu_ops);
  CHECK(wait_us == Approx(theory_us).epsilon(0.05));
  // Utilization is rho: busy time over the 20 s.
  const double busy = static_cast<double>(st.cpu_busy_ns - before.cpu_busy_ns) / 1e9;
  CHECK(busy / 20 == Approx(rho).epsilon(0.02));
}

TEST_CASE("a node's outgoing link queues answers like M/D/1", "[sim][model][cache_cluster]") {
  // 100 KiB answers over 100 Mbit/s: 8.192 ms each; W = rho S / (2 (1 - rho)).
  Simulator sim;
  CacheConfig config = Config(1);
  config.network.bandwidth_mbit = 100;
  CacheCluster cache(sim, config, MakeLru(), {}, 1);
  const uint32_t bytes = 100 * 1024;
  Spawn(sim, [](CacheCluster& c, uint32_t b) -> Task<void> {
    co_await c.Set(1, Value{1, b, true}, Duration());
  }(cache, bytes));
  sim.Run();
  const CacheServerStats before = cache.server(0).stats();
  const double s = bytes * 8.0 / 100e6, rho = 0.6, rate = rho / s;
  Spawn(sim, PoissonGets(sim, cache, rate, 2000, {1}, 3));
  sim.Run();
  const CacheServerStats& st = cache.server(0).stats();
  const double gets = static_cast<double>(st.gets - before.gets);
  const double wait = static_cast<double>(st.link_wait_ns - before.link_wait_ns) / 1e9 / gets;
  const double theory = rho * s / (2 * (1 - rho));
  INFO(gets << " answers, mean wait " << wait * 1e3 << " ms, M/D/1 " << theory * 1e3 << " ms");
  CHECK(wait == Approx(theory).epsilon(0.05));
  CHECK(static_cast<double>(st.link_out_busy_ns - before.link_out_busy_ns) / 1e9 / 2000 ==
        Approx(rho).epsilon(0.03));
  CHECK(st.bytes_out - before.bytes_out == (st.gets - before.gets) * bytes);
  CHECK(st.link_in_busy_ns == before.link_in_busy_ns);  // GETs carry nothing in
}

TEST_CASE("without a CPU limit an operation takes its round trip only",
          "[sim][model][cache_cluster]") {
  Simulator sim;
  CacheCluster cache(sim, Config(1), MakeLru(), {}, 1);
  Time answered;
  Spawn(sim, [](Simulator& s, CacheCluster& c, Time* at) -> Task<void> {
    co_await c.Set(1, Value{1, 1 << 20, false}, Duration());
    *at = s.now();
  }(sim, cache, &answered));
  sim.Run();
  CHECK(answered == Time::Zero() + Duration::Millis(1));
  CHECK(cache.server(0).stats().cpu_ops == 0);
}

TEST_CASE("a fault window with a node hits that node only", "[sim][model][cache_cluster]") {
  Simulator sim;
  CacheConfig config = Config(4);
  AddRestart(config, 2, Duration::Seconds(1), Duration::Seconds(1));
  CacheCluster cache(sim, config, MakeLru(), MakeLru, 1);
  std::vector<uint32_t> flushed;
  cache.AddFlushListener([&](uint32_t node) { flushed.push_back(node); });
  cache.Start();
  const uint64_t keys = 400;
  for (Key k = 0; k < keys; ++k) {
    Spawn(sim, [](CacheCluster& c, Key key) -> Task<void> {
      co_await c.Set(key, Value{1, 10, true}, Duration());
    }(cache, k));
  }
  std::vector<CacheStatus> during(keys), after(keys);
  // Every key read at once, inside the window and after it.
  auto get_at = [](Simulator& s, CacheCluster& c, Duration at, Key k,
                   CacheStatus* out) -> Task<void> {
    co_await Sleep(s, at);
    *out = (co_await c.Get(k)).status;
  };
  for (Key k = 0; k < keys; ++k) {
    Spawn(sim, get_at(sim, cache, Duration::Millis(1500), k, &during[k]));
    Spawn(sim, get_at(sim, cache, Duration::Millis(2500), k, &after[k]));
  }
  sim.Run();
  CHECK(flushed == std::vector<uint32_t>{2});
  uint64_t on_two = 0;
  for (Key k = 0; k < keys; ++k) {
    const bool hit_node = cache.NodeOf(k) == 2;
    on_two += hit_node;
    CHECK(during[k] == (hit_node ? CacheStatus::kError : CacheStatus::kHit));
    CHECK(after[k] == (hit_node ? CacheStatus::kMiss : CacheStatus::kHit));
  }
  CHECK(on_two > 0);
  CHECK(cache.server(2).stats().flushes == 1);
  CHECK(cache.stats().flushes == 1);
  CHECK(cache.UpAgainAt(Time::Zero() + Duration::Millis(1500), 2) ==
        Time::Zero() + Duration::Seconds(2));
  CHECK(cache.UpAgainAt(Time::Zero() + Duration::Millis(1500), 1) ==
        Time::Zero() + Duration::Millis(1500));
  CHECK(cache.UpAgainAt(Time::Zero() + Duration::Millis(1500), FaultWindowConfig::kAllNodes) ==
        Time::Zero() + Duration::Seconds(2));
}

TEST_CASE("a window without a node flushes every node, each telling the listeners once",
          "[sim][model][cache_cluster]") {
  Simulator sim;
  CacheConfig config = Config(3);
  FaultWindowConfig flush;
  flush.kind = FaultWindowConfig::Kind::kFlush;
  flush.start = Duration::Seconds(1);
  config.faults.push_back(flush);
  CacheCluster cache(sim, config, MakeLru(), MakeLru, 1);
  std::vector<uint32_t> flushed;
  cache.AddFlushListener([&](uint32_t node) { flushed.push_back(node); });
  cache.Start();
  Spawn(sim, [](Simulator& s, CacheCluster& c) -> Task<void> {
    co_await Sleep(s, Duration::Seconds(2));
    c.Stop();
  }(sim, cache));
  sim.Run();
  CHECK(flushed == std::vector<uint32_t>{0, 1, 2});
}

TEST_CASE("each node holds at most its own capacity", "[sim][model][cache_cluster]") {
  Simulator sim;
  CacheConfig config = Config(4);
  config.capacity_bytes = 10'000;
  CacheCluster cache(sim, config, MakeLru(), MakeLru, 1);
  for (Key k = 0; k < 2'000; ++k) {
    Spawn(sim, [](CacheCluster& c, Key key) -> Task<void> {
      co_await c.Set(key, Value{1, 100, true}, Duration());
    }(cache, k));
  }
  sim.Run();
  uint64_t total = 0;
  for (uint32_t i = 0; i < cache.nodes(); ++i) {
    CHECK(cache.server(i).store().bytes() <= 10'000);
    CHECK(cache.server(i).store().bytes() >= 9'900);  // every node got more than it holds
    total += cache.server(i).store().bytes();
  }
  CHECK(cache.bytes() == total);
  CHECK(cache.evictions() == 2'000 - cache.items());
}

// Replicas: one node, one replica applying changes `lag_ms` late.
CacheConfig Replicated(double lag_ms, CacheReplicaConfig::ReadFrom from) {
  CacheConfig c = Config(1);
  c.cluster.replicas.count = 1;
  c.cluster.replicas.lag.kind = DistributionConfig::Kind::kConstant;
  c.cluster.replicas.lag.mean = lag_ms * 1e6;
  c.cluster.replicas.read_from = from;
  return c;
}

Time At(double ms) {
  return Time::Zero() + Duration::FromSecondsF(ms / 1e3);
}

// Operations issued at fixed moments.
Task<void> SetAt(Simulator& s, CacheCluster& c, double ms, Key k, uint32_t bytes,
                 uint64_t version = 1) {
  co_await Sleep(s, At(ms) - s.now());
  co_await c.Set(k, Value{version, bytes, true}, Duration());
}
Task<void> DeleteAt(Simulator& s, CacheCluster& c, double ms, Key k) {
  co_await Sleep(s, At(ms) - s.now());
  co_await c.Delete(k);
}
Task<void> GetAt(Simulator& s, CacheCluster& c, double ms, Key k, CacheStatus* out) {
  co_await Sleep(s, At(ms) - s.now());
  *out = (co_await c.Get(k)).status;
}

TEST_CASE("a replica applies its primary's changes a lag late, in order, evictions included",
          "[sim][model][cache_cluster][replicas]") {
  Simulator sim;
  // Room for three 1,000-byte values; the replica is read 10 ms behind.
  CacheConfig config = Replicated(10, CacheReplicaConfig::ReadFrom::kReplicas);
  config.capacity_bytes = 3000;
  CacheCluster cache(sim, config, MakeLru(), MakeLru, 1);
  cache.Start();
  for (Key k = 1; k <= 3; ++k) Spawn(sim, SetAt(sim, cache, 0, k, 1000));
  CacheStatus early, late, evicted, added, deleted_early, deleted_late;
  Spawn(sim, GetAt(sim, cache, 5, 1, &early));  // before the set reached the replica
  Spawn(sim, GetAt(sim, cache, 20, 1, &late));  // after
  Spawn(sim, SetAt(sim, cache, 30, 4, 1000));   // the primary evicts key 1 (LRU) for key 4
  Spawn(sim, GetAt(sim, cache, 45, 1, &evicted));
  Spawn(sim, GetAt(sim, cache, 45, 4, &added));
  Spawn(sim, DeleteAt(sim, cache, 50, 2));
  Spawn(sim, GetAt(sim, cache, 55, 2, &deleted_early));  // the delete is on its way
  Spawn(sim, GetAt(sim, cache, 65, 2, &deleted_late));
  sim.Run();
  CHECK(early == CacheStatus::kMiss);
  CHECK(late == CacheStatus::kHit);
  CHECK(evicted == CacheStatus::kMiss);
  CHECK(added == CacheStatus::kHit);
  CHECK(deleted_early == CacheStatus::kHit);
  CHECK(deleted_late == CacheStatus::kMiss);
  // The replica followed the primary's eviction instead of choosing its own.
  CHECK(cache.server(1).store().evictions() == 0);
  CHECK(cache.server(1).store().bytes() == cache.server(0).store().bytes());
  CHECK(cache.server(1).store().bytes() <= config.capacity_bytes);
  const ReplicationStats& r = cache.replication();
  CHECK(r.replica_reads == 6);
  CHECK(r.behind_reads == 2);  // the read before the set, the read after the delete
  CHECK(r.applied == 6);       // 4 sets, the eviction, the delete
  // Store totals are the primary's: its one eviction, not the replica's copy.
  CHECK(cache.evictions() == 1);
  CHECK(cache.items() == cache.server(0).store().items());
}

TEST_CASE("a primary that restarts empty before the failover empties its replicas",
          "[sim][model][cache_cluster][replicas]") {
  Simulator sim;
  CacheConfig config = Replicated(1, CacheReplicaConfig::ReadFrom::kReplicas);
  config.cluster.replicas.failover_after = Duration::Seconds(5);
  AddRestart(config, 0, Duration::Seconds(1), Duration::Seconds(2));
  CacheCluster cache(sim, config, MakeLru(), MakeLru, 1);
  std::vector<uint32_t> flushed;
  cache.AddFlushListener([&](uint32_t node) { flushed.push_back(node); });
  cache.Start();
  Spawn(sim, SetAt(sim, cache, 0, 7, 100));
  CacheStatus during, after;
  Spawn(sim, GetAt(sim, cache, 1500, 7, &during));  // the replica still serves reads
  Spawn(sim, GetAt(sim, cache, 3500, 7, &after));   // it resynced from the empty primary
  sim.Run();
  CHECK(during == CacheStatus::kHit);
  CHECK(after == CacheStatus::kMiss);
  CHECK(flushed == std::vector<uint32_t>{0});  // the shard's data is gone
  CHECK(cache.replication().failovers == 0);
  CHECK(cache.replication().resyncs == 1);
  CHECK(cache.UpAgainAt(At(1500), 0) == At(3000));
  CHECK(cache.IsPrimary(0));
}

TEST_CASE("a failover promotes the replica with what it had applied, and the old primary resyncs",
          "[sim][model][cache_cluster][replicas]") {
  Simulator sim;
  CacheConfig config = Replicated(100, CacheReplicaConfig::ReadFrom::kPrimary);
  config.cluster.replicas.failover_after = Duration::Millis(500);
  AddRestart(config, 0, Duration::Seconds(1), Duration::Seconds(3));
  CacheCluster cache(sim, config, MakeLru(), MakeLru, 1);
  std::vector<uint32_t> flushed;
  cache.AddFlushListener([&](uint32_t node) { flushed.push_back(node); });
  cache.Start();
  Spawn(sim, SetAt(sim, cache, 0, 1, 100));    // applied on the replica at 101 ms
  Spawn(sim, SetAt(sim, cache, 950, 2, 100));  // still in flight at the crash (due at 1,050)
  CacheStatus down, kept, lost;
  Spawn(sim, GetAt(sim, cache, 1200, 1, &down));
  Spawn(sim, GetAt(sim, cache, 1600, 1, &kept));
  Spawn(sim, GetAt(sim, cache, 1600, 2, &lost));
  sim.Run();
  CHECK(down == CacheStatus::kError);  // before the promotion
  CHECK(kept == CacheStatus::kHit);
  CHECK(lost == CacheStatus::kMiss);
  const ReplicationStats& r = cache.replication();
  CHECK(r.failovers == 1);
  CHECK(r.lost_changes == 1);
  CHECK(flushed.empty());  // the shard kept its data
  REQUIRE(cache.failovers().size() == 1);
  CHECK(cache.failovers()[0].from == 0);
  CHECK(cache.failovers()[0].to == 1);
  CHECK(cache.failovers()[0].at == At(1500));
  CHECK(cache.UpAgainAt(At(1200), 0) == At(1500));
  CHECK(cache.IsPrimary(1));
  CHECK_FALSE(cache.IsPrimary(0));
  // Back at 4 s as a replica, the old primary copied the new one.
  CHECK(r.resyncs == 1);
  CHECK(cache.server(0).store().items() == cache.server(1).store().items());
  CHECK(cache.server(0).store().items() == 1);
}

}  // namespace
}  // namespace cachelab
