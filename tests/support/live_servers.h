// For tests that need a real server program (redis-server, PostgreSQL's
// initdb/postgres): where the machine lacks it, the case exits 77 and ctest
// reports it as skipped (CMakeLists.txt, SKIP_RETURN_CODE). CI installs the
// programs, so there the cases run.
#pragma once

#include <cstdio>
#include <cstdlib>
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

}  // namespace cachelab::test
