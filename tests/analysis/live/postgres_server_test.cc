// The private, throw-away PostgreSQL of `cachelab live`.
#include "analysis/live/postgres_server.h"

#include <arpa/inet.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "analysis/common/errors.h"
#include "tests/support/input_error.h"
#include "tests/support/live_servers.h"

namespace fs = std::filesystem;
using cachelab::InputError;
using cachelab::live::PrivatePostgres;
using cachelab::live::PrivatePostgresOptions;

namespace {

void RequirePostgres() {
  cachelab::test::RequireProgram("initdb", {PrivatePostgres::kBinDir});
  cachelab::test::RequireProgram("postgres", {PrivatePostgres::kBinDir});
}

// One value from `sql` over a fresh connection ("" when it fails).
std::string QueryOne(const std::string& conninfo, const std::string& sql) {
  PGconn* pg = PQconnectdb(conninfo.c_str());
  std::string out;
  if (PQstatus(pg) == CONNECTION_OK) {
    PGresult* r = PQexec(pg, sql.c_str());
    if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1) out = PQgetvalue(r, 0, 0);
    PQclear(r);
  }
  PQfinish(pg);
  return out;
}

// A listening socket on 127.0.0.1 on a port the kernel picks.
struct Listener {
  int fd = -1;
  uint16_t port = 0;
  Listener() {
    fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    listen(fd, 1);
    socklen_t len = sizeof addr;
    getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    port = ntohs(addr.sin_port);
  }
  ~Listener() { close(fd); }
};

}  // namespace

TEST_CASE("A private PostgreSQL 15 listens only on a unix socket in its folder, removed with it",
          "[live][postgres]") {
  RequirePostgres();
  std::string folder;
  pid_t pid;
  {
    PrivatePostgres pg;
    pg.Start();
    folder = pg.folder();
    pid = pg.pid();
    CHECK(pg.server_version().rfind("15", 0) == 0);
    CHECK(fs::exists(folder + "/.s.PGSQL.5432"));
    CHECK(QueryOne(pg.conninfo(), "SHOW listen_addresses").empty());
    CHECK(QueryOne(pg.conninfo(), "SELECT current_user") == PrivatePostgres::kUser);
    CHECK(QueryOne(pg.url(), "SHOW fsync") == "off");
    CHECK(QueryOne(pg.conninfo(), "SHOW synchronous_commit") == "off");
    CHECK(QueryOne(pg.conninfo(), "SHOW unix_socket_directories") == folder);
    // Nothing answers on TCP: a server listening there would accept this.
    CHECK(QueryOne("host=127.0.0.1 port=5432 user=cachelab dbname=postgres connect_timeout=2",
                   "SELECT 1")
              .empty());
  }
  CHECK_FALSE(fs::exists(folder));
  CHECK(kill(pid, 0) == -1);
}

TEST_CASE("A private PostgreSQL given a port also listens on 127.0.0.1", "[live][postgres]") {
  RequirePostgres();
  uint16_t port;
  {
    Listener probe;  // a port that was free a moment ago
    port = probe.port;
  }
  PrivatePostgresOptions o;
  o.port = port;
  o.max_connections = 20;
  PrivatePostgres pg(o);
  pg.Start();
  CHECK(QueryOne(pg.tcp_conninfo(), "SELECT inet_server_port()") == std::to_string(port));
  CHECK(QueryOne(pg.conninfo(), "SHOW max_connections") == "20");
  pg.Stop();
  CHECK_FALSE(pg.running());
  CHECK(QueryOne(pg.conninfo(), "SELECT 1").empty());
}

TEST_CASE("A private PostgreSQL on a port in use is an InputError and leaves no folder",
          "[live][postgres]") {
  RequirePostgres();
  Listener taken;
  PrivatePostgresOptions o;
  o.port = taken.port;
  std::string folder;
  {
    PrivatePostgres pg(o);
    folder = pg.folder();
    CHECK(cachelab::test::ErrorOf([&] { pg.Start(); }) ==
          "port " + std::to_string(taken.port) + " on 127.0.0.1 is in use");
  }
  CHECK_FALSE(fs::exists(folder));
}

TEST_CASE("A private PostgreSQL does not outlive the process that started it, even killed",
          "[live][postgres]") {
  RequirePostgres();
  int fds[2];
  REQUIRE(pipe(fds) == 0);
  const pid_t owner = fork();
  if (owner == 0) {  // the owner: starts a server, reports it, waits to be killed
    close(fds[0]);
    try {
      PrivatePostgres pg;
      pg.Start();
      const std::string msg = std::to_string(pg.pid()) + " " + pg.folder();
      if (write(fds[1], msg.data(), msg.size()) == static_cast<ssize_t>(msg.size())) pause();
    } catch (...) {
    }
    _exit(1);
  }
  close(fds[1]);
  char buf[512];
  const ssize_t n = read(fds[0], buf, sizeof buf);
  close(fds[0]);
  kill(owner, SIGKILL);
  waitpid(owner, nullptr, 0);
  REQUIRE(n > 0);
  std::istringstream in(std::string(buf, static_cast<size_t>(n)));
  pid_t server = 0;
  std::string folder;
  in >> server >> folder;
  // Gone, or a zombie nobody has reaped yet: either way no longer running.
  auto running = [server] {
    std::ifstream stat("/proc/" + std::to_string(server) + "/stat");
    std::string pid, comm, state;
    return static_cast<bool>(stat >> pid >> comm >> state) && state != "Z";
  };
  bool alive = true;
  for (int i = 0; i < 100 && alive; ++i) {
    alive = running();
    if (alive) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  CHECK_FALSE(alive);
  if (alive) kill(server, SIGKILL);
  std::error_code ec;
  fs::remove_all(folder, ec);  // the killed owner could not remove it
}
