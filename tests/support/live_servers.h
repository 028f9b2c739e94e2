// For tests that need a real server program (redis-server, PostgreSQL's
// initdb/postgres): where the machine lacks it, the case exits 77 and ctest
// reports it as skipped (CMakeLists.txt, SKIP_RETURN_CODE). CI installs the
// programs, so there the cases run.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <vector>

#include "analysis/live/process.h"

namespace cachelab::test {

// The full path of `name` (searched in `dirs`, then $PATH), or exit 77.
inline std::string RequireProgram(const std::string& name,
                                  const std::vector<std::string>& dirs = {}) {
  if (auto path = live::FindProgram(name, dirs)) return *path;
  std::fprintf(stderr, "SKIP: %s is not installed\n", name.c_str());
  std::exit(77);
}

// A loopback TCP port nobody listens on right now (the kernel's pick, so two
// tests running at once get different ones); throws if none can be bound, as
// port 0 would mean "no TCP" to PrivateRedis.
inline int FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw std::runtime_error("FreePort: no socket");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  const bool ok = bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
                  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0;
  close(fd);
  if (!ok) throw std::runtime_error("FreePort: cannot bind a loopback port");
  return ntohs(addr.sin_port);
}

}  // namespace cachelab::test
