#include "analysis/scenario/run.h"

namespace cachelab {

RunResult RunScenario(const Scenario& scenario, const RunOptions& options) {
  RunResult r = RunSimulation(scenario.world, scenario.stack, options);
  // The rows after the arrivals stop hold only the drain of requests still in
  // flight (mostly slow misses): no dashboard would alert on that tail.
  const double end_s = scenario.world.duration.seconds();
  std::vector<IntervalRow> rows;
  for (const IntervalRow& row : r.timeseries) {
    if (row.time_s < end_s) rows.push_back(row);
  }
  r.summary.alerts = EvaluateAlerts(scenario.alerts, rows);
  return r;
}

}  // namespace cachelab
