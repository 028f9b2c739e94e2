// The live world's database: exactly N libpq connections to a real
// PostgreSQL in front of one FIFO wait queue, the twin of sim/model/database.h
// (same DatabaseStats, same queue semantics), driven asynchronously on the
// AsioRuntime's io_context (PQsendQueryPrepared, PQconsumeInput, PQisBusy,
// PQgetResult, waiting on PQsocket() with an asio stream_descriptor).
//
// Contract:
//  - Connect() opens the `connections` connections, blocking (start-up), each
//    with connect_timeout = 5 s unless the connection string says otherwise
//    and application_name = application_name(). A server that is unreachable,
//    refuses the credentials or lacks the database -> InputError, one line,
//    naming host, port, database and user (never a password).
//  - The table is the pool's own: `(id bigint primary key, version bigint not
//    null, payload bytea not null)`. CreateTable refuses (InputError) a table
//    that already exists; DropTable drops the table only if this pool created
//    it. Nothing else in the server is touched. payload is STORAGE EXTERNAL
//    (never compressed), so a value of n bytes costs what n incompressible
//    bytes would.
//  - A query takes an idle connection at once, or waits in ONE FIFO queue; a
//    connection that finishes goes to the queue's head before its previous
//    query's caller resumes. With queue_timeout > 0, a query still waiting
//    after it fails (ok == false, timed_out, counted in stats().timeouts) at
//    enqueue time + timeout and never runs. With queue_limit > 0, a query
//    that finds that many waiting fails at once (rejected, counted in
//    stats().rejected). Callers resume through the
//    io_context's queue, never inline in another query's completion.
//  - A connection runs one statement at a time. Read is `SELECT version,
//    payload FROM t WHERE id = $1` (exists == false for an id without a row);
//    Write is `UPDATE t SET version = GREATEST(version + 1, $v), payload = $p
//    WHERE id = $1 RETURNING version` in its own transaction (autocommit):
//    version 0 installs the next version; a version not above the row's
//    becomes the next one. Writing an id without a row returns ok, !exists.
//    PostgreSQL's READ COMMITTED gives a read the snapshot of its statement's
//    start and a write commits when its statement ends, as Database models.
//  - extra_cost > 0 makes the statement also run pg_sleep(extra_cost) inside
//    PostgreSQL, holding its connection (an expensive query): a read sleeps
//    before it looks the row up (also for missing ids); a write sleeps after
//    updating the row and before it commits, holding the row lock. 0: the
//    statement has no pg_sleep at all (separately prepared statements).
//  - Statements are prepared on each connection at its first use (and again
//    after a reconnect); that first use pays for the PREPAREs.
//  - A connection lost mid-query (server restart, pg_terminate_backend): that
//    query fails (ok == false, error names the cause, counted in errors());
//    the connection is reset asynchronously (PQresetStart/PQresetPoll) by the
//    next query that gets it, whose service time includes the reconnect; if
//    the reset fails that query fails too, and the next one tries again.
//    The reset has no timeout of its own (libpq enforces connect_timeout only
//    in blocking connects): a local server refuses at once when it is down.
//  - Stats (stats()) count exactly as Database's: queries = reads + writes,
//    started, queued, timeouts, wait_ns_total over started queries,
//    peak_concurrency (running + waiting), peak_queue, and busy_ns, the
//    integral of busy connections over the runtime's real time (a connection
//    is busy from the moment a query gets it until that query's result).
//  - Shutdown: stop submitting, co_await Drain() (in-flight and queued
//    queries finish), then destroy. Destroying the pool with queries still
//    pending abandons them: it closes the connections and their coroutines
//    are never resumed (their frames stay allocated until the process ends);
//    nothing is resumed into a destroyed pool, so nothing crashes.
//  - One thread (the io_context's); no locking. CreateTable, DropTable and
//    Connect block that thread and must not run while queries are pending.
#pragma once

#include <libpq-fe.h>

#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <coroutine>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "analysis/live/asio_runtime.h"
#include "sim/core/task.h"
#include "sim/core/time.h"
#include "sim/model/database.h"

namespace cachelab::live {

struct PgPoolOptions {
  uint32_t connections = 1;
  Duration queue_timeout;    // <= 0: queries wait as long as it takes
  uint64_t queue_limit = 0;  // most queries waiting; one more fails at once (0: unbounded)
  // The pool's own table: a plain lower-case SQL identifier (InputError
  // otherwise), e.g. "cachelab_<run id>_rows".
  std::string table = "cachelab_rows";
};

struct PgResult {
  bool ok = false;         // false: timed out in the queue or the statement failed
  bool timed_out = false;  // failed by the queue timeout (never ran)
  bool rejected = false;   // failed at once: queue_limit queries were waiting (never ran)
  bool exists = false;     // the row exists (reads: found; writes: updated)
  uint64_t version = 0;    // reads: the row's; writes: the version committed
  uint32_t size = 0;       // reads: payload bytes read; writes: bytes written
  std::string error;       // why ok == false
};

class PgPool {
 public:
  PgPool(AsioRuntime& rt, std::string conninfo, PgPoolOptions options);
  ~PgPool();
  PgPool(const PgPool&) = delete;
  PgPool& operator=(const PgPool&) = delete;

  void Connect();
  // Rows id = 0..sizes.size()-1, version 1, payload of sizes[id] bytes, in one
  // transaction (INSERT ... SELECT from an array parameter), then VACUUM
  // ANALYZE so the first reads do not pay for hint bits and statistics.
  void CreateTable(const std::vector<uint32_t>& sizes);
  // Drops the table if this pool created it; a no-op otherwise.
  void DropTable();

  Task<PgResult> Read(uint64_t id, Duration extra_cost = Duration());
  Task<PgResult> Write(uint64_t id, uint32_t size, uint64_t version = 0,
                       Duration extra_cost = Duration());
  // Resumes once no query is running or waiting (at once when idle).
  Task<void> Drain();

  const DatabaseStats& stats();  // busy_ns brought up to now
  uint32_t connections() const { return options_.connections; }
  uint32_t busy() const { return busy_; }
  uint64_t queue_depth() const { return waiting_; }
  // Largest queue depth since the previous call (or the start); restarts the
  // window at the current depth. For per-interval time series.
  uint64_t TakeIntervalPeakQueue() {
    const uint64_t peak = interval_peak_queue_;
    interval_peak_queue_ = waiting_;
    return peak;
  }
  // Statements that failed other than by the queue timeout.
  uint64_t errors() const { return errors_; }
  // Connections reset after being lost.
  uint64_t reconnects() const { return reconnects_; }
  const std::string& table() const { return options_.table; }
  const std::string& application_name() const { return application_name_; }
  // As the server reports it ("15.5"); empty before Connect.
  const std::string& server_version() const { return server_version_; }
  // "host:port database D user U": how errors name the server.
  const std::string& server() const { return server_; }

 private:
  struct Conn;
  struct Waiter;
  class SocketWait;
  class QueueWait;
  enum class Stmt { kRead, kReadSleep, kWrite, kWriteSleep };

  Task<PgResult> Run(Stmt stmt, uint64_t id, uint32_t size, uint64_t version, Duration extra);
  Task<PgResult> Execute(Conn& c, Stmt stmt, uint64_t id, uint32_t size, uint64_t version,
                         Duration extra);
  // Sends what libpq has buffered; false when the connection failed.
  Task<bool> Flush(Conn& c);
  // Reads results until PQgetResult returns null; keeps the first.
  Task<PGresult*> Collect(Conn& c);
  // Both return an error text, empty on success.
  Task<std::string> Reset(Conn& c);
  Task<std::string> Prepare(Conn& c);
  void SyncSocket(Conn& c);
  void Assign(Conn* c, Waiter* w);
  void Release(Conn* c);
  void ArmQueueTimer();
  void OnQueueTimer();
  void Resume(std::coroutine_handle<> h);
  void AdvanceBusy();
  void WakeDrainers();
  PGconn* Admin();

  AsioRuntime& rt_;
  std::string conninfo_;
  PgPoolOptions options_;
  std::string application_name_;
  std::string server_;
  std::string server_version_;
  std::string quoted_table_;
  std::vector<std::unique_ptr<Conn>> conns_;
  std::deque<Conn*> idle_;
  std::deque<Waiter*> queue_;  // FIFO; timeouts always take the head
  boost::asio::steady_timer queue_timer_;
  bool timer_armed_ = false;
  std::vector<std::coroutine_handle<>> drainers_;
  std::string payload_;  // write payloads: the first `size` bytes of this
  bool created_ = false;
  // Handlers still queued in the io_context when the pool is gone see it
  // expired and resume nothing.
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);

  uint64_t waiting_ = 0;
  uint64_t interval_peak_queue_ = 0;
  uint32_t busy_ = 0;
  Time busy_since_;
  DatabaseStats stats_;
  uint64_t errors_ = 0;
  uint64_t reconnects_ = 0;
};

}  // namespace cachelab::live
