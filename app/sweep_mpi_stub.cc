// app/sweep_mpi.h without MPI (CACHELAB_MPI off or not found).
#include <stdexcept>

#include "app/sweep_mpi.h"

namespace cachelab {

bool HaveMpi() {
  return false;
}

int RunSweepOverMpi(const MpiSweepHooks&, unsigned) {
  throw std::logic_error("RunSweepOverMpi: cachelab was built without MPI");
}

}  // namespace cachelab
