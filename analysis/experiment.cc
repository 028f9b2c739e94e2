#include "analysis/experiment.h"

namespace cachelab {

RunResult RunScenario(const Scenario& scenario, const RunOptions& options) {
  RunResult r = RunSimulation(scenario.world, scenario.stack, options);
  r.summary.alerts = EvaluateAlerts(scenario.alerts, r.timeseries);
  return r;
}

}  // namespace cachelab
