// The launcher-environment half of app/sweep_mpi.h: needs no MPI, so it is
// built with and without CACHELAB_MPI.
#include <cstdlib>
#include <string>

#include "app/sweep_mpi.h"

namespace cachelab {
namespace {

// The first of `names` set to a non-negative integer, else -1.
int EnvInt(std::initializer_list<const char*> names) {
  for (const char* name : names) {
    const char* v = std::getenv(name);
    if (v == nullptr || *v == '\0') continue;
    char* end = nullptr;
    const long n = std::strtol(v, &end, 10);
    if (*end == '\0' && n >= 0 && n <= 1'000'000) return static_cast<int>(n);
  }
  return -1;
}

}  // namespace

bool StartedByMpiLauncher() {
  return std::getenv("OMPI_COMM_WORLD_SIZE") != nullptr || std::getenv("PMIX_RANK") != nullptr ||
         std::getenv("PMI_RANK") != nullptr;
}

int LauncherRank() {
  if (!StartedByMpiLauncher()) return 0;
  const int rank = EnvInt({"OMPI_COMM_WORLD_RANK", "PMIX_RANK", "PMI_RANK"});
  return rank < 0 ? 0 : rank;
}

int LauncherSize() {
  if (!StartedByMpiLauncher()) return 0;
  const int size = EnvInt({"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "SLURM_NTASKS"});
  return size < 0 ? 0 : size;
}

}  // namespace cachelab
