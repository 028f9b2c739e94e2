// Write-behind against write-through on identical traffic (same seed: same
// arrivals, keys and service times). Write-behind acknowledges at the cache
// and persists later from a queue that lives in the cache: fast writes,
// fewer DB writes, and acknowledged writes lost when the cache crashes.
#include <catch2/catch.hpp>
#include <string>

#include "policies/run.h"
#include "tests/support/distributions.h"
#include "tests/support/scenario_errors.h"
#include "tests/support/world.h"

using namespace cachelab;
using test::Constant;

namespace {

constexpr uint64_t kKeys = 20;
constexpr double kRttMs = 0.5;
constexpr double kDbWriteMs = 5;
const Duration kFlush = Duration::Seconds(1);

// 1,000 requests/s over 20 equally popular keys; DB reads 20 ms, writes 5 ms.
WorldConfig World(double write_fraction) {
  return test::TestWorld("write-behind", 5)
      .Lasting(Duration::Seconds(30))
      .Rps(1000)
      .Keys(kKeys)
      .Writes(write_fraction)
      .RttMs(kRttMs)
      .DbReadMs(20)
      .DbWriteMs(kDbWriteMs)
      .Interval(Duration::Seconds(1));
}

StackConfig Stack(const std::string& write, bool coalesce = true) {
  test::TestStack s(Duration::Seconds(3600));
  s.Use(Role::kWrite, write).Set(Role::kWrite, "ttl", Duration::Seconds(3600));
  if (write == "write-behind") {
    s.Set(Role::kWrite, "flush_interval", kFlush)
        .Set(Role::kWrite, "batch_size", int64_t{1'000'000})
        .Set(Role::kWrite, "coalesce", coalesce);
  }
  return s;
}

}  // namespace

TEST_CASE("write-behind loses the queued writes when the cache crashes, write-through none",
          "[policies][write][write-behind]") {
  // Cache round trips take no time here, so a write is queued at the instant
  // it completes, and no write is between its SET and its answer at the
  // crash. The worker drains the queue at 10 s; the cache crashes at 10.5 s.
  // The queue then holds exactly the writes that completed in [10 s, 10.5 s):
  // the time series' row of that half second counts them independently.
  WorldConfig w = World(0.1);
  w.cache.rtt = Constant(0);
  w.metrics.interval = Duration::Millis(500);
  w.cache.faults.push_back(
      {FaultWindowConfig::Kind::kRestart, Duration::Millis(10'500), Duration::Seconds(2)});
  const RunResult behind = RunSimulation(w, Stack("write-behind", /*coalesce=*/false));
  const RunResult through = RunSimulation(w, Stack("write-through"));
  const Summary& b = behind.summary;
  REQUIRE(b.requests.writes == through.summary.requests.writes);  // identical traffic

  uint64_t written_before_crash = 0;
  for (const IntervalRow& row : behind.timeseries) {
    if (row.time_s == 10.0) written_before_crash = row.writes;
  }
  INFO("lost " << b.writes.lost << ", writes completed in [10 s, 10.5 s) " << written_before_crash
               << ", pending at end " << b.writes.pending_at_end);
  CHECK(b.writes.lost > 0);
  CHECK(b.writes.lost == written_before_crash);
  // Write-through acknowledges at the DB commit: nothing to lose.
  CHECK(through.summary.writes.lost == 0);

  // While the cache is down a write-behind write cannot be acknowledged and
  // fails; write-through writes still commit.
  CHECK(b.requests.failed > 0);
  CHECK(through.summary.requests.failed == 0);

  // Every acknowledged write is committed, lost, or still queued at the end
  // (no coalescing: one commit per write; reads never fail: DB fallback).
  CHECK(b.db.writes + b.writes.lost + b.writes.pending_at_end ==
        b.requests.writes - b.requests.failed);

  // The lost versions are gone from the DB too: once the empty cache reloads
  // the keys, reads return rows older than acknowledged writes.
  CHECK(b.staleness.stale_reads > 0);
}

TEST_CASE("a write-behind write costs one cache round trip, write-through a DB commit too",
          "[policies][write][write-behind]") {
  const WorldConfig w = World(1.0);  // writes only: the latency is the write latency
  const Summary behind = RunSimulation(w, Stack("write-behind")).summary;
  const Summary through = RunSimulation(w, Stack("write-through")).summary;
  INFO("mean write latency: write-behind " << behind.latency_ms.mean << " ms, write-through "
                                           << through.latency_ms.mean << " ms");
  REQUIRE(behind.requests.writes == through.requests.writes);
  REQUIRE(behind.requests.failed == 0);
  // One SET, nothing else on the caller's path.
  CHECK(behind.latency_ms.mean == Approx(kRttMs).epsilon(1e-6));
  CHECK(behind.latency_ms.max == Approx(kRttMs).epsilon(0.01));
  // Write-through waits for the commit and then the SET.
  CHECK(through.latency_ms.mean >= kDbWriteMs + kRttMs);
  CHECK(through.latency_ms.mean > 10 * behind.latency_ms.mean);
}

TEST_CASE("coalescing makes write-behind commit each key at most once per flush",
          "[policies][write][write-behind]") {
  const WorldConfig w = World(1.0);
  const Summary coalesced = RunSimulation(w, Stack("write-behind", true)).summary;
  const Summary each = RunSimulation(w, Stack("write-behind", false)).summary;
  INFO("DB writes: coalesced " << coalesced.db.writes << ", one per write " << each.db.writes
                               << ", requests " << coalesced.requests.writes);
  REQUIRE(coalesced.requests.writes == each.requests.writes);
  // Without coalescing every acknowledged write reaches the DB or is still queued.
  CHECK(each.db.writes + each.writes.pending_at_end == each.requests.writes);
  // With it, one commit per key and turn: at most keys x turns (one turn per
  // flush interval over the run, plus one).
  const auto turns = static_cast<uint64_t>(w.duration.seconds() / kFlush.seconds()) + 1;
  CHECK(coalesced.db.writes <= kKeys * turns);
  CHECK(coalesced.db.writes < coalesced.requests.writes);
  CHECK(coalesced.writes.lost == 0);
}

TEST_CASE("write-behind parameters out of range are input errors naming the pointer",
          "[policies][write][write-behind]") {
  auto error = [](const std::string& params) {
    return test::PolicyInputError("write", R"({"name": "write-behind", "params": )" + params + "}");
  };
  CHECK(error(R"({"ttl": "-1s"})") ==
        R"(x.json: /policies/write/params/ttl: must be >= 0, got "-1s")");
  CHECK(error(R"({"batch_size": 0})") ==
        "x.json: /policies/write/params/batch_size: must be > 0, got 0");
  CHECK(error(R"({"flush_interval": "0"})") ==
        R"(x.json: /policies/write/params/flush_interval: must be > 0, got "0")");
  CHECK(error(R"({"max_rate": -1})") ==
        "x.json: /policies/write/params/max_rate: must be >= 0, got -1");
}
