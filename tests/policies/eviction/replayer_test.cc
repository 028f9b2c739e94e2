// The replay loop (policies/eviction/replayer.h) with every registered eviction
// policy at degenerate cache sizes: 1, 2, 3, 7 and 64 bytes, and the same
// numbers of objects with sizes ignored, over small random traces whose
// objects are often as large as the whole cache or larger (and larger than
// every policy's window, probation, LIR or small segment). Whatever the
// policy, after every request:
//  - nothing crashed, and the loop's and the policy's own checks pass
//    (CheckInvariants: resident bytes at most the capacity and equal to the
//    sum of the entries, the policy in step with the loop, its structures
//    sound);
//  - a get or set is one request, a hit or a miss; a delete is none;
//  - a request for an object larger than the cache is a miss (it is never
//    admitted, as in libCacheSim);
// and replaying the trace in one call gives the same counts as request by
// request.
#include <algorithm>
#include <boost/random/mersenne_twister.hpp>
#include <boost/random/uniform_int_distribution.hpp>
#include <catch2/catch.hpp>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "policies/registry.h"
#include "tests/support/replayers.h"

namespace cachelab {
namespace {

using test::MakeReplayer;

// `n` requests over `keys` keys, each key with a fixed size in 1..max_size:
// mostly gets, some sets and deletes, a few hot keys so that entries are hit
// and reused (LIRS' and ARC's ghosts, TinyLFU's counts), and next-access
// times for belady.
std::vector<ReplayRequest> SmallTrace(uint64_t n, uint64_t keys, uint32_t max_size, uint64_t seed) {
  boost::random::mt19937_64 rng(seed);
  boost::random::uniform_int_distribution<uint64_t> hot(0, 2), any(0, keys - 1), pct(0, 99);
  boost::random::uniform_int_distribution<uint32_t> size(1, max_size);
  std::vector<uint32_t> sizes(keys);
  for (auto& s : sizes) s = size(rng);
  std::vector<ReplayRequest> out;
  for (uint64_t i = 0; i < n; ++i) {
    ReplayRequest r;
    r.key = pct(rng) < 50 ? hot(rng) : any(rng);
    r.size = sizes[r.key];
    const uint64_t op = pct(rng);
    r.op = op < 75   ? ReplayRequest::Op::kGet
           : op < 90 ? ReplayRequest::Op::kSet
                     : ReplayRequest::Op::kDelete;
    out.push_back(r);
  }
  std::vector<int64_t> next(keys, EvictionPolicy::kNeverAgain);
  for (uint64_t i = n; i-- > 0;) {
    if (out[i].op == ReplayRequest::Op::kDelete) continue;
    out[i].next_access = next[out[i].key];
    next[out[i].key] = static_cast<int64_t>(i);
  }
  return out;
}

TEST_CASE("in replay, every policy stays sound at caches of 1 to 64 bytes or objects",
          "[eviction]") {
  const std::vector<std::string> names = PolicyNames(Role::kEviction);
  REQUIRE(names.size() >= 16);
  for (const std::string& name : names) {
    for (const bool ignore_size : {false, true}) {
      for (const uint64_t capacity : {1, 2, 3, 7, 64}) {
        for (uint64_t seed = 1; seed <= 8; ++seed) {
          // Sizes up to twice the cache (at least 4): many objects fill it,
          // many do not fit at all.
          const uint32_t max_size = static_cast<uint32_t>(std::max<uint64_t>(4, 2 * capacity));
          const auto trace = SmallTrace(300, 4 + capacity, max_size, seed);
          INFO(name << " at " << capacity << (ignore_size ? " objects" : " bytes") << ", seed "
                    << seed);
          auto one = MakeReplayer(name, capacity, ignore_size);
          uint64_t requests = 0, bytes = 0;
          for (size_t i = 0; i < trace.size(); ++i) {
            INFO("request " << i);
            const ReplayRequest& r = trace[i];
            const ReplayCounts before = one->counts();
            one->Run(std::span<const ReplayRequest>(&r, 1));
            const ReplayCounts after = one->counts();
            REQUIRE(one->CheckInvariants() == "");
            if (r.op == ReplayRequest::Op::kDelete) {
              REQUIRE(after.requests == before.requests);
              REQUIRE(after.misses == before.misses);
              continue;
            }
            ++requests;
            bytes += r.size;
            REQUIRE(after.requests == before.requests + 1);
            REQUIRE(after.misses - before.misses <= 1);
            REQUIRE(after.misses <= after.requests);
            REQUIRE(after.miss_bytes <= after.bytes);
            if (!ignore_size && r.size > capacity) REQUIRE(after.misses == before.misses + 1);
          }
          const ReplayCounts c = one->counts();
          CHECK(c.requests == requests);
          CHECK(c.bytes == bytes);
          auto all = MakeReplayer(name, capacity, ignore_size);
          all->Run(trace);
          CHECK(all->CheckInvariants() == "");
          CHECK(all->counts().requests == c.requests);
          CHECK(all->counts().misses == c.misses);
          CHECK(all->counts().miss_bytes == c.miss_bytes);
        }
      }
    }
  }
}

}  // namespace
}  // namespace cachelab
