// Running a loaded scenario: the simulation, then what analysis adds to its
// summary (alert rules evaluated over the time series). Every command that
// runs scenarios (run, compare, explain) goes through here, so they agree.
// Alerts are evaluated over the intervals that start before the workload's
// duration; the drain of in-flight requests after it is not alerted on.
// Interrupted (sim/core/cancel.h) when cancellation is requested before,
// during or right after the run: a cut-short result is never returned.
#pragma once

#include "analysis/scenario/scenario.h"
#include "policies/run.h"

namespace cachelab {

RunResult RunScenario(const Scenario& scenario, const RunOptions& options = {});

}  // namespace cachelab
