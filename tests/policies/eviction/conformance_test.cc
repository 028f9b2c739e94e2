// The shared conformance suite: every registered eviction policy, driven both
// by the timed simulation's Store and by the trace-replay loop, must keep the
// cache within its capacity, serve a hit right after an insert, forget deleted
// entries, refuse objects larger than the cache, stay in step with its caller
// (same entry count, sound internal state) and be deterministic.
#include <boost/random/mersenne_twister.hpp>
#include <boost/random/uniform_int_distribution.hpp>
#include <catch2/catch.hpp>
#include <memory>
#include <string>
#include <vector>

#include "policies/registry.h"
#include "sim/model/store.h"
#include "tests/support/replayers.h"

namespace cachelab {
namespace {

std::unique_ptr<EvictionPolicy> Make(const std::string& name) {
  const PolicyInfo* info = FindPolicy(Role::kEviction, name);
  REQUIRE(info != nullptr);
  return info->make_eviction(Params::WithDefaults(info->params));
}

using test::MakeReplayer;

Value V(uint32_t size) {
  return Value{1, size, true};
}
const Duration kNoTtl;

// A skewed random request stream over `keys` keys with sizes 1..max_size
// (fixed per key), some deletes, and next-access times for belady.
std::vector<ReplayRequest> Workload(uint64_t n, uint64_t keys, uint32_t max_size, uint64_t seed) {
  boost::random::mt19937_64 rng(seed);
  boost::random::uniform_int_distribution<uint64_t> hot(0, keys / 10), any(0, keys - 1), coin(0, 9);
  std::vector<ReplayRequest> out;
  for (uint64_t i = 0; i < n; ++i) {
    const uint64_t k = coin(rng) < 7 ? hot(rng) : any(rng);
    ReplayRequest r;
    r.key = k;
    r.size = static_cast<uint32_t>(1 + (k * 2654435761u) % max_size);
    r.op = coin(rng) == 0 && i % 7 == 0 ? ReplayRequest::Op::kDelete : ReplayRequest::Op::kGet;
    out.push_back(r);
  }
  // Next access: the index of the next get of the same key.
  std::vector<int64_t> next(keys, EvictionPolicy::kNeverAgain);
  for (uint64_t i = n; i-- > 0;) {
    if (out[i].op != ReplayRequest::Op::kGet) continue;
    out[i].next_access = next[out[i].key];
    next[out[i].key] = static_cast<int64_t>(i);
  }
  return out;
}

const std::vector<std::string>& Names() {
  static const std::vector<std::string> names = PolicyNames(Role::kEviction);
  return names;
}

TEST_CASE("every eviction policy has a replay loop and a one-line summary", "[eviction]") {
  CHECK(Names().size() >= 16);
  for (const std::string& name : Names()) {
    INFO(name);
    const PolicyInfo* info = FindPolicy(Role::kEviction, name);
    CHECK(info->make_eviction);
    CHECK(info->make_replayer);
    CHECK(!info->summary.empty());
    CHECK(info->offline == (name == "belady"));
  }
}

TEST_CASE("in the store, a just-stored entry is a hit and a deleted one is gone", "[eviction]") {
  for (const std::string& name : Names()) {
    INFO(name);
    // Objects well below every policy's smallest segment (1% of the cache).
    Store s(100000, 0, EntryCharge::Flat(0), Make(name));
    REQUIRE(s.Set(1, V(100), kNoTtl, Time::Zero()));
    REQUIRE(s.Set(2, V(100), kNoTtl, Time::Zero()));
    CHECK(s.Get(1, Time::Zero()) != nullptr);
    CHECK(s.Get(2, Time::Zero()) != nullptr);
    CHECK(s.Delete(1, Time::Zero()));
    CHECK(s.Get(1, Time::Zero()) == nullptr);
    CHECK(s.items() == 1);
    CHECK(s.eviction().size() == 1);
    CHECK(s.eviction().CheckInvariants() == "");
  }
}

TEST_CASE("in the store, an entry larger than the cache is refused and evicts nothing",
          "[eviction]") {
  for (const std::string& name : Names()) {
    INFO(name);
    Store s(100000, 0, EntryCharge::Flat(0), Make(name));
    REQUIRE(s.Set(1, V(10), kNoTtl, Time::Zero()));
    CHECK_FALSE(s.Set(2, V(100001), kNoTtl, Time::Zero()));
    CHECK(s.Peek(1, Time::Zero()) != nullptr);
    CHECK(s.evictions() == 0);
  }
}

TEST_CASE("in the store, capacity holds and the policy stays in step under churn", "[eviction]") {
  const auto trace = Workload(20000, 2000, 64, 7);
  for (const std::string& name : Names()) {
    INFO(name);
    Store s(40000, 0, EntryCharge::Flat(16), Make(name));
    uint64_t hits = 0;
    for (size_t i = 0; i < trace.size(); ++i) {
      const ReplayRequest& r = trace[i];
      const Time now = Time::Zero() + Duration::Millis(static_cast<int64_t>(i));
      if (r.op == ReplayRequest::Op::kDelete) {
        s.Delete(r.key, now);
      } else if (s.Get(r.key, now) != nullptr) {
        ++hits;
      } else {
        // Every fourth key has a TTL (volatile-ttl samples those).
        s.Set(r.key, V(r.size), r.key % 4 == 0 ? Duration::Seconds(5) : kNoTtl, now);
      }
      REQUIRE(s.bytes() <= s.capacity_bytes());
      if (i % 997 == 0) REQUIRE(s.eviction().CheckInvariants() == "");
    }
    CHECK(s.eviction().size() == s.items());
    CHECK(s.eviction().CheckInvariants() == "");
    CHECK(s.evictions() > 0);
    CHECK(hits > 0);
  }
}

TEST_CASE("in replay, capacity holds, counts add up and a second run is identical", "[eviction]") {
  const auto trace = Workload(30000, 3000, 100, 11);
  for (const std::string& name : Names()) {
    for (bool ignore_size : {true, false}) {
      INFO(name << (ignore_size ? " (objects)" : " (bytes)"));
      const uint64_t capacity = ignore_size ? 150 : 30000;
      auto a = MakeReplayer(name, capacity, ignore_size);
      auto b = MakeReplayer(name, capacity, ignore_size);
      for (size_t i = 0; i < trace.size(); i += 1000) {
        const std::span<const ReplayRequest> chunk(trace.data() + i,
                                                   std::min<size_t>(1000, trace.size() - i));
        a->Run(chunk);
        REQUIRE(a->CheckInvariants() == "");
      }
      b->Run(trace);
      const ReplayCounts ca = a->counts(), cb = b->counts();
      CHECK(ca.requests == cb.requests);
      CHECK(ca.misses == cb.misses);
      CHECK(ca.miss_bytes == cb.miss_bytes);
      CHECK(ca.misses < ca.requests);
      CHECK(ca.misses > 0);
      CHECK(ca.miss_bytes <= ca.bytes);
    }
  }
}

TEST_CASE("in replay, an object larger than the cache is a miss and is never stored",
          "[eviction]") {
  for (const std::string& name : Names()) {
    INFO(name);
    auto r = MakeReplayer(name, 10000, false);
    const std::vector<ReplayRequest> trace = {{1, 10}, {2, 10001}, {2, 10001}, {1, 10}};
    r->Run(trace);
    CHECK(r->counts().requests == 4);
    CHECK(r->counts().misses == 3);  // 1, 2, 2 again; then 1 hits
    CHECK(r->counts().miss_bytes == 20012);
    CHECK(r->CheckInvariants() == "");
  }
}

// Belady is optimal for unit sizes: no policy has fewer misses on any trace.
TEST_CASE("no policy beats belady with unit sizes", "[eviction]") {
  const auto trace = Workload(20000, 1000, 1, 3);
  auto belady = MakeReplayer("belady", 100, true);
  belady->Run(trace);
  for (const std::string& name : Names()) {
    INFO(name);
    auto r = MakeReplayer(name, 100, true);
    r->Run(trace);
    CHECK(r->counts().misses >= belady->counts().misses);
  }
}

}  // namespace
}  // namespace cachelab
