// The twin's verdicts: which differences between a simulated and a live run
// are inside the stated tolerances (no servers needed).
#include "analysis/live/twin.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

namespace cachelab {
namespace {

const live::TwinRow& RowOf(const std::vector<live::TwinRow>& rows, const std::string& metric) {
  for (const live::TwinRow& r : rows) {
    if (r.metric == metric) return r;
  }
  FAIL("no row " << metric);
  return rows.front();
}

Summary Base() {
  Summary s;
  s.cache.hit_ratio = 0.90;
  s.db.queries = 1000;
  s.stampede.max_concurrent_loads = 1;
  return s;
}

TEST_CASE("twin: hit ratio within 0.02 and DB queries within 10% are inside", "[twin]") {
  Summary sim = Base(), live = Base();
  live.cache.hit_ratio = 0.919;
  live.db.queries = 1099;
  auto rows = live::CompareTwins(sim, live, "none");
  CHECK(RowOf(rows, "hit ratio").ok);
  CHECK(RowOf(rows, "DB queries").ok);
  live.cache.hit_ratio = 0.921;
  live.db.queries = 1101;
  rows = live::CompareTwins(sim, live, "none");
  CHECK_FALSE(RowOf(rows, "hit ratio").ok);
  CHECK_FALSE(RowOf(rows, "DB queries").ok);
}

TEST_CASE("twin: predicted overlap must show live, predicted none must hold under lock or lease",
          "[twin]") {
  Summary sim = Base(), live = Base();
  sim.stampede.max_concurrent_loads = 12;
  live.stampede.max_concurrent_loads = 1;
  CHECK_FALSE(RowOf(live::CompareTwins(sim, live, "none"), "max concurrent loads").ok);
  live.stampede.max_concurrent_loads = 7;
  CHECK(RowOf(live::CompareTwins(sim, live, "none"), "max concurrent loads").ok);
  sim.stampede.max_concurrent_loads = 1;
  live.stampede.max_concurrent_loads = 2;
  CHECK_FALSE(RowOf(live::CompareTwins(sim, live, "lease"), "max concurrent loads").ok);
  // A write's delete hands a lease on: predicted overlap under a lease must show live too.
  sim.stampede.max_concurrent_loads = 4;
  live.stampede.max_concurrent_loads = 3;
  CHECK(RowOf(live::CompareTwins(sim, live, "lease"), "max concurrent loads").ok);
  live.stampede.max_concurrent_loads = 1;
  CHECK_FALSE(RowOf(live::CompareTwins(sim, live, "lease"), "max concurrent loads").ok);
  sim.stampede.max_concurrent_loads = 1;
  live.stampede.max_concurrent_loads = 2;
  // Without a guard, a prediction of no overlap is shown, not judged.
  const auto rows = live::CompareTwins(sim, live, "none");
  const live::TwinRow& unjudged = RowOf(rows, "max concurrent loads");
  CHECK(unjudged.tolerance.empty());
  CHECK(unjudged.ok);
}

TEST_CASE("twin: stale reads and lost writes must be both zero or both not", "[twin]") {
  Summary sim = Base(), live = Base();
  sim.writes.lost = 208;
  live.writes.lost = 0;
  sim.staleness.stale_reads = 0;
  live.staleness.stale_reads = 3;
  auto rows = live::CompareTwins(sim, live, "none");
  CHECK_FALSE(RowOf(rows, "lost writes").ok);
  CHECK_FALSE(RowOf(rows, "stale reads").ok);
  live.writes.lost = 150;
  sim.staleness.stale_reads = 40;
  rows = live::CompareTwins(sim, live, "none");
  CHECK(RowOf(rows, "lost writes").ok);
  CHECK(RowOf(rows, "stale reads").ok);
}

}  // namespace
}  // namespace cachelab
