// A private, throw-away PostgreSQL 15 for `cachelab live` when no --postgres
// URL is given: Debian's initdb and postgres (/usr/lib/postgresql/15/bin, else
// $PATH) in a fresh temporary folder that disappears with the object.
//
// Contract:
//  - Start() runs initdb (trust authentication, superuser `cachelab`, UTF8,
//    C locale) into <folder>/data, then `postgres` listening ONLY on a unix
//    socket in <folder>, plus 127.0.0.1:`port` when a port is given. It
//    returns when the server accepts connections (polled with PQping).
//  - As root, both programs run as the `postgres` system user (else `nobody`;
//    UnprivilegedUser), who is given the folder: PostgreSQL refuses root.
//  - Settings for a throw-away instance, traded for speed because nothing in
//    it has to survive a crash: fsync=off, synchronous_commit=off,
//    full_page_writes=off, initdb --no-sync; logging to <folder>/postgres.log.
//    Everything else (shared_buffers, autovacuum, WAL) is PostgreSQL's default,
//    so what is measured is a stock server minus durability. max_connections
//    is the option given (PostgreSQL's default is 100).
//  - Errors: the programs missing, or the port taken on 127.0.0.1 ->
//    InputError ("port N on 127.0.0.1 is in use"); initdb failing, the server
//    exiting or not answering within the start timeout -> std::runtime_error
//    with the tail of the log.
//  - Stop() asks for a fast shutdown (SIGINT: running statements are aborted,
//    clients disconnected), SIGKILL after the grace period. The destructor
//    stops the server and removes the folder. Should cachelab die, the server
//    gets SIGQUIT (immediate shutdown) from the kernel (ChildProcess).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "analysis/live/process.h"

namespace cachelab::live {

struct PrivatePostgresOptions {
  // 0: the unix socket only; else also 127.0.0.1:port.
  uint16_t port = 0;
  uint32_t max_connections = 100;
  std::chrono::milliseconds start_timeout{60'000};
};

class PrivatePostgres {
 public:
  static constexpr const char* kUser = "cachelab";
  static constexpr const char* kDatabase = "postgres";
  static constexpr const char* kBinDir = "/usr/lib/postgresql/15/bin";

  // Finds the programs (InputError when absent); starts nothing.
  explicit PrivatePostgres(PrivatePostgresOptions options = {});
  ~PrivatePostgres();
  PrivatePostgres(const PrivatePostgres&) = delete;
  PrivatePostgres& operator=(const PrivatePostgres&) = delete;

  void Start();
  void Stop(std::chrono::milliseconds grace = std::chrono::milliseconds(10'000));
  bool running();

  // libpq connection string for the unix socket ("host=<folder> port=... ").
  std::string conninfo() const;
  // The same as a postgresql:// URL (the socket folder percent-encoded).
  std::string url() const;
  // libpq connection string over TCP (127.0.0.1:port); only with a port.
  std::string tcp_conninfo() const;
  // "15.5" etc., as the running server reports it (empty before Start).
  const std::string& server_version() const { return version_; }
  const std::string& folder() const { return dir_->path(); }
  std::string log_path() const { return dir_->path() + "/postgres.log"; }
  pid_t pid() const { return server_.pid(); }

 private:
  // The port the server's socket file is named after (the TCP port if any).
  uint16_t socket_port() const { return options_.port != 0 ? options_.port : 5432; }

  PrivatePostgresOptions options_;
  std::string initdb_;
  std::string postgres_;
  std::optional<RunAs> user_;
  std::unique_ptr<TempDir> dir_;
  ChildProcess server_;
  std::string version_;
};

}  // namespace cachelab::live
