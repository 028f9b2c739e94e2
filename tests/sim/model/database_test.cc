#include "sim/model/database.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <vector>

#include "sim/core/frame_pool.h"
#include "sim/core/random.h"
#include "sim/core/simulator.h"
#include "sim/core/task.h"
#include "sim/metrics/stampede.h"
#include "sim/model/ledger.h"

namespace cachelab {
namespace {

Time Ms(int64_t ms) {
  return Time::Zero() + Duration::Millis(ms);
}

DistributionConfig Constant(Duration d) {
  DistributionConfig c;
  c.kind = DistributionConfig::Kind::kConstant;
  c.mean = static_cast<double>(d.nanos());  // durations are in ns
  return c;
}

DatabaseConfig Config(uint32_t connections, Duration read, Duration write,
                      Duration queue_timeout = Duration()) {
  DatabaseConfig c;
  c.connections = connections;
  c.queue_timeout = queue_timeout;
  c.read_service = Constant(read);
  c.write_service = Constant(write);
  return c;
}

// Key k of `keys` existing keys has a value of 100 + k bytes.
std::vector<uint32_t> Sizes(uint64_t keys) {
  std::vector<uint32_t> s(keys);
  for (uint64_t k = 0; k < keys; ++k) s[k] = static_cast<uint32_t>(100 + k);
  return s;
}

struct Rig {
  explicit Rig(const DatabaseConfig& c, uint64_t keys = 10)
      : ledger(keys), db(sim, c, Sizes(keys), ledger, stampede, 1) {}
  Simulator sim;
  VersionLedger ledger;
  StampedeTracker stampede;
  Database db;
};

// One query as its caller saw it.
struct Rec {
  Time issued, done;
  DbResult result;
  bool finished = false;
  Duration latency() const { return done - issued; }
};

Task<void> ReadAt(Simulator& sim, Database& db, Time at, Key k, Rec* out) {
  co_await Sleep(sim, at - sim.now());
  out->issued = sim.now();
  out->result = co_await db.Read(k);
  out->done = sim.now();
  out->finished = true;
}

Task<void> WriteAt(Simulator& sim, Database& db, Time at, Key k, uint32_t size, bool acknowledges,
                   Rec* out) {
  co_await Sleep(sim, at - sim.now());
  out->issued = sim.now();
  out->result = co_await db.Write(k, size, acknowledges);
  out->done = sim.now();
  out->finished = true;
}

// Two reads one after the other by the same process.
Task<void> TwoReads(Simulator& sim, Database& db, Key k, Rec* first, Rec* second) {
  first->issued = sim.now();
  first->result = co_await db.Read(k);
  first->done = second->issued = sim.now();
  second->result = co_await db.Read(k);
  second->done = sim.now();
  first->finished = second->finished = true;
}

TEST_CASE("with c connections the next query waits and starts when the first one finishes",
          "[sim][model][database]") {
  const size_t frames = frame_pool::LiveFrames();
  {
    Rig w(Config(2, Duration::Millis(10), Duration::Millis(10)));
    Rec a, b, c;
    Spawn(w.sim, ReadAt(w.sim, w.db, Ms(0), 0, &a));  // [0, 10]
    Spawn(w.sim, ReadAt(w.sim, w.db, Ms(3), 1, &b));  // [3, 13]
    Spawn(w.sim, ReadAt(w.sim, w.db, Ms(5), 2, &c));  // waits 5..10, then [10, 20]
    w.sim.RunUntil(Ms(5));
    CHECK(w.db.busy() == 2);
    CHECK(w.db.queue_depth() == 1);
    w.sim.Run();
    REQUIRE(a.finished);
    REQUIRE(b.finished);
    REQUIRE(c.finished);
    CHECK(a.done == Ms(10));
    CHECK(b.done == Ms(13));
    CHECK(c.done == Ms(20));  // the first query's end (10 ms), not the second's (13 ms)
    CHECK(w.db.busy() == 0);
    CHECK(w.db.queue_depth() == 0);
    const DatabaseStats& s = w.db.stats();
    CHECK(s.queries == 3);
    CHECK(s.reads == 3);
    CHECK(s.writes == 0);
    CHECK(s.started == 3);
    CHECK(s.timeouts == 0);
    CHECK(s.wait_ns_total == Duration::Millis(5).nanos());
    CHECK(s.peak_concurrency == 3);
    CHECK(s.peak_queue == 1);
  }
  CHECK(frame_pool::LiveFrames() == frames);
}

TEST_CASE("waiting queries are served in FIFO order", "[sim][model][database]") {
  Rig w(Config(1, Duration::Millis(10), Duration::Millis(10)));
  std::vector<Rec> r(6);
  Spawn(w.sim, ReadAt(w.sim, w.db, Ms(0), 0, &r[0]));
  Spawn(w.sim, ReadAt(w.sim, w.db, Ms(1), 1, &r[1]));
  Spawn(w.sim, ReadAt(w.sim, w.db, Ms(2), 2, &r[2]));
  // Three at the same instant: FIFO in the order they were issued.
  Spawn(w.sim, ReadAt(w.sim, w.db, Ms(3), 3, &r[3]));
  Spawn(w.sim, ReadAt(w.sim, w.db, Ms(3), 4, &r[4]));
  Spawn(w.sim, ReadAt(w.sim, w.db, Ms(3), 5, &r[5]));
  w.sim.RunUntil(Ms(3));
  CHECK(w.db.queue_depth() == 5);
  CHECK(w.db.TakeIntervalPeakQueue() == 5);
  w.sim.Run();
  for (size_t i = 0; i < r.size(); ++i) {
    CHECK(r[i].done == Ms(10 * static_cast<int64_t>(i + 1)));
    CHECK(r[i].result.ok);
    CHECK(r[i].result.value.size == 100 + i);  // each got its own key's row
  }
  const DatabaseStats& s = w.db.stats();
  // Waits: 0, 10-1, 20-2, 30-3, 40-3, 50-3 = 138 ms over 6 queries (23 ms mean).
  CHECK(s.started == 6);
  CHECK(s.wait_ns_total == Duration::Millis(138).nanos());
  CHECK(static_cast<double>(s.wait_ns_total) / static_cast<double>(s.started) ==
        Approx(Duration::Millis(23).nanos()));
  CHECK(s.peak_queue == 5);
  CHECK(s.peak_concurrency == 6);
  // The window restarted at depth 5 when it was taken; the next one starts empty.
  CHECK(w.db.TakeIntervalPeakQueue() == 5);
  CHECK(w.db.TakeIntervalPeakQueue() == 0);
}

TEST_CASE("a finished query's connection goes to a waiter before its caller's next query",
          "[sim][model][database]") {
  Rig w(Config(1, Duration::Millis(10), Duration::Millis(10)));
  Rec first, second, other;
  Spawn(w.sim, TwoReads(w.sim, w.db, 0, &first, &second));  // [0, 10], then queues at 10
  Spawn(w.sim, ReadAt(w.sim, w.db, Ms(5), 1, &other));      // queued since 5
  w.sim.Run();
  CHECK(first.done == Ms(10));
  CHECK(other.done == Ms(20));
  CHECK(second.done == Ms(30));
}

TEST_CASE("a query still waiting at its queue timeout fails then and never runs",
          "[sim][model][database]") {
  Rig w(Config(1, Duration::Millis(10), Duration::Millis(10), Duration::Millis(15)));
  Rec q0, q1, q2, q3;
  Spawn(w.sim, ReadAt(w.sim, w.db, Ms(0), 0, &q0));  // [0, 10]
  Spawn(w.sim, ReadAt(w.sim, w.db, Ms(1), 1, &q1));  // waits 9 ms (< 15): [10, 20]
  // Would start at 20 after waiting 18 ms: fails at 2 + 15 = 17 ms instead.
  Spawn(w.sim, WriteAt(w.sim, w.db, Ms(2), 5, 999, true, &q2));
  // Its deadline is 21 ms; at 20 the connection skips the failed write and
  // goes to it: [20, 30].
  Spawn(w.sim, ReadAt(w.sim, w.db, Ms(6), 2, &q3));
  w.sim.RunUntil(Ms(17) - Duration::Nanos(1));
  CHECK_FALSE(q2.finished);
  CHECK(w.db.queue_depth() == 2);
  w.sim.RunUntil(Ms(17));
  REQUIRE(q2.finished);
  CHECK(w.db.queue_depth() == 1);  // only q3 still waits
  w.sim.Run();

  CHECK(q0.done == Ms(10));
  CHECK(q1.done == Ms(20));
  CHECK(q1.result.ok);  // started before its deadline: the timeout no longer applies
  CHECK_FALSE(q2.result.ok);
  CHECK(q2.done == Ms(17));
  CHECK(q3.result.ok);
  CHECK(q3.done == Ms(30));
  // The failed write never ran: no new version, nothing acknowledged.
  CHECK(w.db.Row(5).version == 1);
  CHECK(w.db.Row(5).size == 105);
  CHECK(w.ledger.acked(5) == 1);
  const DatabaseStats& s = w.db.stats();
  CHECK(s.timeouts == 1);
  CHECK(s.queries == 4);
  CHECK(s.started == 3);
  CHECK(s.wait_ns_total == Duration::Millis(0 + 9 + 14).nanos());
  // Busy only while q0, q1, q3 ran.
  CHECK(s.busy_ns == Approx(static_cast<double>(Duration::Millis(30).nanos())));
}

TEST_CASE("a queue timeout of an earlier query does not fail a later one",
          "[sim][model][database]") {
  Rig w(Config(1, Duration::Millis(10), Duration::Millis(10), Duration::Millis(25)));
  Rec q0, q1, q2, q3;
  Spawn(w.sim, ReadAt(w.sim, w.db, Ms(0), 0, &q0));   // [0, 10]
  Spawn(w.sim, ReadAt(w.sim, w.db, Ms(1), 1, &q1));   // deadline 26, runs [10, 20]
  Spawn(w.sim, ReadAt(w.sim, w.db, Ms(15), 2, &q2));  // deadline 40, runs [20, 30]
  Spawn(w.sim, ReadAt(w.sim, w.db, Ms(21), 3, &q3));  // deadline 46, runs [30, 40]
  w.sim.Run();
  // q3 is waiting when q1's (obsolete) deadline passes at 26 ms.
  for (const Rec* r : {&q0, &q1, &q2, &q3}) CHECK(r->result.ok);
  CHECK(q3.done == Ms(40));
  CHECK(w.db.stats().timeouts == 0);
}

// A query issued at `at` that notes the queue depth it finds and, when it
// returns, appends itself to `order`.
Task<void> QueryLogged(Simulator& sim, Database& db, Time at, Key k, bool write, Rec* out,
                       uint64_t* depth_seen, std::vector<const Rec*>* order) {
  co_await Sleep(sim, at - sim.now());
  out->issued = sim.now();
  *depth_seen = db.queue_depth();
  if (write) {
    out->result = co_await db.Write(k, 999, true);
  } else {
    out->result = co_await db.Read(k);
  }
  out->done = sim.now();
  out->finished = true;
  order->push_back(out);
}

// The same, but its arrival at `at` is scheduled only at `wake`.
Task<void> QueryLoggedWokenAt(Simulator& sim, Database& db, Time wake, Time at, Key k, Rec* out,
                              uint64_t* depth_seen, std::vector<const Rec*>* order) {
  co_await Sleep(sim, wake - sim.now());
  co_await QueryLogged(sim, db, at, k, false, out, depth_seen, order);
}

TEST_CASE("queued queries time out in arrival order, each at its enqueue time plus the timeout",
          "[sim][model][database]") {
  // Two connections, 50 ms per query, a 20 ms queue timeout.
  //   q0 at 0 and q1 at 10 take both connections: [0, 50], [10, 60].
  //   q2 (read) and q3 (write) at 12, q4 at 15: time out at 32, 32, 35.
  //   early at 32, its arrival scheduled at 0, before q2 and q3 queued: it
  //     arrives before their timeouts fire (it sees 3 waiting), and is served
  //     at 50, before its deadline 52: [50, 100].
  //   late at 32, its arrival scheduled at 20, after they queued: it arrives
  //     after their timeouts (it sees q4 and early), and times out at 52.
  //   q5 at 45: served at 60, before its deadline 65: [60, 110].
  //   q6 at 46: times out at 66 (no connection is free before 100).
  Rig w(Config(2, Duration::Millis(50), Duration::Millis(50), Duration::Millis(20)));
  Rec q0, q1, q2, q3, q4, early, late, q5, q6;
  uint64_t seen[9] = {};
  std::vector<const Rec*> order;
  Spawn(w.sim, QueryLogged(w.sim, w.db, Ms(0), 0, false, &q0, &seen[0], &order));
  Spawn(w.sim, QueryLogged(w.sim, w.db, Ms(10), 1, false, &q1, &seen[1], &order));
  Spawn(w.sim, QueryLogged(w.sim, w.db, Ms(12), 2, false, &q2, &seen[2], &order));
  Spawn(w.sim, QueryLogged(w.sim, w.db, Ms(12), 5, true, &q3, &seen[3], &order));
  Spawn(w.sim, QueryLogged(w.sim, w.db, Ms(15), 3, false, &q4, &seen[4], &order));
  Spawn(w.sim, QueryLogged(w.sim, w.db, Ms(32), 4, false, &early, &seen[5], &order));
  Spawn(w.sim, QueryLoggedWokenAt(w.sim, w.db, Ms(20), Ms(32), 6, &late, &seen[6], &order));
  Spawn(w.sim, QueryLogged(w.sim, w.db, Ms(45), 7, false, &q5, &seen[7], &order));
  Spawn(w.sim, QueryLogged(w.sim, w.db, Ms(46), 8, false, &q6, &seen[8], &order));

  w.sim.RunUntil(Ms(32) - Duration::Nanos(1));
  CHECK(w.db.queue_depth() == 3);
  CHECK(order.empty());
  w.sim.RunUntil(Ms(32));
  CHECK(w.db.queue_depth() == 3);  // q4, early, late
  CHECK(order == std::vector<const Rec*>{&q2, &q3});
  w.sim.Run();

  CHECK(seen[5] == 3);  // early: q2, q3, q4 still waiting
  CHECK(seen[6] == 2);  // late: q4 and early
  const std::vector<const Rec*> expected = {&q2, &q3, &q4, &q0, &late, &q1, &q6, &early, &q5};
  CHECK(order == expected);
  for (const Rec* r : {&q2, &q3, &q4, &late, &q6}) {
    REQUIRE(r->finished);
    CHECK_FALSE(r->result.ok);
    CHECK(r->done == r->issued + Duration::Millis(20));  // exactly enqueue time + timeout
  }
  CHECK(q2.done == Ms(32));
  CHECK(q3.done == Ms(32));
  CHECK(q4.done == Ms(35));
  CHECK(late.done == Ms(52));
  CHECK(q6.done == Ms(66));
  for (const Rec* r : {&q0, &q1, &early, &q5}) {
    REQUIRE(r->finished);
    CHECK(r->result.ok);
  }
  CHECK(q0.done == Ms(50));
  CHECK(q1.done == Ms(60));
  CHECK(early.done == Ms(100));     // served at 50, 2 ms before its deadline
  CHECK(q5.done == Ms(110));        // served at 60, 5 ms before its deadline
  CHECK(w.db.Row(5).version == 1);  // the timed-out write never committed
  CHECK(w.ledger.acked(5) == 1);
  CHECK(w.db.queue_depth() == 0);
  CHECK(w.db.busy() == 0);
  CHECK(w.stampede.in_flight() == 0);
  const DatabaseStats& s = w.db.stats();
  CHECK(s.queries == 9);
  CHECK(s.timeouts == 5);
  CHECK(s.started == 4);
  CHECK(s.queued == 7);
  CHECK(s.wait_ns_total == Duration::Millis(18 + 15).nanos());
  CHECK(s.peak_queue == 4);  // q2, q3, q4, early at 32; early, late, q5, q6 at 46
}

TEST_CASE("a read that times out stops counting as a load of its key", "[sim][model][database]") {
  Rig w(Config(1, Duration::Millis(10), Duration::Millis(10), Duration::Millis(5)));
  Rec a, b;
  Spawn(w.sim, ReadAt(w.sim, w.db, Ms(0), 1, &a));
  Spawn(w.sim, ReadAt(w.sim, w.db, Ms(1), 1, &b));  // fails at 6 ms
  w.sim.RunUntil(Ms(6));
  CHECK(b.finished);
  CHECK_FALSE(b.result.ok);
  CHECK(w.stampede.in_flight() == 1);  // only a
  w.sim.Run();
  CHECK(w.stampede.in_flight() == 0);
  CHECK(w.stampede.duplicate_loads() == 1);  // b overlapped a while it waited
}

TEST_CASE("a read sees the row as of the moment its service starts", "[sim][model][database]") {
  SECTION("a write committing during the read is not visible to it") {
    Rig w(Config(2, Duration::Millis(10), Duration::Millis(4)));
    Rec read, write, later;
    Spawn(w.sim, ReadAt(w.sim, w.db, Ms(0), 3, &read));               // [0, 10]
    Spawn(w.sim, WriteAt(w.sim, w.db, Ms(2), 3, 300, true, &write));  // commits at 6
    Spawn(w.sim, ReadAt(w.sim, w.db, Ms(7), 3, &later));
    w.sim.Run();
    CHECK(write.done == Ms(6));
    CHECK(read.done == Ms(10));             // returns after the commit...
    CHECK(read.result.value.version == 1);  // ...with the row from before it
    CHECK(read.result.value.size == 103);
    CHECK(later.result.value.version == 2);
    CHECK(later.result.value.size == 300);
  }
  SECTION("a read queued behind a write sees the write") {
    Rig w(Config(1, Duration::Millis(10), Duration::Millis(4)));
    Rec read, write;
    Spawn(w.sim, WriteAt(w.sim, w.db, Ms(0), 3, 300, true, &write));  // [0, 4]
    Spawn(w.sim, ReadAt(w.sim, w.db, Ms(1), 3, &read));               // issued at 1, starts at 4
    w.sim.Run();
    CHECK(read.done == Ms(14));
    CHECK(read.result.value.version == 2);
  }
}

TEST_CASE("a write bumps the version and is acknowledged in the ledger at commit",
          "[sim][model][database]") {
  Rig w(Config(2, Duration::Millis(10), Duration::Millis(20)));
  Rec w1, w2, w3, quiet;
  Spawn(w.sim, WriteAt(w.sim, w.db, Ms(1), 3, 555, true, &w1));      // commits at 21
  Spawn(w.sim, WriteAt(w.sim, w.db, Ms(30), 3, 777, true, &w2));     // commits at 50
  Spawn(w.sim, WriteAt(w.sim, w.db, Ms(35), 3, 888, true, &w3));     // concurrent: commits at 55
  Spawn(w.sim, WriteAt(w.sim, w.db, Ms(1), 4, 444, false, &quiet));  // commits at 21
  w.sim.RunUntil(Ms(21) - Duration::Nanos(1));
  CHECK(w.db.Row(3).version == 1);
  CHECK(w.db.Row(3).size == 103);
  CHECK(w.ledger.acked(3) == 1);
  w.sim.RunUntil(Ms(21));
  CHECK(w.db.Row(3).version == 2);
  CHECK(w.db.Row(3).size == 555);
  CHECK(w.ledger.acked(3) == 2);
  CHECK(w.ledger.AckTime(3, 2) == Ms(21));
  w.sim.Run();

  REQUIRE(w1.result.ok);
  CHECK(w1.done == Ms(21));
  CHECK(w1.result.value.version == 2);
  CHECK(w1.result.value.size == 555);
  CHECK(w1.result.value.exists);
  CHECK(w2.result.value.version == 3);
  CHECK(w3.result.value.version == 4);
  CHECK(w.db.Row(3).version == 4);
  CHECK(w.db.Row(3).size == 888);
  CHECK(w.ledger.acked(3) == 4);
  CHECK(w.ledger.AckTime(3, 3) == Ms(50));
  CHECK(w.ledger.AckTime(3, 4) == Ms(55));
  // Not acknowledging: the row moves on, the truth does not.
  CHECK(quiet.result.value.version == 2);
  CHECK(w.db.Row(4).version == 2);
  CHECK(w.ledger.acked(4) == 1);
  // Writes are not loads.
  CHECK(w.stampede.max_concurrent() == 0);
  const DatabaseStats& s = w.db.stats();
  CHECK(s.writes == 4);
  CHECK(s.reads == 0);
}

TEST_CASE("keys without a row read as not existing", "[sim][model][database]") {
  Rig w(Config(4, Duration::Millis(10), Duration::Millis(10)), 10);
  Rec last, first_missing, far;
  Spawn(w.sim, ReadAt(w.sim, w.db, Ms(0), 9, &last));
  Spawn(w.sim, ReadAt(w.sim, w.db, Ms(0), 10, &first_missing));
  Spawn(w.sim, ReadAt(w.sim, w.db, Ms(0), 1'000'000, &far));
  w.sim.Run();
  CHECK(w.db.keys() == 10);
  REQUIRE(last.result.ok);
  CHECK(last.result.value.exists);
  CHECK(last.result.value.version == 1);
  CHECK(last.result.value.size == 109);
  for (const Rec* r : {&first_missing, &far}) {
    CHECK(r->result.ok);  // the query succeeds, finding nothing
    CHECK_FALSE(r->result.value.exists);
    CHECK(r->result.value.version == 0);
    CHECK(r->done == Ms(10));  // and still takes a read's service time
  }
  CHECK_FALSE(w.db.Row(10).exists);
  CHECK(w.db.Row(10).version == 0);
}

TEST_CASE("database statistics follow the queue's history", "[sim][model][database]") {
  Rig w(Config(2, Duration::Millis(10), Duration::Millis(20)));
  Rec ra, rb, wc, rd, we;
  // t=0: ra, rb run [0,10]; wc waits.   t=5: rd waits (queue 2, concurrency 4).
  // t=10: wc runs [10,30] (waited 10), rd runs [10,20] (waited 5).
  // t=12: we waits.   t=20: we runs [20,40] (waited 8).
  Spawn(w.sim, ReadAt(w.sim, w.db, Ms(0), 0, &ra));
  Spawn(w.sim, ReadAt(w.sim, w.db, Ms(0), 1, &rb));
  Spawn(w.sim, WriteAt(w.sim, w.db, Ms(0), 2, 10, true, &wc));
  Spawn(w.sim, ReadAt(w.sim, w.db, Ms(5), 3, &rd));
  Spawn(w.sim, WriteAt(w.sim, w.db, Ms(12), 4, 10, true, &we));
  w.sim.RunUntil(Ms(5));
  // Two connections busy for 5 ms so far.
  CHECK(w.db.stats().busy_ns == Approx(2.0 * static_cast<double>(Duration::Millis(5).nanos())));
  w.sim.Run();
  CHECK(wc.done == Ms(30));
  CHECK(rd.done == Ms(20));
  CHECK(we.done == Ms(40));
  const DatabaseStats& s = w.db.stats();
  CHECK(s.queries == 5);
  CHECK(s.reads == 3);
  CHECK(s.writes == 2);
  CHECK(s.started == 5);
  CHECK(s.peak_queue == 2);
  CHECK(s.peak_concurrency == 4);
  CHECK(s.wait_ns_total == Duration::Millis(10 + 5 + 8).nanos());
  // The busy-connection integral is the sum of the service times: 3 x 10 + 2 x 20 ms.
  CHECK(s.busy_ns == Approx(static_cast<double>(Duration::Millis(70).nanos())));
}

TEST_CASE("overlapping reads of one key are duplicate loads for the stampede tracker",
          "[sim][model][database]") {
  SECTION("reads in service at once") {
    Rig w(Config(4, Duration::Millis(10), Duration::Millis(10)));
    std::vector<Rec> r(5);
    Rec write;
    Spawn(w.sim, ReadAt(w.sim, w.db, Ms(0), 7, &r[0]));              // [0, 10]
    Spawn(w.sim, ReadAt(w.sim, w.db, Ms(1), 8, &r[1]));              // another key
    Spawn(w.sim, ReadAt(w.sim, w.db, Ms(2), 7, &r[2]));              // duplicate
    Spawn(w.sim, WriteAt(w.sim, w.db, Ms(3), 7, 10, true, &write));  // not a load
    Spawn(w.sim, ReadAt(w.sim, w.db, Ms(4), 7, &r[3]));   // duplicate (waits, still a load)
    Spawn(w.sim, ReadAt(w.sim, w.db, Ms(30), 7, &r[4]));  // after the episode: not one
    w.sim.Run();
    CHECK(w.stampede.duplicate_loads() == 2);
    CHECK(w.stampede.max_concurrent() == 3);
    CHECK(w.stampede.episodes() == 1);
    CHECK(w.stampede.in_flight() == 0);
  }
  SECTION("a read waiting for a connection overlaps the one in service") {
    Rig w(Config(1, Duration::Millis(10), Duration::Millis(10)));
    Rec a, b;
    Spawn(w.sim, ReadAt(w.sim, w.db, Ms(0), 7, &a));
    Spawn(w.sim, ReadAt(w.sim, w.db, Ms(1), 7, &b));
    w.sim.RunUntil(Ms(1));
    CHECK(w.stampede.in_flight() == 2);
    w.sim.Run();
    CHECK(w.stampede.duplicate_loads() == 1);
    CHECK(w.stampede.in_flight() == 0);
  }
}

TEST_CASE("a query that finds the queue limit waiting fails at once and never runs",
          "[sim][model][database]") {
  DatabaseConfig c = Config(1, Duration::Millis(10), Duration::Millis(10));
  c.queue_limit = 2;
  Rig w(c);
  std::vector<Rec> r(5);
  for (size_t i = 0; i < r.size(); ++i) Spawn(w.sim, ReadAt(w.sim, w.db, Ms(1), i, &r[i]));
  Rec write;
  Spawn(w.sim, WriteAt(w.sim, w.db, Ms(2), 7, 999, true, &write));
  w.sim.Run();
  // One runs [1, 11], two wait and run [11, 21] and [21, 31]; the rest fail at 1 ms and 2 ms.
  CHECK(r[0].done == Ms(11));
  CHECK(r[1].done == Ms(21));
  CHECK(r[2].done == Ms(31));
  for (size_t i = 3; i < r.size(); ++i) {
    CHECK_FALSE(r[i].result.ok);
    CHECK(r[i].done == Ms(1));
  }
  CHECK_FALSE(write.result.ok);
  CHECK(write.done == Ms(2));
  CHECK(w.db.Row(7).version == 1);  // the rejected write never committed
  CHECK(w.ledger.acked(7) == 1);
  const DatabaseStats& s = w.db.stats();
  CHECK(s.queries == 6);
  CHECK(s.rejected == 3);
  CHECK(s.started == 3);
  CHECK(s.timeouts == 0);
  CHECK(s.peak_queue == 2);
  CHECK(w.stampede.in_flight() == 0);  // rejected reads left no load in flight
}

TEST_CASE("with fewer cores than running queries, the running queries share the cores",
          "[sim][model][database]") {
  DatabaseConfig c = Config(4, Duration::Millis(10), Duration::Millis(10));
  c.cores = 1;
  Rig w(c);
  Rec a, b, alone;
  // a alone gets 5 ms of work by t = 5; then a and b each run at half speed:
  // a's last 5 ms take 10 (done at 15), when b has 5 ms done and finishes alone at 20.
  Spawn(w.sim, ReadAt(w.sim, w.db, Ms(0), 0, &a));
  Spawn(w.sim, ReadAt(w.sim, w.db, Ms(5), 1, &b));
  Spawn(w.sim, ReadAt(w.sim, w.db, Ms(100), 2, &alone));
  w.sim.RunUntil(Ms(6));
  CHECK(w.db.busy() == 2);  // both hold a connection: sharing is not queueing
  CHECK(w.db.queue_depth() == 0);
  w.sim.Run();
  CHECK(a.done == Ms(15));
  CHECK(b.done == Ms(20));
  CHECK(alone.done == Ms(110));  // a query alone runs at full speed
  CHECK(w.db.stats().wait_ns_total == 0);
}

TEST_CASE("connections beyond the cores add concurrency but no capacity",
          "[sim][model][database]") {
  // Eight queries of 10 ms at once on 2 cores: with 8 connections all run at
  // 2/8 speed and finish together at 40 ms, as 2 connections without sharing
  // would finish the last pair.
  for (uint32_t connections : {2u, 8u}) {
    INFO(connections);
    DatabaseConfig c = Config(connections, Duration::Millis(10), Duration::Millis(10));
    c.cores = 2;
    Rig w(c);
    std::vector<Rec> r(8);
    for (size_t i = 0; i < r.size(); ++i) Spawn(w.sim, ReadAt(w.sim, w.db, Ms(0), i, &r[i]));
    w.sim.Run();
    Time last;
    for (const Rec& q : r) {
      CHECK(q.result.ok);
      last = std::max(last, q.done);
    }
    CHECK(last == Ms(40));
    if (connections == 8) {
      for (const Rec& q : r) CHECK(q.done == Ms(40));
    }
  }
}

TEST_CASE("cores at or above the connections change nothing", "[sim][model][database]") {
  const auto run = [](uint32_t cores) {
    DatabaseConfig c = Config(3, Duration::Millis(7), Duration::Millis(11));
    c.cores = cores;
    Rig w(c);
    std::vector<Rec> r(20);
    for (size_t i = 0; i < r.size(); ++i) {
      const Time at = Ms(static_cast<int64_t>(i * 3 % 17));
      if (i % 4 == 0) {
        Spawn(w.sim, WriteAt(w.sim, w.db, at, i % 10, 50, true, &r[i]));
      } else {
        Spawn(w.sim, ReadAt(w.sim, w.db, at, i % 10, &r[i]));
      }
    }
    w.sim.Run();
    std::vector<Time> done;
    for (const Rec& q : r) done.push_back(q.done);
    return done;
  };
  const std::vector<Time> plain = run(0);
  CHECK(run(3) == plain);
  CHECK(run(64) == plain);
}

// Poisson arrivals at `rate` per second, `n` reads; their mean time in the database.
Task<void> PoissonReads(Simulator& sim, Database& db, double rate, int n, uint64_t seed,
                        std::vector<Rec>* out) {
  RandomEngine rng = MakeStream(seed, "arrivals");
  out->resize(static_cast<size_t>(n));
  for (Rec& r : *out) {
    const double gap_s = -std::log(1 - Uniform01(rng)) / rate;
    co_await Sleep(sim, Duration::Nanos(static_cast<int64_t>(gap_s * 1e9)));
    Spawn(sim, ReadAt(sim, db, sim.now(), 0, &r));
  }
}

TEST_CASE("one core shared by every running query is an M/G/1 processor-sharing queue",
          "[sim][model][database]") {
  // Processor sharing is insensitive to the service distribution: the mean
  // time in system is E[S] / (1 - rho) (Kleinrock, Queueing Systems vol. 2,
  // section 4.4), 20 ms for a constant 10 ms at rho = 0.5, where a FIFO
  // M/D/1 queue gives E[S] + rho E[S] / (2 (1 - rho)) = 15 ms.
  for (uint32_t cores : {1u, 0u}) {
    INFO(cores);
    DatabaseConfig c = Config(cores == 1 ? 1000 : 1, Duration::Millis(10), Duration::Millis(10));
    c.cores = cores;
    Rig w(c);
    std::vector<Rec> r;
    Spawn(w.sim, PoissonReads(w.sim, w.db, 50, 100'000, 3, &r));
    w.sim.Run();
    double sum_ms = 0;
    for (const Rec& q : r) sum_ms += static_cast<double>(q.latency().nanos()) * 1e-6;
    const double mean_ms = sum_ms / static_cast<double>(r.size());
    CHECK(mean_ms == Approx(cores == 1 ? 20.0 : 15.0).epsilon(0.03));
  }
}

// Keys 0-4 are class "db", keys 5-9 class "api", whose reads call an API.
DatabaseConfig WithApi(const ApiConfig& api) {
  DatabaseConfig c = Config(1, Duration::Millis(10), Duration::Millis(10));
  WorkloadConfig w;
  w.keys = 10;
  w.classes.resize(2);
  w.classes[0].keys = 5;
  w.classes[1].keys = 5;
  c.classes = KeyClassMap(w);
  c.class_api = {nullptr, std::make_shared<ApiConfig>(api)};
  return c;
}

TEST_CASE("an API-backed class's reads take no connection and answer after the API's latency",
          "[sim][model][database][api]") {
  ApiConfig api;
  api.latency = Constant(Duration::Millis(150));
  Rig w(WithApi(api));
  // Three API reads and a database read at once: one connection, yet none waits for it.
  std::vector<Rec> r(4);
  for (int i = 0; i < 3; ++i) Spawn(w.sim, ReadAt(w.sim, w.db, Ms(0), 5 + i, &r[i]));
  Spawn(w.sim, ReadAt(w.sim, w.db, Ms(0), 1, &r[3]));
  w.sim.Run();
  for (int i = 0; i < 3; ++i) {
    CHECK(r[i].result.ok);
    CHECK(r[i].result.value.exists);
    CHECK(r[i].result.value.size == static_cast<uint32_t>(105 + i));
    CHECK(r[i].latency() == Duration::Millis(150));
  }
  CHECK(r[3].latency() == Duration::Millis(10));
  const DatabaseStats& st = w.db.stats();
  CHECK(st.api_calls == 3);
  CHECK(st.reads == 1);  // API calls are not database reads
  CHECK(st.queries == 1);
  CHECK(st.queued == 0);
}

TEST_CASE("an API's rate limit is a token bucket: a burst, then rate_limit calls a second",
          "[sim][model][database][api]") {
  ApiConfig api;
  api.latency = Constant(Duration::Millis(1));
  api.rate_limit = 10;
  api.burst = 4;
  Rig w(WithApi(api));
  // 20 calls at t = 0 drain the burst of 4; then one call every 50 ms for 2 s,
  // at twice the rate: the bucket refills 0.5 token per call, so every other
  // call passes (20 of 40).
  std::vector<Rec> r(60);
  for (int i = 0; i < 20; ++i) Spawn(w.sim, ReadAt(w.sim, w.db, Ms(0), 5, &r[i]));
  for (int i = 0; i < 40; ++i) Spawn(w.sim, ReadAt(w.sim, w.db, Ms(50 * (i + 1)), 6, &r[20 + i]));
  w.sim.Run();
  const auto ok = [&](int from, int to) {
    return std::count_if(r.begin() + from, r.begin() + to,
                         [](const Rec& q) { return q.result.ok; });
  };
  CHECK(ok(0, 20) == 4);
  CHECK(ok(20, 60) == 20);
  // A limited call still takes its latency (the 429 comes over the network).
  CHECK(r[19].latency() == Duration::Millis(1));
  CHECK(w.db.stats().api_rate_limited == 36);
  CHECK(w.db.stats().api_errors == 0);
}

TEST_CASE("an API's error_fraction fails that share of its calls, and its loads are tracked",
          "[sim][model][database][api]") {
  ApiConfig api;
  api.latency = Constant(Duration::Millis(4));
  api.error_fraction = 0.2;
  Rig w(WithApi(api));
  std::vector<Rec> r(20'000);
  for (size_t i = 0; i < r.size(); ++i) {
    Spawn(w.sim, ReadAt(w.sim, w.db, Ms(static_cast<int64_t>(i)), 5 + i % 5, &r[i]));
  }
  w.sim.Run();
  const auto failed = std::count_if(r.begin(), r.end(), [](const Rec& q) { return !q.result.ok; });
  // Binomial(20000, 0.2): sd 57; 5 sd either side.
  CHECK(std::abs(static_cast<double>(failed) - 4000) < 285);
  CHECK(w.db.stats().api_errors == static_cast<uint64_t>(failed));
  // Calls 1 ms apart lasting 4 ms: each key has one in flight at a time (5 keys).
  CHECK(w.stampede.max_concurrent() == 1);
}

Task<void> CreateAt(Simulator& sim, Database& db, Time at, Key k, uint32_t size, Rec* out) {
  co_await Sleep(sim, at - sim.now());
  out->issued = sim.now();
  out->result = co_await db.Create(k, size);
  out->done = sim.now();
  out->finished = true;
}

TEST_CASE("a Create inserts a missing row at its commit, and a duplicate insert changes nothing",
          "[sim][model][database]") {
  Rig w(Config(2, Duration::Millis(10), Duration::Millis(20)));
  std::vector<std::pair<Key, uint64_t>> commits;
  w.db.AddCommitListener([&](Key k, uint64_t v) { commits.emplace_back(k, v); });
  Rec before, create, duplicate, after;
  Spawn(w.sim, ReadAt(w.sim, w.db, Ms(0), 13, &before));             // runs 0-10 ms
  Spawn(w.sim, CreateAt(w.sim, w.db, Ms(5), 13, 333, &create));      // commits at 25 ms
  Spawn(w.sim, CreateAt(w.sim, w.db, Ms(12), 13, 444, &duplicate));  // commits at 32 ms
  Spawn(w.sim, ReadAt(w.sim, w.db, Ms(40), 13, &after));
  w.sim.Run();
  CHECK_FALSE(before.result.value.exists);
  CHECK(create.result.ok);
  CHECK(duplicate.result.ok);
  REQUIRE(after.result.value.exists);
  CHECK(after.result.value.version == 1);
  CHECK(after.result.value.size == 333);  // the first insert's row
  CHECK(w.db.CommitTime(13) == Ms(25));
  CHECK(w.ledger.acked(13) == 1);
  CHECK(w.ledger.AckTime(13, 1) == Ms(25));
  CHECK(w.db.stats().rows_created == 1);
  CHECK(commits == std::vector<std::pair<Key, uint64_t>>{{13, 1}});
  CHECK_THROWS_AS(w.db.Create(3, 1), std::logic_error);  // key 3 has a row
  CHECK_THROWS_AS(w.db.Write(13, 1), std::logic_error);  // nothing writes a created row
}

}  // namespace
}  // namespace cachelab
