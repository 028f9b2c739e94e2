// The world with a connection pool per application instance
// (DatabaseConfig::kPerInstance): requests are dealt to the instances round
// robin, so each pool sees every n-th arrival of a Poisson stream (Erlang-n
// gaps, a GI/M/c queue), waits less than an M/M/c pool at 1/n of the rate
// would and far more than one global pool of all the connections.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <string>

#include "analysis/models/analytic.h"
#include "analysis/outputs/run_outputs.h"
#include "policies/run.h"
#include "tests/support/world.h"

namespace cachelab {
namespace {

using test::TestStack;
using test::TestWorld;

// n instances, each with a pool of one connection: Poisson reads at `lambda`
// dealt round robin, exponential 10 ms reads, no cache.
constexpr uint32_t kInstances = 4;
constexpr double kMu = 100, kRho = 0.8, kLambda = kRho * kInstances * kMu;

TestWorld PoolWorld(const char* name, uint32_t connections) {
  return TestWorld(name, 5)
      .NoCache()
      .Keys(1000)
      .Rps(kLambda)
      .Instances(kInstances)
      .Connections(connections)
      .DbReadExponentialMs(1e3 / kMu)
      .Lasting(Duration::Seconds(2500));  // 800,000 queries
}

// GI/M/1 with Erlang-n gaps (every n-th arrival of a Poisson stream at
// lambda): an arrival waits with probability sigma, the root in (0, 1) of
// sigma = A*(mu (1 - sigma)), A*(s) = (lambda / (lambda + s))^n the gap's
// Laplace transform, and waits 1 / (mu (1 - sigma)) on average when it does
// (Kleinrock, Queueing Systems vol. 1, section 6.4).
double GiM1Sigma(double lambda, double mu, uint32_t n) {
  double sigma = 0.5;
  for (int i = 0; i < 500; ++i) sigma = std::pow(lambda / (lambda + mu * (1 - sigma)), n);
  return sigma;
}

}  // namespace

TEST_CASE("per-instance pools dealt round robin wait as GI/M/1, far longer than one global pool",
          "[sim][model][world][pools][theory]") {
  const RunResult per =
      RunSimulation(PoolWorld("per-instance", 1).PoolPerInstance(), TestStack(Duration()));
  const double sigma = GiM1Sigma(kLambda, kMu, kInstances);
  const double wait_ms = sigma / (kMu * (1 - sigma)) * 1e3;
  const Summary& s = per.summary;
  REQUIRE(s.pools);
  REQUIRE(s.pools->per_instance.size() == kInstances);
  INFO("GI/M/1: P(wait) " << sigma << ", Wq " << wait_ms << " ms; simulated "
                          << s.db.wait_probability << ", " << s.db.mean_wait_ms << " ms");
  CHECK(s.db.wait_probability == Approx(sigma).epsilon(0.03));
  CHECK(s.db.mean_wait_ms == Approx(wait_ms).epsilon(0.05));
  for (const Summary::Pool& p : s.pools->per_instance) {
    INFO("instance " << p.instance);
    CHECK(p.wait_probability == Approx(sigma).epsilon(0.04));
    CHECK(p.mean_wait_ms == Approx(wait_ms).epsilon(0.08));
    CHECK(p.utilization == Approx(kRho).epsilon(0.02));
  }
  // Round robin: below an M/M/1 pool at lambda / n (Poisson arrivals bunch more) ...
  const ErlangC poisson = ErlangCQueue(1, kLambda / kInstances, kMu);
  CHECK(s.db.mean_wait_ms < 0.75 * poisson.mean_wait_s * 1e3);

  // ... and far above one global pool of all n connections (M/M/n).
  const RunResult global = RunSimulation(PoolWorld("global", kInstances), TestStack(Duration()));
  const ErlangC one = ErlangCQueue(kInstances, kLambda, kMu);
  CHECK_FALSE(global.summary.pools);
  CHECK(global.summary.db.mean_wait_ms == Approx(one.mean_wait_s * 1e3).epsilon(0.05));
  INFO("one pool of " << kInstances << ": Wq " << global.summary.db.mean_wait_ms << " ms");
  CHECK(s.db.mean_wait_ms > 2 * global.summary.db.mean_wait_ms);
  // The same capacity either way.
  CHECK(s.db.capacity_qps == Approx(global.summary.db.capacity_qps));
  CHECK(s.db.utilization == Approx(global.summary.db.utilization).epsilon(0.02));
}

TEST_CASE("the pools block adds up to the db totals", "[sim][model][world][pools]") {
  TestWorld w = TestWorld("pools", 3)
                    .Keys(2000)
                    .Rps(3000)
                    .Writes(0.1)
                    .Instances(3)
                    .Connections(2)
                    .PoolPerInstance()
                    .DbReadExponentialMs(2)
                    .Lasting(Duration::Seconds(20));
  const RunResult r = RunSimulation(w, TestStack(Duration::Seconds(1)));
  const Summary& s = r.summary;
  REQUIRE(s.pools);
  CHECK(s.pools->count == 3);
  CHECK(s.pools->connections == 2);
  uint64_t queries = 0, timeouts = 0, rejected = 0, peak = 0;
  double busiest = 0;
  for (const Summary::Pool& p : s.pools->per_instance) {
    queries += p.queries;
    timeouts += p.timeouts;
    rejected += p.rejected;
    peak = std::max(peak, p.peak_queue_depth);
    busiest = std::max(busiest, p.utilization);
  }
  CHECK(queries == s.db.queries);
  CHECK(timeouts == s.db.timeouts);
  CHECK(rejected == s.db.rejected);
  CHECK(peak == s.pools->max_peak_queue_depth);
  CHECK(peak <= s.db.peak_queue_depth);
  CHECK(busiest == s.pools->max_utilization);
  CHECK(s.pools->per_instance[s.pools->busiest_pool].utilization == busiest);
  CHECK(s.pools->queries_imbalance >= 1);
  CHECK(s.pools->queries_imbalance < 1.05);  // round robin spreads the misses evenly
  // Same scenario and seed: the same summary.
  const RunResult again = RunSimulation(w, TestStack(Duration::Seconds(1)));
  CHECK(SummaryToJson(again.summary).dump() == SummaryToJson(s).dump());
}

TEST_CASE("pools.csv's interval rows add up to the pools block", "[sim][model][world][pools]") {
  // Three pools of two, loaded near capacity with a short queue timeout, so
  // rows carry queries, waits and timeouts.
  WorldConfig w = TestWorld("pool rows", 5)
                      .Keys(2000)
                      .Rps(3000)
                      .Writes(0.1)
                      .Instances(3)
                      .Connections(2)
                      .PoolPerInstance()
                      .DbReadExponentialMs(2.5)
                      .Interval(Duration::Seconds(1))
                      .Lasting(Duration::Seconds(15));
  w.database.queue_timeout = Duration::Millis(10);
  const RunResult r = RunSimulation(w, TestStack(Duration::Seconds(1)));
  const Summary& s = r.summary;
  REQUIRE(s.pools);
  REQUIRE(r.pool_timeseries.size() == r.timeseries.size() * 3);  // interval-major, every pool
  for (const Summary::Pool& p : s.pools->per_instance) {
    uint64_t queries = 0, timeouts = 0, queued = 0, started = 0, peak = 0;
    int64_t wait_ns = 0;
    // Busy connection time x interval length over the complete rows; the
    // last row ends at the last request's finish or at the tick after it, so
    // it is bounded between the two.
    double busy = 0, last_utilization = 0, last_start = 0;
    const double interval = 1;
    for (size_t i = 0; i < r.pool_timeseries.size(); ++i) {
      const PoolIntervalRow& row = r.pool_timeseries[i];
      CHECK(row.instance == i % 3);
      CHECK(row.time_s == r.timeseries[i / 3].time_s);
      if (row.instance != p.instance) continue;
      CHECK(row.utilization <= 1);
      queries += row.queries;
      timeouts += row.timeouts;
      queued += row.queued;
      started += row.started;
      wait_ns += row.wait_ns;
      peak = std::max(peak, row.peak_queue_depth);
      if (i / 3 + 1 < r.timeseries.size()) {
        busy += row.utilization * interval;
      } else {
        last_utilization = row.utilization;
        last_start = row.time_s;
      }
    }
    CHECK(queries == p.queries);
    CHECK(timeouts == p.timeouts);
    CHECK(peak == p.peak_queue_depth);
    CHECK(static_cast<double>(queued) / static_cast<double>(queries) ==
          Approx(p.wait_probability).epsilon(1e-9));
    CHECK(static_cast<double>(wait_ns) * 1e-6 / static_cast<double>(started) ==
          Approx(p.mean_wait_ms).epsilon(1e-9));
    const double total = p.utilization * s.simulated_seconds;
    CHECK(total >= busy + last_utilization * (s.simulated_seconds - last_start) - 1e-9);
    CHECK(total <= busy + last_utilization * interval + 1e-9);
  }
  CHECK(s.db.timeouts > 0);
  // The CSV: a header and one line per row.
  const std::string csv = PoolTimeSeriesToCsv(r.pool_timeseries);
  CHECK(csv.rfind("time_s,instance,queries,timeouts,wait_probability,mean_wait_ms,utilization,"
                  "peak_queue_depth\n",
                  0) == 0);
  CHECK(static_cast<size_t>(std::count(csv.begin(), csv.end(), '\n')) ==
        r.pool_timeseries.size() + 1);
  // One global pool: no rows.
  WorldConfig global = w;
  global.database.pool = DatabaseConfig::PoolScope::kGlobal;
  CHECK(RunSimulation(global, TestStack(Duration::Seconds(1))).pool_timeseries.empty());
}

TEST_CASE("one instance with its own pool is the global pool", "[sim][model][world][pools]") {
  const TestWorld w = TestWorld("one", 8)
                          .Keys(500)
                          .Rps(2000)
                          .Writes(0.05)
                          .Connections(3)
                          .DbReadExponentialMs(1)
                          .Lasting(Duration::Seconds(10));
  const RunResult global = RunSimulation(w, TestStack(Duration::Millis(500)));
  TestWorld own = w;
  const RunResult per = RunSimulation(own.PoolPerInstance(), TestStack(Duration::Millis(500)));
  nlohmann::json a = SummaryToJson(per.summary);
  REQUIRE(a.contains("pools"));
  CHECK(a["pools"]["count"] == 1);
  a.erase("pools");
  CHECK(a.dump() == SummaryToJson(global.summary).dump());
}

}  // namespace cachelab
