// The world with cache.memory: entries charged as Redis lays them out, and
// each node's memory held against its RAM (sim/model/memory_model.h).
#include <catch2/catch.hpp>
#include <cstdint>

#include "policies/run.h"
#include "sim/model/memory_model.h"
#include "tests/support/world.h"

namespace cachelab {
namespace {

using test::TestStack;
using test::TestWorld;

constexpr uint64_t kKeys = 1000;

WorldConfig RedisWorld(uint64_t capacity, double fragmentation = 1, uint64_t ram = 0) {
  WorldConfig w = TestWorld("redis-memory", 5).Keys(kKeys).Rps(5000).CacheBytes(capacity);
  w.cache.memory.kind = MemoryModelConfig::Kind::kRedis;
  w.cache.memory.key_bytes = 20;
  w.cache.memory.fragmentation = fragmentation;
  w.cache.memory.ram_bytes = ram;
  return w;
}

// What one key costs: 1,000-byte values, stored with the fill TTL.
uint64_t PerKey() {
  MemoryModelConfig m;
  m.kind = MemoryModelConfig::Kind::kRedis;
  m.key_bytes = 20;
  return EntryCharge(m)(1000, true);
}

TEST_CASE("with the redis model every cached key costs its Redis layout, TTL included",
          "[sim][model][world][memory]") {
  REQUIRE(PerKey() == 32 + 8 + 32 + 16 + 1024 + 40);
  const RunResult r = RunSimulation(RedisWorld(1ull << 30), TestStack(Duration::Seconds(3600)));
  const Summary& s = r.summary;
  // 60 s of uniform reads over 1,000 keys load every key, none leaves.
  REQUIRE(s.cache.peak_items == kKeys);
  CHECK(s.cache.peak_bytes == kKeys * PerKey());
  REQUIRE(s.memory);
  CHECK(s.memory->model == "redis");
  CHECK(s.memory->peak_used_bytes == kKeys * PerKey());
  CHECK(s.memory->verdict == "not checked");
}

TEST_CASE("a maxmemory of 500 Redis entries holds 500 of them, where the flat 64 B would fit more",
          "[sim][model][world][memory]") {
  const uint64_t capacity = 500 * PerKey();
  const RunResult redis = RunSimulation(RedisWorld(capacity), TestStack(Duration::Seconds(3600)));
  CHECK(redis.summary.cache.peak_items == 500);
  CHECK(redis.summary.cache.peak_bytes <= capacity);
  CHECK(redis.summary.cache.evictions > 0);
  WorldConfig flat = RedisWorld(capacity);
  flat.cache.memory = MemoryModelConfig{};
  const RunResult f = RunSimulation(flat, TestStack(Duration::Seconds(3600)));
  CHECK(f.summary.cache.peak_items == capacity / (1000 + 64));
  CHECK_FALSE(f.summary.memory);  // the flat model's summary is today's
}

TEST_CASE("RSS is the peak times the fragmentation, judged against the node's RAM",
          "[sim][model][world][memory]") {
  const uint64_t peak = kKeys * PerKey();
  const uint64_t maxmemory = 4 * peak;  // never full in this run
  const auto verdict = [&](uint64_t ram) {
    const RunResult r =
        RunSimulation(RedisWorld(maxmemory, 1.5, ram), TestStack(Duration::Seconds(3600)));
    REQUIRE(r.summary.memory);
    CHECK(r.summary.memory->peak_rss_bytes == peak * 3 / 2);
    CHECK(r.summary.memory->ram_utilization ==
          Approx(static_cast<double>(peak) * 1.5 / static_cast<double>(ram)));
    return r.summary.memory->verdict;
  };
  CHECK(verdict(maxmemory * 2) == "fits");           // 6 peaks of RAM for a full node's 6
  CHECK(verdict(maxmemory) == "fits at peak only");  // a full node: 6 peaks > 4
  CHECK(verdict(peak) == "exceeds RAM");             // 1.5 peaks > 1
}

}  // namespace
}  // namespace cachelab
