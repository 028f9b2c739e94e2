// `cachelab plan`: the smallest value of one parameter (cache capacity, DB
// connections, L1 size, ...) in [lo, hi] that meets every service-level
// objective at the 95% confidence bound, found by bisection over replicated
// runs (the sweep's replications: same R seeds at every value, analysis/experiments/sweep.h).
//
// SLO grammar: METRIC OP NUMBER, OP one of <=, <, >=, >, METRIC a dotted path
// of summary.json ("latency_ms.p99", "db.utilization", "cache.hit_ratio"). An
// SLO is met at the pessimistic end of the interval: "m <= x" when
// mean + ci95 <= x, "m >= x" when mean - ci95 >= x (likewise < and >).
//
// The parameter must be monotone: larger is never worse. Candidates are
// lo, lo + step, lo + 2 step, ..., and hi itself; bisection keeps "the lower
// end fails, the upper end meets" and probes O(log2((hi - lo) / step)) values.
// The step is --step when given, otherwise 1 for integers and the base unit for
// durations (1 ns) and sizes (1 byte), and (hi - lo) / 100 for real numbers.
//
// A value whose database cannot keep up (some replication issues more queries
// than the database serves in the whole duration at its capacity, the
// summary's "unstable" verdict) fails every SLO: a capacity plan never picks
// an unstable system. That replication stops its arrivals as soon as this is
// certain and the others are cancelled, so hopeless probes cost little.
//
// Outcomes (exceptions are InputError: the CLI exits 2 and writes nothing):
//   - lo meets every SLO: the answer is lo (nothing below it is probed);
//   - hi violates an SLO and lo too: InputError "no value in --range ... meets
//     the SLOs", naming what hi violates (widen --range or relax an --slo);
//   - hi violates an SLO but lo meets them: InputError "not monotone", naming
//     both values;
//   - otherwise the answer a meets them and the largest probed value below it
//     (a - step, or lo) violates one.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "analysis/experiments/sweep.h"
#include "analysis/scenario/scenario.h"

namespace cachelab {

struct Slo {
  enum class Op { kLessEqual, kLess, kGreaterEqual, kGreater };
  std::string text;  // as given
  std::string metric;
  Op op = Op::kLessEqual;
  double threshold = 0;
};
// Parses "METRIC<=X" etc. (spaces around the parts allowed); throws InputError
// naming the --slo. Does not check the metric name (see CheckSloMetrics).
Slo ParseSlo(const std::string& text);
// Throws InputError for an SLO whose metric is not one of `names` (numeric
// summary.json fields: SummaryMetricNames), listing the closest names.
void CheckSloMetrics(const std::vector<Slo>& slos,
                     const std::vector<std::string>& names = SummaryMetricNames());
// Which part of the run an SLO's metric measures, for the reader of a plan:
// "window steady (60 s to 3600 s)", "worst interval from 60 s", "whole run".
std::string SloWindow(const Slo& slo, const MetricsConfig& metrics, Duration duration);
// Whether `m` meets `slo` at its confidence bound (ci95 counted as 0 when absent).
bool SloMet(const Slo& slo, const MetricStats& m);
// How far the pessimistic end of m's interval is inside the SLO's threshold
// (negative: violated by that much).
double SloMargin(const Slo& slo, const MetricStats& m);

struct PlanSpec {
  std::string scenario_path;  // empty: the embedded default scenario
  std::vector<Override> sets;
  std::string pointer;  // --minimize
  std::string range;    // "LO..HI"
  std::string step;     // empty: the default step above
  std::vector<Slo> slos;
  unsigned replications = kDefaultReplications;  // at least 2
  unsigned threads = 1;
  // Inputs nobody knows exactly (--uncertain POINTER=values, the --grid
  // grammar): a value meets the SLOs only when it meets them at every
  // combination of these values, each with its R replications.
  std::vector<Grid> uncertain;
  // Called before each probe with the probes done so far, the most the
  // bisection can need, and the value about to be probed (progress display;
  // never influences the plan).
  std::function<void(size_t done, size_t at_most, const std::string& value)> progress;
};

struct PlanProbe {
  std::string value;   // as applied to the scenario
  bool meets = false;  // every SLO met
  // One per SLO, in --slo order, from the combination of the uncertain
  // inputs with the least room under the SLO; none when stopped.
  std::vector<MetricStats> slo_metrics;
  std::vector<std::string> worst_at;  // that combination per SLO ("" without --uncertain)
  // Non-empty when some replication's database could not keep up: its
  // arrivals stopped early (World's StopRule), the other replications were
  // cancelled, and the probe fails every SLO without figures.
  std::string stopped;
};

struct PlanResult {
  std::string name;  // the scenario's
  PlanSpec spec;
  std::string lo, hi, step;  // formatted as applied
  std::vector<uint64_t> seeds;
  std::vector<PlanProbe> probes;  // in the order they ran
  size_t answer = 0;              // index into probes
  std::optional<size_t> below;    // the largest violating probe; none when the answer is lo
  size_t runs = 0;  // simulations: probes x combinations x replications (fewer when stopped)
  std::vector<std::string> slo_windows;  // SloWindow of each SLO, in --slo order
  // The uncertain inputs' combinations, "/ptr=v /ptr2=w"; one "" without them.
  std::vector<std::string> combinations;
};

// Validates everything (range, step, SLO metrics, the scenario at lo and hi)
// before the first simulation. Results do not depend on spec.threads.
PlanResult RunPlan(const PlanSpec& spec);

// The answer, the number of runs, and every SLO metric (mean ± ci95) at the
// answer and at the probe below it.
std::string FormatPlan(const PlanResult& r);
// plan.json (documented in results/README.md).
nlohmann::json PlanToJson(const PlanResult& r);
// plan.json into `dir`, atomically (WriteFolderAtomically).
void WritePlanOutputs(const std::string& dir, const PlanResult& r);
// "results/runs/<name>-plan".
std::string DefaultPlanDir(const std::string& scenario_name);

}  // namespace cachelab
