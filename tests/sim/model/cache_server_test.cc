#include "sim/model/cache_server.h"

#include <catch2/catch.hpp>
#include <cstdint>
#include <memory>
#include <vector>

#include "policies/registry.h"
#include "sim/core/frame_pool.h"
#include "sim/core/simulator.h"
#include "sim/core/task.h"

namespace cachelab {
namespace {

std::unique_ptr<EvictionPolicy> MakeLru() {
  const PolicyInfo* info = FindPolicy(Role::kEviction, "lru");
  REQUIRE(info != nullptr);
  return info->make_eviction(Params{});
}

Time Ms(int64_t ms) {
  return Time::Zero() + Duration::Millis(ms);
}
Value V(uint64_t version, uint32_t size = 100) {
  return Value{version, size, true};
}

constexpr Duration kRtt = Duration::Millis(1);
constexpr Duration kTimeout = Duration::Millis(50);

// 1 MB, a constant 1 ms round trip (DistributionConfig durations are in ns),
// 50 ms timeout, no active expiry unless a test turns it on.
CacheConfig Config() {
  CacheConfig c;
  c.capacity_bytes = 1'000'000;
  c.memory.entry_overhead = 0;
  c.rtt.kind = DistributionConfig::Kind::kConstant;
  c.rtt.mean = static_cast<double>(kRtt.nanos());
  c.timeout = kTimeout;
  c.active_expiry_interval = Duration();
  return c;
}

// What one operation looked like to its caller.
struct Call {
  Time issued, returned;
  Duration latency() const { return returned - issued; }
};

Task<void> GetAt(Simulator& sim, CacheServer& cache, Time at, Key k, CacheGetResult* out,
                 Call* call) {
  co_await Sleep(sim, at - sim.now());
  call->issued = sim.now();
  *out = co_await cache.Get(k);
  call->returned = sim.now();
}

Task<void> SetAt(Simulator& sim, CacheServer& cache, Time at, Key k, Value v, Duration ttl,
                 CacheWriteStatus* out, Call* call) {
  co_await Sleep(sim, at - sim.now());
  call->issued = sim.now();
  *out = co_await cache.Set(k, v, ttl);
  call->returned = sim.now();
}

Task<void> SetIfAbsentAt(Simulator& sim, CacheServer& cache, Time at, Key k, Value v, Duration ttl,
                         CacheWriteStatus* out, Call* call) {
  co_await Sleep(sim, at - sim.now());
  call->issued = sim.now();
  *out = co_await cache.SetIfAbsent(k, v, ttl);
  call->returned = sim.now();
}

Task<void> DeleteAt(Simulator& sim, CacheServer& cache, Time at, Key k, CacheWriteStatus* out,
                    Call* call) {
  co_await Sleep(sim, at - sim.now());
  call->issued = sim.now();
  *out = co_await cache.Delete(k);
  call->returned = sim.now();
}

TEST_CASE("every cache operation takes one round trip", "[sim][model][cache_server]") {
  const size_t frames = frame_pool::LiveFrames();
  Simulator sim;
  CacheServer cache(sim, Config(), MakeLru(), 1);
  CacheGetResult miss, hit;
  CacheWriteStatus set{}, nx{}, del{};
  Call c_miss, c_set, c_hit, c_nx, c_del;
  Spawn(sim, GetAt(sim, cache, Ms(3), 1, &miss, &c_miss));
  Spawn(sim, SetAt(sim, cache, Ms(5), 1, V(1), Duration(), &set, &c_set));
  Spawn(sim, GetAt(sim, cache, Ms(7), 1, &hit, &c_hit));
  Spawn(sim, SetIfAbsentAt(sim, cache, Ms(9), 2, V(1), Duration(), &nx, &c_nx));
  Spawn(sim, DeleteAt(sim, cache, Ms(11), 1, &del, &c_del));
  sim.Run();

  CHECK(miss.status == CacheStatus::kMiss);
  CHECK(set == CacheWriteStatus::kOk);
  CHECK(hit.status == CacheStatus::kHit);
  CHECK(nx == CacheWriteStatus::kOk);
  CHECK(del == CacheWriteStatus::kOk);
  CHECK(c_miss.issued == Ms(3));
  CHECK(c_set.issued == Ms(5));
  CHECK(c_hit.issued == Ms(7));
  CHECK(c_nx.issued == Ms(9));
  CHECK(c_del.issued == Ms(11));
  for (const Call* c : {&c_miss, &c_set, &c_hit, &c_nx, &c_del}) CHECK(c->latency() == kRtt);
  CHECK(cache.stats().gets == 2);
  CHECK(cache.stats().sets == 2);  // SetIfAbsent counts as a set
  CHECK(cache.stats().deletes == 1);
  CHECK(cache.stats().errors == 0);
  CHECK(frame_pool::LiveFrames() == frames);  // every process ran to its end
}

TEST_CASE("a round trip drawn from a distribution stays within its range",
          "[sim][model][cache_server]") {
  CacheConfig config = Config();
  config.rtt.kind = DistributionConfig::Kind::kUniform;
  config.rtt.min = 1e6;  // 1 ms
  config.rtt.max = 2e6;  // 2 ms
  Simulator sim;
  CacheServer cache(sim, config, MakeLru(), 1);
  std::vector<CacheGetResult> results(50);
  std::vector<Call> calls(50);
  for (size_t i = 0; i < calls.size(); ++i) {
    Spawn(sim, GetAt(sim, cache, Ms(static_cast<int64_t>(i)), i, &results[i], &calls[i]));
  }
  sim.Run();
  bool all_equal = true;
  for (const Call& c : calls) {
    CHECK(c.latency() >= Duration::Millis(1));
    CHECK(c.latency() <= Duration::Millis(2));
    all_equal &= c.latency() == calls[0].latency();
  }
  CHECK_FALSE(all_equal);  // drawn per operation, not once
}

TEST_CASE("an operation acts on the store when it is issued, not when it returns",
          "[sim][model][cache_server]") {
  Simulator sim;
  CacheServer cache(sim, Config(), MakeLru(), 1);
  CacheGetResult got;
  CacheWriteStatus set{};
  Call c_get, c_set;
  // Issued at the same instant, the Set first: the Get sees the value even
  // though the Set's caller hears back only one round trip later.
  Spawn(sim, SetAt(sim, cache, Ms(2), 5, V(7), Duration(), &set, &c_set));
  Spawn(sim, GetAt(sim, cache, Ms(2), 5, &got, &c_get));
  sim.RunUntil(Ms(2));
  CHECK(cache.store().items() == 1);  // stored at 2 ms, before either caller resumed
  sim.Run();
  CHECK(got.hit());
  CHECK(got.value.version == 7);
  CHECK(c_set.returned == Ms(3));
  CHECK(c_get.returned == Ms(3));

  // A delete takes effect at once as well.
  CacheWriteStatus del{};
  Call c_del;
  Spawn(sim, DeleteAt(sim, cache, Ms(10), 5, &del, &c_del));
  sim.RunUntil(Ms(10));
  CHECK(cache.store().items() == 0);
  sim.Run();
}

TEST_CASE("a hit reports the entry's remaining TTL", "[sim][model][cache_server]") {
  Simulator sim;
  CacheServer cache(sim, Config(), MakeLru(), 1);
  CacheWriteStatus s1{}, s2{};
  CacheGetResult with_ttl, without_ttl, expired;
  Call c1, c2, c3, c4, c5;
  // Key 1 stored at 0 with a 10 s TTL: it expires at 10 s.
  Spawn(sim, SetAt(sim, cache, Time::Zero(), 1, V(1), Duration::Seconds(10), &s1, &c1));
  Spawn(sim, SetAt(sim, cache, Time::Zero(), 2, V(1), Duration(), &s2, &c2));
  Spawn(sim, GetAt(sim, cache, Ms(2500), 1, &with_ttl, &c3));
  Spawn(sim, GetAt(sim, cache, Ms(2500), 2, &without_ttl, &c4));
  Spawn(sim, GetAt(sim, cache, Ms(10'000), 1, &expired, &c5));
  sim.Run();
  REQUIRE(with_ttl.hit());
  // Measured when the Get is issued: 10 s - 2.5 s.
  CHECK(with_ttl.remaining_ttl == Duration::Millis(7500));
  REQUIRE(without_ttl.hit());
  CHECK(without_ttl.remaining_ttl == Duration::Max());
  CHECK(expired.status == CacheStatus::kMiss);  // expires <= now: gone
}

TEST_CASE("a value too large for the cache is rejected", "[sim][model][cache_server]") {
  Simulator sim;
  CacheConfig config = Config();
  config.capacity_bytes = 1000;
  CacheServer cache(sim, config, MakeLru(), 1);
  CacheWriteStatus big{}, present{};
  Call c1, c2, c3;
  CacheWriteStatus first{};
  Spawn(sim, SetAt(sim, cache, Time::Zero(), 1, V(1, 1001), Duration(), &big, &c1));
  Spawn(sim, SetAt(sim, cache, Ms(1), 2, V(1), Duration(), &first, &c2));
  Spawn(sim, SetIfAbsentAt(sim, cache, Ms(2), 2, V(2), Duration(), &present, &c3));
  sim.Run();
  CHECK(big == CacheWriteStatus::kRejected);
  CHECK(first == CacheWriteStatus::kOk);
  CHECK(present == CacheWriteStatus::kRejected);  // key present
  CHECK(c1.latency() == kRtt);
  CHECK(c3.latency() == kRtt);
}

TEST_CASE("while the server is down every operation fails after the timeout, changing nothing",
          "[sim][model][cache_server]") {
  CacheConfig config = Config();
  config.faults.push_back({FaultWindowConfig::Kind::kDown, Duration::Millis(100),
                           Duration::Millis(50)});  // down during [100 ms, 150 ms)
  Simulator sim;
  CacheServer cache(sim, config, MakeLru(), 1);
  CHECK_FALSE(cache.IsDown(Ms(100) - Duration::Nanos(1)));
  CHECK(cache.IsDown(Ms(100)));
  CHECK(cache.IsDown(Ms(150) - Duration::Nanos(1)));
  CHECK_FALSE(cache.IsDown(Ms(150)));

  CacheWriteStatus before{};
  Call c_before;
  Spawn(sim, SetAt(sim, cache, Ms(10), 1, V(1), Duration(), &before, &c_before));

  // At the start of the window and just before its end.
  CacheGetResult get_down, get_late;
  CacheWriteStatus set_down{}, nx_down{}, del_down{};
  Call c_get, c_set, c_nx, c_del, c_late;
  Spawn(sim, GetAt(sim, cache, Ms(100), 1, &get_down, &c_get));
  Spawn(sim, SetAt(sim, cache, Ms(110), 2, V(1), Duration(), &set_down, &c_set));
  Spawn(sim, SetIfAbsentAt(sim, cache, Ms(120), 3, V(1), Duration(), &nx_down, &c_nx));
  Spawn(sim, DeleteAt(sim, cache, Ms(130), 1, &del_down, &c_del));
  Spawn(sim, GetAt(sim, cache, Ms(150) - Duration::Nanos(1), 1, &get_late, &c_late));

  // Once the window is over the server answers again, with its old contents.
  CacheGetResult get_after;
  Call c_after;
  Spawn(sim, GetAt(sim, cache, Ms(150), 1, &get_after, &c_after));

  sim.RunUntil(Ms(140));
  // Nothing issued in the window reached the store.
  CHECK(cache.store().items() == 1);
  sim.Run();

  CHECK(before == CacheWriteStatus::kOk);
  CHECK(get_down.status == CacheStatus::kError);
  CHECK_FALSE(get_down.hit());  // the entry is there, but unreachable
  CHECK(set_down == CacheWriteStatus::kError);
  CHECK(nx_down == CacheWriteStatus::kError);
  CHECK(del_down == CacheWriteStatus::kError);
  CHECK(get_late.status == CacheStatus::kError);
  for (const Call* c : {&c_get, &c_set, &c_nx, &c_del, &c_late}) CHECK(c->latency() == kTimeout);

  CHECK(get_after.hit());  // the delete issued while down did not happen
  CHECK(c_after.latency() == kRtt);
  CHECK(cache.store().items() == 1);
  CHECK(cache.stats().errors == 5);
  CHECK(cache.stats().gets == 3);
  CHECK(cache.stats().sets == 3);
  CHECK(cache.stats().deletes == 1);
}

TEST_CASE("active expiry removes due entries on its interval, up to its limit per cycle",
          "[sim][model][cache_server]") {
  CacheConfig config = Config();
  config.active_expiry_interval = Duration::Millis(100);
  config.active_expiry_limit = 2;
  Simulator sim;
  CacheServer cache(sim, config, MakeLru(), 1);
  // Effects happen at issue time, so issuing without awaiting stores the
  // entries now; the answers are simply never collected.
  for (Key k = 0; k < 3; ++k) (void)cache.Set(k, V(1), Duration::Millis(150));  // due at 150 ms
  (void)cache.Set(9, V(1), Duration());                                         // never due
  cache.Start();

  // Cycles run at 100, 200, 300 ms, ... Nobody reads, so only they expire.
  sim.RunUntil(Ms(200) - Duration::Nanos(1));
  CHECK(cache.store().items() == 4);
  sim.RunUntil(Ms(200));
  CHECK(cache.store().items() == 2);  // the limit: 2 of the 3 due entries
  CHECK(cache.store().expirations() == 2);
  sim.RunUntil(Ms(300));
  CHECK(cache.store().items() == 1);
  CHECK(cache.store().expirations() == 3);
  CHECK(cache.store().evictions() == 0);
  cache.Stop();
  sim.RunUntil(Ms(1000));
  CHECK(sim.pending() == 0);  // the next cycle saw Stop() and did not reschedule
}

TEST_CASE("active expiry stops after Stop()", "[sim][model][cache_server]") {
  CacheConfig config = Config();
  config.active_expiry_interval = Duration::Millis(100);
  Simulator sim;
  CacheServer cache(sim, config, MakeLru(), 1);
  cache.Start();
  CHECK(sim.pending() == 1);
  sim.RunUntil(Ms(250));
  CHECK(sim.pending() == 1);  // the cycle keeps rescheduling itself
  cache.Stop();
  (void)cache.Set(1, V(1), Duration::Millis(10));  // due at 260 ms
  sim.RunUntil(Ms(1000));
  CHECK(sim.pending() == 0);          // the 300 ms cycle ran and did not reschedule
  CHECK(cache.store().items() == 1);  // so nothing expired the entry actively
  CHECK(cache.store().expirations() == 0);
}

TEST_CASE("an active expiry interval of zero schedules nothing", "[sim][model][cache_server]") {
  Simulator sim;
  CacheServer cache(sim, Config(), MakeLru(), 1);
  cache.Start();
  CHECK(sim.pending() == 0);
  (void)cache.Set(1, V(1), Duration::Millis(10));
  sim.RunUntil(Ms(1000));
  CHECK(cache.store().items() == 1);
}

}  // namespace
}  // namespace cachelab
