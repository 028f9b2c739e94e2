// A private, throw-away redis-server for `cachelab live` and the tests.
//
// Contract:
//  - The constructor starts Debian's redis-server (found by FindProgram) in a
//    fresh temporary folder, listening on a unix socket in that folder only
//    (TCP port 0), or additionally on 127.0.0.1:`port` when one is given. No
//    persistence: `save ""`, `appendonly no`; so Stop() then Start() (a
//    `restart` fault window) comes back empty, as Redis without persistence
//    does.
//  - Start() returns once the server answers PING; after `start_timeout` it
//    throws std::runtime_error with the last lines of the server's log, and
//    nothing is left running. A TCP port already in use throws
//    InputError("port N on 127.0.0.1 is in use") (exit 2 at the CLI).
//    redis-server missing throws InputError.
//  - Stop() ends the server (SIGTERM, SIGKILL after a grace period) and waits
//    for it; Kill() ends it at once with SIGKILL (a crash). Start() again
//    reuses the same socket path and port, so clients reconnect to the same
//    URL.
//  - The destructor stops the server and removes the folder. The server also
//    dies with cachelab (ChildProcess: PR_SET_PDEATHSIG).
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "analysis/live/process.h"
#include "sim/core/time.h"

namespace cachelab::live {

struct PrivateRedisOptions {
  int port = 0;  // 0: unix socket only
  Duration start_timeout = Duration::Seconds(10);
  // Extra redis.conf lines as (directive, value), e.g. {"maxmemory", "64mb"}.
  std::vector<std::pair<std::string, std::string>> config;
  std::string program;  // redis-server's path; empty: FindProgram("redis-server")
};

class PrivateRedis {
 public:
  explicit PrivateRedis(PrivateRedisOptions options = {});
  ~PrivateRedis();
  PrivateRedis(const PrivateRedis&) = delete;
  PrivateRedis& operator=(const PrivateRedis&) = delete;

  void Start();  // no-op while running
  void Stop();
  void Kill();
  bool running();

  // unix:///<folder>/redis.sock: what RedisClient connects to.
  std::string url() const { return "unix://" + socket_path(); }
  // redis://127.0.0.1:<port>, when a port was asked for.
  std::string tcp_url() const { return "redis://127.0.0.1:" + std::to_string(options_.port); }
  std::string socket_path() const { return dir_->path() + "/redis.sock"; }
  std::string log_path() const { return dir_->path() + "/redis.log"; }
  const std::string& dir() const { return dir_->path(); }
  int port() const { return options_.port; }
  // The server's process id while running, else -1.
  pid_t pid() const { return child_.pid(); }

 private:
  void WriteConfig() const;
  void WaitReady();

  PrivateRedisOptions options_;
  std::string program_;
  std::unique_ptr<TempDir> dir_;
  ChildProcess child_;
};

}  // namespace cachelab::live
