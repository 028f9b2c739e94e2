// `cachelab plan`: the smallest value of one parameter (cache capacity, DB
// connections, L1 size, ...) in [lo, hi] that meets every service-level
// objective at the 95% confidence bound, found by a search (bisection, or
// galloping from the analytic model's answer) over replicated runs (the
// sweep's replications: same R seeds at every value,
// analysis/experiments/sweep.h).
//
// SLO grammar: METRIC OP NUMBER, OP one of <=, <, >=, >, METRIC a dotted path
// of summary.json ("latency_ms.p99", "db.utilization", "cache.hit_ratio"). An
// SLO is met at the pessimistic end of the interval: "m <= x" when
// mean + ci95 <= x, "m >= x" when mean - ci95 >= x (likewise < and >).
//
// The parameter must be monotone: larger is never worse. Candidates are
// lo, lo + step, lo + 2 step, ..., and hi itself. The step is --step when
// given, otherwise 1 for integers and the base unit for durations (1 ns) and
// sizes (1 byte), and (hi - lo) / 100 for real numbers.
//
// The search. Bisection (--no-model-start, or when the model start below is
// not possible) probes hi, then lo, then keeps "the lower end fails, the upper
// end meets" and halves it: O(log2((hi - lo) / step)) probes.
//
// Model start (the default when PlanSpec::model is given): the analytic model
// (`cachelab model`'s predictions: no simulation, from milliseconds to a few
// seconds per candidate, the most for a cache capacity over many keys, whose
// cold-start hit ratio it integrates key by key) is bisected alone over the
// candidates for the smallest one, k, whose predictions meet
// every SLO at their point values (every combination of the uncertain inputs;
// a database the model finds overloaded fails every SLO, as an unstable probe
// does). The simulations then probe k and k - 1 at once (their replications share
// the threads): k meets and k - 1 fails is the answer in two probes. Both
// meeting, the search gallops down (k - 2, k - 4, k - 8, ..., clamped to lo)
// until a value fails or lo meets; k failing, it gallops up (k + 1, k + 2,
// k + 4, ..., clamped to hi) until a value meets, and hi failing too is
// reported as without the model (lo probed, unless known, to tell "no value
// meets" from "not monotone"). Then it bisects the bracket as above. The
// answer, its `below` and the errors are those of bisection whenever the
// parameter is monotone; only the probes differ (a parameter that is not,
// lo meeting and hi failing, is reported only when the probes reach hi: a
// model start at lo that meets is the answer). The model start is not used
// (plain bisection, PlanResult::model_start says why) when an SLO's metric is
// one the model does not predict, when the model throws or has no value (n/a)
// for one at a candidate it needs, or when it predicts that hi fails.
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

// One quantity of the analytic model for a scenario, named as `cachelab model`
// names its rows ("hit ratio", "DB utilization", "latency p99 (ms)"; the row
// names of analysis/models/model_report.h, a folder this one does not
// include): the prediction, or none with the reason in `note`.
struct PlanModelRow {
  std::string quantity;
  std::optional<double> value;
  std::string note;
};
// The model the search starts from: the app passes PredictScenario's rows.
// It must be pure (RunPlan calls it from several threads at once).
using PlanModel = std::function<std::vector<PlanModelRow>(const Scenario&)>;

// The model's prediction for an SLO's metric (MetricStats' fields for the
// model's point value: no ci95), for a metric the model predicts:
//   cache.hit_ratio, peak.cache.min_hit_ratio              hit ratio
//   db.utilization, peak.db.utilization                    DB utilization
//   db.wait_probability, db.mean_wait_ms                   DB P(wait), DB mean wait (ms)
//   peak.db.queries_per_s                                  DB queries/s
//   latency_ms.mean, .p50, .p99, peak.latency_ms.p99       latency mean, p50, p99 (ms)
//   staleness.stale_read_ratio                             stale reads / reads
// with a window's prefix ("steady.", a named window's) or without. The model
// predicts one window, the scenario's steady one (or the whole run without a
// warmup): every window, the worst interval ("peak.") and the whole run are
// approximated by it. Empty for any other metric.
std::string ModelQuantityOf(const std::string& metric);

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
  // Probes that run at once (the model start's first two) are announced one
  // after the other before they start. `at_most` is recomputed before each
  // probe from what is known so far, so it never grows.
  std::function<void(size_t done, size_t at_most, const std::string& value)> progress;
  // Start from the model's answer (above) when `model` is given; false
  // (--no-model-start): bisection.
  bool model_start = true;
  PlanModel model;
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

// How the search started.
struct PlanModelStart {
  // The model's smallest candidate meeting every SLO, where the probes
  // started; empty when the search was a bisection.
  std::string value;
  std::string reason;  // why the model was not used (value empty)
  // At `value`, one per SLO in --slo order: the model's prediction (at the
  // combination of the uncertain inputs with the least room under the SLO).
  std::vector<double> predicted;
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
  PlanModelStart model_start;
};

// Validates everything (range, step, SLO metrics, the scenario at lo and hi)
// before the first simulation. Results do not depend on spec.threads.
PlanResult RunPlan(const PlanSpec& spec);

// The answer, the number of runs, how the search started, and every SLO
// metric (mean ± ci95) at the answer and at the probe below it.
std::string FormatPlan(const PlanResult& r);
// plan.json (documented in results/README.md).
nlohmann::json PlanToJson(const PlanResult& r);
// plan.json into `dir`, atomically (WriteFolderAtomically).
void WritePlanOutputs(const std::string& dir, const PlanResult& r);
// "results/runs/<name>-plan".
std::string DefaultPlanDir(const std::string& scenario_name);

}  // namespace cachelab
