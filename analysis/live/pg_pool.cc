#include "analysis/live/pg_pool.h"

#include <algorithm>
#include <boost/asio/post.hpp>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <stdexcept>

#include "analysis/common/errors.h"

namespace cachelab::live {

namespace {

constexpr Oid kInt8 = 20;
constexpr Oid kBytea = 17;
constexpr Oid kFloat8 = 701;

// libpq's messages span lines ("...failed: FATAL:  role ... \n"): one line.
std::string OneLine(const char* msg) {
  std::string out;
  bool space = false;
  for (const char* p = msg != nullptr ? msg : ""; *p != '\0'; ++p) {
    if (*p == '\n' || *p == '\r' || *p == '\t' || *p == ' ') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += *p;
  }
  return out;
}

std::string Describe(const PGconn* pg) {
  auto str = [](const char* s) { return std::string(s != nullptr ? s : "?"); };
  return str(PQhost(pg)) + ":" + str(PQport(pg)) + " (database " + str(PQdb(pg)) + ", user " +
         str(PQuser(pg)) + ")";
}

bool ValidTable(const std::string& t) {
  if (t.empty() || t.size() > 63) return false;
  if (!(std::islower(static_cast<unsigned char>(t[0])) || t[0] == '_')) return false;
  return std::all_of(t.begin(), t.end(), [](char c) {
    return std::islower(static_cast<unsigned char>(c)) ||
           std::isdigit(static_cast<unsigned char>(c)) || c == '_';
  });
}

uint64_t BigEndian64(const char* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

const char* StmtName(int s) {
  static const char* names[] = {"cachelab_read", "cachelab_read_sleep", "cachelab_write",
                                "cachelab_write_sleep"};
  return names[s];
}

}  // namespace

struct PgPool::Conn {
  explicit Conn(boost::asio::io_context& io) : sd(io) {}
  PGconn* pg = nullptr;
  // Wraps PQsocket(pg) while libpq has it open; released (never closed)
  // before libpq closes or replaces the socket.
  boost::asio::posix::stream_descriptor sd;
  bool prepared = false;
  bool broken = false;  // a statement was abandoned half-way: reset before reuse
};

struct PgPool::Waiter {
  std::coroutine_handle<> h;
  Time enqueued;
  Conn* conn = nullptr;
  bool timed_out = false;
};

// co_await SocketWait(...): resumes when the connection's socket is ready to
// read (or write); false when there is no socket or the wait failed.
class PgPool::SocketWait {
 public:
  SocketWait(PgPool* pool, Conn& c, bool write) : pool_(pool), c_(c), write_(write) {}
  bool await_ready() const noexcept { return !c_.sd.is_open(); }
  void await_suspend(std::coroutine_handle<> h) {
    using boost::asio::posix::descriptor_base;
    c_.sd.async_wait(
        write_ ? descriptor_base::wait_write : descriptor_base::wait_read,
        [this, h, alive = std::weak_ptr<int>(pool_->alive_)](const boost::system::error_code& ec) {
          if (alive.expired()) return;
          ok_ = !ec;
          h.resume();
        });
  }
  bool await_resume() const noexcept { return ok_ && c_.sd.is_open(); }

 private:
  PgPool* pool_;
  Conn& c_;
  bool write_;
  bool ok_ = false;
};

// Suspends a queued query until Release hands it a connection or the queue
// timeout fails it (both resume it through Resume).
class PgPool::QueueWait {
 public:
  explicit QueueWait(Waiter* w) : w_(w) {}
  bool await_ready() const noexcept { return false; }
  void await_suspend(std::coroutine_handle<> h) noexcept { w_->h = h; }
  void await_resume() const noexcept {}

 private:
  Waiter* w_;
};

PgPool::PgPool(AsioRuntime& rt, std::string conninfo, PgPoolOptions options)
    : rt_(rt),
      conninfo_(std::move(conninfo)),
      options_(std::move(options)),
      queue_timer_(rt.io()),
      busy_since_(rt.now()) {
  if (options_.connections == 0) throw InputError("database.connections must be at least 1");
  if (!ValidTable(options_.table)) {
    throw InputError("PostgreSQL table name '" + options_.table +
                     "' must be a lower-case SQL identifier of at most 63 characters");
  }
  application_name_ = ("cachelab " + options_.table).substr(0, 63);
  quoted_table_ = "\"" + options_.table + "\"";
}

PgPool::~PgPool() {
  alive_.reset();  // handlers still queued resume nothing from now on
  queue_timer_.cancel();
  for (auto& c : conns_) {
    if (c->sd.is_open()) c->sd.release();
    PQfinish(c->pg);
  }
}

namespace {

// Opens one blocking connection with the pool's settings; InputError naming
// the server when it fails.
PGconn* OpenConnection(const std::string& conninfo, const std::string& app,
                       const std::string& what) {
  // dbname is expanded as a connection string or URL; application_name after
  // it wins over one given there, connect_timeout before it loses.
  const char* keys[] = {"connect_timeout", "dbname", "application_name", nullptr};
  const char* values[] = {"5", conninfo.c_str(), app.c_str(), nullptr};
  PGconn* pg = PQconnectdbParams(keys, values, 1);
  if (pg == nullptr) throw std::bad_alloc();
  if (PQstatus(pg) != CONNECTION_OK) {
    const std::string msg = "cannot connect to PostgreSQL at " + Describe(pg) + what + ": " +
                            OneLine(PQerrorMessage(pg));
    PQfinish(pg);
    throw InputError(msg);
  }
  return pg;
}

}  // namespace

void PgPool::Connect() {
  if (!conns_.empty()) throw std::logic_error("PgPool::Connect called twice");
  try {
    for (uint32_t i = 0; i < options_.connections; ++i) {
      const std::string what = i == 0 ? std::string()
                                      : " (connection " + std::to_string(i + 1) + " of " +
                                            std::to_string(options_.connections) + ")";
      auto c = std::make_unique<Conn>(rt_.io());
      c->pg = OpenConnection(conninfo_, application_name_, what);
      conns_.push_back(std::move(c));
      Conn& conn = *conns_.back();
      if (i == 0) {
        server_ = Describe(conn.pg);
        if (const char* v = PQparameterStatus(conn.pg, "server_version")) server_version_ = v;
      }
      if (PQsetnonblocking(conn.pg, 1) != 0) {
        throw std::runtime_error("cannot make a PostgreSQL connection non-blocking: " +
                                 OneLine(PQerrorMessage(conn.pg)));
      }
      conn.sd.assign(PQsocket(conn.pg));
      idle_.push_back(&conn);
    }
  } catch (...) {
    idle_.clear();
    for (auto& c : conns_) {
      if (c->sd.is_open()) c->sd.release();
      PQfinish(c->pg);
    }
    conns_.clear();
    throw;
  }
}

PGconn* PgPool::Admin() {
  return OpenConnection(conninfo_, application_name_ + " admin", " (table set-up)");
}

namespace {

struct ResultGuard {
  PGresult* r;
  ~ResultGuard() { PQclear(r); }
};

void ExecOrThrow(PGconn* pg, const std::string& sql, const std::string& server) {
  ResultGuard r{PQexec(pg, sql.c_str())};
  const ExecStatusType st = PQresultStatus(r.r);
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
    throw std::runtime_error("PostgreSQL at " + server + " failed '" + sql.substr(0, 60) +
                             "': " + OneLine(PQresultErrorMessage(r.r)));
  }
}

}  // namespace

void PgPool::CreateTable(const std::vector<uint32_t>& sizes) {
  if (created_) throw std::logic_error("PgPool::CreateTable called twice");
  for (uint32_t s : sizes) {
    if (s > (1u << 30)) throw InputError("a value size over 1 GiB does not fit in PostgreSQL");
  }
  PGconn* pg = Admin();
  struct Closer {
    PGconn* pg;
    ~Closer() { PQfinish(pg); }
  } closer{pg};
  const std::string where = Describe(pg);
  ExecOrThrow(pg, "BEGIN", where);
  {
    ResultGuard r{PQexec(pg, ("CREATE TABLE " + quoted_table_ +
                              " (id bigint NOT NULL, version bigint NOT NULL,"
                              " payload bytea NOT NULL)")
                                 .c_str())};
    if (PQresultStatus(r.r) != PGRES_COMMAND_OK) {
      const char* state = PQresultErrorField(r.r, PG_DIAG_SQLSTATE);
      if (state != nullptr && std::strcmp(state, "42P07") == 0) {  // duplicate_table
        throw InputError("table " + options_.table + " already exists in PostgreSQL at " + where +
                         "; cachelab only uses tables it creates (choose another name)");
      }
      throw std::runtime_error("cannot create table " + options_.table + " in PostgreSQL at " +
                               where + ": " + OneLine(PQresultErrorMessage(r.r)));
    }
  }
  ExecOrThrow(pg, "ALTER TABLE " + quoted_table_ + " ALTER COLUMN payload SET STORAGE EXTERNAL",
              where);
  std::string array = "{";
  array.reserve(sizes.size() * 6 + 2);
  for (size_t i = 0; i < sizes.size(); ++i) {
    if (i != 0) array += ',';
    array += std::to_string(sizes[i]);
  }
  array += '}';
  {
    const std::string sql = "INSERT INTO " + quoted_table_ +
                            " (id, version, payload) SELECT u.i - 1, 1,"
                            " convert_to(repeat('x', u.s), 'UTF8')"
                            " FROM unnest($1::int4[]) WITH ORDINALITY AS u(s, i)";
    const char* values[] = {array.c_str()};
    ResultGuard r{PQexecParams(pg, sql.c_str(), 1, nullptr, values, nullptr, nullptr, 0)};
    if (PQresultStatus(r.r) != PGRES_COMMAND_OK) {
      throw std::runtime_error("cannot fill table " + options_.table + " in PostgreSQL at " +
                               where + ": " + OneLine(PQresultErrorMessage(r.r)));
    }
  }
  // The key after the load: building the index once is faster than keeping it.
  ExecOrThrow(pg, "ALTER TABLE " + quoted_table_ + " ADD PRIMARY KEY (id)", where);
  ExecOrThrow(pg, "COMMIT", where);
  created_ = true;
  ExecOrThrow(pg, "VACUUM (ANALYZE) " + quoted_table_, where);
}

void PgPool::DropTable() {
  if (!created_) return;
  PGconn* pg = Admin();
  struct Closer {
    PGconn* pg;
    ~Closer() { PQfinish(pg); }
  } closer{pg};
  ExecOrThrow(pg, "DROP TABLE IF EXISTS " + quoted_table_, Describe(pg));
  created_ = false;
}

Task<PgResult> PgPool::Read(uint64_t id, Duration extra_cost) {
  return Run(extra_cost > Duration() ? Stmt::kReadSleep : Stmt::kRead, id, 0, 0, extra_cost);
}

Task<PgResult> PgPool::Write(uint64_t id, uint32_t size, uint64_t version, Duration extra_cost) {
  return Run(extra_cost > Duration() ? Stmt::kWriteSleep : Stmt::kWrite, id, size, version,
             extra_cost);
}

Task<PgResult> PgPool::Run(Stmt stmt, uint64_t id, uint32_t size, uint64_t version,
                           Duration extra) {
  if (conns_.empty()) throw std::logic_error("PgPool used before Connect");
  ++stats_.queries;
  if (stmt == Stmt::kWrite || stmt == Stmt::kWriteSleep) {
    ++stats_.writes;
  } else {
    ++stats_.reads;
  }
  Waiter w;
  w.enqueued = rt_.now();
  if (!idle_.empty()) {
    Conn* c = idle_.front();
    idle_.pop_front();
    Assign(c, &w);
  } else if (options_.queue_limit > 0 && waiting_ >= options_.queue_limit) {
    ++stats_.rejected;
    PgResult r;
    r.rejected = true;
    r.error = "rejected: " + std::to_string(waiting_) + " queries already waiting for a connection";
    co_return r;
  } else {
    queue_.push_back(&w);
    ++stats_.queued;
    ++waiting_;
    stats_.peak_queue = std::max(stats_.peak_queue, waiting_);
    interval_peak_queue_ = std::max(interval_peak_queue_, waiting_);
    ArmQueueTimer();
  }
  stats_.peak_concurrency = std::max<uint64_t>(stats_.peak_concurrency, busy_ + waiting_);
  if (w.conn == nullptr) {
    co_await QueueWait(&w);
    if (w.timed_out) {
      PgResult r;
      r.timed_out = true;
      r.error = "timed out after " + std::to_string(options_.queue_timeout.millis()) +
                " ms waiting for a PostgreSQL connection";
      co_return r;
    }
  }
  Conn* c = w.conn;
  PgResult r;
  try {
    r = co_await Execute(*c, stmt, id, size, version, extra);
  } catch (const std::exception& e) {
    c->broken = true;
    r = PgResult{};
    r.error = e.what();
  }
  if (!r.ok) ++errors_;
  Release(c);
  co_return r;
}

Task<PgResult> PgPool::Execute(Conn& c, Stmt stmt, uint64_t id, uint32_t size, uint64_t version,
                               Duration extra) {
  PgResult r;
  if (c.broken || PQstatus(c.pg) != CONNECTION_OK) {
    std::string err = co_await Reset(c);
    if (!err.empty()) {
      r.error = "lost the PostgreSQL connection to " + server_ + " and cannot reconnect: " + err;
      co_return r;
    }
  }
  if (!c.prepared) {
    std::string err = co_await Prepare(c);
    if (!err.empty()) {
      r.error = err;
      co_return r;
    }
  }

  char id_text[24], version_text[24], sleep_text[32];
  std::snprintf(id_text, sizeof id_text, "%llu", static_cast<unsigned long long>(id));
  std::snprintf(version_text, sizeof version_text, "%llu",
                static_cast<unsigned long long>(version));
  std::snprintf(sleep_text, sizeof sleep_text, "%.9f", extra.seconds());
  const bool write = stmt == Stmt::kWrite || stmt == Stmt::kWriteSleep;
  if (write && payload_.size() < size) payload_.resize(size, 'x');
  const char* values[4] = {id_text, nullptr, nullptr, nullptr};
  int lengths[4] = {0, 0, 0, 0};
  int formats[4] = {0, 0, 0, 0};
  int n = 1;
  if (stmt == Stmt::kReadSleep) {
    values[n++] = sleep_text;
  } else if (write) {
    values[n++] = version_text;
    values[n] = payload_.data();
    lengths[n] = static_cast<int>(size);
    formats[n++] = 1;  // binary: the bytes as they are
    if (stmt == Stmt::kWriteSleep) values[n++] = sleep_text;
  }
  // Results in binary: version as 8 big-endian bytes, payload as raw bytes.
  if (PQsendQueryPrepared(c.pg, StmtName(static_cast<int>(stmt)), n, values, lengths, formats, 1) ==
      0) {
    SyncSocket(c);
    r.error = "PostgreSQL at " + server_ + ": " + OneLine(PQerrorMessage(c.pg));
    co_return r;
  }
  // No co_await inside ?: or a condition (GCC 12 miscompiles some).
  const bool sent = co_await Flush(c);
  PGresult* res = nullptr;
  if (sent) res = co_await Collect(c);
  if (res == nullptr) {
    c.broken = c.broken || PQstatus(c.pg) != CONNECTION_OK;
    r.error = "PostgreSQL at " + server_ + ": " + OneLine(PQerrorMessage(c.pg));
    co_return r;
  }
  if (PQresultStatus(res) != PGRES_TUPLES_OK) {
    r.error = "PostgreSQL at " + server_ + ": " + OneLine(PQresultErrorMessage(res));
    PQclear(res);
    co_return r;
  }
  r.ok = true;
  r.exists = PQntuples(res) == 1 && PQgetisnull(res, 0, 0) == 0;
  if (r.exists) {
    r.version = BigEndian64(PQgetvalue(res, 0, 0));
    r.size = write ? size : static_cast<uint32_t>(PQgetlength(res, 0, 1));
  }
  PQclear(res);
  co_return r;
}

Task<bool> PgPool::Flush(Conn& c) {
  while (true) {
    const int f = PQflush(c.pg);
    if (f == 0) co_return true;
    if (f < 0) {
      SyncSocket(c);
      co_return false;
    }
    // The server may be waiting for us to read before it reads more.
    const bool ready = co_await SocketWait(this, c, true);
    if (!ready || PQconsumeInput(c.pg) == 0) {
      SyncSocket(c);
      c.broken = true;
      co_return false;
    }
  }
}

Task<PGresult*> PgPool::Collect(Conn& c) {
  PGresult* first = nullptr;
  while (true) {
    if (PQisBusy(c.pg) != 0) {
      if (PQstatus(c.pg) == CONNECTION_BAD) break;
      const bool ready = co_await SocketWait(this, c, false);
      if (!ready) {
        c.broken = true;  // the statement's end was never read
        break;
      }
      if (PQconsumeInput(c.pg) == 0) {
        SyncSocket(c);
        // libpq now reports the loss as an error result, then the end.
        if (PQisBusy(c.pg) != 0) {
          c.broken = true;
          break;
        }
      }
      continue;
    }
    PGresult* r = PQgetResult(c.pg);
    if (r == nullptr) break;
    if (first == nullptr) {
      first = r;
    } else {
      PQclear(r);
    }
  }
  SyncSocket(c);
  co_return first;
}

void PgPool::SyncSocket(Conn& c) {
  // libpq closes the socket itself when it sees the connection die; the
  // descriptor must let go of it before the number can be reused.
  if (c.sd.is_open() && PQsocket(c.pg) != c.sd.native_handle()) c.sd.release();
}

Task<std::string> PgPool::Reset(Conn& c) {
  if (c.sd.is_open()) c.sd.release();  // libpq is about to close the old socket
  c.prepared = false;
  c.broken = false;
  if (PQresetStart(c.pg) == 0) co_return OneLine(PQerrorMessage(c.pg));
  // As after PQresetStart: poll when the socket is writable, then as told.
  PostgresPollingStatusType st = PGRES_POLLING_WRITING;
  while (st != PGRES_POLLING_OK && st != PGRES_POLLING_FAILED) {
    const int fd = PQsocket(c.pg);  // may change between polls
    if (fd < 0) break;
    bool ready = false;
    try {
      c.sd.assign(fd);
      ready = co_await SocketWait(this, c, st == PGRES_POLLING_WRITING);
    } catch (const boost::system::system_error&) {
      ready = false;
    }
    if (c.sd.is_open()) c.sd.release();
    if (!ready) break;
    st = PQresetPoll(c.pg);
  }
  if (st != PGRES_POLLING_OK || PQstatus(c.pg) != CONNECTION_OK) {
    c.broken = true;
    const std::string err = OneLine(PQerrorMessage(c.pg));
    co_return err.empty() ? std::string("reset failed") : err;
  }
  PQsetnonblocking(c.pg, 1);
  c.sd.assign(PQsocket(c.pg));
  ++reconnects_;
  co_return std::string();
}

Task<std::string> PgPool::Prepare(Conn& c) {
  const std::string t = quoted_table_;
  const std::string sql[4] = {
      "SELECT version, payload FROM " + t + " WHERE id = $1",
      // The sleep first, in a one-row subquery that always runs, so a missing
      // id costs the same; LEFT JOIN gives NULLs for it.
      "SELECT r.version, r.payload FROM (SELECT pg_sleep($2)) AS s LEFT JOIN " + t +
          " AS r ON r.id = $1",
      "UPDATE " + t + " SET version = GREATEST(version + 1, $2), payload = $3 WHERE id = $1" +
          " RETURNING version",
      // RETURNING runs after the row is updated and before the commit.
      "UPDATE " + t + " SET version = GREATEST(version + 1, $2), payload = $3 WHERE id = $1" +
          " RETURNING version, pg_sleep($4)",
  };
  const Oid types[4][4] = {
      {kInt8}, {kInt8, kFloat8}, {kInt8, kInt8, kBytea}, {kInt8, kInt8, kBytea, kFloat8}};
  const int counts[4] = {1, 2, 3, 4};
  for (int s = 0; s < 4; ++s) {
    if (PQsendPrepare(c.pg, StmtName(s), sql[s].c_str(), counts[s], types[s]) == 0) {
      SyncSocket(c);
      co_return "PostgreSQL at " + server_ + ": " + OneLine(PQerrorMessage(c.pg));
    }
    const bool sent = co_await Flush(c);
    PGresult* res = nullptr;
    if (sent) res = co_await Collect(c);
    if (res == nullptr || PQresultStatus(res) != PGRES_COMMAND_OK) {
      const std::string err =
          OneLine(res != nullptr ? PQresultErrorMessage(res) : PQerrorMessage(c.pg));
      PQclear(res);
      co_return "cannot prepare statements on PostgreSQL at " + server_ + ": " + err;
    }
    PQclear(res);
  }
  c.prepared = true;
  co_return std::string();
}

void PgPool::AdvanceBusy() {
  const Time now = rt_.now();
  stats_.busy_ns += static_cast<double>(busy_) * static_cast<double>((now - busy_since_).nanos());
  busy_since_ = now;
}

const DatabaseStats& PgPool::stats() {
  AdvanceBusy();
  return stats_;
}

void PgPool::Assign(Conn* c, Waiter* w) {
  AdvanceBusy();
  ++busy_;
  ++stats_.started;
  stats_.wait_ns_total += (rt_.now() - w->enqueued).nanos();
  w->conn = c;
}

void PgPool::Release(Conn* c) {
  AdvanceBusy();
  --busy_;
  // The head of the queue gets the connection before this query's caller
  // resumes, so that caller's next query queues behind it (FIFO).
  if (!queue_.empty()) {
    Waiter* next = queue_.front();
    queue_.pop_front();
    --waiting_;
    Assign(c, next);
    Resume(next->h);
  } else {
    idle_.push_back(c);
  }
  WakeDrainers();
}

void PgPool::ArmQueueTimer() {
  if (timer_armed_ || queue_.empty() || options_.queue_timeout <= Duration()) return;
  const Time deadline = queue_.front()->enqueued + options_.queue_timeout;
  const int64_t ns = std::max<int64_t>(0, (deadline - rt_.now()).nanos());
  queue_timer_.expires_after(std::chrono::nanoseconds(ns));
  timer_armed_ = true;
  queue_timer_.async_wait(
      [this, alive = std::weak_ptr<int>(alive_)](const boost::system::error_code& ec) {
        if (alive.expired() || ec) return;
        timer_armed_ = false;
        OnQueueTimer();
      });
}

void PgPool::OnQueueTimer() {
  // Every waiter has the same timeout, so deadlines follow queue order: the
  // expired ones are at the head.
  const Time now = rt_.now();
  while (!queue_.empty() && queue_.front()->enqueued + options_.queue_timeout <= now) {
    Waiter* w = queue_.front();
    queue_.pop_front();
    --waiting_;
    ++stats_.timeouts;
    w->timed_out = true;
    Resume(w->h);
  }
  ArmQueueTimer();
  WakeDrainers();
}

void PgPool::Resume(std::coroutine_handle<> h) {
  boost::asio::post(rt_.io(), [h, alive = std::weak_ptr<int>(alive_)] {
    if (!alive.expired()) h.resume();
  });
}

namespace {

class DrainWait {
 public:
  explicit DrainWait(std::vector<std::coroutine_handle<>>* list) : list_(list) {}
  bool await_ready() const noexcept { return false; }
  void await_suspend(std::coroutine_handle<> h) { list_->push_back(h); }
  void await_resume() const noexcept {}

 private:
  std::vector<std::coroutine_handle<>>* list_;
};

}  // namespace

Task<void> PgPool::Drain() {
  while (busy_ != 0 || waiting_ != 0) co_await DrainWait(&drainers_);
}

void PgPool::WakeDrainers() {
  if (busy_ != 0 || waiting_ != 0 || drainers_.empty()) return;
  for (std::coroutine_handle<> h : drainers_) Resume(h);
  drainers_.clear();
}

}  // namespace cachelab::live
