// Workload fitting (`cachelab fit`): estimates the synthetic workload model of
// a scenario (sim/model/config.h WorkloadConfig) from a trace, and writes a
// scenario that reproduces the trace's traffic, so a planner can scale it
// (--set /workload/rate/rps=..., or fit --rate-scale) and plan for growth.
//
// Which records count: the requests the timed world would serve from the
// trace, as analysis/trace/workload.h defines them: gets are reads, writes
// (kSet) are writes, deletes are skipped (the world has no delete request);
// with reads_only the writes are skipped too (look-aside traces whose sets are
// the fills after misses). oracleGeneral traces, and CSV traces without an op
// column, have no op field: every request is a read.
//
// Two streaming passes over the trace (the readers of analysis/trace/), so
// memory grows with the distinct keys (a count and a size each), not with the
// trace length: the first counts requests per key and finds the time span,
// the second counts requests per rate interval (whose width may depend on the
// span).
//
// What is estimated, and how:
//  - Time: t_s = (t - t0) * time_scale seconds, t0 the first timestamp; a
//    timestamp below an earlier one counts as equal to it (as in
//    trace_workload.h). duration = span + tick, where the tick is the trace's
//    timestamp resolution: the smallest positive gap between consecutive
//    timestamps, at most one trace unit. A trace with one-second timestamps
//    covers [t0, t_last + 1 s), so N requests over it have rate N / duration
//    exactly (gen-trace's rps).
//  - Rate: mean = requests / duration. Profile: requests per interval (the
//    last interval may be shorter). The rate "varies materially" when some
//    interval's count c differs from its expectation e under the mean rate by
//    more than both 10% of e and 4 Poisson standard deviations (4 sqrt(e)):
//    the first rules out significant-but-irrelevant wiggles of huge traces,
//    the second the noise of sparse intervals. Then the scenario's rate is a
//    `steps` profile, one step per interval; otherwise `constant`.
//  - Popularity: a Zipf exponent alpha by least squares (Eigen) of
//    ln(count) on ln(rank), counts sorted in decreasing order. Fitted only on
//    ranks 1..R where count >= min_count (default 10), and only at
//    log-spaced ranks (each rank that is a rounded power of 1.05, ~47 per
//    decade). Why: a key's count is its expected count plus Poisson noise,
//    and sorting noisy counts lifts the tail (among many rare keys some are
//    lucky), so the ranks seen once or twice flatten the curve: on
//    Zipf(1.0) over 100k keys with 200k requests, all ranks give alpha 0.83;
//    from count 10 on the noise is ~30% and the bias small. Log spacing gives
//    every decade of ranks the same weight, instead of letting the thousands
//    of tail ranks outvote the head. If fewer than 3 ranks have min_count
//    requests, the threshold drops to 2; if fewer than 3 ranks remain,
//    alpha = 0 (no popularity skew can be seen) and r_squared is NaN. alpha
//    is clamped at 0 (the scenario's lower bound). R^2 is that of the fit
//    over the points used.
//  - Keys: the distinct keys seen, a lower bound of the key space (keys never
//    requested in the trace are invisible); the scenario uses it as
//    /workload/keys/count. One-hit fraction: keys requested exactly once /
//    distinct keys.
//  - Read/write mix: write_fraction = writes / requests.
//  - Value sizes: per key (the scenario draws one size per key), the largest
//    size the trace gives the key, at least 1 byte (as trace_workload.h does:
//    a traced get that missed may report 0). Summary: mean and quantiles.
//    Model: "constant" when every key has the same size; otherwise the one of
//    lognormal (mu, sigma of ln size, moments), uniform [min, max] and
//    exponential (mean) with the smallest Kolmogorov-Smirnov distance to the
//    per-key sizes (a model value x is compared as round(x), what the world
//    uses).
//
// The scenario: the embedded default scenario (scenarios/default.json, what
// `cachelab run` uses without a file) with name, description, duration and
// workload replaced; cache, database, instances and policies are the
// default's. It is checked with the scenario loader before it is returned.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "analysis/trace/reader.h"
#include "sim/core/time.h"

namespace cachelab {

struct FitSpec {
  std::string trace;
  TraceFormat format = TraceFormat::kOracle;
  CsvColumns csv;           // format csv only; a time column is required
  double time_scale = 1.0;  // seconds per trace time unit, > 0
  Duration interval;        // rate interval; 0: ceil(duration / 24) in whole seconds
  double rate_scale = 1.0;  // the scenario's rates are the fitted ones times this, > 0
  bool reads_only = false;  // skip the trace's writes
  uint64_t min_count = 10;  // Zipf fit: ranks with at least this many requests, >= 2
};

struct ZipfFit {
  double alpha = 0;
  double r_squared = 0;    // NaN when there were too few points to fit
  double intercept = 0;    // ln(count of rank 1) on the fitted line
  uint64_t ranks = 0;      // R: ranks 1..R had at least min_count requests
  uint64_t points = 0;     // log-spaced ranks used by the least squares
  uint64_t min_count = 0;  // the threshold actually used
};

struct SizeFit {
  // The per-key sizes (bytes): sample mean and nearest-rank quantiles.
  double mean = 0;
  uint32_t min = 0, p50 = 0, p90 = 0, p99 = 0, max = 0;
  // The chosen model, with its parameters as the scenario takes them.
  std::string model;      // "constant", "lognormal", "uniform" or "exponential"
  double model_mean = 0;  // constant: the value; lognormal: E[X] = exp(mu + sigma^2 / 2);
                          // exponential: the mean; uniform: (min + max) / 2
  double sigma = 0;       // lognormal: standard deviation of ln(size)
  double ks = 0;          // Kolmogorov-Smirnov distance of the model (0 for constant)
};

// The LRU stack model of the trace (WorkloadConfig::Popularity::kLruStack):
// the share of first accesses, and the byte depths of the other requests at
// probabilities 0, 1/kDepthQuantiles, ..., 1.
struct StackFit {
  double cold = 0;
  std::vector<double> depths;
};

// The per-key sizes as an empirical table: every distinct size with its
// number of keys, or, with more than kMaxSizeValues distinct sizes, that many
// nearest-rank quantiles of equal weight.
struct SizeTable {
  std::vector<uint32_t> values;
  std::vector<double> weights;
};

// The check of a fit: LRU miss ratios of the trace and of the fitted workload
// at cache sizes that are fractions (kCheckFractions) of the trace's working
// set in bytes (sizes of 1 byte when the trace has none: objects).
struct FitCheck {
  std::vector<uint64_t> sizes;  // bytes
  std::vector<double> trace_miss_ratio;
  std::vector<double> fitted_miss_ratio;
  uint64_t fitted_requests = 0;
  double max_difference = 0;
  bool ok = false;  // max_difference <= kFitTolerance
};

inline constexpr int kDepthQuantiles = 200;
inline constexpr size_t kMaxSizeValues = 256;
inline constexpr double kFitTolerance = 0.05;
inline constexpr double kCheckFractions[] = {1.0 / 32, 1.0 / 8, 1.0 / 4, 1.0 / 2, 3.0 / 4};

struct RateFit {
  double mean_rps = 0;  // fitted, before rate_scale
  Duration interval;
  std::vector<uint64_t> counts;  // requests per interval
  std::vector<double> rps;       // per interval (count / its length), before rate_scale
  bool varies = false;           // the test above: the scenario gets steps
};

struct WorkloadFit {
  std::string trace;
  uint64_t requests = 0;  // reads + writes
  uint64_t reads = 0;
  uint64_t writes = 0;
  uint64_t skipped = 0;                  // deletes, and writes with reads_only
  bool has_ops = true;                   // false: oracle, or csv without op column (all reads)
  double first_time = 0, last_time = 0;  // trace units
  double tick = 0;                       // seconds
  double duration = 0;                   // seconds
  uint64_t keys = 0;                     // distinct keys seen
  uint64_t one_hit_keys = 0;
  double write_fraction() const { return requests == 0 ? 0 : double(writes) / double(requests); }
  double one_hit_fraction() const { return keys == 0 ? 0 : double(one_hit_keys) / double(keys); }
  RateFit rate;
  ZipfFit zipf;
  SizeFit sizes;
  double rate_scale = 1.0;
  uint64_t working_set = 0;  // bytes: the sum of the per-key sizes
  StackFit stack;
  SizeTable size_table;
  FitCheck check;  // trace side filled by FitTrace, fitted side by CheckFit
  // The scenario's workload model: "zipf" (alpha and the parametric size
  // model) or "lru-stack" (StackFit and SizeTable); FitScenario chooses.
  std::string model = "zipf";
  FitCheck zipf_check;  // the Zipf model's check, kept when FitScenario moves on
};

// Least squares of ln(count) on ln(rank) as described above. `counts` in any
// order; zeros are ignored. min_count >= 2.
ZipfFit FitZipf(std::vector<uint64_t> counts, uint64_t min_count = 10);

// Per-key sizes (any order, non-empty; zeros count as 1).
SizeFit FitSizes(std::vector<uint32_t> sizes);

// Whether per-interval counts depart materially from a constant rate (the
// test above). `lengths` in seconds, as many as counts.
bool RateVaries(const std::vector<uint64_t>& counts, const std::vector<double>& lengths,
                double mean_rps);

// Reads the trace (two passes). Throws InputError for bad options, a
// malformed trace (naming the file and the record or line), a CSV without a
// time column, or a trace with no request ("<path>: no requests ...").
WorkloadFit FitTrace(const FitSpec& spec);

// The scenario described above, as JSON, loaded once with the scenario loader
// (a failure there is a bug: std::logic_error). With a `base` scenario (fit
// --into), the base is kept whole (name, cache, database, instances, policies,
// metrics...) and only its workload and duration are replaced; the result is
// loaded with `base_source` (the base file, so relative paths resolve) and a
// failure there is an InputError.
nlohmann::ordered_json FittedScenario(const WorkloadFit& fit);
nlohmann::ordered_json FittedScenario(const WorkloadFit& fit, nlohmann::ordered_json base,
                                      const std::string& base_source);

// The checked fit: the Zipf scenario when its check passes; otherwise the LRU
// stack model's (keys "popularity": "lru-stack" and "value_size" "empirical")
// when that one is closer to the trace. Why not always the stack model: it
// reproduces LRU replay by construction, but its keys have no lasting
// popularity, so in the timed world a key just missed is as likely to be
// re-read during its fill as a hot key; on a Zipf trace with 5 ms fills it
// gave a 0.14 hit ratio where replay gives 0.68. Why the stack model where
// Zipf fails: a trace's reuse can be far from independent references; the
// bundled CloudPhysics trace re-reads most of its twice-read blocks ~58,700
// requests later (a periodic scan), and even IRM with each key's exact trace
// frequency is 0.22 off its LRU miss ratio at 1 GiB (a random order of the
// trace's own requests still 0.09). `base` as for FittedScenario (nullptr:
// the default scenario). Fills fit->check (the chosen model's), model and
// zipf_check.
nlohmann::ordered_json FitScenario(WorkloadFit* fit, const nlohmann::ordered_json* base,
                                   const std::string& base_source);

// Generates the fitted scenario's request stream (its workload, duration and
// seed, without the timed world) and replays it through LRU at fit->check's
// sizes; fills the fitted side, max_difference and ok.
void CheckFit(WorkloadFit* fit, const nlohmann::ordered_json& scenario);

// {"trace", "requests", ..., "rate": {...}, "zipf": {...}, "value_size": {...}}
nlohmann::json FitToJson(const WorkloadFit& fit);
// The text summary for the terminal.
std::string FormatFit(const WorkloadFit& fit);

}  // namespace cachelab
