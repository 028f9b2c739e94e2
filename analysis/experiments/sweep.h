// `cachelab sweep`: one scenario over the Cartesian product of --grid value
// lists (the points), each point run R times with different seeds (the
// replications), reported as the mean and a 95% confidence half-width of
// every numeric summary metric.
//
// --grid grammar: POINTER=ITEM,ITEM,... split like compare's --vary
// (SplitValueList). An ITEM is a value as --set takes it, or a range:
//   LO..HI:xF   geometric: LO, LO*F, LO*F^2, ... <= HI (F > 1)
//   LO..HI:+S   arithmetic: LO, LO+S, LO+2S, ... <= HI (S > 0)
// LO, HI and S are plain numbers (integers stay integers: 8..64:x2), durations
// (1s..10s:+1s, canonical output such as "1500ms") or sizes (1GiB..16GiB:x2,
// canonical output such as "2GiB"); the kind is LO's. Arithmetic steps on
// decimals are exact: the i-th value is LO + i*S rounded to the decimals
// written in LO and S, so 0.5..0.9:+0.1 ends with 0.9. Integer, duration and
// size values are whole numbers (geometric ones rounded to the nearest, with
// repeats dropped). A range must give 1 to 10,000 values.
//
// Seeds (common random numbers): replication 0 keeps the scenario's seed s;
// replication i > 0 runs with SplitMix64(s XOR i) >> 1 (63 bits, so it is a
// valid scenario seed: `cachelab run --seed N` reproduces one replication).
// Every point uses the same R seeds, so points differ by their grid values,
// not by their traffic. `--grid /seed=...` is therefore rejected.
//
// Statistics, per numeric leaf of summary.json (flattened as in compare.csv,
// "seed" and non-numeric leaves left out): the mean over the R replications
// and the half-width s/sqrt(R) * t(0.975, R-1) of the 95% Student-t interval,
// both rounded to 6 significant digits. With R = 1 the half-width is
// undefined (std::nullopt; empty in CSV, null in JSON), never 0.
//
// The core is split for distribution (an MPI backend spreads point indices
// over ranks): MakeSweepPlan is deterministic from the command line, so every
// rank builds the same plan; RunSweepPoints runs any subset of points;
// PointResult round-trips through JSON; WriteSweepOutputs takes all of them.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "analysis/scenario/scenario.h"

namespace cachelab {

constexpr unsigned kDefaultReplications = 5;

// A number, duration or size as a range bound or step takes it.
struct Quantity {
  enum class Kind { kInteger, kReal, kDuration, kSize };
  Kind kind = Kind::kInteger;
  int64_t whole = 0;  // kInteger, kDuration (nanoseconds), kSize (bytes)
  double real = 0;    // kReal
  int decimals = 0;   // kReal: digits after the decimal point as written

  double AsDouble() const { return kind == Kind::kReal ? real : static_cast<double>(whole); }
};
// Parses `text` as a number (integer when it has no '.' or exponent), else a
// duration ("250ms"), else a size ("1GiB"). Throws InputError "<where>: ...".
Quantity ParseQuantity(const std::string& text, const std::string& where);
// Parses `text` as the same kind as `like` (numbers: integer or real).
Quantity ParseQuantityLike(const Quantity& like, const std::string& text, const std::string& where);
// The value as the scenario loader reads it: "42", "0.7", "1500ms", "2GiB".
std::string FormatQuantity(const Quantity& q);
// "LO..HI" split at the first "..": true when `item` has that shape and is not
// a JSON string, object or array.
bool IsRange(const std::string& item);
// Expands a range item (grammar above); throws InputError naming "<flag> <text>".
std::vector<std::string> ExpandRange(const std::string& item, const std::string& text,
                                     const std::string& flag = "--grid");

struct Grid {
  std::string text;  // as given, for messages
  std::string pointer;
  std::vector<std::string> values;  // ranges expanded
};
// Parses "POINTER=ITEM,ITEM,..."; throws InputError naming `flag` and the text.
Grid ParseGrid(const std::string& text, const std::string& flag = "--grid");

// The R seeds (see above); seeds[0] == base.
std::vector<uint64_t> ReplicationSeeds(uint64_t base, unsigned replications);

// t(0.975, dof): the 97.5% quantile of Student's t with `dof` >= 1 degrees of
// freedom (Boost.Math).
double StudentT975(unsigned dof);

// Replications that fall into two separated groups (one seed collapsed, say):
// their mean and interval describe neither group.
struct ReplicationSplit {
  size_t low_count = 0, high_count = 0;
  double low_mean = 0, high_mean = 0;
};
// The split of `values` (one per replication) when they are bimodal, by a
// rule for few samples: sorted, cut at the largest gap between neighbours;
// unstable when there are at least 3 values, the gap exceeds 4 times the
// larger of the two groups' ranges, and it exceeds 10% of the largest
// magnitude (so seed noise on a flat metric never qualifies).
std::optional<ReplicationSplit> FindSplit(std::vector<double> values);

struct MetricStats {
  std::string name;  // flattened summary.json path, "latency_ms.p99"
  double mean = 0;
  std::optional<double> ci95;  // half-width; none when there is one replication
  std::optional<ReplicationSplit> unstable;
};
// The statistics above over the replications' summary.json objects, which
// must all have the same fields (they come from one scenario). Metrics in
// summary.json order.
std::vector<MetricStats> SummarizeReplications(const std::vector<nlohmann::json>& summaries);
// The numeric metric names SummarizeReplications reports for a scenario
// with these metrics settings (its windows included), for validating names
// before anything runs.
std::vector<std::string> SummaryMetricNames(const MetricsConfig& metrics = {});

// Runs `scenario` once per seed (its seed replaced), on up to `threads`
// threads; summary.json of each, in seed order. Independent of `threads`.
// With `unstable`: every run stops its arrivals once its database is certain
// to be unstable (World's StopRule), sets *unstable and cancels the others
// (those not started are skipped, their summaries left null); whether it
// ends up set does not depend on `threads`, the partial summaries do.
std::vector<nlohmann::json> RunReplications(const Scenario& scenario,
                                            const std::vector<uint64_t>& seeds, unsigned threads,
                                            std::atomic<bool>* unstable = nullptr);

struct SweepPoint {
  size_t index = 0;
  std::vector<Override> values;  // one per --grid, in --grid order
  Scenario scenario;             // with the point's values, the scenario's own seed
  // Hex hash of the resolved scenario, R and the seeds: a stored point result
  // is reused only when its key matches.
  std::string key;
};

struct SweepPlan {
  std::string name;  // the scenario's
  std::vector<Grid> grids;
  std::vector<uint64_t> seeds;     // R of them
  std::vector<SweepPoint> points;  // the first --grid varying slowest
};

// Loads every point (so bad input, e.g. a --grid on an unknown field, is an
// InputError naming the --grid before anything runs). Deterministic.
SweepPlan MakeSweepPlan(const std::string& scenario_path, const std::vector<Override>& sets,
                        const std::vector<Grid>& grids, unsigned replications);

struct PointResult {
  size_t index = 0;
  std::string key;
  std::vector<nlohmann::json> replications;  // summary.json of each, in seed order
  std::vector<MetricStats> metrics;          // SummarizeReplications(replications)
};
// {"index", "key", "replications"}; the metrics are recomputed on reading, so
// a point read back gives exactly the statistics of the original.
nlohmann::json PointResultToJson(const PointResult& p);
// Throws std::runtime_error on a document of the wrong shape.
PointResult PointResultFromJson(const nlohmann::json& j);

// Runs the given points, all their (point, replication) runs spread over up
// to `threads` threads. `on_done` (optional) is called once per point as soon
// as its last replication finishes, one call at a time, from a worker thread.
// Results in `point_indices` order; independent of `threads`.
std::vector<PointResult> RunSweepPoints(
    const SweepPlan& plan, const std::vector<size_t>& point_indices, unsigned threads,
    const std::function<void(const PointResult&)>& on_done = {});

// Resumable execution: every finished point is stored atomically as
// `<points_dir>/<index>-<key>.json` as soon as it finishes; points whose file
// is already there (same index and key, readable) are read instead of run.
struct SweepRun {
  std::vector<PointResult> points;  // every point, in index order
  size_t reused = 0;                // read from points_dir
  size_t ran = 0;                   // simulated now
};
// The stored results in `points_dir` that belong to `plan` (same index and
// key, readable, R replications), indexed by point; the others are empty.
std::vector<std::optional<PointResult>> LoadStoredPoints(const SweepPlan& plan,
                                                         const std::string& points_dir);
// Stores `result` (a point of `plan`) atomically in `points_dir`, creating it.
void StorePointResult(const SweepPlan& plan, const std::string& points_dir,
                      const PointResult& result);
// `progress` (optional, for display only) is called with (points finished,
// points in the plan) after each point is stored, one call at a time.
SweepRun RunSweepResumable(const SweepPlan& plan, const std::string& points_dir, unsigned threads,
                           const std::function<void(size_t, size_t)>& progress = {});
// Where a sweep writing to `out_dir` keeps its finished points:
// "<out_dir>.partial/points".
std::string SweepPointsDir(const std::string& out_dir);

// sweep.json: {"scenario", "replications", "seeds", "grids": [{"pointer",
// "values"}], "points": [{"values": {pointer: value}, "metrics": {name:
// {"mean", "ci95"}}, "replications": [summary.json, ...]}]}.
nlohmann::json SweepToJson(const SweepPlan& plan, const std::vector<PointResult>& points);
// sweep.csv: a header, then a row per point: the grid values, then
// "<metric>.mean,<metric>.ci95" per metric.
std::string SweepToCsv(const SweepPlan& plan, const std::vector<PointResult>& points);
// "mean ± ci95" ("mean" without an interval).
// --sensitivity POINTER=±X (or ±X%, or +-X): a grid over the scenario's own
// value of a numeric field and X either side of it, {base - X, base, base + X}
// (relative X with %; a field that must be whole, such as a count, then needs
// a whole spread, else the points fail to load naming it), so the sweep shows how much an input
// nobody knows exactly moves the answer beside the seeds' noise. `resolved`
// is the scenario (with its --set overrides) as loaded. InputError naming
// "--sensitivity TEXT" for a bad form, a missing or non-numeric field, or a
// value that leaves the field's range is caught when the points load.
Grid ParseSensitivity(const std::string& text, const nlohmann::json& resolved);
// The grids of `sweep --grid G... --sensitivity S...`: ParseGrid of each G,
// then ParseSensitivity of each S around the value in the scenario at
// `scenario_path` ("" for the embedded default) with `sets` applied.
// InputError when both lists are empty, or when an S varies a G's pointer.
std::vector<Grid> SweepGrids(const std::string& scenario_path, const std::vector<Override>& sets,
                             const std::vector<std::string>& grids,
                             const std::vector<std::string>& sensitivity);
// The sensitivity table's metrics: the sweep table's (hit ratio, p99, DB
// utilization), then each of `extra` (an --slo's metric) not among them.
std::vector<std::string> SensitivityMetrics(const std::vector<std::string>& extra);
// One row of the sensitivity table: a metric at -X, base and +X of one input.
struct SensitivityRow {
  std::string input;                   // the --sensitivity text
  std::string at;                      // the other grids' values "PTR=V PTR=V", "-" when none
  std::string metric;                  // a summary metric, flattened
  double low = 0, base = 0, high = 0;  // the means over the replications
  double swing = 0;                    // max - min of the three
  std::optional<double> base_ci95;     // the seeds' interval at the base
};
// For each sensitivity grid (plan.grids from `first` on, each of the three
// values ParseSensitivity gives) and each point of the other grids with the
// other sensitivity inputs at their base: every metric at -X, base and +X,
// the swing and the base's ci95 for comparison. A metric missing at any of
// the three points has no row.
std::vector<SensitivityRow> SensitivityRows(const SweepPlan& plan,
                                            const std::vector<PointResult>& points, size_t first,
                                            const std::vector<std::string>& metrics);
// The rows as the terminal shows them, under a title line.
std::string FormatSensitivityTable(const SweepPlan& plan, const std::vector<PointResult>& points,
                                   size_t first, const std::vector<std::string>& metrics);

// "mean ± ci95", with " [unstable: 2 at 0.41, 1 at 0.97]" when split.
std::string MeanCi(const MetricStats& m);
// {"mean", "ci95" (null without), "unstable": null or {"low": {"count",
// "mean"}, "high": {...}}}: a metric's statistics in sweep.json and plan.json.
nlohmann::json MetricStatsJson(const MetricStats& m);
// The terminal's view of a finished sweep: a row per point (at most
// `max_rows`, then a line saying how many more sweep.csv holds) with the grid
// values and, as mean ± ci95, hit ratio, p99, DB utilization and then each of
// `extra_metrics` not already shown (an --slo's metric, say).
std::string FormatSweepTable(const SweepPlan& plan, const std::vector<PointResult>& points,
                             const std::vector<std::string>& extra_metrics, size_t max_rows = 40);
// sweep.json and sweep.csv into `dir`, atomically (WriteFolderAtomically).
// `points` must hold every point of the plan, in index order.
void WriteSweepOutputs(const std::string& dir, const SweepPlan& plan,
                       const std::vector<PointResult>& points);
// "results/runs/<name>-sweep".
std::string DefaultSweepDir(const Scenario& scenario);

}  // namespace cachelab
