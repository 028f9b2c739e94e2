// `cachelab sweep` over the processes of an MPI job (CMake option
// CACHELAB_MPI; Boost.MPI + Open MPI).
//
// MPI is initialised only by `sweep`, and only when the environment shows that
// an MPI launcher started this process (StartedByMpiLauncher): a plain
// `cachelab sweep` never calls MPI_Init (Open MPI's start-up is slow and
// prints warnings in containers) and runs exactly as without MPI.
//
// Protocol (RunSweepOverMpi): every rank builds the same plan from the same
// command line, then the ranks exchange their status once (all_gather), so
// bad input fails on every rank with exit 2 and rank 0 alone prints it. Rank 0
// alone reads and writes the output folder: it reuses the points stored in
// <out>.partial/points, then hands the missing point indices out in batches
// (a work queue, lowest index first) to the other ranks and to a thread of its
// own, stores every result as it arrives (so an interrupted MPI sweep resumes
// like a local one) and writes the outputs. Results travel as
// PointResultToJson text, which round-trips exactly, so sweep.csv and
// sweep.json are byte-identical to a single-process run whatever the number
// of ranks, their --threads or the assignment. A runtime failure on any rank
// stops the queue; every rank then exits with the same code (2 bad input, 1
// otherwise) and rank 0 prints the first failure. Waits poll with short
// sleeps instead of Open MPI's busy-waiting, which would steal a core from
// the simulations.
#pragma once

#include <functional>
#include <string>

#include "analysis/experiments/sweep.h"

namespace cachelab {

// True when the environment names an MPI process: OMPI_COMM_WORLD_SIZE
// (Open MPI's mpirun), PMIX_RANK (PMIx, e.g. Slurm's `srun --mpi=pmix`) or
// PMI_RANK (PMI-1/2 launchers).
bool StartedByMpiLauncher();
// This process's rank as the launcher's environment gives it; 0 when not
// started by a launcher. Lets ranks other than 0 stay quiet about bad input
// found before MPI is initialised (every rank finds the same).
int LauncherRank();
// The job size the launcher's environment gives (OMPI_COMM_WORLD_SIZE,
// PMI_SIZE, SLURM_NTASKS); 0 when unknown or not started by a launcher.
int LauncherSize();
// Whether this binary was built with MPI (CACHELAB_MPI).
bool HaveMpi();

struct MpiSweepHooks {
  // Every rank: the plan. Throws InputError on bad input.
  std::function<SweepPlan()> make_plan;
  // Every rank: the output folder of `plan` (only rank 0 touches it).
  std::function<std::string(const SweepPlan&)> output_dir;
  // Rank 0, once every point has a result: writes the outputs, prints the
  // summary and returns the exit code, which every rank then returns.
  std::function<int(const SweepPlan&, const std::string& dir, SweepRun& run)> finish;
  // Rank 0: prints the one-line error message of a failure.
  std::function<void(const std::string&)> print_error;
};

// Runs the sweep as one rank of the MPI job (protocol above), each rank on up
// to `threads` threads; initialises and finalises MPI. Returns this rank's exit
// code, the same on every rank. Only with HaveMpi(); the stub throws
// std::logic_error.
int RunSweepOverMpi(const MpiSweepHooks& hooks, unsigned threads);

}  // namespace cachelab
