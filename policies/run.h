// Runs one scenario: builds the policy stack from the registry and the world
// from its config, simulates, and returns the summary and the time series.
#pragma once

#include <functional>

#include "policies/registry.h"
#include "sim/metrics/key_trace.h"
#include "sim/metrics/summary.h"
#include "sim/model/config.h"

namespace cachelab {

struct RunOptions {
  // Called now and then with the fraction of the workload's duration simulated;
  // for progress display only (never influences the run).
  std::function<void(double)> progress;
  // When set, records the events of one key (for `cachelab explain`).
  KeyTrace* trace = nullptr;
  // When the run may end its arrivals early (World's StopRule; plan's probes).
  StopRule stop;
};

// Deterministic: equal (world, stack) give equal results. Throws
// std::invalid_argument for a policy name that is not registered.
RunResult RunSimulation(const WorldConfig& world, const StackConfig& stack,
                        const RunOptions& options = {});

}  // namespace cachelab
