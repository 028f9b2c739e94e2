// `cachelab plan --minimize cost`: the cheapest deployment among candidates
// (the Cartesian product of --candidates value lists, e.g. node types x node
// counts) that meets every SLO at the 95% confidence bound, with the
// scenario's prices (analysis/scenario/cost.h).
//
// The search. Every candidate's instance cost per month (cache nodes,
// database, replicas: what does not depend on the traffic) is known before
// anything runs; candidates are probed cheapest first (ties in --candidates
// order), each with the sweep's R seeds, and the first that meets every SLO
// is the answer. The cost reported for a probed candidate adds its measured
// network traffic (the mean over its replications); the order, and so the
// answer, uses the instance cost alone, which the traffic cannot reorder
// unless the network is priced.
//
// Monotone lists: each --candidates list must go from least to most capable
// (smaller to larger node types, fewer to more nodes), so that a candidate
// no larger than a failing one in every list fails too. Such a candidate is
// not run: it is reported as failing "as <the failing candidate> does". With
// prices that grow with capability such a candidate is cheaper and has run
// already; the rule saves runs where a larger candidate costs less (an older,
// bigger node type). What keeps the probes few is stopping at the first
// candidate that meets.
//
// A candidate whose database cannot keep up (some replication's summary
// "unstable", as in plan.h) fails every SLO without figures.
//
// Outcomes (InputError: the CLI exits 2 and writes nothing): no prices in
// the scenario; an SLO metric that summary.json does not have; a candidate
// list that is not a --grid list; no candidate meeting the SLOs (naming the
// most expensive candidate and what it violates).
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "analysis/experiments/plan.h"
#include "analysis/experiments/sweep.h"

namespace cachelab {

struct CostPlanSpec {
  std::string scenario_path;  // empty: the embedded default scenario
  std::vector<Override> sets;
  std::vector<Grid> candidates;  // --candidates, each least to most capable
  std::vector<Slo> slos;
  unsigned replications = kDefaultReplications;  // at least 2
  unsigned threads = 1;
  // Called before each candidate runs with the candidates run so far, the
  // number of candidates, and the candidate's label (progress display).
  std::function<void(size_t done, size_t total, const std::string& label)> progress;
};

struct CostCandidate {
  std::vector<std::string> values;  // one per --candidates list, as applied
  std::vector<size_t> position;     // each value's index in its list
  std::string label;                // "/cache/node_type=large /cache/cluster/nodes=4"
  double instance_per_month = 0;    // instances only: the search's order
  enum class Outcome { kNotNeeded, kImplied, kMeets, kFails, kUnstable };
  Outcome outcome = Outcome::kNotNeeded;
  std::optional<size_t> implied_by;      // kImplied: the failing candidate (index into candidates)
  std::vector<MetricStats> slo_metrics;  // probed: one per SLO, in --slo order
  std::vector<bool> slo_met;             // probed: one per SLO
  // Probed: cost.per_month and the figures that explain a verdict (hit
  // ratio, the busiest node's CPU and link, the fullest node's memory, the
  // database's utilization), those the summary has.
  std::vector<MetricStats> explain;
  std::string stopped;  // kUnstable: why
};

struct CostPlanResult {
  std::string name;  // the scenario's
  CostPlanSpec spec;
  std::string currency;
  std::vector<uint64_t> seeds;
  std::vector<CostCandidate> candidates;  // cheapest first
  size_t answer = 0;                      // index into candidates
  size_t runs = 0;                        // simulations
  std::vector<std::string> slo_windows;   // SloWindow of each SLO
};

// Validates everything (prices, lists, SLO metrics, every candidate's
// scenario) before the first simulation. Results do not depend on
// spec.threads.
CostPlanResult RunCostPlan(const CostPlanSpec& spec);

// The table: every candidate cheapest first with its cost, verdict and the
// figures behind it, then the answer.
std::string FormatCostPlan(const CostPlanResult& r);
// plan.json with "minimize": "cost" (documented in results/README.md).
nlohmann::json CostPlanToJson(const CostPlanResult& r);
// plan.json into `dir`, atomically (WriteFolderAtomically).
void WriteCostPlanOutputs(const std::string& dir, const CostPlanResult& r);

}  // namespace cachelab
