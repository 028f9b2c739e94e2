// The hot-key stampede world the guard tests share: one key read 2,000 times
// a second, cached for 1 s, loaded from the database in 50 ms. Every expiry
// lets about 2,000 * 0.05 = 100 reads miss before the first load can refill
// the entry: without a guard each of them loads the key.
#pragma once

#include <cmath>
#include <cstdint>
#include <string>

#include "policies/run.h"
#include "tests/support/world.h"

namespace cachelab::test {

inline constexpr double kHotRps = 2000;
inline constexpr double kHotDbReadMs = 50;
inline constexpr double kHotRttMs = 0.5;
inline const Duration kHotTtl = Duration::Seconds(1);
inline const Duration kHotDuration = Duration::Seconds(20);
inline constexpr uint32_t kHotConnections = 16;

// Constant latencies, so the bounds the tests derive hold exactly; Poisson
// arrivals. 16 connections serve 320 loads/s: a stampede of 100 queues.
inline WorldConfig HotKeyWorld(uint32_t instances = 1) {
  return TestWorld("hot-key", 7)
      .Lasting(kHotDuration)
      .Rps(kHotRps)
      .Keys(1)
      .Instances(instances)
      .RttMs(kHotRttMs)
      .Connections(kHotConnections)
      .DbReadMs(kHotDbReadMs);
}

// With one load per expiry: between two loads lie one TTL, the load (50 ms)
// and, in every guard, a few round trips and the gap to the next arrival
// (well under 10 ms); the first load comes at the start. So a run needs
// between MinExpiryLoads() and MaxExpiryLoads() loads.
inline uint64_t MinExpiryLoads() {
  const double cycle = kHotTtl.seconds() + kHotDbReadMs / 1000 + 0.01;
  return static_cast<uint64_t>(std::floor(kHotDuration.seconds() / cycle));
}
inline uint64_t MaxExpiryLoads() {
  const double cycle = kHotTtl.seconds() + kHotDbReadMs / 1000;
  return static_cast<uint64_t>(std::ceil(kHotDuration.seconds() / cycle)) + 1;
}

// Cache-aside with `ttl`, invalidate-on-write, and the guard `guard`
// (default parameters unless `params` says otherwise).
inline StackConfig GuardStack(const std::string& guard, Params params = {},
                              Duration ttl = kHotTtl) {
  return TestStack(ttl).Use(Role::kGuard, guard, std::move(params));
}

}  // namespace cachelab::test
