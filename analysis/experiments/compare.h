// `cachelab compare`: one scenario run in several variants, side by side. The
// variants are the Cartesian product of the --vary lists, each variant's
// values applied as overrides after the --set ones. Every variant keeps the
// scenario's seed, so all see the same arrivals, keys and service times
// (common random numbers, sim/core/random.h): differences between columns
// come from what was varied, not from noise.
//
// --vary lists follow analysis/experiments/value_list.h.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "analysis/experiments/value_list.h"
#include "analysis/scenario/scenario.h"
#include "policies/run.h"

namespace cachelab {

struct CompareVariant {
  std::vector<Override> overrides;  // the varied values, one per --vary, in --vary order
  std::vector<std::string> labels;  // per --vary, the value's label (value_list.h)
  std::string label;                // the labels joined by " "
  Scenario scenario;
  RunResult result;
};

struct CompareResult {
  std::string name;  // the scenario's name
  std::vector<CompareVariant> variants;
};

// Loads every variant (so bad input is reported before anything runs: an
// InputError naming the --vary whose value is wrong), then runs them on up to
// `threads` threads. Results do not depend on `threads`. `progress`, when
// given, is called (from the running threads, one call at a time) with the
// share of the variants' simulated time done so far; display only.
CompareResult RunCompare(const std::string& scenario_path, const std::vector<Override>& sets,
                         const std::vector<Vary>& varies, unsigned threads,
                         const std::function<void(double)>& progress = {});

// The terminal table: a column per variant (headed by the --vary labels), a
// row per metric: `metrics` (dotted summary.json names or "alerts",
// run_outputs.h ParseMetricList), or the main ones when empty.
std::string FormatCompareTable(const CompareResult& r,
                               const std::vector<std::string>& metrics = {});
// [{"variant": {pointer: value}, "label": "<label>", "summary": <summary.json>}, ...]
nlohmann::json CompareToJson(const CompareResult& r);
// A header, then one row per variant: the varied pointers, then the summary's
// scalar fields flattened ("cache.hit_ratio"); arrays as JSON text.
std::string CompareToCsv(const CompareResult& r);
// compare.json, compare.csv, and per variant i (0-based, compare.json order)
// variant-<i>.timeseries.csv and variant-<i>.events.json, in the formats of a
// run folder's timeseries.csv and events.json, into `dir`, atomically
// (WriteFolderAtomically).
void WriteCompareOutputs(const std::string& dir, const CompareResult& r);
// The files WriteCompareOutputs writes, as (name, content), for commands that
// add their own (twin).
std::vector<std::pair<std::string, std::string>> CompareFiles(const CompareResult& r);
// "results/runs/<name>-compare".
std::string DefaultCompareDir(const Scenario& scenario);

}  // namespace cachelab
