// Negative caching (the article's "Caching Nulls Incorrectly"): with a
// positive negative_ttl a read path caches "not found", so reads of a row that
// does not exist stop reaching the database, by the TTL formula's factor.
#include <catch2/catch.hpp>
#include <string>

#include "analysis/models/analytic.h"
#include "policies/run.h"
#include "tests/support/distributions.h"

using namespace cachelab;
using test::Constant;

namespace {

// Every read is for the one key that has no row (keys = 1, missing fraction
// 1: missing ids are offset by the key count), at Poisson rate `rps`, with
// zero latencies so the TTL formula applies exactly.
WorldConfig MissingKeyWorld(double rps) {
  WorldConfig w;
  w.name = "negative";
  w.seed = 11;
  w.duration = Duration::Seconds(300);
  w.workload.rate.kind = RateProfileConfig::Kind::kConstant;
  w.workload.rate.rps = rps;
  w.workload.keys = 1;
  w.workload.missing_fraction = 1.0;
  w.workload.value_size = Constant(100);
  w.cache.capacity_bytes = 1 << 20;
  w.cache.rtt = Constant(0);
  w.database.connections = 4;
  w.database.read_service = Constant(0);
  w.database.write_service = Constant(0);
  return w;
}

StackConfig Stack(const std::string& read, Duration negative_ttl) {
  StackConfig s;
  s.read.name = read;
  s.read.params.Set("negative_ttl", negative_ttl);
  return s;
}

}  // namespace

TEST_CASE("without negative caching every read of a missing row reaches the database",
          "[policies][read][negative]") {
  const std::string read = GENERATE("cache-aside", "read-through");
  const RunResult r = RunSimulation(MissingKeyWorld(200), Stack(read, Duration()));
  CHECK(r.summary.db.reads == r.summary.requests.reads);
  CHECK(r.summary.cache.hits == 0);
}

TEST_CASE("negative caching cuts database reads of a missing row to 1 / (1 + rT)",
          "[policies][read][negative]") {
  // A cached "not found" lives T from the load; the reads in between are hits,
  // so, as for any TTL entry without reset, a share 1 / (1 + rT) of the reads
  // load. With r = 200/s and T = 50 ms: rT = 10, a cut to 1/11.
  const std::string read = GENERATE("cache-aside", "read-through");
  const double rate = 200, ttl_s = 0.05;
  const RunResult r =
      RunSimulation(MissingKeyWorld(rate), Stack(read, Duration::FromSecondsF(ttl_s)));
  const double load_share =
      static_cast<double>(r.summary.db.reads) / static_cast<double>(r.summary.requests.reads);
  INFO(read << ": DB reads " << r.summary.db.reads << " of " << r.summary.requests.reads);
  CHECK(load_share == Approx(1.0 - TtlHitRatioNoReset(rate, ttl_s)).margin(0.01));
  // A cached "not found" is served as a hit and is never stale: the row
  // never exists.
  CHECK(r.summary.cache.hits == r.summary.requests.reads - r.summary.db.reads);
  CHECK(r.summary.staleness.stale_reads == 0);
}
