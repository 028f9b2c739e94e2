#include "analysis/scenario/budget.h"

#include <fmt/format.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <string>
#include <utility>

#include "analysis/common/errors.h"
#include "analysis/common/units.h"
#include "analysis/scenario/scenario.h"
#include "sim/metrics/summary.h"
#include "sim/model/distribution.h"

namespace cachelab {
namespace {

// Per-item costs, measured on the catalog (README, "Memory") and rounded up:
// a database row, ledger counter and value size per key; a store slot at the
// table's lowest load, an eviction node and an expiry record per entry; a
// time-series row and its CSV text; a waiting request's frames and query.
constexpr double kBytesPerKey = 32;
constexpr double kBytesPerStackKey = 48;  // lru-stack popularity's tree node
constexpr double kBytesPerEntry = 200;
constexpr double kBytesPerRow = sizeof(IntervalRow) + 200;
constexpr double kBytesPerWaiting = 800;
// A request in flight: 1,000 B measured with cache-aside (the default
// scenario for 20 s with a 1 h round trip: +40 MB RSS for 40,000 requests),
// with room for deeper policy stacks.
constexpr double kBytesPerInFlight = 1500;
constexpr double kBaseBytes = 30e6;
// Arrivals past this many timer events (ticks, expiry cycles) are refused
// whatever the memory: a run of them would take hours.
constexpr double kMaxTimerEvents = 2e9;
// A saturated cache CPU's backlog is refused past this many durations (or an
// hour, whichever is longer).
constexpr double kMaxBacklogRuns = 10;

std::atomic<uint64_t> g_max_memory{0};
std::atomic<double> g_max_requests{0};

// The rate profile's integral over [0, duration].
double Requests(const RateProfileConfig& r, Duration duration) {
  const double end = duration.seconds();
  switch (r.kind) {
    case RateProfileConfig::Kind::kConstant:
      return r.rps * end;
    case RateProfileConfig::Kind::kSteps: {
      double sum = 0;
      for (size_t i = 0; i < r.steps.size(); ++i) {
        const double from = std::min(r.steps[i].at.seconds(), end);
        const double to = i + 1 < r.steps.size() ? std::min(r.steps[i + 1].at.seconds(), end) : end;
        sum += r.steps[i].rps * std::max(0.0, to - from);
      }
      return sum;
    }
    case RateProfileConfig::Kind::kRamp: {
      const double a = std::min(r.ramp_start.seconds(), end);
      const double b = std::min(r.ramp_end.seconds(), end);
      // The linear part up to b: the rate at b is interpolated.
      const double span = r.ramp_end.seconds() - r.ramp_start.seconds();
      const double at_b =
          span > 0 ? r.from_rps + (r.to_rps - r.from_rps) * (b - r.ramp_start.seconds()) / span
                   : r.to_rps;
      return r.from_rps * a + (r.from_rps + at_b) / 2 * (b - a) + r.to_rps * (end - b);
    }
  }
  return 0;
}

double MeanValueSize(const WorkloadConfig& w) {
  if (!w.size_values.empty()) {
    double sum = 0, weights = 0;
    for (size_t i = 0; i < w.size_values.size(); ++i) {
      sum += static_cast<double>(w.size_values[i]) * w.size_weights[i];
      weights += w.size_weights[i];
    }
    return weights > 0 ? sum / weights : 1;
  }
  return std::max(1.0, DistributionMean(w.value_size));
}

std::string MemoryText(double b) {
  if (b >= 1e12) return fmt::format("{:.1f} TB", b / 1e12);
  if (b >= 1e9) return fmt::format("{:.1f} GB", b / 1e9);
  return fmt::format("{:.0f} MB", std::ceil(b / 1e6));
}

std::string CountText(double n) {
  if (n >= 1e12) return fmt::format("{:.3g}", n);
  if (n >= 1e9) return fmt::format("{:.1f}G", n / 1e9);
  if (n >= 1e6) return fmt::format("{:.1f}M", n / 1e6);
  return fmt::format("{:.0f}", n);
}

// The memory this process may use, and what sets it: the machine's physical
// memory, lowered by a cgroup's memory.max (a container) or an address-space
// or data rlimit (ulimit -v, -d). Address space is not resident memory: code,
// stacks and the allocator's slack take part of it, so a rlimit counts at 80%.
struct MemoryLimit {
  double bytes = 0;
  const char* what = "this machine's memory";
};

MemoryLimit ProcessMemoryLimit() {
  MemoryLimit m;
  const long pages = sysconf(_SC_PHYS_PAGES);
  const long page = sysconf(_SC_PAGESIZE);
  if (pages > 0 && page > 0) m.bytes = static_cast<double>(pages) * static_cast<double>(page);
  const auto lower = [&](double bytes, const char* what) {
    if (bytes > 0 && (m.bytes == 0 || bytes < m.bytes)) m = {bytes, what};
  };
  for (const auto& [resource, what] :
       {std::pair{RLIMIT_AS, "80% of the address-space limit (ulimit -v)"},
        std::pair{RLIMIT_DATA, "80% of the data-segment limit (ulimit -d)"}}) {
    rlimit r{};
    if (getrlimit(resource, &r) == 0 && r.rlim_cur != RLIM_INFINITY) {
      lower(0.8 * static_cast<double>(r.rlim_cur), what);
    }
  }
  std::ifstream cgroup("/sys/fs/cgroup/memory.max");
  std::string max;
  if (cgroup >> max && max != "max") {
    char* end = nullptr;
    const double bytes = std::strtod(max.c_str(), &end);
    if (end != max.c_str() && *end == '\0') lower(bytes, "the cgroup's memory.max");
  }
  return m;
}

std::string BacklogText(double s) {
  return s >= 86400  ? fmt::format("{:.3g} days", s / 86400)
         : s >= 3600 ? fmt::format("{:.3g} h", s / 3600)
                     : fmt::format("{:.3g} s", s);
}

// The cache servers that answer GETs: the nodes, and their replicas when
// reads may go to them.
double ReadServers(const WorldConfig& w) {
  const ClusterConfig& c = w.cache.cluster;
  return c.nodes * (c.replicas.read_from == CacheReplicaConfig::ReadFrom::kPrimary
                        ? 1.0
                        : 1.0 + c.replicas.count);
}

// A cache CPU (cache.cpu) that cannot keep up holds the run open until its
// backlog is served. A lower bound: every request costs at least one
// operation's per_op on a server that answers reads, and those servers serve
// at most the duration's worth during the arrivals.
double CacheBacklogSeconds(const WorldConfig& w, double requests) {
  if (!w.cache.enabled || w.cache.cpu.per_op <= Duration()) return 0;
  const double work = requests * w.cache.cpu.per_op.seconds() / ReadServers(w);
  return std::max(0.0, work - w.duration.seconds());
}

}  // namespace

RunEstimate EstimateRun(const Scenario& s) {
  const WorldConfig& w = s.world;
  RunEstimate e;
  const bool trace = w.workload.trace != nullptr;
  const double keys = static_cast<double>(w.workload.keys);
  e.requests = trace ? 0 : Requests(w.workload.rate, w.duration);
  e.cache_backlog_s = CacheBacklogSeconds(w, e.requests);

  const bool stack = w.workload.popularity == WorkloadConfig::Popularity::kLruStack;
  e.parts.emplace_back("/workload/keys/count", keys * (stack ? kBytesPerStackKey : kBytesPerKey));

  if (w.cache.enabled) {
    // Capacity and the item limit are each node's; replicas hold copies.
    const double nodes = w.cache.cluster.nodes;
    const double copies = 1 + w.cache.cluster.replicas.count;
    // The smallest charge per entry (flat: the overhead; redis: a key without
    // a TTL), so the estimate is an upper bound.
    const double overhead = static_cast<double>(EntryCharge(w.cache.memory)(0, false));
    double entries =
        static_cast<double>(w.cache.capacity_bytes) / (MeanValueSize(w.workload) + overhead);
    if (w.cache.max_items > 0) entries = std::min(entries, static_cast<double>(w.cache.max_items));
    entries = std::min(entries * nodes, keys) * copies;
    e.parts.emplace_back("/cache/capacity", entries * kBytesPerEntry);

    // Requests in flight, each a chain of coroutine frames. By Little's law
    // at least the rate times a round trip (every request asks the shared
    // cache first, unless an L1 may answer it); and a CPU that cannot keep
    // up still holds, when the arrivals end, every request its backlog has
    // not reached.
    if (e.requests > 0) {
      const double by_rtt = s.stack.l1.name == "none" ? e.requests / w.duration.seconds() *
                                                            DistributionMean(w.cache.rtt) * 1e-9
                                                      : 0;
      const double by_cpu = e.cache_backlog_s > 0
                                ? e.cache_backlog_s * ReadServers(w) / w.cache.cpu.per_op.seconds()
                                : 0;
      const double in_flight = std::min(e.requests, std::max(by_rtt, by_cpu));
      e.parts.emplace_back(by_cpu > by_rtt ? "/cache/cpu/per_op" : "/cache/rtt",
                           in_flight * kBytesPerInFlight);
    }
  }

  // The run lasts until the last request in flight finishes: allow a
  // latency's long tail, a full queue timeout and a cache CPU's backlog past
  // the arrivals.
  const DatabaseConfig& db = w.database;
  const double drain =
      20 *
          (DistributionMean(w.cache.rtt) +
           std::max(DistributionMean(db.read_service), DistributionMean(db.write_service))) *
          1e-9 +
      db.queue_timeout.seconds() + e.cache_backlog_s;
  const double span = w.duration.seconds() + drain;
  const double rows = span / w.metrics.interval.seconds();
  const bool node_rows =
      w.cache.cluster.servers() > 1 || w.cache.cpu.Limited() || w.cache.network.Limited();
  // Mostly the drain's rows when a cache CPU's backlog outlasts the run.
  e.parts.emplace_back(
      e.cache_backlog_s > w.duration.seconds()
          ? "/metrics/interval (over /cache/cpu/per_op's backlog)"
          : "/metrics/interval",
      rows * (kBytesPerRow +
              (node_rows ? w.cache.cluster.servers() * double{sizeof(NodeIntervalRow)} : 0) +
              (w.database.pool == DatabaseConfig::PoolScope::kPerInstance
                   ? DatabasePools(w) * double{sizeof(PoolIntervalRow)}
                   : 0)));
  e.timer_events = rows;
  if (w.cache.enabled && w.cache.active_expiry_interval.nanos() > 0) {
    // Every server (node or replica) runs its own cycle.
    e.timer_events += w.cache.cluster.servers() * span / w.cache.active_expiry_interval.seconds();
  }
  if (db.queue_limit > 0) {
    e.parts.emplace_back("/database/queue_limit",
                         static_cast<double>(db.queue_limit) * kBytesPerWaiting);
  }

  std::sort(e.parts.begin(), e.parts.end(),
            [](const auto& a, const auto& b) { return a.second > b.second; });
  e.bytes = kBaseBytes;
  for (const auto& p : e.parts) e.bytes += p.second;
  if (s.stack.guard.name == "background-refresh") {
    const Params& p = s.stack.guard.params;
    const double passes_per_s =
        static_cast<double>(p.GetInt("top_n")) / p.GetDuration("interval").seconds();
    e.background_loads = span * std::min(p.GetDouble("rate"), passes_per_s);
  }
  // Top-n warming loads its keys at the start and after each flush or restart.
  if (s.stack.warming.name == "top-n") {
    const Params& p = s.stack.warming.params;
    const double passes = (p.GetBool("at_start") ? 1.0 : 0.0) +
                          (p.GetBool("after_flush") ? double(w.cache.faults.size()) : 0.0);
    e.background_loads += passes * static_cast<double>(p.GetInt("count"));
  }
  e.cpu_seconds = (e.requests + e.background_loads) / kRequestsPerCpuSecond +
                  e.timer_events / kTimersPerCpuSecond;
  return e;
}

void SetBudget(const Budget& b) {
  g_max_memory = b.max_memory;
  g_max_requests = b.max_requests;
}

void CheckBudget(const Scenario& s) {
  const RunEstimate e = EstimateRun(s);
  const uint64_t set_memory = g_max_memory.load();
  const MemoryLimit process = ProcessMemoryLimit();
  const double limit = set_memory > 0 ? static_cast<double>(set_memory) : process.bytes;
  if (limit > 0 && e.bytes > limit) {
    std::string parts;
    for (const auto& [what, bytes] : e.parts) {
      if (bytes < e.bytes / 20) continue;
      parts += (parts.empty() ? "" : ", ") + what + " " + MemoryText(bytes);
    }
    throw InputError(fmt::format(
        "{}: the run would need about {} of memory ({}), more than {} ({}); make the driving "
        "field smaller",
        s.source, MemoryText(e.bytes), parts, MemoryText(limit),
        set_memory > 0 ? "--max-memory" : process.what));
  }
  const double set_requests = g_max_requests.load();
  const double max_requests = set_requests > 0 ? set_requests : kDefaultMaxRequests;
  if (e.requests > max_requests) {
    throw InputError(fmt::format(
        "{}: the run would simulate about {} requests (/workload/rate x /duration), ~{:.0f} s of "
        "CPU, "
        "more than --max-requests {}; shorten /duration, lower the rate or raise --max-requests",
        s.source, CountText(e.requests), e.cpu_seconds, CountText(max_requests)));
  }
  if (e.timer_events > kMaxTimerEvents) {
    throw InputError(fmt::format(
        "{}: the run would step its timers about {} times (/duration over /metrics/interval and "
        "/cache/active_expiry/interval), more than {}; lengthen the intervals",
        s.source, CountText(e.timer_events), CountText(kMaxTimerEvents)));
  }
  // Past this the results describe the drain, not the traffic (latencies of
  // days), and the drain's own timers cost more than the run.
  const double max_backlog = std::max(kMaxBacklogRuns * s.world.duration.seconds(), 3600.0);
  if (e.cache_backlog_s > max_backlog) {
    throw InputError(fmt::format(
        "{}: /cache/cpu/per_op: the cache CPU cannot keep up: serving about {} requests at {} "
        "each would hold the run open for at least {} past /duration, more than the {} allowed "
        "({} durations, at least 1 h); make per_op smaller, or spread the load over more nodes "
        "(/cache/cluster/nodes) or replicas read from",
        s.source, CountText(e.requests), FormatDuration(s.world.cache.cpu.per_op),
        BacklogText(e.cache_backlog_s), BacklogText(max_backlog), kMaxBacklogRuns));
  }
}

uint64_t RunawayEventLimit(const RunEstimate& e, const Scenario& s) {
  if (s.world.workload.trace) return 0;
  return static_cast<uint64_t>((e.requests + e.background_loads) * kRunawayEventsPerRequest +
                               e.timer_events + kRunawayEventSlack);
}

std::string FormatEstimate(const RunEstimate& e) {
  std::string out = e.requests > 0 ? "about " + CountText(e.requests) + " requests, " : "about ";
  out +=
      fmt::format("~{:.0f} s of CPU, ~{} of memory", std::ceil(e.cpu_seconds), MemoryText(e.bytes));
  if (e.cache_backlog_s > 0) {
    out += fmt::format(
        "; the cache CPU cannot keep up (/cache/cpu/per_op): its backlog holds the run open for "
        "at least {} of simulated time past /duration",
        BacklogText(e.cache_backlog_s));
  }
  return out;
}

}  // namespace cachelab
