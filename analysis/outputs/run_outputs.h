// What a run writes and prints: summary.json, timeseries.csv,
// scenario.resolved.json, events.json (the output contract in
// results/README.md) and the human-readable summary table.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "analysis/scenario/scenario.h"
#include "sim/metrics/summary.h"

namespace cachelab {

nlohmann::json SummaryToJson(const Summary& s);
std::string TimeSeriesToCsv(const std::vector<IntervalRow>& rows);
// events.json: what a timeline chart marks on the time axis. The cache
// server's fault windows (by start time), the deploys the policy stack makes
// (the versioned invalidation's generation bumps before the scenario's
// duration, at most 10,000), and the shared-cache expiry times of the
// workload's hottest keys (RunResult::hot_keys). Times in simulated seconds,
// 12 significant digits; no wall-clock values.
nlohmann::json EventsToJson(const Scenario& scenario, const RunResult& result);
// Fixed-width table of the main summary numbers, for the terminal.
std::string FormatSummaryTable(const Summary& s);
// When the run's arrivals exceeded the database's capacity (offered load
// > 1): one line saying the system is unstable, with the queue's measured
// growth rate; empty otherwise. The table ends with it; `run` also prints it
// on stderr as a warning.
std::string QueueGrowthNote(const Summary& s);

// Writes the four files into `dir` atomically: everything goes to a sibling
// temporary folder first, which is renamed into place at the end (replacing a
// previous run's folder). On failure nothing is left behind. Throws
// std::runtime_error on I/O errors.
void WriteRunOutputs(const std::string& dir, const Scenario& scenario, const RunResult& result);

// Rounds to `digits` significant decimal digits, as every non-integer number
// in the outputs is (summary.json, sweep.csv): readable, and no last-bit
// floating-point noise in diffs. Non-finite values pass through.
double RoundSignificant(double x, int digits = 6);

// "results/runs/<name>-<seed>" relative to the current directory.
std::string DefaultRunDir(const Scenario& scenario);

}  // namespace cachelab
