// Running a loaded scenario: the simulation, then what analysis adds to its
// summary (alert rules evaluated over the time series). Every command that
// runs scenarios (run, compare, explain) goes through here, so they agree.
#pragma once

#include "analysis/scenario.h"
#include "policies/run.h"

namespace cachelab {

RunResult RunScenario(const Scenario& scenario, const RunOptions& options = {});

}  // namespace cachelab
