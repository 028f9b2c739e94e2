#include "analysis/live/postgres_server.h"

#include <arpa/inet.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <thread>

#include "analysis/common/errors.h"

namespace cachelab::live {

namespace {

std::string FindOrThrow(const char* name) {
  if (auto path = FindProgram(name, {PrivatePostgres::kBinDir})) return *path;
  throw InputError(std::string("PostgreSQL 15 is not installed: no '") + name + "' in " +
                   PrivatePostgres::kBinDir + " or on PATH (Debian package postgresql-15)");
}

// True when 127.0.0.1:port cannot be bound. SO_REUSEADDR as PostgreSQL sets
// it, so connections of an earlier run in TIME_WAIT do not count as in use.
bool PortInUse(uint16_t port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;  // cannot tell; the server's own bind will say
  const int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool in_use =
      bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0 && errno == EADDRINUSE;
  close(fd);
  return in_use;
}

std::string PortInUseMessage(uint16_t port) {
  return "port " + std::to_string(port) + " on 127.0.0.1 is in use";
}

// Waits for a short-lived child (initdb); SIGKILLs it after `timeout`.
int WaitExit(ChildProcess& child, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (child.Running()) {
    if (std::chrono::steady_clock::now() >= deadline) {
      child.Stop(SIGKILL, std::chrono::milliseconds(0));
      return -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  const int status = child.status().value_or(-1);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// Quotes a libpq key=value value.
std::string Quote(const std::string& v) {
  std::string out = "'";
  for (char c : v) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  return out + "'";
}

std::string PercentEncode(const std::string& v) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : v) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

}  // namespace

PrivatePostgres::PrivatePostgres(PrivatePostgresOptions options)
    : options_(options),
      initdb_(FindOrThrow("initdb")),
      postgres_(FindOrThrow("postgres")),
      user_(UnprivilegedUser()),
      dir_(std::make_unique<TempDir>("cachelab-pg-")) {
  if (user_) dir_->GiveTo(user_->uid, user_->gid);
}

PrivatePostgres::~PrivatePostgres() {
  Stop();
  // dir_ goes after the server: the folder is removed once nothing writes to it.
}

void PrivatePostgres::Start() {
  if (server_.pid() > 0) throw std::logic_error("PrivatePostgres started twice");
  if (options_.port != 0 && PortInUse(options_.port)) {
    throw InputError(PortInUseMessage(options_.port));
  }
  const std::string data = folder() + "/data";
  const std::string initdb_log = folder() + "/initdb.log";
  {
    ChildProcess initdb =
        ChildProcess::Start({initdb_, "-D", data, "-U", kUser, "-A", "trust", "-E", "UTF8",
                             "--locale=C", "--no-sync", "--no-instructions"},
                            initdb_log, user_);
    const int code = WaitExit(initdb, options_.start_timeout);
    if (code != 0) {
      throw std::runtime_error(
          "initdb of the private PostgreSQL failed (" +
          (code < 0 ? std::string("timed out or killed") : "exit " + std::to_string(code)) +
          "): " + LogTail(initdb_log));
    }
  }
  {
    // Appended settings win over initdb's defaults earlier in the file.
    std::ofstream conf(data + "/postgresql.conf", std::ios::app);
    conf << "\n# cachelab: a private, throw-away instance\n"
         << "listen_addresses = '" << (options_.port != 0 ? "127.0.0.1" : "") << "'\n"
         << "port = " << socket_port() << "\n"
         << "unix_socket_directories = '" << folder() << "'\n"
         << "max_connections = " << options_.max_connections << "\n"
         << "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n";
    if (!conf) throw std::runtime_error("cannot write " + data + "/postgresql.conf");
  }
  server_ = ChildProcess::Start({postgres_, "-D", data}, log_path(), user_, SIGQUIT);

  const std::string info = conninfo();
  const auto deadline = std::chrono::steady_clock::now() + options_.start_timeout;
  while (true) {
    if (!server_.Running()) {
      const std::string tail = LogTail(log_path());
      if (options_.port != 0 && tail.find("Address already in use") != std::string::npos) {
        throw InputError(PortInUseMessage(options_.port));
      }
      throw std::runtime_error("the private PostgreSQL exited at start-up: " + tail);
    }
    if (PQping(info.c_str()) == PQPING_OK) break;
    if (std::chrono::steady_clock::now() >= deadline) {
      Stop(std::chrono::milliseconds(2000));
      throw std::runtime_error("the private PostgreSQL did not accept connections within " +
                               std::to_string(options_.start_timeout.count()) +
                               " ms: " + LogTail(log_path()));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  PGconn* conn = PQconnectdb(info.c_str());
  if (PQstatus(conn) == CONNECTION_OK) {
    if (const char* v = PQparameterStatus(conn, "server_version")) version_ = v;
  }
  PQfinish(conn);
}

void PrivatePostgres::Stop(std::chrono::milliseconds grace) {
  server_.Stop(SIGINT, grace);  // fast shutdown
}

bool PrivatePostgres::running() {
  return server_.Running();
}

std::string PrivatePostgres::conninfo() const {
  return "host=" + Quote(folder()) + " port=" + std::to_string(socket_port()) + " user=" + kUser +
         " dbname=" + kDatabase;
}

std::string PrivatePostgres::url() const {
  return std::string("postgresql://") + kUser + "@" + PercentEncode(folder()) + ":" +
         std::to_string(socket_port()) + "/" + kDatabase;
}

std::string PrivatePostgres::tcp_conninfo() const {
  if (options_.port == 0) throw std::logic_error("the private PostgreSQL has no TCP port");
  return "host=127.0.0.1 port=" + std::to_string(options_.port) + " user=" + kUser +
         " dbname=" + kDatabase;
}

}  // namespace cachelab::live
