#include "analysis/scenario/run.h"

#include <fmt/format.h>

#include "analysis/common/memory_guard.h"
#include "sim/core/cancel.h"

namespace cachelab {

RunResult RunScenario(const Scenario& scenario, const RunOptions& options) {
  cancel::ThrowIfRequested();  // a queued run of an interrupted command never starts
  RunOptions o = options;
  if (o.stop.abort == nullptr) o.stop.abort = memory_guard::Flag();
  RunResult r = RunSimulation(scenario.world, scenario.stack, o);
  cancel::ThrowIfRequested();  // a result finished while interrupting is not returned either
  memory_guard::ThrowIfTripped(
      fmt::format("scenario '{}' (seed {}) ended its arrivals: {}", scenario.name,
                  scenario.world.seed, r.stopped_early.empty() ? "at its end" : r.stopped_early));
  // The rows after the arrivals stop hold only the drain of requests still in
  // flight (mostly slow misses): no dashboard would alert on that tail.
  const double end_s = scenario.world.duration.seconds();
  std::vector<IntervalRow> rows;
  for (const IntervalRow& row : r.timeseries) {
    if (row.time_s < end_s) rows.push_back(row);
  }
  r.summary.alerts = EvaluateAlerts(scenario.alerts, rows);
  const WorldConfig& w = scenario.world;
  r.summary.cost = MonthlyCost(scenario.cost, w.cache.enabled ? w.cache.cluster.servers() : 0,
                               w.database.replicas.count, r.summary);
  return r;
}

}  // namespace cachelab
