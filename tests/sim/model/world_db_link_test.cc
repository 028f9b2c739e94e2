// The world with a limited database link (DatabaseConfig::network): the
// summary's db block gains the link's utilization each way and its mean wait,
// the replicas block the busiest replica link; without a limit neither
// appears and nothing else changes.
#include <catch2/catch.hpp>
#include <string>

#include "analysis/outputs/run_outputs.h"
#include "policies/run.h"
#include "tests/support/world.h"

namespace cachelab {
namespace {

using test::TestStack;
using test::TestWorld;

// Every read goes to the database: 1,000 reads/s of 1,000-byte rows, 10% writes.
WorldConfig Uncached(double mbit, uint32_t replicas = 0) {
  TestWorld t = TestWorld("link", 4).NoCache().Keys(100).Rps(1000).Writes(0.1).DbReadMs(1).Lasting(
      Duration::Seconds(20));
  if (replicas > 0) t.Replicas(replicas, 0);
  WorldConfig w = t;
  w.database.network.bandwidth_mbit = mbit;
  return w;
}

}  // namespace

TEST_CASE("a limited database link is in the db block, busy as its bytes say",
          "[sim][model][world][link]") {
  const RunResult r = RunSimulation(Uncached(100), TestStack(Duration::Seconds(1)));
  const Summary& s = r.summary;
  REQUIRE(s.db.link);
  // 1,000 bytes at 100 Mbit/s: 80 us a value; about 900 answers and 100 values in per second.
  const double value_s = 1000 * 8 / 100e6;
  CHECK(s.db.link->out_utilization ==
        Approx(static_cast<double>(s.db.reads) * value_s / s.simulated_seconds).epsilon(1e-6));
  CHECK(s.db.link->in_utilization ==
        Approx(static_cast<double>(s.db.writes) * value_s / s.simulated_seconds).epsilon(1e-6));
  CHECK(s.db.link->out_utilization <= 1);
  CHECK(s.db.link->wait_ms > 0);
  const nlohmann::json j = SummaryToJson(s);
  CHECK(j["db"].contains("link_in_utilization"));
  CHECK(j["db"].contains("link_out_utilization"));
  CHECK(j["db"].contains("link_wait_ms"));
  // Every read's answer and write's value crosses the link: latency grows by at least 80 us.
  const RunResult free = RunSimulation(Uncached(0), TestStack(Duration::Seconds(1)));
  CHECK(s.read_latency_ms.mean >= free.summary.read_latency_ms.mean + value_s * 1e3);
}

TEST_CASE("without a database link limit the summary has no link fields",
          "[sim][model][world][link]") {
  const RunResult r = RunSimulation(Uncached(0, 2), TestStack(Duration::Seconds(1)));
  CHECK_FALSE(r.summary.db.link);
  const nlohmann::json j = SummaryToJson(r.summary);
  for (const std::string key : {"link_in_utilization", "link_out_utilization", "link_wait_ms"}) {
    CHECK_FALSE(j["db"].contains(key));
  }
  REQUIRE(j.contains("replicas"));
  CHECK_FALSE(j["replicas"].contains("max_link_utilization"));
}

TEST_CASE("each read replica's link counts in the replicas block", "[sim][model][world][link]") {
  const RunResult r = RunSimulation(Uncached(100, 2), TestStack(Duration::Seconds(1)));
  const Summary& s = r.summary;
  REQUIRE(s.replicas);
  REQUIRE(s.replicas->max_link_utilization);
  // The replicas share ~900 reads/s: each link's outgoing side is busy ~450 x 80 us of a second.
  CHECK(*s.replicas->max_link_utilization == Approx(0.036).epsilon(0.1));
  // The primary now answers only writes: its outgoing link is idle.
  REQUIRE(s.db.link);
  CHECK(s.db.link->out_utilization == 0);
  CHECK(SummaryToJson(s)["replicas"].contains("max_link_utilization"));
}

}  // namespace cachelab
