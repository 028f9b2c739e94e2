// What a run writes and prints: summary.json, timeseries.csv,
// scenario.resolved.json, events.json (the output contract in
// results/README.md) and the human-readable summary table.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "analysis/scenario/scenario.h"
#include "sim/metrics/summary.h"

namespace cachelab {

nlohmann::json SummaryToJson(const Summary& s);
std::string TimeSeriesToCsv(const std::vector<IntervalRow>& rows);
// nodes.csv: one row per interval and cache node (written with Summary::cluster).
std::string NodeTimeSeriesToCsv(const std::vector<NodeIntervalRow>& rows);
// pools.csv: one row per interval and connection pool (written with Summary::pools).
std::string PoolTimeSeriesToCsv(const std::vector<PoolIntervalRow>& rows);
// events.json: what a timeline chart marks on the time axis. The cache
// server's fault windows (by start time), the deploys the policy stack makes
// (the versioned invalidation's generation bumps before the scenario's
// duration, at most 10,000), and the shared-cache expiry times of the
// workload's hottest keys (RunResult::hot_keys). Times in simulated seconds,
// 12 significant digits; no wall-clock values.
nlohmann::json EventsToJson(const Scenario& scenario, const RunResult& result);
// Fixed-width table of the main summary numbers, for the terminal.
std::string FormatSummaryTable(const Summary& s);
// The alerts of a run, one line each: name, then every firing as
// "FROM-TO s" (at most six, the rest counted), or "never fired".
std::vector<std::string> AlertLines(const Summary& s);

// --metrics: a comma-separated list of summary.json's dotted metric names
// ("cache.hit_ratio,latency_ms.p99"), a key class's
// ("classes.config.hit_ratio"; "-" in a run without that class) or
// "alerts"; throws InputError naming the list and the unknown name.
std::vector<std::string> ParseMetricList(const std::string& text);
// A metric's row label for a table: its console section and label
// ("latency p99"), else its dotted name.
std::string MetricRowLabel(std::string_view name);
// A metric's value for a table: counts grouped, durations in the unit that
// keeps 1-4 digits ("21.83 min"), fractions as percent, 4 significant digits.
std::string FormatMetric(std::string_view name, const Summary& s);
// The title line, then one row per selected metric (`run --metrics`).
std::string FormatSelectedMetrics(const Summary& s, const std::vector<std::string>& names);
// 4 significant digits, no exponent: "0.2867", "12.35", "1,309,965".
std::string Significant(double x);
// A duration given in ms, 4 significant digits in us/ms/s/min/h: "21.83 min".
std::string Millis(double ms);

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
