// The database's network link (DatabaseConfig::network): full duplex, one
// value at a time each way, in order; a read's answer goes out after its
// service, a write's value comes in before it reaches its pool. Checked
// against the contract and, under Poisson reads, against M/D/1.
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <vector>

#include "sim/core/random.h"
#include "sim/core/simulator.h"
#include "sim/core/task.h"
#include "sim/metrics/stampede.h"
#include "sim/model/database.h"
#include "sim/model/ledger.h"
#include "tests/support/distributions.h"

namespace cachelab {
namespace {

Time Ms(double ms) {
  return Time::Zero() + Duration::FromSecondsF(ms / 1e3);
}

// `connections` connections, constant service times, a link of `mbit` (0: none).
DatabaseConfig Config(uint32_t connections, double read_ms, double write_ms, double mbit) {
  DatabaseConfig c;
  c.connections = connections;
  c.read_service = test::Constant(read_ms * 1e6);
  c.write_service = test::Constant(write_ms * 1e6);
  c.network.bandwidth_mbit = mbit;
  return c;
}

struct Rig {
  // Every row `row_bytes` long.
  Rig(const DatabaseConfig& c, uint32_t row_bytes, uint64_t keys = 10)
      : ledger(keys), db(sim, c, std::vector<uint32_t>(keys, row_bytes), ledger, stampede, 1) {}
  Simulator sim;
  VersionLedger ledger;
  StampedeTracker stampede;
  Database db;
};

struct Rec {
  Time done;
  DbResult result;
};

Task<void> ReadAt(Simulator& sim, Database& db, Time at, Key k, Rec* out) {
  co_await Sleep(sim, at - sim.now());
  out->result = co_await db.Read(k);
  out->done = sim.now();
}

Task<void> WriteAt(Simulator& sim, Database& db, Time at, Key k, uint32_t size, Rec* out) {
  co_await Sleep(sim, at - sim.now());
  out->result = co_await db.Write(k, size);
  out->done = sim.now();
}

// `n` Poisson reads at `rate` per second; out[i] gets read i's issue time.
Task<void> PoissonReads(Simulator& sim, Database& db, double rate, int n, std::vector<Time>* issued,
                        std::vector<Rec>* out) {
  RandomEngine rng = MakeStream(7, "arrivals");
  issued->resize(static_cast<size_t>(n));
  out->resize(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) {
    const double gap_s = -std::log(1 - Uniform01(rng)) / rate;
    co_await Sleep(sim, Duration::Nanos(static_cast<int64_t>(gap_s * 1e9)));
    (*issued)[static_cast<size_t>(i)] = sim.now();
    Spawn(sim, ReadAt(sim, db, sim.now(), static_cast<Key>(i % 10), &(*out)[i]));
  }
}

}  // namespace

TEST_CASE("a read's answer goes out over the link after its service, one at a time",
          "[sim][model][database][link]") {
  // 8 Mbit/s: a 1,000-byte row takes 1 ms to send.
  Rig w(Config(3, 10, 10, 8), 1000);
  Rec a, b, c;
  Spawn(w.sim, ReadAt(w.sim, w.db, Ms(0), 0, &a));  // served [0, 10], sent [10, 11]
  Spawn(w.sim, ReadAt(w.sim, w.db, Ms(0), 1, &b));  // served [0, 10], waits, sent [11, 12]
  w.sim.RunUntil(Ms(10.5));
  // The connections are free once the service ends; the loads are in flight until the answers.
  CHECK(w.db.busy() == 0);
  CHECK(w.stampede.in_flight() == 2);
  Spawn(w.sim, ReadAt(w.sim, w.db, Ms(10.5), 2, &c));  // served [10.5, 20.5], sent [20.5, 21.5]
  w.sim.Run();
  CHECK(a.done == Ms(11));
  CHECK(b.done == Ms(12));
  CHECK(c.done == Ms(21.5));
  CHECK(a.result.ok);
  CHECK(a.result.value.size == 1000);
  const DatabaseStats& s = w.db.stats();
  CHECK(s.bytes_out == 3000);
  CHECK(s.bytes_in == 0);
  CHECK(s.link_transfers == 3);
  CHECK(s.link_out_busy_ns == Duration::Millis(3).nanos());
  CHECK(s.link_in_busy_ns == 0);
  CHECK(s.link_wait_ns == Duration::Millis(1).nanos());
  CHECK(w.stampede.in_flight() == 0);
}

TEST_CASE("a write's value comes in over the link before it reaches its pool",
          "[sim][model][database][link]") {
  // 2,000 bytes at 8 Mbit/s: 2 ms in; one connection, writes of 10 ms.
  Rig w(Config(1, 10, 10, 8), 1000);
  Rec a, b;
  Spawn(w.sim, WriteAt(w.sim, w.db, Ms(0), 0, 2000, &a));  // in [0, 2], commits at 12
  Spawn(w.sim, WriteAt(w.sim, w.db, Ms(0), 1, 2000, &b));  // in [2, 4], waits to 12, commits at 22
  w.sim.RunUntil(Ms(1));
  CHECK(w.db.stats().queries == 0);  // neither has reached the database yet
  w.sim.Run();
  CHECK(a.done == Ms(12));
  CHECK(b.done == Ms(22));
  CHECK(w.db.Row(0).version == 2);
  CHECK(w.db.Row(0).size == 2000);
  const DatabaseStats& s = w.db.stats();
  CHECK(s.queries == 2);
  CHECK(s.bytes_in == 4000);
  CHECK(s.link_in_busy_ns == Duration::Millis(4).nanos());
  CHECK(s.link_out_busy_ns == 0);
  // The link waits (2 ms for b's value) and the pool waits (b from 4 to 12) are apart.
  CHECK(s.link_wait_ns == Duration::Millis(2).nanos());
  CHECK(s.wait_ns_total == Duration::Millis(8).nanos());
}

TEST_CASE("a write rejected by a full queue after its value came in fails at once",
          "[sim][model][database][link]") {
  DatabaseConfig c = Config(1, 10, 10, 8);
  c.queue_limit = 1;
  Rig w(c, 1000);
  std::vector<Rec> r(3);
  for (Key k = 0; k < 3; ++k) Spawn(w.sim, WriteAt(w.sim, w.db, Ms(0), k, 1000, &r[k]));
  w.sim.Run();
  // In at 1, 2 and 3 ms: the first runs, the second waits, the third is rejected on arrival.
  CHECK(r[0].result.ok);
  CHECK(r[1].result.ok);
  CHECK_FALSE(r[2].result.ok);
  CHECK(r[2].done == Ms(3));
  CHECK(w.db.stats().rejected == 1);
}

TEST_CASE("a read of a missing row sends nothing", "[sim][model][database][link]") {
  Rig w(Config(1, 10, 10, 8), 1000, 10);
  Rec a;
  Spawn(w.sim, ReadAt(w.sim, w.db, Ms(0), 42, &a));  // no row: no answer bytes
  w.sim.Run();
  CHECK(a.done == Ms(10));
  CHECK_FALSE(a.result.value.exists);
  CHECK(w.db.stats().link_transfers == 0);
}

TEST_CASE("each read replica has a link of its own", "[sim][model][database][link]") {
  DatabaseConfig c = Config(1, 10, 10, 8);
  c.replicas.count = 2;
  c.replicas.connections = 1;
  Rig w(c, 1000);
  Database r0(w.sim, c, w.db, 0, w.stampede, 1), r1(w.sim, c, w.db, 1, w.stampede, 1);
  Rec a, b;
  Spawn(w.sim, ReadAt(w.sim, r0, Ms(0), 0, &a));
  Spawn(w.sim, ReadAt(w.sim, r1, Ms(0), 1, &b));
  w.sim.Run();
  // Both answers leave at 10 ms at once, each on its replica's link.
  CHECK(a.done == Ms(11));
  CHECK(b.done == Ms(11));
  CHECK(r0.stats().link_wait_ns == 0);
  CHECK(r1.stats().link_wait_ns == 0);
  CHECK(w.db.stats().link_transfers == 0);
}

TEST_CASE("a link too fast to take a nanosecond changes no answer",
          "[sim][model][database][link]") {
  // 10 Tbit/s carries 100 bytes in 0.08 ns, rounded to 0: every answer comes
  // when it would without a limit, and the same rows are read.
  auto run = [](double mbit) {
    Rig w(Config(2, 5, 10, mbit), 100);
    std::vector<Rec> r(8);
    for (size_t i = 0; i < r.size(); ++i) {
      const Time at = Ms(static_cast<double>(i));
      if (i % 3 == 0) {
        Spawn(w.sim, WriteAt(w.sim, w.db, at, i % 4, 100, &r[i]));
      } else {
        Spawn(w.sim, ReadAt(w.sim, w.db, at, i % 4, &r[i]));
      }
    }
    w.sim.Run();
    std::vector<std::pair<int64_t, uint64_t>> seen;
    for (const Rec& x : r) seen.emplace_back(x.done.nanos(), x.result.value.version);
    return seen;
  };
  CHECK(run(1e7) == run(0));
}

TEST_CASE("Poisson reads of equal rows queue for the outgoing link as M/D/1",
          "[sim][model][database][link]") {
  // A fast database (0.1 ms, connections to spare) in front of a gigabit link
  // carrying 125,000-byte answers: S = 1 ms each. The answers reach the link
  // at the reads' arrival times shifted by 0.1 ms, a Poisson stream of rate
  // rho / S, so the link is an M/D/1 queue: W = rho S / (2 (1 - rho)).
  const double rho = GENERATE(0.3, 0.6, 0.8);
  constexpr double kServiceS = 1e-3, kDbS = 1e-4;
  constexpr int kReads = 100'000, kBatches = 25;
  Rig w(Config(1000, kDbS * 1e3, 1, 1000), 125'000);
  std::vector<Time> issued;
  std::vector<Rec> done;
  Spawn(w.sim, PoissonReads(w.sim, w.db, rho / kServiceS, kReads, &issued, &done));
  w.sim.Run();
  // Each read's wait for the link: its latency less the service and the transfer.
  std::vector<double> batch(kBatches, 0);
  double total = 0;
  for (int i = 0; i < kReads; ++i) {
    const double wait = (done[i].done - issued[i]).seconds() - kDbS - kServiceS;
    REQUIRE(wait > -1e-9);
    batch[static_cast<size_t>(i * kBatches / kReads)] += wait / (kReads / kBatches);
    total += wait;
  }
  const double mean = total / kReads;
  // The standard error from batch means: 4,000 reads a batch, far longer than
  // the queue's memory (at rho 0.8 a busy period averages 5 services), so the
  // batches' means are nearly independent; 25 of them give the spread.
  double var = 0;
  for (double b : batch) var += (b - mean) * (b - mean);
  const double se = std::sqrt(var / (kBatches - 1) / kBatches);
  const double theory = rho * kServiceS / (2 * (1 - rho));
  const DatabaseStats& s = w.db.stats();
  const double elapsed = w.sim.now().seconds();
  const double utilization = static_cast<double>(s.link_out_busy_ns) / 1e9 / elapsed;
  INFO("rho " << rho << ": mean wait " << mean * 1e3 << " ms, M/D/1 " << theory * 1e3
              << " ms, standard error " << se * 1e3 << " ms; link utilization " << utilization);
  // The simulated wait is the theory's within 4 standard errors (a 24-degree
  // t test at about 0.05%), and the standard error is small enough (under 3%
  // of the wait) for that to mean something.
  CHECK(se < 0.03 * theory);
  CHECK(std::abs(mean - theory) < 4 * se);
  // The link's own count of the waits is the readers' measure.
  CHECK(static_cast<double>(s.link_wait_ns) / 1e9 / kReads == Approx(mean).epsilon(1e-6));
  CHECK(s.link_transfers == static_cast<uint64_t>(kReads));
  // Busy time is rho of the time (to a couple of percent) and never more than all of it.
  CHECK(utilization == Approx(rho).epsilon(0.02));
  CHECK(utilization <= 1);
}

TEST_CASE("an overloaded link is busy at most all the time", "[sim][model][database][link]") {
  // Answers arrive at 1.5 times the link's capacity: the backlog grows, the
  // link never idles once it starts, and its busy time stays within the run.
  Rig w(Config(1000, 0.1, 1, 1000), 125'000);
  std::vector<Time> issued;
  std::vector<Rec> done;
  Spawn(w.sim, PoissonReads(w.sim, w.db, 1500, 5000, &issued, &done));
  w.sim.Run();
  const DatabaseStats& s = w.db.stats();
  const double busy = static_cast<double>(s.link_out_busy_ns) / 1e9;
  CHECK(busy <= w.sim.now().seconds());
  CHECK(busy == Approx(5.0));  // 5,000 answers of 1 ms
  // Offered 1.5: the last answer leaves about 5 s after the first arrival, long after the last
  // arrival (about 3.3 s).
  CHECK(issued.back().seconds() < 0.75 * w.sim.now().seconds());
}

}  // namespace cachelab
