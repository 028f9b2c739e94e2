// Per-instance connection pools (DatabaseConfig::kPerInstance): each
// instance's queries wait for its own pool's connections, in front of one
// database; checked against the contract and against Erlang C.
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <vector>

#include "analysis/models/analytic.h"
#include "sim/core/random.h"
#include "sim/core/simulator.h"
#include "sim/core/task.h"
#include "sim/metrics/stampede.h"
#include "sim/model/database.h"
#include "sim/model/ledger.h"
#include "tests/support/distributions.h"

namespace cachelab {
namespace {

Time Ms(int64_t ms) {
  return Time::Zero() + Duration::Millis(ms);
}

// `pools` pools (one per instance) of `connections`, reads of `read_ms`.
DatabaseConfig PerInstance(uint32_t connections, const DistributionConfig& read) {
  DatabaseConfig c;
  c.pool = DatabaseConfig::PoolScope::kPerInstance;
  c.connections = connections;
  c.read_service = read;
  c.write_service = read;
  return c;
}

struct Rig {
  Rig(const DatabaseConfig& c, uint32_t instances, uint64_t keys = 10)
      : ledger(keys),
        db(sim, c, std::vector<uint32_t>(keys, 100), ledger, stampede, 1, instances) {}
  Simulator sim;
  VersionLedger ledger;
  StampedeTracker stampede;
  Database db;
};

struct Rec {
  Time done;
  DbResult result;
};

Task<void> ReadAt(Simulator& sim, Database& db, Time at, uint32_t instance, Rec* out) {
  co_await Sleep(sim, at - sim.now());
  out->result = co_await db.Read(0, instance);
  out->done = sim.now();
}

// Poisson reads at `rate` per second, `n` of them, each from an instance
// drawn uniformly: each instance's reads are then a Poisson stream of rate / instances.
Task<void> PoissonReads(Simulator& sim, Database& db, double rate, uint32_t instances, int n,
                        std::vector<Rec>* out) {
  RandomEngine rng = MakeStream(11, "arrivals");
  out->resize(static_cast<size_t>(n));
  for (Rec& r : *out) {
    const double gap_s = -std::log(1 - Uniform01(rng)) / rate;
    co_await Sleep(sim, Duration::Nanos(static_cast<int64_t>(gap_s * 1e9)));
    const auto instance =
        static_cast<uint32_t>(Uniform01(rng) * instances) % instances;  // uniform in [0, n)
    Spawn(sim, ReadAt(sim, db, sim.now(), instance, &r));
  }
}

}  // namespace

TEST_CASE("a query waits in its own pool while another instance's pool has idle connections",
          "[sim][model][database][pools]") {
  Rig w(PerInstance(1, test::Constant(10e6)), 2);
  REQUIRE(w.db.pools() == 2);
  CHECK(w.db.total_connections() == 2);
  Rec a, b, c;
  Spawn(w.sim, ReadAt(w.sim, w.db, Ms(0), 0, &a));  // instance 0: [0, 10]
  Spawn(w.sim, ReadAt(w.sim, w.db, Ms(1), 0, &b));  // instance 0 again: waits 1..10, [10, 20]
  Spawn(w.sim, ReadAt(w.sim, w.db, Ms(2), 1, &c));  // instance 1's idle pool: [2, 12]
  w.sim.RunUntil(Ms(5));
  CHECK(w.db.busy() == 2);
  CHECK(w.db.queue_depth() == 1);
  CHECK(w.db.pool_queue_depth(0) == 1);
  CHECK(w.db.pool_queue_depth(1) == 0);
  w.sim.Run();
  CHECK(a.done == Ms(10));
  CHECK(b.done == Ms(20));
  CHECK(c.done == Ms(12));
  const PoolStats& p0 = w.db.pool_stats(0);
  CHECK(p0.queries == 2);
  CHECK(p0.queued == 1);
  CHECK(p0.wait_ns_total == Duration::Millis(9).nanos());
  CHECK(p0.peak_queue == 1);
  CHECK(p0.busy_ns == Approx(20e6));
  const PoolStats& p1 = w.db.pool_stats(1);
  CHECK(p1.queries == 1);
  CHECK(p1.queued == 0);
  CHECK(p1.busy_ns == Approx(10e6));
  // The totals are the pools' sums.
  const DatabaseStats& s = w.db.stats();
  CHECK(s.queries == 3);
  CHECK(s.queued == 1);
  CHECK(s.busy_ns == Approx(30e6));
}

TEST_CASE("each pool has its own queue limit and queue timeout", "[sim][model][database][pools]") {
  DatabaseConfig c = PerInstance(1, test::Constant(10e6));
  c.queue_limit = 1;
  c.queue_timeout = Duration::Millis(4);
  Rig w(c, 3);
  // Instance 0: one runs, one waits (and times out at 5 ms), one is rejected.
  // Instance 1: one runs, one waits until 3 + 4 = 7 ms (its own timeout event).
  std::vector<Rec> r(5);
  Spawn(w.sim, ReadAt(w.sim, w.db, Ms(0), 0, &r[0]));
  Spawn(w.sim, ReadAt(w.sim, w.db, Ms(1), 0, &r[1]));
  Spawn(w.sim, ReadAt(w.sim, w.db, Ms(2), 0, &r[2]));
  Spawn(w.sim, ReadAt(w.sim, w.db, Ms(2), 1, &r[3]));
  Spawn(w.sim, ReadAt(w.sim, w.db, Ms(3), 1, &r[4]));
  w.sim.Run();
  CHECK(r[0].result.ok);
  CHECK(r[0].done == Ms(10));
  CHECK_FALSE(r[1].result.ok);
  CHECK(r[1].done == Ms(5));
  CHECK_FALSE(r[2].result.ok);  // instance 0's queue held its limit
  CHECK(r[2].done == Ms(2));
  CHECK(r[3].result.ok);  // instance 1's pool was free
  CHECK(r[3].done == Ms(12));
  CHECK_FALSE(r[4].result.ok);
  CHECK(r[4].done == Ms(7));
  CHECK(w.db.pool_stats(0).timeouts == 1);
  CHECK(w.db.pool_stats(0).rejected == 1);
  CHECK(w.db.pool_stats(1).timeouts == 1);
  CHECK(w.db.pool_stats(1).rejected == 0);
  CHECK(w.db.pool_stats(2).queries == 0);
  CHECK(w.db.stats().timeouts == 2);
  CHECK(w.db.stats().rejected == 1);
  CHECK(w.stampede.in_flight() == 0);
}

TEST_CASE("every pool's queries share the database's cores", "[sim][model][database][pools]") {
  // One query in each of two pools at once: on one core they run at half
  // speed each (processor sharing), finishing at 20 ms; without a core limit
  // both finish at 10 ms.
  for (uint32_t cores : {1u, 0u}) {
    INFO(cores);
    DatabaseConfig c = PerInstance(1, test::Constant(10e6));
    c.cores = cores;
    Rig w(c, 2);
    Rec a, b;
    Spawn(w.sim, ReadAt(w.sim, w.db, Ms(0), 0, &a));
    Spawn(w.sim, ReadAt(w.sim, w.db, Ms(0), 1, &b));
    w.sim.Run();
    CHECK(a.done == Ms(cores == 1 ? 20 : 10));
    CHECK(b.done == Ms(cores == 1 ? 20 : 10));
  }
}

TEST_CASE("a global pool takes every instance's queries into one queue",
          "[sim][model][database][pools]") {
  DatabaseConfig c = PerInstance(2, test::Constant(10e6));
  c.pool = DatabaseConfig::PoolScope::kGlobal;
  Rig w(c, 2);
  CHECK(w.db.pools() == 1);
  CHECK(w.db.total_connections() == 2);
  Rec a, b;
  Spawn(w.sim, ReadAt(w.sim, w.db, Ms(0), 0, &a));
  Spawn(w.sim, ReadAt(w.sim, w.db, Ms(1), 0, &b));  // the second connection, at once
  w.sim.Run();
  CHECK(b.done == Ms(11));
}

TEST_CASE("each per-instance pool is an M/M/c queue at 1/n of the rate (Erlang C)",
          "[sim][model][database][pools][theory]") {
  // n instances each receive Poisson reads at lambda / n; exponential 10 ms
  // service (mu = 100/s per connection); each pool of c connections is an
  // M/M/c queue at utilization rho. One global pool of n c connections at the
  // same total rate is M/M/(n c) at the same utilization, and waits far less
  // (the pooling effect): idle connections of one pool cannot serve another
  // pool's queue.
  struct Point {
    uint32_t n, c;
    double rho;
  };
  const Point pt = GENERATE(Point{4, 2, 0.8}, Point{8, 1, 0.7}, Point{3, 4, 0.85});
  const double mu = 100;
  const double lambda = pt.rho * pt.n * pt.c * mu;
  const int queries = 800'000;
  INFO("n=" << pt.n << " c=" << pt.c << " rho=" << pt.rho);

  Rig per(PerInstance(pt.c, test::Exponential(10e6)), pt.n);
  std::vector<Rec> r;
  Spawn(per.sim, PoissonReads(per.sim, per.db, lambda, pt.n, queries, &r));
  per.sim.Run();
  const ErlangC pool = ErlangCQueue(pt.c, lambda / pt.n, mu);
  for (uint32_t i = 0; i < pt.n; ++i) {
    const PoolStats& s = per.db.pool_stats(i);
    const double p_wait = static_cast<double>(s.queued) / static_cast<double>(s.queries);
    const double wait_ms =
        static_cast<double>(s.wait_ns_total) * 1e-6 / static_cast<double>(s.started);
    INFO("pool " << i << ": P(wait) " << p_wait << " (Erlang C " << pool.prob_wait << "), Wq "
                 << wait_ms << " ms (Erlang C " << pool.mean_wait_s * 1e3 << " ms)");
    // About 800,000 / n queries a pool: each pool's figures within 8 %, the
    // totals (below) within 5 % as the global pool's Erlang C test.
    CHECK(p_wait == Approx(pool.prob_wait).epsilon(0.04));
    CHECK(wait_ms == Approx(pool.mean_wait_s * 1e3).epsilon(0.08));
  }
  const DatabaseStats& all = per.db.stats();
  const double per_wait_ms =
      static_cast<double>(all.wait_ns_total) * 1e-6 / static_cast<double>(all.started);
  const double per_p_wait = static_cast<double>(all.queued) / static_cast<double>(all.queries);
  CHECK(per_p_wait == Approx(pool.prob_wait).epsilon(0.03));
  CHECK(per_wait_ms == Approx(pool.mean_wait_s * 1e3).epsilon(0.05));

  DatabaseConfig g = PerInstance(pt.n * pt.c, test::Exponential(10e6));
  g.pool = DatabaseConfig::PoolScope::kGlobal;
  Rig global(g, pt.n);
  std::vector<Rec> rg;
  Spawn(global.sim, PoissonReads(global.sim, global.db, lambda, pt.n, queries, &rg));
  global.sim.Run();
  const ErlangC one = ErlangCQueue(pt.n * pt.c, lambda, mu);
  const DatabaseStats& gs = global.db.stats();
  const double global_wait_ms =
      static_cast<double>(gs.wait_ns_total) * 1e-6 / static_cast<double>(gs.started);
  INFO("n pools of c: Wq " << per_wait_ms << " ms; one pool of n c: Wq " << global_wait_ms
                           << " ms (Erlang C " << one.mean_wait_s * 1e3 << " ms)");
  CHECK(global_wait_ms == Approx(one.mean_wait_s * 1e3).epsilon(0.05));
  // The pooling effect, well beyond the 5 % bounds of either figure.
  REQUIRE(pool.mean_wait_s > 1.5 * one.mean_wait_s);
  CHECK(per_wait_ms > 1.5 * global_wait_ms);
}

}  // namespace cachelab
