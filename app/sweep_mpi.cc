// app/sweep_mpi.h with Boost.MPI. Only the main thread of a rank calls MPI
// (threading level "funneled"); rank 0 simulates its share on a second thread.
#include "app/sweep_mpi.h"

#include <fmt/format.h>

#include <boost/mpi/collectives.hpp>
#include <boost/mpi/communicator.hpp>
#include <boost/mpi/environment.hpp>
#include <boost/mpi/request.hpp>
#include <boost/optional.hpp>
#include <chrono>
#include <cstddef>
#include <deque>
#include <exception>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "analysis/common/errors.h"

namespace cachelab {
namespace {

namespace mpi = boost::mpi;
using nlohmann::json;

// Worker -> rank 0: a JSON array of finished points (empty on the first
// request), which also asks for the next batch.
constexpr int kTagResults = 1;
// Worker -> rank 0: "<exit code> <message>"; the worker stops.
constexpr int kTagFailed = 2;
// Rank 0 -> worker: a JSON array of point indices; empty means stop.
constexpr int kTagWork = 3;
// Rank 0 -> worker: the exit code every rank returns.
constexpr int kTagDone = 4;

// Open MPI's blocking calls spin on a core while they wait; these wait with
// sleeps instead (a millisecond per message is nothing next to a simulation).
void Idle() {
  std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

template <typename T>
void RecvPolling(const mpi::communicator& comm, int source, int tag, T& value) {
  mpi::request r = comm.irecv(source, tag, value);
  while (!r.test()) Idle();
}

template <typename T>
void SendPolling(const mpi::communicator& comm, int dest, int tag, const T& value) {
  mpi::request r = comm.isend(dest, tag, value);
  while (!r.test()) Idle();
}

struct Failure {
  int code = 0;  // 0: none
  std::string message;
};

// Runs `f`, turning an exception into the exit code main() would give it.
template <typename F>
Failure CaptureFailure(F&& f) {
  try {
    f();
  } catch (const InputError& e) {
    return {2, e.what()};
  } catch (const std::exception& e) {
    return {1, e.what()};
  }
  return {};
}

std::vector<size_t> ParseBatch(const std::string& text) {
  return json::parse(text).get<std::vector<size_t>>();
}

// Rank 0's shared state: the queue of missing points and the results.
class Coordinator {
 public:
  Coordinator(const SweepPlan& plan, std::string points_dir, size_t batch)
      : plan_(plan), points_dir_(std::move(points_dir)), batch_(batch) {}

  // Reads the stored points; queues the missing ones. A failure here leaves
  // the queue empty.
  void Start() {
    Fail(CaptureFailure([&] {
      std::vector<std::optional<PointResult>> have = LoadStoredPoints(plan_, points_dir_);
      std::lock_guard<std::mutex> lock(mu_);
      have_ = std::move(have);
      for (size_t i = 0; i < have_.size(); ++i) {
        if (!have_[i]) queue_.push_back(i);
      }
      reused_ = plan_.points.size() - queue_.size();
    }));
  }

  // The next batch of point indices; empty when the queue is exhausted or a
  // failure stopped it.
  std::vector<size_t> Take() {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<size_t> out;
    while (failure_.code == 0 && !queue_.empty() && out.size() < batch_) {
      out.push_back(queue_.front());
      queue_.pop_front();
    }
    return out;
  }

  // Checks a result against the plan and stores it in points_dir.
  void Accept(PointResult r) {
    if (r.index >= plan_.points.size() || r.key != plan_.points[r.index].key ||
        r.replications.size() != plan_.seeds.size()) {
      throw std::runtime_error(
          fmt::format("a rank returned a result for another plan (point {})", r.index));
    }
    std::lock_guard<std::mutex> lock(mu_);
    StorePointResult(plan_, points_dir_, r);
    have_[r.index] = std::move(r);
    ++ran_;
  }

  // Keeps the first failure; the queue stops.
  void Fail(Failure f) {
    std::lock_guard<std::mutex> lock(mu_);
    if (failure_.code == 0) failure_ = std::move(f);
  }

  Failure failure() {
    std::lock_guard<std::mutex> lock(mu_);
    return failure_;
  }

  // Every point, in index order; only when there was no failure.
  SweepRun TakeRun() {
    std::lock_guard<std::mutex> lock(mu_);
    SweepRun run;
    run.reused = reused_;
    run.ran = ran_;
    for (std::optional<PointResult>& r : have_) {
      if (!r) throw std::logic_error("RunSweepOverMpi: a point has no result");
      run.points.push_back(std::move(*r));
    }
    return run;
  }

 private:
  const SweepPlan& plan_;
  const std::string points_dir_;
  const size_t batch_;
  std::mutex mu_;
  std::vector<std::optional<PointResult>> have_;
  std::deque<size_t> queue_;
  size_t reused_ = 0;
  size_t ran_ = 0;
  Failure failure_;
};

int RunRoot(const mpi::communicator& comm, const MpiSweepHooks& hooks, const SweepPlan& plan,
            const std::string& dir, unsigned threads) {
  // Enough points per batch to keep `threads` threads busy with their
  // replications.
  const size_t r = plan.seeds.size();
  const size_t batch = std::max<size_t>(1, (threads + r - 1) / r);
  Coordinator coord(plan, SweepPointsDir(dir), batch);
  coord.Start();
  std::thread local([&] {
    coord.Fail(CaptureFailure([&] {
      for (std::vector<size_t> b; !(b = coord.Take()).empty();) {
        RunSweepPoints(plan, b, threads, [&](const PointResult& p) { coord.Accept(p); });
      }
    }));
  });
  // Serve the other ranks until each has stopped.
  for (int active = comm.size() - 1; active > 0;) {
    const boost::optional<mpi::status> st = comm.iprobe(mpi::any_source, mpi::any_tag);
    if (!st) {
      Idle();
      continue;
    }
    std::string text;
    comm.recv(st->source(), st->tag(), text);
    if (st->tag() == kTagFailed) {
      const size_t space = text.find(' ');
      coord.Fail({std::stoi(text.substr(0, space)), text.substr(space + 1)});
      --active;
      continue;
    }
    coord.Fail(CaptureFailure([&] {
      for (const json& p : json::parse(text)) coord.Accept(PointResultFromJson(p));
    }));
    const std::vector<size_t> next = coord.Take();
    SendPolling(comm, st->source(), kTagWork, json(next).dump());
    if (next.empty()) --active;
  }
  local.join();

  const Failure failure = coord.failure();
  int code = failure.code;
  if (code != 0) {
    hooks.print_error(failure.message);
  } else {
    Failure finish = CaptureFailure([&] {
      SweepRun run = coord.TakeRun();
      code = hooks.finish(plan, dir, run);
    });
    if (finish.code != 0) {
      hooks.print_error(finish.message);
      code = finish.code;
    }
  }
  for (int rank = 1; rank < comm.size(); ++rank) SendPolling(comm, rank, kTagDone, code);
  return code;
}

int RunWorker(const mpi::communicator& comm, const SweepPlan& plan, unsigned threads) {
  std::string results = "[]";
  for (;;) {
    SendPolling(comm, 0, kTagResults, results);
    std::string text;
    RecvPolling(comm, 0, kTagWork, text);
    const std::vector<size_t> batch = ParseBatch(text);
    if (batch.empty()) break;
    const Failure f = CaptureFailure([&] {
      json out = json::array();
      for (const PointResult& p : RunSweepPoints(plan, batch, threads)) {
        out.push_back(PointResultToJson(p));
      }
      results = out.dump();
    });
    if (f.code != 0) {
      SendPolling(comm, 0, kTagFailed,
                  fmt::format("{} rank {}: {}", f.code, comm.rank(), f.message));
      break;
    }
  }
  int code = 1;
  RecvPolling(comm, 0, kTagDone, code);
  return code;
}

}  // namespace

bool HaveMpi() {
  return true;
}

int RunSweepOverMpi(const MpiSweepHooks& hooks, unsigned threads) {
  // Exceptions are caught below; should one escape anyway, MPI_Abort ends the
  // whole job rather than leaving the other ranks waiting.
  mpi::environment env(mpi::threading::funneled, /*abort_on_exception=*/true);
  const mpi::communicator world;
  try {
    // Validate before communicating: every rank builds the same plan, so bad
    // input fails everywhere; one exchange makes sure of it (e.g. a scenario
    // file missing on one node only).
    std::optional<SweepPlan> plan;
    std::string dir;
    Failure mine = CaptureFailure([&] {
      plan.emplace(hooks.make_plan());
      dir = hooks.output_dir(*plan);
    });
    std::vector<std::string> all;
    mpi::all_gather(world, fmt::format("{} {}", mine.code, mine.message), all);
    for (size_t rank = 0; rank < all.size(); ++rank) {
      const size_t space = all[rank].find(' ');
      const int code = std::stoi(all[rank].substr(0, space));
      if (code == 0) continue;
      if (world.rank() == 0) {
        const std::string message = all[rank].substr(space + 1);
        hooks.print_error(rank == 0 ? message : fmt::format("rank {}: {}", rank, message));
      }
      return code;
    }
    return world.rank() == 0 ? RunRoot(world, hooks, *plan, dir, threads)
                             : RunWorker(world, *plan, threads);
  } catch (const std::exception& e) {
    hooks.print_error(fmt::format("rank {}: {}", world.rank(), e.what()));
    env.abort(1);
  }
  return 1;  // unreachable: abort does not return
}

}  // namespace cachelab
