// The confidence intervals sweep and plan print are checked against a system
// whose answer is known exactly: the p99 of the time in an M/M/c queue.
#include <catch2/catch.hpp>
#include <cmath>
#include <vector>

#include "analysis/experiments/sweep.h"
#include "analysis/models/analytic.h"
#include "analysis/outputs/run_outputs.h"
#include "policies/run.h"
#include "tests/support/distributions.h"

namespace cachelab {
namespace {

// P(T > t) for the time in system T of an M/M/c FIFO queue: T = W + S with
// S ~ Exp(mu) and, independently, W = 0 with probability 1 - C and W ~
// Exp(theta = c mu - lambda) with probability C (Erlang's C); the sum of two
// exponentials has the tail (theta e^{-mu t} - mu e^{-theta t}) / (theta - mu).
double SojournTail(uint32_t c, double lambda, double mu, double t) {
  const double wait = ErlangCQueue(c, lambda, mu).prob_wait;
  const double theta = c * mu - lambda;
  const double both = (theta * std::exp(-mu * t) - mu * std::exp(-theta * t)) / (theta - mu);
  return (1 - wait) * std::exp(-mu * t) + wait * both;
}

// The exact p99 in seconds, by bisection on the decreasing tail.
double SojournP99(uint32_t c, double lambda, double mu) {
  double lo = 0, hi = 10;
  for (int i = 0; i < 200; ++i) {
    const double mid = (lo + hi) / 2;
    (SojournTail(c, lambda, mu, mid) > 0.01 ? lo : hi) = mid;
  }
  return (lo + hi) / 2;
}

TEST_CASE("the M/M/c time in system has the tail the p99 is solved from",
          "[analysis][sweep][coverage]") {
  // c = 1: M/M/1's time in system is exponential with rate mu - lambda.
  for (double t : {0.001, 0.01, 0.05}) {
    CHECK(SojournTail(1, 60, 100, t) == Approx(std::exp(-40 * t)));
  }
  CHECK(SojournP99(1, 60, 100) == Approx(std::log(100.0) / 40));
}

TEST_CASE("95% intervals of p99 from 5 replications cover the M/M/c p99 in 90 to 98% of trials",
          "[analysis][sweep][coverage]") {
  // Four connections of exponential 10 ms queries at utilization 0.7, every
  // read a query (no cache, no round trip), so a request's latency is its
  // time in the M/M/c queue. Each trial is what `sweep --replications 5`
  // does for one point: five seeds, the steady window's p99 of each, and a
  // Student t interval over them.
  constexpr uint32_t kConnections = 4;
  constexpr double kMu = 100, kLambda = 280;
  const double exact_ms = SojournP99(kConnections, kLambda, kMu) * 1e3;
  WorldConfig w;
  w.name = "mmc";
  w.duration = Duration::Seconds(45);
  w.workload.rate.kind = RateProfileConfig::Kind::kConstant;
  w.workload.rate.rps = kLambda;
  w.workload.keys = 1000;
  w.workload.value_size = test::Constant(1000);
  w.cache.enabled = false;
  w.cache.rtt = test::Constant(0);
  w.database.connections = kConnections;
  w.database.read_service = test::Exponential(1e9 / kMu);
  w.metrics.interval = Duration::Seconds(5);
  w.metrics.warmup = Duration::Seconds(5);

  constexpr int kTrials = 200;
  int covered = 0, zero_width = 0;
  for (int trial = 0; trial < kTrials; ++trial) {
    std::vector<nlohmann::json> runs;
    for (uint64_t seed : ReplicationSeeds(1000 + static_cast<uint64_t>(trial), 5)) {
      w.seed = seed;
      runs.push_back(SummaryToJson(RunSimulation(w, StackConfig{}).summary));
    }
    for (const MetricStats& m : SummarizeReplications(runs)) {
      if (m.name != "steady.latency_ms.p99") continue;
      REQUIRE(m.ci95);
      if (*m.ci95 == 0) ++zero_width;
      if (std::abs(m.mean - exact_ms) <= *m.ci95) ++covered;
    }
  }
  const double coverage = static_cast<double>(covered) / kTrials;
  INFO("exact p99 " << exact_ms << " ms, covered in " << covered << " of " << kTrials);
  CHECK(coverage >= 0.90);
  CHECK(coverage <= 0.98);
  CHECK(zero_width == 0);
}

}  // namespace
}  // namespace cachelab
