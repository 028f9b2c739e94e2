// W-TinyLFU (policies/eviction/wtinylfu.cc) with objects too large for one of
// its segments: an object is admitted only if it fits in the window and in the
// main cache, so that a window candidate always fits in main or meets a main
// victim. Before, an object that fit the window but not main (the whole 1-byte
// cache, whose main share is 0; or window_ratio > 0.5) made the eviction ask an
// empty main cache for its victim and read out of bounds (found by fuzzing:
// tests/fuzz/crashes/trace_csv).
#include <catch2/catch.hpp>
#include <memory>
#include <vector>

#include "policies/registry.h"

namespace cachelab {
namespace {

std::unique_ptr<Replayer> WTinyLfu(uint64_t capacity, bool ignore_size, double window_ratio = -1) {
  const PolicyInfo* info = FindPolicy(Role::kEviction, "wtinylfu");
  REQUIRE(info != nullptr);
  Params given;
  if (window_ratio >= 0) given.Set("window_ratio", window_ratio);
  return info->make_replayer(Params::WithDefaults(info->params, given),
                             ReplayConfig{capacity, ignore_size});
}

std::vector<ReplayRequest> Gets(const std::vector<std::pair<Key, uint32_t>>& keys_and_sizes) {
  std::vector<ReplayRequest> out;
  for (const auto& [k, size] : keys_and_sizes) out.push_back(ReplayRequest{k, size});
  return out;
}

TEST_CASE("wtinylfu at 1 byte or 1 object admits nothing: its main share is 0", "[eviction]") {
  for (const bool ignore_size : {false, true}) {
    INFO((ignore_size ? "objects" : "bytes"));
    auto r = WTinyLfu(1, ignore_size);
    r->Run(Gets({{1, 1}, {2, 1}, {1, 1}, {2, 1}, {3, 1}}));
    CHECK(r->counts().requests == 5);
    CHECK(r->counts().misses == 5);
    CHECK(r->CheckInvariants() == "");
  }
}

TEST_CASE("wtinylfu at 2 bytes passes a 1-byte object on to its 1-byte main", "[eviction]") {
  auto r = WTinyLfu(2, false);  // window 1 byte, main 1 byte
  r->Run(Gets({{1, 1}, {2, 1}, {3, 1}, {1, 1}}));
  CHECK(r->counts().misses == 3);  // 1 moved to main when 3 came (2 stayed behind), so it hits
  CHECK(r->CheckInvariants() == "");
}

TEST_CASE("wtinylfu refuses an object that fits its window but not its main cache", "[eviction]") {
  auto r = WTinyLfu(100, false, 0.9);  // window 90 bytes, main 10
  // 11..90 bytes: too large for main, so each is a miss and nothing is stored.
  r->Run(Gets({{1, 50}, {2, 50}, {3, 50}, {1, 50}, {4, 11}, {4, 11}}));
  CHECK(r->counts().misses == 6);
  CHECK(r->CheckInvariants() == "");
  // 10 bytes fit both: stored, hit, and passed on to main when the window fills.
  r->Run(Gets({{5, 10}, {5, 10}}));
  CHECK(r->counts().misses == 7);
  std::vector<ReplayRequest> fill;
  for (Key k = 10; k < 30; ++k) fill.push_back(ReplayRequest{k, 10});
  r->Run(fill);
  CHECK(r->CheckInvariants() == "");
}

}  // namespace
}  // namespace cachelab
