// Serialization costs (the article's "Forgetting Serialization Costs"),
// applied by CacheOps for every module: a hit pays deserialization of the
// cached bytes (instances.serialization.per_kib per KiB), a fill pays
// serialization, and caching only a fraction of the row (cached_fraction)
// shrinks both the cache footprint and the per-hit cost in proportion.
#include <catch2/catch.hpp>

#include "policies/run.h"
#include "tests/support/distributions.h"

using namespace cachelab;
using test::Constant;

namespace {

constexpr uint32_t kRowBytes = 4096;
constexpr uint64_t kKeys = 10;
constexpr double kRttMs = 0.5;

// 1,000 reads/s over 10 keys of 4 KiB rows with a 1 h TTL: after ten misses
// every read hits. Constant round trips so latency differences are exact.
WorldConfig HitWorld(Duration per_kib, double cached_fraction) {
  WorldConfig w;
  w.name = "serialization";
  w.seed = 9;
  w.duration = Duration::Seconds(20);
  w.workload.rate.rps = 1000;
  w.workload.keys = kKeys;
  w.workload.popularity = WorkloadConfig::Popularity::kUniform;
  w.workload.value_size = Constant(kRowBytes);
  w.instances.serialization.per_kib = per_kib;
  w.instances.serialization.cached_fraction = cached_fraction;
  w.cache.capacity_bytes = 1ull << 30;
  w.cache.rtt = Constant(kRttMs * 1e6);
  w.cache.timeout = Duration::Millis(50);
  w.database.connections = 16;
  w.database.read_service = Constant(2e6);
  w.database.write_service = Constant(1e6);
  return w;
}

StackConfig CacheAside() {
  StackConfig s;
  s.read.name = "cache-aside";
  s.read.params.Set("ttl", Duration::Seconds(3600));
  return s;
}

}  // namespace

TEST_CASE("deserialization adds per_kib times the cached size to every hit",
          "[policies][serialization]") {
  const Duration per_kib = Duration::Nanos(100'000);  // 100 us per KiB
  const RunResult free = RunSimulation(HitWorld(Duration(), 1), CacheAside());
  const RunResult paid = RunSimulation(HitWorld(per_kib, 1), CacheAside());
  REQUIRE(paid.summary.requests.total == free.summary.requests.total);
  // Every read pays one (de)serialization of 4 KiB: the hit deserializes, the
  // miss serializes its fill (cache-aside awaits it). 4 x 100 us = 0.4 ms.
  const double cost_ms = per_kib.millis() * kRowBytes / 1024.0;
  CHECK(paid.summary.latency_ms.mean - free.summary.latency_ms.mean ==
        Approx(cost_ms).margin(0.005));
  CHECK(paid.summary.latency_ms.p50 - free.summary.latency_ms.p50 ==
        Approx(cost_ms).margin(0.05 * cost_ms));
}

TEST_CASE("caching a tenth of the row cuts cache bytes and the per-hit cost tenfold",
          "[policies][serialization]") {
  const Duration per_kib = Duration::Nanos(100'000);
  const RunResult whole = RunSimulation(HitWorld(per_kib, 1.0), CacheAside());
  const RunResult tenth = RunSimulation(HitWorld(per_kib, 0.1), CacheAside());
  const RunResult free = RunSimulation(HitWorld(Duration(), 1.0), CacheAside());
  REQUIRE(tenth.summary.cache.peak_items == kKeys);
  REQUIRE(whole.summary.cache.peak_items == kKeys);
  // Value bytes: the peak less the per-entry overhead the server charges.
  const uint64_t overhead = CacheConfig{}.memory.entry_overhead * kKeys;
  const double whole_bytes = static_cast<double>(whole.summary.cache.peak_bytes - overhead);
  const double tenth_bytes = static_cast<double>(tenth.summary.cache.peak_bytes - overhead);
  CHECK(whole_bytes == kKeys * kRowBytes);
  CHECK(tenth_bytes == Approx(kKeys * kRowBytes * 0.1).margin(kKeys));  // rounded per value
  CHECK(whole_bytes / tenth_bytes == Approx(10).epsilon(0.01));
  // The per-read cost shrinks with the bytes.
  const double whole_cost = whole.summary.latency_ms.mean - free.summary.latency_ms.mean;
  const double tenth_cost = tenth.summary.latency_ms.mean - free.summary.latency_ms.mean;
  INFO("per-read serialization cost " << whole_cost << " ms whole, " << tenth_cost
                                      << " ms a tenth");
  CHECK(whole_cost / tenth_cost == Approx(10).epsilon(0.05));
}
