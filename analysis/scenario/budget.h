// What a run will need, estimated from its scenario before it starts, so that
// an input that would exhaust the machine or run for days is refused at once
// with the fields to blame, and a merely large one says how large first.
//
// Contract:
//  - EstimateRun is a pure function of the loaded scenario. Requests are the
//    rate profile's integral over the duration (a trace workload: unknown,
//    0). Memory is what grows with the inputs: per key of the key space (the
//    database rows, the ledger, the value sizes), per cached entry (the entries
//    the capacity can hold at the mean value size, at most one per key), per
//    time-series row (one per metrics interval over the run and its drain,
//    which includes a saturated cache CPU's backlog),
//    and the database's bounded wait queue. Each part names the fields that
//    drive it. The figures are estimates (within ~2x of a measured peak on
//    the catalog), not bounds.
//  - CheckBudget throws InputError "<source>: the run would need about X of
//    memory (<parts>), more than <limit>; ..." when the estimate exceeds the
//    limit, or "... about N requests ... more than --max-requests M" when the
//    simulated work does. The limits are process-wide (SetBudget): memory
//    defaults to the process's limit (physical memory, lowered by a cgroup's
//    memory.max or by 80% of ulimit -v / -d), requests to 2e9 (about 20
//    minutes at the engine's measured speed); 0 keeps the default.
//    A cache CPU whose backlog (RunEstimate::cache_backlog_s) would hold the
//    run open for more than 10 durations (or 1 h) is refused naming
//    /cache/cpu/per_op: its results would describe the drain, not the traffic.
//  - LoadScenarioFile/Text call CheckBudget, so every command that loads a
//    scenario (run, compare, sweep and plan points, validate) refuses alike.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace cachelab {

struct Scenario;

struct RunEstimate {
  double requests = 0;      // simulated arrivals (0 for a trace workload)
  double timer_events = 0;  // metrics ticks and active-expiry cycles
  // Loads a background process starts whatever the traffic (the
  // background-refresh guard, top-n warming), each about as costly as a request.
  double background_loads = 0;
  // Simulated seconds past the duration a cache CPU that cannot keep up
  // (cache.cpu) needs to serve its backlog: a lower bound (one operation
  // per request, spread evenly over the servers that answer reads).
  double cache_backlog_s = 0;
  double cpu_seconds = 0;  // at kRequestsPerCpuSecond and kTimersPerCpuSecond
  double bytes = 0;        // the parts' sum plus a fixed base
  // (what drives it, bytes), largest first.
  std::vector<std::pair<std::string, double>> parts;
};

// The engine's speed on the catalog (README, "Performance"), conservatively.
inline constexpr double kRequestsPerCpuSecond = 1.5e6;
inline constexpr double kTimersPerCpuSecond = 2e7;

RunEstimate EstimateRun(const Scenario& s);

struct Budget {
  uint64_t max_memory = 0;  // bytes; 0: the machine's physical memory
  double max_requests = 0;  // 0: kDefaultMaxRequests
};
inline constexpr double kDefaultMaxRequests = 2e9;
void SetBudget(const Budget& b);

void CheckBudget(const Scenario& s);

// The most events a run may step before it is called a runaway
// (StopRule::max_events): kRunawayEventsPerRequest per estimated request or
// background load, the timers, and kRunawayEventSlack for a short run. The
// catalog's lessons step 2 to 9 events per request. 0 (no limit) for a trace
// workload, whose length the estimate does not know.
inline constexpr double kRunawayEventsPerRequest = 1000;
inline constexpr double kRunawayEventSlack = 5e7;
uint64_t RunawayEventLimit(const RunEstimate& e, const Scenario& s);

// "about 58.5M requests, ~39 s of CPU, ~420 MB of memory".
std::string FormatEstimate(const RunEstimate& e);

}  // namespace cachelab
