// The live database: a pool of exactly N libpq connections to a real
// PostgreSQL behind one FIFO queue, counted like sim/model/database.h.
// Every case runs against one private PostgreSQL per test process, each with
// its own table.
#include "analysis/live/pg_pool.h"

#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "sim/core/sanitizers.h"
#if CACHELAB_ASAN
#include <sanitizer/lsan_interface.h>
#endif

#include "analysis/common/errors.h"
#include "analysis/live/asio_runtime.h"
#include "analysis/live/postgres_server.h"
#include "tests/support/input_error.h"
#include "tests/support/live_servers.h"

using namespace cachelab;
using namespace cachelab::live;

namespace {

PrivatePostgres& Server() {
  static std::unique_ptr<PrivatePostgres> server = [] {
    test::RequireProgram("initdb", {PrivatePostgres::kBinDir});
    test::RequireProgram("postgres", {PrivatePostgres::kBinDir});
    auto s = std::make_unique<PrivatePostgres>();
    s->Start();
    return s;
  }();
  return *server;
}

std::string FreshTable() {
  static int n = 0;
  return "cachelab_test_" + std::to_string(++n) + "_rows";
}

// A blocking side connection for checks and set-up.
struct Admin {
  PGconn* pg = PQconnectdb(Server().conninfo().c_str());
  ~Admin() { PQfinish(pg); }
  std::string One(const std::string& sql) const {
    PGresult* r = PQexec(pg, sql.c_str());
    std::string out;
    if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1) out = PQgetvalue(r, 0, 0);
    PQclear(r);
    return out;
  }
  bool Exec(const std::string& sql) const {
    PGresult* r = PQexec(pg, sql.c_str());
    const bool ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
    PQclear(r);
    return ok;
  }
  int Backends(const std::string& app) const {
    return std::stoi(
        One("SELECT count(*) FROM pg_stat_activity WHERE application_name = '" + app + "'"));
  }
  bool TableExists(const std::string& t) const {
    return One("SELECT to_regclass('" + t + "') IS NOT NULL") == "t";
  }
};

struct Live {
  boost::asio::io_context io;
  AsioRuntime rt{io};
  std::unique_ptr<PgPool> pool;

  explicit Live(uint32_t connections, Duration queue_timeout = Duration(),
                std::vector<uint32_t> sizes = {100, 200, 300, 400}) {
    PgPoolOptions o;
    o.connections = connections;
    o.queue_timeout = queue_timeout;
    o.table = FreshTable();
    pool = std::make_unique<PgPool>(rt, Server().conninfo(), o);
    pool->Connect();
    pool->CreateTable(sizes);
  }
  ~Live() {
    if (pool) pool->DropTable();
  }
  // Runs `task` (and everything it starts) to completion.
  void Run(Task<void> task) {
    rt.Spawn(std::move(task));
    io.run();
    io.restart();
    rt.Rethrow();
  }
};

struct Timed {
  PgResult result;
  Time start, end;
  Duration took() const { return end - start; }
};

Task<void> ReadInto(Live& l, uint64_t id, Duration extra, Timed& out) {
  out.start = l.rt.now();
  out.result = co_await l.pool->Read(id, extra);
  out.end = l.rt.now();
}

Task<void> WriteInto(Live& l, uint64_t id, uint32_t size, uint64_t version, Duration extra,
                     Timed& out) {
  out.start = l.rt.now();
  out.result = co_await l.pool->Write(id, size, version, extra);
  out.end = l.rt.now();
}

// Starts each query as its own process, in order, and waits for all.
Task<void> Concurrently(Live& l, std::vector<Task<void>> tasks) {
  for (Task<void>& t : tasks) l.rt.Spawn(std::move(t));
  co_await l.pool->Drain();
}

double Ms(Duration d) {
  return d.millis();
}

}  // namespace

TEST_CASE("The pool holds exactly N connections to the server", "[live][postgres]") {
  Admin admin;
  Live l(3);
  CHECK(admin.Backends(l.pool->application_name()) == 3);
  std::vector<Timed> r(10);
  std::vector<Task<void>> tasks;
  for (size_t i = 0; i < r.size(); ++i) {
    tasks.push_back(ReadInto(l, i % 4, Duration::Millis(20), r[i]));
  }
  l.Run(Concurrently(l, std::move(tasks)));
  for (const Timed& t : r) CHECK(t.result.ok);
  CHECK(admin.Backends(l.pool->application_name()) == 3);
  CHECK(l.pool->stats().peak_concurrency == 10);
  CHECK(l.pool->server_version().rfind("15", 0) == 0);
}

TEST_CASE("Reads see each row's version and payload size, and ids without a row do not exist",
          "[live][postgres]") {
  Live l(2, Duration(), {10, 0, 5000, 70000});
  std::vector<Timed> r(6);
  l.Run(Concurrently(l, [&] {
    std::vector<Task<void>> t;
    for (uint64_t id = 0; id < 4; ++id) t.push_back(ReadInto(l, id, Duration(), r[id]));
    t.push_back(ReadInto(l, 4, Duration(), r[4]));
    t.push_back(ReadInto(l, 1'000'000, Duration::Millis(5), r[5]));  // sleeps, still no row
    return t;
  }()));
  const uint32_t sizes[] = {10, 0, 5000, 70000};
  for (int id = 0; id < 4; ++id) {
    INFO("id " << id);
    CHECK(r[id].result.ok);
    CHECK(r[id].result.exists);
    CHECK(r[id].result.version == 1);
    CHECK(r[id].result.size == sizes[id]);
  }
  for (int i : {4, 5}) {
    CHECK(r[i].result.ok);
    CHECK_FALSE(r[i].result.exists);
  }
}

TEST_CASE("Writes commit the next version, or a given version above the row's",
          "[live][postgres]") {
  Live l(1);
  Timed w1, w2, w3, w4, w5, read;
  auto body = [](Live& l, Timed& w1, Timed& w2, Timed& w3, Timed& w4, Timed& w5,
                 Timed& read) -> Task<void> {
    co_await WriteInto(l, 2, 123, 0, Duration(), w1);   // 1 -> 2
    co_await WriteInto(l, 2, 123, 10, Duration(), w2);  // given 10 > 3: 10
    co_await WriteInto(l, 2, 123, 4, Duration(), w3);   // given 4 <= 10: next, 11
    co_await WriteInto(l, 2, 77, 0, Duration(), w4);    // 12
    co_await WriteInto(l, 99, 5, 0, Duration(), w5);    // no row: nothing written
    co_await ReadInto(l, 2, Duration(), read);
  };
  l.Run(body(l, w1, w2, w3, w4, w5, read));
  CHECK(w1.result.ok);
  CHECK(w1.result.version == 2);
  CHECK(w2.result.version == 10);
  CHECK(w3.result.version == 11);
  CHECK(w4.result.version == 12);
  CHECK(w4.result.size == 77);
  CHECK(w5.result.ok);
  CHECK_FALSE(w5.result.exists);
  CHECK(read.result.version == 12);
  CHECK(read.result.size == 77);
  Admin admin;
  CHECK(admin.One("SELECT count(*) FROM " + l.pool->table() + " WHERE id = 99") == "0");
}

TEST_CASE("Queries that find every connection busy run in FIFO order", "[live][postgres]") {
  Live l(1);
  Timed first;
  std::vector<Timed> w(5);
  l.Run(Concurrently(l, [&] {
    std::vector<Task<void>> t;
    t.push_back(ReadInto(l, 0, Duration::Millis(100), first));  // holds the only connection
    for (Timed& x : w) t.push_back(WriteInto(l, 1, 50, 0, Duration(), x));
    return t;
  }()));
  // Each queued write commits the next version of row 1: the versions are the
  // order in which they ran.
  for (size_t i = 0; i < w.size(); ++i) {
    INFO("write " << i);
    CHECK(w[i].result.ok);
    CHECK(w[i].result.version == 2 + i);
    if (i > 0) CHECK(w[i].end >= w[i - 1].end);
  }
  const DatabaseStats s = l.pool->stats();
  CHECK(s.queued == 5);
  CHECK(s.peak_queue == 5);
  CHECK(l.pool->TakeIntervalPeakQueue() == 5);
  CHECK(l.pool->TakeIntervalPeakQueue() == 0);
}

TEST_CASE("The queue timeout fails waiting queries at their deadline and never runs them",
          "[live][postgres]") {
  Live l(1, Duration::Millis(100));
  Timed running, late1, late2;
  auto body = [](Live& l, Timed& running, Timed& late1, Timed& late2) -> Task<void> {
    l.rt.Spawn(ReadInto(l, 0, Duration::Millis(400), running));
    l.rt.Spawn(WriteInto(l, 1, 10, 0, Duration(), late1));
    co_await l.rt.Sleep(Duration::Millis(50));
    l.rt.Spawn(WriteInto(l, 1, 10, 0, Duration(), late2));
    co_await l.pool->Drain();
  };
  l.Run(body(l, running, late1, late2));
  CHECK(running.result.ok);
  CHECK(Ms(running.took()) >= 400);
  for (Timed* t : {&late1, &late2}) {
    CHECK_FALSE(t->result.ok);
    CHECK(t->result.timed_out);
    CHECK(Ms(t->took()) >= 100);
    CHECK(Ms(t->took()) < 150);  // slack for a loaded machine
  }
  CHECK(late2.end - late1.end >= Duration::Millis(40));
  const DatabaseStats s = l.pool->stats();
  CHECK(s.timeouts == 2);
  CHECK(s.started == 1);
  CHECK(s.queries == 3);
  Admin admin;  // neither write ran
  CHECK(admin.One("SELECT version FROM " + l.pool->table() + " WHERE id = 1") == "1");
}

TEST_CASE("extra_cost holds the connection that much longer inside PostgreSQL",
          "[live][postgres]") {
  Live l(1);
  constexpr int kRounds = 5;
  std::vector<Timed> plain(kRounds), slow(kRounds), plain_w(kRounds), slow_w(kRounds);
  auto body = [](Live& l, std::vector<Timed>& plain, std::vector<Timed>& slow,
                 std::vector<Timed>& plain_w, std::vector<Timed>& slow_w) -> Task<void> {
    for (int i = 0; i < kRounds; ++i) {
      co_await ReadInto(l, 1, Duration(), plain[i]);
      co_await ReadInto(l, 1, Duration::Millis(30), slow[i]);
      co_await WriteInto(l, 2, 100, 0, Duration(), plain_w[i]);
      co_await WriteInto(l, 2, 100, 0, Duration::Millis(30), slow_w[i]);
    }
  };
  l.Run(body(l, plain, slow, plain_w, slow_w));
  auto mean = [](const std::vector<Timed>& v) {
    double sum = 0;
    for (size_t i = 1; i < v.size(); ++i) sum += Ms(v[i].took());  // [0] pays for PREPARE
    return sum / static_cast<double>(v.size() - 1);
  };
  INFO("read " << mean(plain) << " ms, with 30 ms extra " << mean(slow) << " ms; write "
               << mean(plain_w) << " ms, with extra " << mean(slow_w) << " ms");
  CHECK(mean(plain) < 10);
  // pg_sleep holds each slow statement at least 30 ms; a plain one's time is
  // noise on a loaded machine, so the floor is checked per statement.
  for (int i = 0; i < kRounds; ++i) {
    CHECK(Ms(slow[i].took()) >= 30);
    CHECK(Ms(slow_w[i].took()) >= 30);
  }
  CHECK(mean(slow) - mean(plain) < 60);
  CHECK(mean(slow_w) - mean(plain_w) < 60);
  for (const Timed& t : slow_w) CHECK(t.result.ok);
}

TEST_CASE("Stats count queries, waits and busy time like the simulated database",
          "[live][postgres]") {
  Live l(2);
  std::vector<Timed> r(6);
  l.Run(Concurrently(l, [&] {
    std::vector<Task<void>> t;
    for (size_t i = 0; i < 4; ++i) t.push_back(ReadInto(l, i, Duration::Millis(40), r[i]));
    t.push_back(WriteInto(l, 0, 10, 0, Duration::Millis(40), r[4]));
    t.push_back(WriteInto(l, 1, 10, 0, Duration::Millis(40), r[5]));
    return t;
  }()));
  const DatabaseStats s = l.pool->stats();
  CHECK(s.queries == 6);
  CHECK(s.reads == 4);
  CHECK(s.writes == 2);
  CHECK(s.started == 6);
  CHECK(s.queued == 4);
  CHECK(s.peak_queue == 4);
  CHECK(s.peak_concurrency == 6);
  CHECK(s.timeouts == 0);
  CHECK(l.pool->busy() == 0);
  CHECK(l.pool->queue_depth() == 0);
  // Six 40 ms statements on two connections run in three rounds; busy time
  // is the sum of their services.
  const double service = s.busy_ns / 1e6;
  double took = 0;
  for (const Timed& t : r) took += Ms(t.took());
  // Each caller saw its wait plus its service.
  CHECK(service == Approx(took - s.wait_ns_total / 1e6).margin(6 * 2.0));
  INFO("busy " << service << " ms, wait total " << s.wait_ns_total / 1e6 << " ms");
  CHECK(service >= 6 * 40);
  CHECK(service < 6 * 40 + 6 * 25);
  // Two queries wait one round, two wait two rounds: about 6 rounds of 40 ms.
  CHECK(s.wait_ns_total / 1e6 >= 6 * 40 * 0.95);
  CHECK(s.wait_ns_total / 1e6 < 6 * 40 + 6 * 30);
}

TEST_CASE("A query on a connection lost mid-statement fails and the next one reconnects",
          "[live][postgres]") {
  Admin admin;
  Live l(1);
  Timed killed, after;
  auto body = [](Live& l, const Admin& admin, Timed& killed, Timed& after) -> Task<void> {
    l.rt.Spawn(ReadInto(l, 0, Duration::Seconds(5), killed));
    co_await l.rt.Sleep(Duration::Millis(300));
    admin.Exec("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = '" +
               l.pool->application_name() + "'");
    co_await l.pool->Drain();
    co_await ReadInto(l, 3, Duration(), after);
  };
  l.Run(body(l, admin, killed, after));
  CHECK_FALSE(killed.result.ok);
  CHECK_FALSE(killed.result.timed_out);
  CHECK_THAT(killed.result.error, Catch::Contains("terminat"));
  CHECK(Ms(killed.took()) < 2000);
  CHECK(after.result.ok);
  CHECK(after.result.size == 400);
  CHECK(l.pool->reconnects() == 1);
  CHECK(l.pool->errors() == 1);
  CHECK(admin.Backends(l.pool->application_name()) == 1);
}

TEST_CASE("Unreachable servers, unknown users and missing databases are one-line InputErrors",
          "[live][postgres]") {
  boost::asio::io_context io;
  AsioRuntime rt(io);
  const std::string folder = Server().folder();
  auto connect = [&](const std::string& conninfo) {
    PgPoolOptions o;
    o.connections = 2;
    PgPool pool(rt, conninfo, o);
    pool.Connect();
  };
  auto one_line = Catch::Predicate<std::string>(
      [](const std::string& s) { return s.find('\n') == std::string::npos; }, "is one line");
  const int port = test::FreePort();  // nothing listens on it
  const std::string refused = test::ErrorOf([&] {
    connect("postgresql://cachelab:secret@127.0.0.1:" + std::to_string(port) + "/postgres");
  });
  CHECK_THAT(refused, Catch::StartsWith("cannot connect to PostgreSQL at 127.0.0.1:" +
                                        std::to_string(port)) &&
                          Catch::Contains("refused") && one_line);
  CHECK_THAT(refused, !Catch::Contains("secret"));
  CHECK_THAT(test::ErrorOf(
                 [&] { connect("host=" + folder + " port=5432 user=nosuchrole dbname=postgres"); }),
             Catch::Contains(folder + ":5432 (database postgres, user nosuchrole)") &&
                 Catch::Contains("role \"nosuchrole\" does not exist") && one_line);
  CHECK_THAT(test::ErrorOf(
                 [&] { connect("host=" + folder + " port=5432 user=cachelab dbname=nosuchdb"); }),
             Catch::Contains("database \"nosuchdb\" does not exist") && one_line);
  PgPoolOptions bad;
  bad.table = "Robert'); DROP TABLE students;--";
  CHECK_THROWS_AS(PgPool(rt, Server().conninfo(), bad), InputError);
}

TEST_CASE("CreateTable refuses an existing table and DropTable drops only the pool's own",
          "[live][postgres]") {
  Admin admin;
  REQUIRE(admin.Exec("CREATE TABLE someone_elses (x int)"));
  REQUIRE(admin.Exec("CREATE TABLE cachelab_taken_rows (x int)"));
  boost::asio::io_context io;
  AsioRuntime rt(io);
  {
    PgPoolOptions o;
    o.table = "cachelab_taken_rows";
    PgPool pool(rt, Server().conninfo(), o);
    pool.Connect();
    CHECK_THAT(test::ErrorOf([&] {
                 pool.CreateTable({1, 2});
               }),
               Catch::Contains("table cachelab_taken_rows already exists"));
    pool.DropTable();  // not its table: a no-op
  }
  CHECK(admin.TableExists("cachelab_taken_rows"));
  {
    PgPoolOptions o;
    o.table = "cachelab_mine_rows";
    PgPool pool(rt, Server().conninfo(), o);
    pool.Connect();
    pool.CreateTable({1, 2, 3});
    CHECK(admin.One("SELECT count(*) FROM cachelab_mine_rows") == "3");
    pool.DropTable();
  }
  CHECK_FALSE(admin.TableExists("cachelab_mine_rows"));
  CHECK(admin.TableExists("cachelab_taken_rows"));
  CHECK(admin.TableExists("someone_elses"));
  admin.Exec("DROP TABLE someone_elses, cachelab_taken_rows");
}

Task<void> ReadThenFlag(PgPool& pool, bool& resumed) {
  co_await pool.Read(0, Duration::Millis(300));
  resumed = true;
}

TEST_CASE("A pool destroyed with queries pending resumes none of them and closes its connections",
          "[live][postgres]") {
  Admin admin;
  boost::asio::io_context io;
  AsioRuntime rt(io);
  PgPoolOptions o;
  o.table = FreshTable();
  auto pool = std::make_unique<PgPool>(rt, Server().conninfo(), o);
  pool->Connect();
  pool->CreateTable({10});
  const std::string app = pool->application_name();
#if CACHELAB_ASAN
  __lsan_disable();  // the abandoned queries' frames are never freed, by contract
#endif
  bool resumed = false;
  rt.Spawn(ReadThenFlag(*pool, resumed));  // runs
  rt.Spawn(ReadThenFlag(*pool, resumed));  // waits
  io.run_for(std::chrono::milliseconds(100));
  CHECK(pool->busy() == 1);
  CHECK(pool->queue_depth() == 1);
  pool.reset();
  io.run_for(std::chrono::milliseconds(500));  // the cancelled waits complete into nothing
#if CACHELAB_ASAN
  __lsan_enable();
#endif
  CHECK_FALSE(resumed);
  // The backend notices its client left once its statement ends (300 ms).
  int backends = 1;
  for (int i = 0; i < 100 && backends != 0; ++i) {
    backends = admin.Backends(app);
    if (backends != 0) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  CHECK(backends == 0);
  admin.Exec("DROP TABLE " + o.table);
}

TEST_CASE("A payload larger than the socket buffers is written and read back whole",
          "[live][postgres]") {
  Live l(1);
  Timed w, r;
  auto body = [](Live& l, Timed& w, Timed& r) -> Task<void> {
    co_await WriteInto(l, 3, 4'000'000, 0, Duration(), w);
    co_await ReadInto(l, 3, Duration(), r);
  };
  l.Run(body(l, w, r));
  CHECK(w.result.ok);
  CHECK(w.result.version == 2);
  CHECK(r.result.ok);
  CHECK(r.result.size == 4'000'000);
  Admin admin;
  CHECK(admin.One("SELECT octet_length(payload) FROM " + l.pool->table() + " WHERE id = 3") ==
        "4000000");
}
