#include "analysis/live/redis_server.h"

#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <fstream>
#include <stdexcept>
#include <thread>

#include "analysis/common/errors.h"
#include "analysis/live/redis_client.h"

namespace cachelab::live {

namespace {

// Whether redis-server could listen on 127.0.0.1:port (it sets SO_REUSEADDR
// too, so a port in TIME_WAIT counts as free).
bool PortFree(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return true;  // let redis-server report what is wrong
  const int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool free =
      bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0 || errno != EADDRINUSE;
  close(fd);
  return free;
}

std::string PortInUse(int port) {
  return "port " + std::to_string(port) + " on 127.0.0.1 is in use";
}

}  // namespace

PrivateRedis::PrivateRedis(PrivateRedisOptions options) : options_(std::move(options)) {
  if (options_.port < 0 || options_.port > 65535) {
    throw InputError("bad Redis port " + std::to_string(options_.port) + " (expected 0..65535)");
  }
  if (!options_.program.empty()) {
    program_ = options_.program;
  } else if (auto found = FindProgram("redis-server", {"/usr/bin", "/usr/local/bin"})) {
    program_ = *found;
  } else {
    throw InputError("redis-server is not installed (Debian: apt-get install redis-server)");
  }
  dir_ = std::make_unique<TempDir>("cachelab-redis-");
  if (socket_path().size() >= sizeof(sockaddr_un{}.sun_path)) {
    throw InputError("the Redis socket path " + socket_path() +
                     " is too long for a unix socket; set TMPDIR to a shorter folder");
  }
  WriteConfig();
  Start();
}

PrivateRedis::~PrivateRedis() {
  Stop();
}

void PrivateRedis::WriteConfig() const {
  std::ofstream conf(dir_->path() + "/redis.conf");
  conf << "port " << options_.port << "\n"
       << "bind 127.0.0.1\n"
       << "unixsocket " << socket_path() << "\n"
       << "unixsocketperm 700\n"
       << "dir " << dir_->path() << "\n"
       << "save \"\"\n"
       << "appendonly no\n"
       << "daemonize no\n"
       << "logfile \"\"\n";  // stdout: the ChildProcess' log
  for (const auto& [directive, value] : options_.config) conf << directive << " " << value << "\n";
  if (!conf) throw std::runtime_error("cannot write " + dir_->path() + "/redis.conf");
}

void PrivateRedis::Start() {
  if (child_.Running()) return;
  if (options_.port != 0 && !PortFree(options_.port)) throw InputError(PortInUse(options_.port));
  // Append to one log across restarts; mark where each run starts.
  std::ofstream(log_path(), std::ios::app) << "--- cachelab: starting " << program_ << "\n";
  child_ = ChildProcess::Start({program_, dir_->path() + "/redis.conf"}, log_path());
  try {
    WaitReady();
  } catch (...) {
    child_.Stop(SIGKILL, std::chrono::milliseconds(1000));
    throw;
  }
}

void PrivateRedis::WaitReady() {
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::nanoseconds(options_.start_timeout.nanos());
  std::string last_error = "no answer";
  for (;;) {
    if (!child_.Running()) {
      const std::string tail = LogTail(log_path(), 5);
      if (options_.port != 0 && tail.find("in use") != std::string::npos) {
        throw InputError(PortInUse(options_.port));
      }
      throw std::runtime_error("redis-server exited while starting (log " + log_path() +
                               "): " + tail);
    }
    const timeval tv{0, 200'000};
    if (redisContext* c = redisConnectUnixWithTimeout(socket_path().c_str(), tv)) {
      if (c->err == 0) {
        redisReply* r = nullptr;
        {
          const SigpipeGuard no_sigpipe;  // the server may exit meanwhile
          r = static_cast<redisReply*>(redisCommand(c, "PING"));
        }
        // NOAUTH (a `requirepass` in the config) also says it is serving.
        const bool pong =
            r != nullptr &&
            ((r->type == REDIS_REPLY_STATUS && std::string(r->str, r->len) == "PONG") ||
             (r->type == REDIS_REPLY_ERROR && std::string(r->str, r->len).starts_with("NOAUTH")));
        if (r == nullptr) {
          last_error = c->errstr;
        } else if (!pong) {
          last_error = "PING answered " + std::string(r->str != nullptr ? r->str : "?");
        }
        if (r != nullptr) freeReplyObject(r);
        redisFree(c);
        if (pong) return;
      } else {
        last_error = c->errstr;
        redisFree(c);
      }
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      throw std::runtime_error("redis-server did not answer PING on " + socket_path() + " within " +
                               std::to_string(options_.start_timeout.seconds()) + " s (" +
                               last_error + "); log " + log_path() + ": " + LogTail(log_path(), 5));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

void PrivateRedis::Stop() {
  child_.Stop(SIGTERM, std::chrono::milliseconds(5000));
}

void PrivateRedis::Kill() {
  child_.Stop(SIGKILL, std::chrono::milliseconds(1000));
}

bool PrivateRedis::running() {
  return child_.Running();
}

}  // namespace cachelab::live
