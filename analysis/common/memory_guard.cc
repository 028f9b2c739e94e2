#include "analysis/common/memory_guard.h"

#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <thread>

#include "analysis/common/errors.h"

namespace cachelab::memory_guard {
namespace {

// The process's resident set size in bytes (0 when unknown).
uint64_t ResidentBytes() {
  std::FILE* f = std::fopen("/proc/self/statm", "r");
  if (f == nullptr) return 0;
  unsigned long long pages_total = 0, pages_resident = 0;
  const int n = std::fscanf(f, "%llu %llu", &pages_total, &pages_resident);
  std::fclose(f);
  if (n != 2) return 0;
  return pages_resident * static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
}

struct Guard {
  std::atomic<bool> tripped{false};
  std::atomic<uint64_t> seen{0};  // the resident size that tripped it
  uint64_t limit = 0;
  std::mutex mu;
  std::condition_variable wake;
  bool stop = false;
  std::thread watcher;

  ~Guard() { Stop(); }

  void Stop() {
    {
      std::lock_guard<std::mutex> lock(mu);
      stop = true;
    }
    wake.notify_all();
    if (watcher.joinable()) watcher.join();
  }

  void Watch() {
    std::unique_lock<std::mutex> lock(mu);
    while (!stop) {
      const uint64_t rss = ResidentBytes();
      if (rss > limit && !tripped.load()) {
        seen = rss;
        tripped = true;
      }
      wake.wait_for(lock, std::chrono::milliseconds(20));
    }
  }
};

std::string Mib(uint64_t bytes) {
  return fmt::format("{:.1f} MiB", static_cast<double>(bytes) / (1024.0 * 1024.0));
}

Guard& TheGuard() {
  static Guard g;
  return g;
}

}  // namespace

void Arm(uint64_t limit_bytes) {
  Guard& g = TheGuard();
  g.Stop();
  g.tripped = false;
  g.seen = 0;
  if (limit_bytes == 0) return;
  if (ResidentBytes() == 0) {
    throw InputError("--max-memory: cannot read /proc/self/statm to watch resident memory");
  }
  g.limit = limit_bytes;
  g.stop = false;
  g.watcher = std::thread([&g] { g.Watch(); });
}

const std::atomic<bool>* Flag() {
  return &TheGuard().tripped;
}

void ThrowIfTripped(const std::string& where) {
  const Guard& g = TheGuard();
  if (!g.tripped.load()) return;
  throw MemoryLimitError(fmt::format(
      "memory limit: the process reached {} resident, above --max-memory {}; {} and nothing was "
      "written. A queue that grows without bound (see db.verdict, database.queue_limit) or a "
      "very large key space is the usual cause",
      Mib(g.seen.load()), Mib(g.limit), where));
}

}  // namespace cachelab::memory_guard
