// `cachelab model`: the analytical models of analysis/models/analytic.h applied to a
// scenario and set beside what the simulation of that scenario measured.
//
// Rows (always all of them, in this order, so scripts can rely on them):
//   hit ratio (LRU, Che)         Che's approximation, when eviction is lru and
//                                the capacity binds (or everything fits)
//   hit ratio (TTL, no reset)    rT / (1 + rT) per key over the popularity,
//                                when the TTL binds and the capacity does not
//   stale reads / reads          TTL-only staleness (models.h), when writes
//   stale reads / hits           leave the cache alone (write-around, ttl
//                                invalidation) and the TTL binds
//   DB utilization               Little's law: query rate x mean service / c
//   DB P(wait)                   Erlang C (the simulator does not measure it)
//   DB mean wait (ms)            Erlang C, over all queries
// A row whose assumptions the scenario breaks has no model value and a note
// saying why ("n/a" in the table, null in JSON).
//
// The cache models assume the independent reference model (Poisson arrivals
// at a constant rate, Zipf or uniform popularity, instant refill), so they are
// n/a for traces, rate profiles that vary, reads of missing keys, stampede
// guards, L1 near caches and cache faults; the hit-ratio models also when
// writes update or delete entries (any write path but write-around, or an
// invalidation other than ttl).
//
// What binds. The capacity in objects is cache.max_items and, with a
// constant value_size, capacity / (value size + entry_overhead) (the smaller).
// Under the TTL alone the expected number of live entries is sum_i h_i (PASTA,
// models.h); the capacity binds when that exceeds it (in objects, or in bytes
// with the workload's per-key sizes). A TTL cannot lower LRU's hit ratio by
// more than (live entries / TTL) / read rate, since each live entry expires at
// most once per TTL; below 0.01 it is ignored and Che applies. When both the
// capacity and the TTL bind no model applies.
//
// The simulated cache ratios are steady-state ones: hits, misses and stale
// reads summed over the time-series intervals of the run's second half (the
// first half being the warm-up from an empty cache); the whole run when the
// second half has no interval. The DB rows use the whole run: the query rate
// is db.queries / duration, and db.mean_wait_ms and db.utilization are
// whole-run figures.
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
  std::string quantity;             // e.g. "hit ratio (LRU, Che)"
  std::string unit;                 // "" for ratios, "ms"
  std::optional<double> model;      // empty: the model does not apply (note says why)
  std::optional<double> simulated;  // empty: not measured (note says so)
  std::string note;                 // why n/a, or the model's inputs and caveats
};

struct ModelReport {
  std::string scenario;
  uint64_t seed = 0;
  double window_from_s = 0, window_to_s = 0;  // the simulated cache ratios' window
  std::vector<ModelRow> rows;
};

// The predictions for `scenario` beside the measurements of `result`, a run
// of that scenario. Pure: runs nothing.
ModelReport CompareWithModels(const Scenario& scenario, const RunResult& result);

// Runs the scenario (RunScenario, with `options`) and compares.
ModelReport RunModelReport(const Scenario& scenario, const RunOptions& options = {});

// The terminal table: quantity, model, simulated, difference (simulated -
// model), note.
std::string FormatModelReport(const ModelReport& r);
// {"scenario", "seed", "window_s": [from, to], "rows": [{"quantity", "unit",
//  "model", "simulated", "difference", "relative_difference", "note"}]},
// missing values as null.
nlohmann::json ModelReportToJson(const ModelReport& r);

}  // namespace cachelab
