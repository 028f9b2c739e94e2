// `cachelab model`: the analytical models of analysis/models/analytic.h chained
// into one end-to-end prediction for a scenario, set beside what the
// simulation of that scenario measured over the same window.
//
// The chain (every step's output is the next one's input):
//   hit ratio       one per-key TTL-cache model (analytic.h, "One model for
//                   LRU, FIFO and RANDOM"): Che for LRU, in objects or in
//                   bytes with the workload's own per-key sizes (the sizes
//                   the world draws, from value_size or its "empirical"
//                   table, charged as cache.memory says), TTL and
//                   capacity together, writes that delete (invalidate-on-
//                   write) or update (write-through, write-behind) entries,
//                   FIFO and RANDOM as TTL caches without reset; Redis'
//                   sampled allkeys-lru as LRU. The run starts with an empty
//                   cache, so the prediction is the window's hit ratio from
//                   a cold start (CacheWindowHitRatio), not the stationary one
//                   (the note gives both).
//   DB queries/s    read misses (reads x (1 - hit ratio)) + writes (each
//                   write is one DB write; write-behind's coalescing is not
//                   modelled). Refreshes come only from stampede guards,
//                   which make the cache rows n/a.
//   DB utilization  queries/s x mean service / connections (Little's law);
//                   the mean service is the mix of read and write service.
//   DB P(wait)      Erlang C at that load.
//   DB mean wait    M/G/c by Allen-Cunneen with the mix's cv^2 (lognormal
//                   e^{sigma^2} - 1, exponential 1, constant 0): assumes
//                   Poisson DB arrivals (misses of many independent keys are
//                   nearly so) at the window's mean rate.
//   latency         the request mix: a hit takes one cache round trip
//                   (cache.rtt); a miss the get's round trip + the DB wait +
//                   the read service + (cache-aside only) the set's round
//                   trip; a write the DB wait + the write service + the
//                   write path's cache round trip (invalidate-on-write: a
//                   delete, write-through: a set, write-around: none;
//                   write-behind: a set and nothing else). Components are
//                   independent; the DB wait is 0 with probability 1 - P(wait)
//                   and exponential otherwise (analytic.h). The mean is exact
//                   under these assumptions; p50 and p99 are the quantiles of
//                   the mixture, computed by Monte Carlo (200,000 draws of
//                   the component distributions with a fixed seed: the same
//                   figures for the same scenario every time).
// A row whose assumptions the scenario breaks has no model value and a note
// naming the assumption ("n/a" in the table, null in JSON). The cache models
// assume the independent reference model, so they are n/a for traces,
// LRU-stack workloads with the cache on (recency, not popularity; `fit`
// checks those by replay), rate profiles that vary, reads of missing keys,
// stampede guards, L1 near caches, cache faults, invalidation modules other
// than ttl and eviction policies without a published IRM approximation when
// the capacity binds; the DB wait for a queue timeout or queue limit that the
// predicted waits would reach (P > 0.001), a DB with fewer cores than
// connections, and an overload.
//
// The window. Every simulated value comes from one window of the run: the
// scenario's `steady` window (metrics.warmup) when it has one; otherwise
// RunModelReport sets metrics.warmup to half the duration (rounded down to
// the metrics interval) before simulating, so the window is the run's second
// half; a run too short for that is compared over the whole run. The model
// predicts for the same window (cold start at 0 included).
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "analysis/scenario/scenario.h"
#include "policies/run.h"
#include "sim/metrics/summary.h"

namespace cachelab {

struct ModelRow {
  std::string quantity;             // e.g. "hit ratio"
  std::string unit;                 // "" for ratios, "ms", "1/s"
  std::optional<double> model;      // empty: the model does not apply (note says why)
  std::optional<double> simulated;  // empty: not measured (note says so)
  std::string note;                 // why n/a, or the model's inputs and caveats
};

// Row names, in the order every report has them (scripts may rely on it).
inline constexpr const char* kModelRowNames[] = {
    "hit ratio",        "stale reads / reads", "stale reads / hits", "DB queries/s",
    "DB utilization",   "DB P(wait)",          "DB mean wait (ms)",  "latency mean (ms)",
    "latency p50 (ms)", "latency p99 (ms)"};

struct ModelReport {
  std::string scenario;
  uint64_t seed = 0;
  std::string window = "steady";  // "steady", or "whole run"
  double window_from_s = 0, window_to_s = 0;
  std::vector<ModelRow> rows;
};

// The scenario with metrics.warmup set to half its duration (rounded down to
// the metrics interval) when it has no warmup and the half is at least one
// interval; otherwise unchanged.
Scenario WithModelWindow(Scenario scenario);

// The model's predictions for `scenario` over its window (above), every row
// with an empty `simulated`. Pure and fast: simulates nothing (`model
// --what-if` is built on it).
ModelReport PredictScenario(const Scenario& scenario);

// The predictions beside the measurements of `result`, a run of `scenario`
// (which should have gone through WithModelWindow). Pure: runs nothing.
ModelReport CompareWithModels(const Scenario& scenario, const RunResult& result);

// WithModelWindow, runs the scenario (RunScenario, with `options`), compares.
ModelReport RunModelReport(const Scenario& scenario, const RunOptions& options = {});

// The terminal table: quantity, model, simulated, difference (simulated -
// model), note.
std::string FormatModelReport(const ModelReport& r);
// {"scenario", "seed", "window", "window_s": [from, to], "rows": [{"quantity",
//  "unit", "model", "simulated", "difference", "relative_difference", "note"}]},
// missing values as null.
nlohmann::json ModelReportToJson(const ModelReport& r);

}  // namespace cachelab
