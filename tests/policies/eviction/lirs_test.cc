// LIRS (policies/eviction/lirs.cc) where the LIR set is too small or empty:
// the bottom of the stack S is always an LIR object (CheckInvariants).
//  - A new object is admitted only if it fits in the LIR and in the HIR share
//    (as libCacheSim's LIRS_can_insert). At 1 byte or 1 object the LIR share
//    is 0 and nothing is admitted; before, an object that fit the HIR share
//    entered S as HIR with no LIR object under it (found by fuzzing:
//    tests/fuzz/crashes/trace_oracle).
//  - When deletes remove every LIR object, the next object S takes (a hit on
//    a resident HIR object, a new object) becomes LIR.
//  - A non-resident object reloaded with a larger size may make the evictions
//    that make room for it empty S, which forgets it: it is then inserted as
//    a new object (before, its freed entry was reused).
#include <catch2/catch.hpp>
#include <memory>
#include <vector>

#include "policies/registry.h"

namespace cachelab {
namespace {

std::unique_ptr<Replayer> Lirs(uint64_t capacity, bool ignore_size) {
  const PolicyInfo* info = FindPolicy(Role::kEviction, "lirs");
  REQUIRE(info != nullptr);
  return info->make_replayer(Params::WithDefaults(info->params),
                             ReplayConfig{capacity, ignore_size});
}

ReplayRequest Get(Key k, uint32_t size) {
  return ReplayRequest{k, size};
}
ReplayRequest Delete(Key k) {
  ReplayRequest r{k, 1};
  r.op = ReplayRequest::Op::kDelete;
  return r;
}

TEST_CASE("lirs at 1 byte or 1 object admits nothing: its LIR share is 0", "[eviction]") {
  for (const bool ignore_size : {false, true}) {
    INFO((ignore_size ? "objects" : "bytes"));
    auto r = Lirs(1, ignore_size);
    r->Run(std::vector<ReplayRequest>{Get(1, 65536), Get(2, 1), Get(2, 1), Get(3, 1)});
    CHECK(r->counts().requests == 4);
    CHECK(r->counts().misses == 4);
    CHECK(r->CheckInvariants() == "");
  }
}

TEST_CASE("lirs refuses a new object larger than its LIR share", "[eviction]") {
  Params given;
  given.Set("hir_ratio", 0.9);
  const PolicyInfo* info = FindPolicy(Role::kEviction, "lirs");
  auto r = info->make_replayer(Params::WithDefaults(info->params, given),
                               ReplayConfig{100, false});  // HIR 90 bytes, LIR 10
  r->Run(std::vector<ReplayRequest>{Get(1, 11), Get(1, 11), Get(2, 10), Get(2, 10)});
  CHECK(r->counts().misses == 3);  // 1 twice (refused); 2 stored, then a hit
  CHECK(r->CheckInvariants() == "");
}

TEST_CASE("lirs: a hit on an HIR object after deletes emptied the LIR set makes it LIR",
          "[eviction]") {
  auto r = Lirs(2, true);  // one LIR and one HIR object
  // 1 is LIR, 2 HIR (in S and Q); deleting 1 prunes 2 from S, which empties.
  r->Run(std::vector<ReplayRequest>{Get(1, 1), Get(2, 1), Delete(1)});
  REQUIRE(r->CheckInvariants() == "");
  r->Run(std::vector<ReplayRequest>{Get(2, 1)});
  CHECK(r->counts().misses == 2);  // 2 was still resident
  CHECK(r->CheckInvariants() == "");
  r->Run(std::vector<ReplayRequest>{Get(3, 1), Get(2, 1), Get(3, 1)});
  CHECK(r->counts().misses == 3);  // 3 joins as HIR beside LIR 2; both hit
  CHECK(r->CheckInvariants() == "");
}

TEST_CASE("lirs: a reload whose evictions empty S is inserted as a new LIR object", "[eviction]") {
  auto r = Lirs(4, false);  // LIR 3 bytes, HIR 1
  // A, B, C LIR; D HIR, evicted by E: D stays in S, non-resident.
  r->Run(std::vector<ReplayRequest>{Get(1, 1), Get(2, 1), Get(3, 1), Get(4, 1), Get(5, 1)});
  REQUIRE(r->CheckInvariants() == "");
  // D again, now 4 bytes: making room evicts E, then demotes and evicts A, B
  // and C, and the last demotion prunes D (and E) from S.
  r->Run(std::vector<ReplayRequest>{Get(4, 4)});
  CHECK(r->CheckInvariants() == "");
  r->Run(std::vector<ReplayRequest>{Get(4, 4), Get(6, 1), Get(7, 1), Get(4, 4)});
  CHECK(r->counts().requests == 10);
  CHECK(r->counts().misses == 9);  // 4 hits once; 6 evicts it, and 4 bytes are too large anew
  CHECK(r->CheckInvariants() == "");
}

}  // namespace
}  // namespace cachelab
