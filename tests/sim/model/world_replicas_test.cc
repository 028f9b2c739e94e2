// The world with database read replicas (ReplicaConfig): a replica read sees
// the row as the primary committed it a lag ago, so reads become stale with
// the probability that the key was written within the lag, a cache filled
// from a replica keeps that old version, and read_your_writes protects the
// writer's own reads only.
#include <catch2/catch.hpp>
#include <cmath>

#include "policies/run.h"
#include "tests/support/world.h"

namespace cachelab {
namespace {

using test::TestStack;
using test::TestWorld;

// Uniform keys, Poisson writes: key k is written at rate
// rps x write_fraction / keys, so a read is stale when some commit of its key
// falls in the window from (start - lag) to its answer:
// P = 1 - exp(-rate_k x (lag + read service)).
constexpr double kRps = 1000, kWrites = 0.1, kKeys = 100, kLagMs = 200, kReadMs = 1;

TestWorld ReplicaWorld(const char* name) {
  return TestWorld(name, 9)
      .NoCache()
      .Keys(static_cast<uint64_t>(kKeys))
      .Rps(kRps)
      .Writes(kWrites)
      .DbReadMs(kReadMs)
      .DbWriteMs(1)
      .Lasting(Duration::Seconds(120));
}

double StaleProbability(double window_ms) {
  const double per_key = kRps * kWrites / kKeys;  // writes per second of one key
  return 1 - std::exp(-per_key * window_ms / 1e3);
}

// |stale - n p| within 5 binomial standard deviations.
void CheckStale(const Summary& s, double p) {
  const double n = static_cast<double>(s.requests.reads - s.requests.failed);
  const double sd = std::sqrt(n * p * (1 - p));
  INFO(s.staleness.stale_reads << " stale of " << n << " reads, expected " << n * p);
  CHECK(std::fabs(static_cast<double>(s.staleness.stale_reads) - n * p) <= 5 * sd + 1);
}

TEST_CASE("a replica read is stale with the probability of a write within the lag",
          "[sim][model][world][replicas]") {
  const RunResult primary = RunSimulation(ReplicaWorld("primary"), TestStack(Duration()));
  CheckStale(primary.summary, StaleProbability(kReadMs));  // a commit during the read
  CHECK_FALSE(primary.summary.replicas);

  const RunResult replica =
      RunSimulation(ReplicaWorld("replica").Replicas(2, kLagMs), TestStack(Duration()));
  CheckStale(replica.summary, StaleProbability(kLagMs + kReadMs));
  REQUIRE(replica.summary.replicas);
  CHECK(replica.summary.replicas->count == 2);
  CHECK(replica.summary.replicas->reads == replica.summary.requests.reads);
  CHECK(replica.summary.db.reads == 0);  // the primary took only the writes
  CHECK(replica.summary.db.writes == replica.summary.requests.writes);
  // A stale replica read is at most a lag and a read old.
  CHECK(replica.summary.staleness.max_age_ms <= kLagMs + kReadMs + 1e-6);
}

TEST_CASE("read_your_writes removes the stale reads of the writer, not of the others",
          "[sim][model][world][replicas]") {
  // Four instances in turn, so each instance writes a key at a quarter of its
  // rate, independently of the others (Poisson splitting). A read goes to the
  // replica unless its own instance wrote the key within the pin W, which
  // has probability 1 - exp(-rate_k / 4 x W); it is stale when another
  // instance's commit falls within the lag window L':
  //   P = (1 - exp(-3/4 rate_k L')) exp(-rate_k / 4 x W)
  // plus, for the pinned reads, a commit during the read itself.
  const Duration pin = Duration::Seconds(1);
  const RunResult r = RunSimulation(ReplicaWorld("ryw").Instances(4).Replicas(1, kLagMs, pin),
                                    TestStack(Duration()));
  const double rate_k = kRps * kWrites / kKeys, window_s = (kLagMs + kReadMs) / 1e3;
  const double unpinned = std::exp(-rate_k / 4 * pin.seconds());
  const double expected = (1 - std::exp(-0.75 * rate_k * window_s)) * unpinned +
                          (1 - unpinned) * StaleProbability(kReadMs);
  CheckStale(r.summary, expected);
  CHECK(static_cast<double>(r.summary.staleness.stale_reads) <
        0.7 * static_cast<double>(r.summary.requests.reads) * StaleProbability(kLagMs + kReadMs));
  REQUIRE(r.summary.replicas);
  CHECK(r.summary.replicas->pinned_reads > 0);
  CHECK(r.summary.replicas->pinned_reads + r.summary.replicas->reads == r.summary.requests.reads);
  // One instance: every read of a recent write is the writer's own.
  const RunResult one =
      RunSimulation(ReplicaWorld("ryw-one").Replicas(1, kLagMs, pin), TestStack(Duration()));
  CheckStale(one.summary, StaleProbability(kReadMs));
}

TEST_CASE("a cache filled from a lagging replica keeps the old version until its TTL",
          "[sim][model][world][replicas]") {
  // Cache-aside with deletes on writes: the delete is followed by a miss that
  // reloads the key from a replica still showing the old row, and the cache
  // then serves that copy for the whole TTL (or until the next write).
  const TestWorld w = TestWorld("poison", 4)
                          .Keys(1000)
                          .Rps(2000)
                          .Writes(0.01)
                          .DbReadMs(1)
                          .DbWriteMs(1)
                          .Lasting(Duration::Seconds(120));
  const TestStack stack(Duration::Seconds(60));
  const Summary primary = RunSimulation(w, stack).summary;
  const Summary replica = RunSimulation(TestWorld(w).Replicas(1, 500), stack).summary;
  INFO("stale reads: primary " << primary.staleness.stale_reads << ", replica "
                               << replica.staleness.stale_reads);
  CHECK(replica.staleness.stale_reads > 20 * std::max<uint64_t>(primary.staleness.stale_reads, 1));
  // Far older than the lag: the poisoned copy outlives it.
  CHECK(replica.staleness.max_age_ms > 10 * 500);
}

}  // namespace
}  // namespace cachelab
