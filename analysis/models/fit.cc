#include "analysis/models/fit.h"

#include <fmt/format.h>

#include <Eigen/Dense>
#include <algorithm>
#include <boost/unordered/unordered_flat_map.hpp>
#include <cmath>
#include <filesystem>
#include <functional>
#include <iterator>
#include <limits>
#include <stdexcept>

#include "analysis/common/errors.h"
#include "analysis/scenario/scenario.h"
#include "sim/core/cancel.h"
#include "sim/model/lru_stack.h"
#include "sim/model/workload.h"

namespace cachelab {
namespace {

constexpr size_t kChunk = 1 << 16;
constexpr int kAutoIntervals = 24;
constexpr uint64_t kMaxIntervals = 1'000'000;
constexpr double kRankSpacing = 1.05;  // log-spaced ranks: each rounded power of 1.05

struct KeyStat {
  uint64_t count = 0;
  uint32_t size = 1;
};

// The records the world would serve (trace_workload.h): no deletes; no writes
// with reads_only.
bool Served(const ReplayRequest& r, bool reads_only) {
  if (r.op == ReplayRequest::Op::kDelete) return false;
  return !(reads_only && r.op == ReplayRequest::Op::kSet);
}

// Rounds to `digits` significant digits, so the scenario reads 1005.03, not
// 1005.0251256281407.
double Significant(double v, int digits) {
  if (v == 0 || !std::isfinite(v)) return v;
  return std::stod(fmt::format("{:.{}g}", v, digits));
}

// Integral values as JSON integers (2000, not 2000.0), like the loader's.
nlohmann::ordered_json Number(double v) {
  if (std::floor(v) == v && std::fabs(v) < 9007199254740992.0) return static_cast<int64_t>(v);
  return v;
}

uint32_t Quantile(const std::vector<uint32_t>& sorted, double q) {
  // Nearest rank: the smallest value with at least q of the sample at or below it.
  const auto n = static_cast<double>(sorted.size());
  const auto rank = static_cast<size_t>(std::max(1.0, std::ceil(q * n)));
  return sorted[std::min(rank, sorted.size()) - 1];
}

// Kolmogorov-Smirnov distance between sorted integer sizes and round(X), X
// with the continuous CDF `cdf`: at each distinct value v the empirical CDF
// just below and at v against P(X < v - 0.5) and P(X < v + 0.5). Between
// two distinct values both CDFs are monotone, so the ends suffice.
double KsDistance(const std::vector<uint32_t>& sorted, const std::function<double(double)>& cdf) {
  const auto n = static_cast<double>(sorted.size());
  double d = 0;
  size_t i = 0;
  while (i < sorted.size()) {
    size_t j = i;
    while (j < sorted.size() && sorted[j] == sorted[i]) ++j;
    const double v = sorted[i];
    d = std::max(d, std::fabs(static_cast<double>(i) / n - cdf(v - 0.5)));
    d = std::max(d, std::fabs(static_cast<double>(j) / n - cdf(v + 0.5)));
    i = j;
  }
  return d;
}

std::string SizeText(double bytes) {
  return FormatSize(static_cast<uint64_t>(std::max(1.0, std::round(bytes))));
}

// "fit-<file name>" with characters a scenario name may not hold replaced.
std::string ScenarioName(const std::string& trace) {
  std::string base = std::filesystem::path(trace).filename().string();
  if (base.size() > 4 && base.compare(base.size() - 4, 4, ".zst") == 0)
    base.resize(base.size() - 4);
  for (char& c : base) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-';
    if (!ok) c = '-';
  }
  return "fit-" + base;
}

double Seconds(Duration d) {
  return d.seconds();
}

// Depths in logarithmic buckets, 64 per doubling (~1.1% wide): bounded
// memory for any trace length, quantiles within a bucket's width.
constexpr int kBucketsPerDoubling = 64;

size_t DepthBucket(uint64_t depth) {
  return static_cast<size_t>(
      std::floor(std::log2(static_cast<double>(depth)) * kBucketsPerDoubling));
}

double BucketLow(size_t b) {
  return std::exp2(static_cast<double>(b) / kBucketsPerDoubling);
}

// Quantiles 0, 1/m, ..., 1 of the bucketed depths, interpolated
// geometrically inside a bucket; the ends are the exact extremes.
std::vector<double> DepthQuantiles(const std::vector<uint64_t>& buckets, uint64_t lowest,
                                   uint64_t highest, int m) {
  uint64_t n = 0;
  for (uint64_t c : buckets) n += c;
  std::vector<double> q;
  if (n == 0) return {1, 1};
  size_t b = 0;
  uint64_t below = 0;  // depths in buckets before b
  for (int i = 0; i <= m; ++i) {
    const double target = static_cast<double>(i) / m * static_cast<double>(n);
    while (b + 1 < buckets.size() && static_cast<double>(below + buckets[b]) < target) {
      below += buckets[b++];
    }
    double v;
    if (i == 0) {
      v = static_cast<double>(lowest);
    } else if (i == m) {
      v = static_cast<double>(highest);
    } else {
      const double f =
          buckets[b] == 0 ? 0
                          : (target - static_cast<double>(below)) / static_cast<double>(buckets[b]);
      v = BucketLow(b) * std::exp2(std::clamp(f, 0.0, 1.0) / kBucketsPerDoubling);
    }
    v = std::clamp(std::round(v), static_cast<double>(lowest), static_cast<double>(highest));
    if (!q.empty()) v = std::max(v, q.back());
    q.push_back(v);
  }
  return q;
}

SizeTable MakeSizeTable(std::vector<uint32_t> sizes) {
  SizeTable t;
  for (uint32_t& s : sizes) s = std::max<uint32_t>(s, 1);
  std::sort(sizes.begin(), sizes.end());
  size_t distinct = 0;
  for (size_t i = 0; i < sizes.size(); ++i) distinct += i == 0 || sizes[i] != sizes[i - 1];
  if (distinct <= kMaxSizeValues) {
    for (size_t i = 0; i < sizes.size(); ++i) {
      if (i == 0 || sizes[i] != sizes[i - 1]) {
        t.values.push_back(sizes[i]);
        t.weights.push_back(0);
      }
      t.weights.back() += 1;
    }
    return t;
  }
  for (size_t i = 0; i < kMaxSizeValues; ++i) {
    const double q = (static_cast<double>(i) + 0.5) / static_cast<double>(kMaxSizeValues);
    const uint32_t v = Quantile(sizes, q);
    if (!t.values.empty() && t.values.back() == v) {
      t.weights.back() += 1;
    } else {
      t.values.push_back(v);
      t.weights.push_back(1);
    }
  }
  return t;
}

}  // namespace

ZipfFit FitZipf(std::vector<uint64_t> counts, uint64_t min_count) {
  if (min_count < 2) throw std::invalid_argument("FitZipf: min_count must be >= 2");
  std::erase(counts, 0);
  std::sort(counts.begin(), counts.end(), std::greater<>());
  ZipfFit fit;
  // Counts are decreasing, so the ranks with at least c requests are a prefix.
  auto ranks_with = [&](uint64_t c) {
    return static_cast<uint64_t>(
        std::upper_bound(counts.begin(), counts.end(), c, std::greater<>()) - counts.begin());
  };
  fit.min_count = min_count;
  fit.ranks = ranks_with(min_count);
  if (fit.ranks < 3 && min_count > 2) {
    fit.min_count = 2;
    fit.ranks = ranks_with(2);
  }
  if (fit.ranks < 3) {
    fit.r_squared = std::numeric_limits<double>::quiet_NaN();
    return fit;
  }

  std::vector<uint64_t> ranks;  // 1-based, log-spaced, distinct, ending at R
  for (double x = 1; x < static_cast<double>(fit.ranks) + 0.5; x *= kRankSpacing) {
    const auto r = static_cast<uint64_t>(std::llround(x));
    if (ranks.empty() || r != ranks.back()) ranks.push_back(r);
  }
  if (ranks.back() != fit.ranks) ranks.push_back(fit.ranks);
  fit.points = ranks.size();

  const auto m = static_cast<Eigen::Index>(ranks.size());
  Eigen::MatrixXd a(m, 2);
  Eigen::VectorXd y(m);
  for (Eigen::Index i = 0; i < m; ++i) {
    const uint64_t r = ranks[static_cast<size_t>(i)];
    a(i, 0) = 1;
    a(i, 1) = std::log(static_cast<double>(r));
    y(i) = std::log(static_cast<double>(counts[r - 1]));
  }
  const Eigen::VectorXd beta = a.colPivHouseholderQr().solve(y);
  const double ss_res = (y - a * beta).squaredNorm();
  const double ss_tot = (y.array() - y.mean()).matrix().squaredNorm();
  fit.intercept = beta(0);
  fit.alpha = std::max(0.0, -beta(1));
  fit.r_squared = ss_tot > 0 ? 1 - ss_res / ss_tot : std::numeric_limits<double>::quiet_NaN();
  return fit;
}

SizeFit FitSizes(std::vector<uint32_t> sizes) {
  if (sizes.empty()) throw std::invalid_argument("FitSizes: no sizes");
  for (uint32_t& s : sizes) s = std::max<uint32_t>(s, 1);
  std::sort(sizes.begin(), sizes.end());
  SizeFit fit;
  const auto n = static_cast<double>(sizes.size());
  double sum = 0, sum_log = 0;
  for (uint32_t s : sizes) {
    sum += s;
    sum_log += std::log(static_cast<double>(s));
  }
  fit.mean = sum / n;
  fit.min = sizes.front();
  fit.max = sizes.back();
  fit.p50 = Quantile(sizes, 0.5);
  fit.p90 = Quantile(sizes, 0.9);
  fit.p99 = Quantile(sizes, 0.99);
  if (fit.min == fit.max) {
    fit.model = "constant";
    fit.model_mean = fit.min;
    return fit;
  }

  const double mu = sum_log / n;
  double var_log = 0;
  for (uint32_t s : sizes) var_log += std::pow(std::log(static_cast<double>(s)) - mu, 2);
  const double sigma = std::sqrt(var_log / n);
  const double lo = fit.min, hi = fit.max, mean = fit.mean;

  struct Candidate {
    const char* model;
    double model_mean;
    double sigma;
    std::function<double(double)> cdf;
  };
  const Candidate candidates[] = {
      {"lognormal", std::exp(mu + sigma * sigma / 2), sigma,
       [mu, sigma](double x) {
         if (x <= 0) return 0.0;
         if (sigma == 0) return std::log(x) < mu ? 0.0 : 1.0;
         return 0.5 * std::erfc(-(std::log(x) - mu) / (sigma * std::sqrt(2.0)));
       }},
      {"uniform", (lo + hi) / 2, 0,
       [lo, hi](double x) { return std::clamp((x - lo) / (hi - lo), 0.0, 1.0); }},
      {"exponential", mean, 0, [mean](double x) { return x <= 0 ? 0 : -std::expm1(-x / mean); }},
  };
  fit.ks = std::numeric_limits<double>::infinity();
  for (const Candidate& c : candidates) {
    const double d = KsDistance(sizes, c.cdf);
    if (d < fit.ks) {
      fit.ks = d;
      fit.model = c.model;
      fit.model_mean = c.model_mean;
      fit.sigma = c.sigma;
    }
  }
  return fit;
}

bool RateVaries(const std::vector<uint64_t>& counts, const std::vector<double>& lengths,
                double mean_rps) {
  for (size_t i = 0; i < counts.size(); ++i) {
    const double e = mean_rps * lengths[i];
    const double dev = std::fabs(static_cast<double>(counts[i]) - e);
    if (dev > 0.1 * e && dev > 4 * std::sqrt(e)) return true;
  }
  return false;
}

WorkloadFit FitTrace(const FitSpec& spec) {
  if (!(spec.time_scale > 0) || !std::isfinite(spec.time_scale)) {
    throw InputError(fmt::format("--time-scale must be > 0, got {}", spec.time_scale));
  }
  if (!(spec.rate_scale > 0) || !std::isfinite(spec.rate_scale)) {
    throw InputError(fmt::format("--rate-scale must be > 0, got {}", spec.rate_scale));
  }
  if (spec.min_count < 2) {
    throw InputError(fmt::format("--min-count must be >= 2, got {}", spec.min_count));
  }
  if (spec.interval < Duration()) throw InputError("--interval must be > 0");
  if (spec.format == TraceFormat::kCsv && spec.csv.time.empty()) {
    throw InputError(spec.trace +
                     ": fitting a rate needs timestamps: map the CSV's time column with "
                     "--columns time=COL");
  }

  WorkloadFit fit;
  fit.trace = spec.trace;
  fit.rate_scale = spec.rate_scale;
  fit.has_ops = spec.format == TraceFormat::kTwitter ||
                (spec.format == TraceFormat::kCsv && !spec.csv.op.empty());

  // Pass 1: per-key counts and sizes, the time span and its resolution.
  boost::unordered_flat_map<Key, KeyStat> keys;
  double min_gap = std::numeric_limits<double>::infinity();
  {
    auto reader = OpenTrace(spec.trace, spec.format, spec.csv);
    std::vector<ReplayRequest> chunk;
    chunk.reserve(kChunk);
    while (reader->Read(&chunk, kChunk) > 0) {
      cancel::ThrowIfRequested();  // between chunks: Ctrl-C ends a long pass
      for (const ReplayRequest& r : chunk) {
        if (!Served(r, spec.reads_only)) {
          ++fit.skipped;
          continue;
        }
        KeyStat& k = keys[r.key];
        ++k.count;
        k.size = std::max(k.size, r.size);
        ++(r.op == ReplayRequest::Op::kSet ? fit.writes : fit.reads);
        if (fit.requests == 0) {
          fit.first_time = fit.last_time = r.time;
        } else if (r.time > fit.last_time) {
          min_gap = std::min(min_gap, r.time - fit.last_time);
          fit.last_time = r.time;
        }
        ++fit.requests;
      }
    }
  }
  if (fit.requests == 0) {
    throw InputError(fmt::format("{}: no requests to fit ({} deletes or skipped writes)",
                                 spec.trace, fit.skipped));
  }
  fit.keys = keys.size();
  std::vector<uint64_t> counts;
  std::vector<uint32_t> sizes;
  counts.reserve(keys.size());
  sizes.reserve(keys.size());
  for (const auto& [key, k] : keys) {
    counts.push_back(k.count);
    sizes.push_back(k.size);
    fit.one_hit_keys += k.count == 1 ? 1 : 0;
  }
  keys = {};  // free before sorting copies
  for (uint32_t size : sizes) fit.working_set += std::max<uint32_t>(size, 1);
  fit.zipf = FitZipf(std::move(counts), spec.min_count);
  fit.size_table = MakeSizeTable(sizes);
  fit.sizes = FitSizes(std::move(sizes));
  for (double f : kCheckFractions) {
    fit.check.sizes.push_back(std::max<uint64_t>(
        1, static_cast<uint64_t>(std::llround(f * static_cast<double>(fit.working_set)))));
  }

  fit.tick = std::min(min_gap, 1.0) * spec.time_scale;
  fit.duration = (fit.last_time - fit.first_time) * spec.time_scale + fit.tick;
  const Duration duration = Duration::FromSecondsF(fit.duration);
  if (duration <= Duration()) {
    throw InputError(
        fmt::format("{}: the trace spans no time at --time-scale {}", spec.trace, spec.time_scale));
  }
  fit.rate.mean_rps = static_cast<double>(fit.requests) / fit.duration;

  // Pass 2: requests per interval.
  Duration interval = spec.interval;
  if (interval == Duration()) {
    interval = duration < Duration::Seconds(1)
                   ? duration
                   : Duration::Seconds(
                         static_cast<int64_t>(std::ceil(fit.duration / kAutoIntervals - 1e-9)));
  }
  interval = std::min(interval, duration);
  const auto n =
      static_cast<uint64_t>((duration.nanos() + interval.nanos() - 1) / interval.nanos());
  if (n > kMaxIntervals) {
    throw InputError(fmt::format("--interval {} gives {} intervals over {}; at most {}",
                                 FormatDuration(spec.interval), n, FormatDuration(duration),
                                 kMaxIntervals));
  }
  fit.rate.interval = interval;
  fit.rate.counts.assign(n, 0);
  // Pass 2 also measures every request's LRU stack depth in bytes (each
  // request weighs its size, at least 1, as in `cachelab mrc`).
  LruStack stack;
  std::vector<uint64_t> depth_buckets;
  uint64_t cold = 0, lowest = std::numeric_limits<uint64_t>::max(), highest = 0;
  std::vector<uint64_t> hits(fit.check.sizes.size(), 0);
  {
    auto reader = OpenTrace(spec.trace, spec.format, spec.csv);
    std::vector<ReplayRequest> chunk;
    chunk.reserve(kChunk);
    double latest = fit.first_time;
    const double width = Seconds(interval);
    while (reader->Read(&chunk, kChunk) > 0) {
      cancel::ThrowIfRequested();  // between chunks: Ctrl-C ends a long pass
      for (const ReplayRequest& r : chunk) {
        if (!Served(r, spec.reads_only)) continue;
        latest = std::max(latest, r.time);
        const double at = (latest - fit.first_time) * spec.time_scale;
        const auto i = static_cast<uint64_t>(std::floor(at / width));
        ++fit.rate.counts[std::min(i, n - 1)];
        const uint64_t depth = stack.Access(r.key, std::max<uint32_t>(r.size, 1));
        if (depth == 0) {
          ++cold;
          continue;
        }
        const size_t b = DepthBucket(depth);
        if (b >= depth_buckets.size()) depth_buckets.resize(b + 1, 0);
        ++depth_buckets[b];
        lowest = std::min(lowest, depth);
        highest = std::max(highest, depth);
        for (size_t c = 0; c < hits.size(); ++c) hits[c] += depth <= fit.check.sizes[c];
      }
    }
  }
  fit.stack.cold = static_cast<double>(cold) / static_cast<double>(fit.requests);
  fit.stack.depths = highest == 0 ? std::vector<double>{1, 1}
                                  : DepthQuantiles(depth_buckets, lowest, highest, kDepthQuantiles);
  for (uint64_t h : hits) {
    fit.check.trace_miss_ratio.push_back(1 - static_cast<double>(h) /
                                                 static_cast<double>(fit.requests));
  }
  std::vector<double> lengths(n, Seconds(interval));
  lengths.back() = Seconds(duration - interval * static_cast<int64_t>(n - 1));
  for (uint64_t i = 0; i < n; ++i) {
    fit.rate.rps.push_back(static_cast<double>(fit.rate.counts[i]) / lengths[i]);
  }
  fit.rate.varies = RateVaries(fit.rate.counts, lengths, fit.rate.mean_rps);
  return fit;
}

namespace {

nlohmann::ordered_json FittedWorkload(const WorkloadFit& fit) {
  using json = nlohmann::ordered_json;
  const double scale = fit.rate_scale;
  json rate;
  if (fit.rate.varies) {
    rate = {{"kind", "steps"}, {"steps", json::array()}};
    for (size_t i = 0; i < fit.rate.rps.size(); ++i) {
      rate["steps"].push_back({{"at", FormatDuration(fit.rate.interval * static_cast<int64_t>(i))},
                               {"rps", Number(Significant(fit.rate.rps[i] * scale, 6))}});
    }
  } else {
    rate = {{"kind", "constant"}, {"rps", Number(Significant(fit.rate.mean_rps * scale, 6))}};
  }
  if (fit.model != "lru-stack") {
    json size;
    const SizeFit& z = fit.sizes;
    if (z.model == "constant") {
      size = {{"kind", "constant"}, {"value", SizeText(z.model_mean)}};
    } else if (z.model == "lognormal") {
      size = {{"kind", "lognormal"},
              {"mean", SizeText(z.model_mean)},
              {"sigma", Number(Significant(z.sigma, 4))}};
    } else if (z.model == "uniform") {
      size = {{"kind", "uniform"}, {"min", SizeText(z.min)}, {"max", SizeText(z.max)}};
    } else {
      size = {{"kind", "exponential"}, {"mean", SizeText(z.model_mean)}};
    }
    return {{"rate", std::move(rate)},
            {"keys",
             {{"count", fit.keys},
              {"popularity", "zipf"},
              {"alpha", Number(Significant(fit.zipf.alpha, 4))}}},
            {"write_fraction", Number(Significant(fit.write_fraction(), 6))},
            {"missing_fraction", 0},
            {"value_size", std::move(size)}};
  }
  json depths = json::array();
  for (double d : fit.stack.depths) depths.push_back(Number(d));
  json values = json::array(), weights = json::array();
  for (size_t i = 0; i < fit.size_table.values.size(); ++i) {
    values.push_back(fit.size_table.values[i]);
    weights.push_back(Number(fit.size_table.weights[i]));
  }
  return {{"rate", std::move(rate)},
          {"keys",
           {{"count", fit.keys},
            {"popularity", "lru-stack"},
            {"cold", Number(Significant(fit.stack.cold, 6))},
            {"depths", std::move(depths)}}},
          {"write_fraction", Number(Significant(fit.write_fraction(), 6))},
          {"missing_fraction", 0},
          {"value_size", {{"kind", "empirical"}, {"values", values}, {"weights", weights}}}};
}

}  // namespace

nlohmann::ordered_json FittedScenario(const WorkloadFit& fit) {
  // ordered: the file reads like scenarios/default.json (name, description, ...).
  using json = nlohmann::ordered_json;
  json s = json::parse(DefaultScenarioText());
  s["name"] = ScenarioName(fit.trace);
  s["description"] = fmt::format(
      "Fitted by `cachelab fit` from {}: {} requests over {}, {} keys seen, {}, write fraction "
      "{:.4f}{}. Cache, database and policies are the default scenario's.",
      fit.trace, fit.requests, FormatDuration(Duration::FromSecondsF(fit.duration)), fit.keys,
      fit.model == "lru-stack"
          ? fmt::format("an LRU stack model of its reuse (first accesses {:.4f}) and its per-key "
                        "sizes",
                        fit.stack.cold)
          : fmt::format("Zipf alpha {:.3f}", fit.zipf.alpha),
      fit.write_fraction(),
      fit.rate_scale == 1 ? "" : fmt::format(", rates scaled by {}", fit.rate_scale));
  s["duration"] = FormatDuration(Duration::FromSecondsF(fit.duration));
  s["workload"] = FittedWorkload(fit);
  try {
    LoadScenarioText(s.dump(), s["name"].get<std::string>());
  } catch (const InputError& e) {
    throw std::logic_error(std::string("the fitted scenario does not load: ") + e.what());
  }
  return s;
}

nlohmann::ordered_json FittedScenario(const WorkloadFit& fit, nlohmann::ordered_json base,
                                      const std::string& base_source) {
  if (!base.is_object()) throw InputError(base_source + ": must be a scenario object");
  base["duration"] = FormatDuration(Duration::FromSecondsF(fit.duration));
  base["workload"] = FittedWorkload(fit);
  LoadScenarioText(base.dump(), base_source);  // the base's own errors are the user's
  return base;
}

nlohmann::ordered_json FitScenario(WorkloadFit* fit, const nlohmann::ordered_json* base,
                                   const std::string& base_source) {
  auto make = [&](const WorkloadFit& f) {
    return base == nullptr ? FittedScenario(f) : FittedScenario(f, *base, base_source);
  };
  fit->model = "zipf";
  nlohmann::ordered_json scenario = make(*fit);
  CheckFit(fit, scenario);
  fit->zipf_check = fit->check;
  if (fit->check.ok) return scenario;
  WorkloadFit stack = *fit;
  stack.model = "lru-stack";
  nlohmann::ordered_json alternative = make(stack);
  CheckFit(&stack, alternative);
  if (stack.check.max_difference < fit->check.max_difference) {
    *fit = std::move(stack);
    return alternative;
  }
  return scenario;
}

void CheckFit(WorkloadFit* fit, const nlohmann::ordered_json& scenario) {
  const Scenario sc = LoadScenarioText(scenario.dump(), "<fitted>");
  Workload workload(sc.world.workload, sc.world.duration, sc.world.seed);
  const std::vector<uint32_t>& sizes = workload.sizes();
  FitCheck& c = fit->check;
  std::vector<uint64_t> hits(c.sizes.size(), 0);
  LruStack stack;
  uint64_t n = 0;
  while (const std::optional<Request> r = workload.Next()) {
    ++n;
    const uint32_t size = r->key < sizes.size() ? sizes[r->key] : 1;  // missing keys: 1 byte
    const uint64_t depth = stack.Access(r->key, size);
    if (depth == 0) continue;
    for (size_t i = 0; i < hits.size(); ++i) hits[i] += depth <= c.sizes[i];
  }
  c.fitted_requests = n;
  c.fitted_miss_ratio.clear();
  c.max_difference = 0;
  for (size_t i = 0; i < hits.size(); ++i) {
    const double m = n == 0 ? 1 : 1 - static_cast<double>(hits[i]) / static_cast<double>(n);
    c.fitted_miss_ratio.push_back(m);
    c.max_difference = std::max(c.max_difference, std::fabs(m - c.trace_miss_ratio[i]));
  }
  c.ok = n > 0 && c.max_difference <= kFitTolerance;
}

nlohmann::json FitToJson(const WorkloadFit& fit) {
  using nlohmann::json;
  auto maybe = [](double v) { return std::isfinite(v) ? json(v) : json(nullptr); };
  json rate = {{"mean_rps", fit.rate.mean_rps}, {"interval", FormatDuration(fit.rate.interval)},
               {"varies", fit.rate.varies},     {"profile", fit.rate.varies ? "steps" : "constant"},
               {"counts", fit.rate.counts},     {"rps", fit.rate.rps},
               {"scale", fit.rate_scale}};
  const SizeFit& z = fit.sizes;
  json sizes = {{"mean", z.mean}, {"min", z.min}, {"p50", z.p50},     {"p90", z.p90},
                {"p99", z.p99},   {"max", z.max}, {"model", z.model}, {"model_mean", z.model_mean},
                {"ks", z.ks}};
  if (z.model == "lognormal") sizes["sigma"] = z.sigma;
  return {{"trace", fit.trace},
          {"requests", fit.requests},
          {"reads", fit.reads},
          {"writes", fit.writes},
          {"skipped", fit.skipped},
          {"has_ops", fit.has_ops},
          {"write_fraction", fit.write_fraction()},
          {"first_time", fit.first_time},
          {"last_time", fit.last_time},
          {"tick", fit.tick},
          {"duration", fit.duration},
          {"keys", fit.keys},
          {"one_hit_keys", fit.one_hit_keys},
          {"one_hit_fraction", fit.one_hit_fraction()},
          {"rate", std::move(rate)},
          {"zipf",
           {{"alpha", fit.zipf.alpha},
            {"r_squared", maybe(fit.zipf.r_squared)},
            {"ranks", fit.zipf.ranks},
            {"points", fit.zipf.points},
            {"min_count", fit.zipf.min_count}}},
          {"value_size", std::move(sizes)},
          {"model", fit.model},
          {"zipf_max_difference", fit.zipf_check.max_difference},
          {"working_set", fit.working_set},
          {"lru_stack", {{"cold", fit.stack.cold}, {"depths", fit.stack.depths}}},
          {"fit_check",
           {{"sizes", fit.check.sizes},
            {"trace_miss_ratio", fit.check.trace_miss_ratio},
            {"fitted_miss_ratio", fit.check.fitted_miss_ratio},
            {"fitted_requests", fit.check.fitted_requests},
            {"max_difference", fit.check.max_difference},
            {"tolerance", kFitTolerance},
            {"ok", fit.check.ok}}}};
}

std::string FormatFit(const WorkloadFit& fit) {
  std::string t;
  auto out = std::back_inserter(t);
  fmt::format_to(out, "trace           {}\n", fit.trace);
  fmt::format_to(out, "requests        {} ({} reads, {} writes{})\n", fit.requests, fit.reads,
                 fit.writes,
                 fit.has_ops ? fmt::format(", {} skipped", fit.skipped)
                             : "; the format has no op field: all reads");
  fmt::format_to(out, "duration        {} (trace time {} .. {}, resolution {})\n",
                 FormatDuration(Duration::FromSecondsF(fit.duration)), fit.first_time,
                 fit.last_time, FormatDuration(Duration::FromSecondsF(fit.tick)));
  const auto [lo, hi] = std::minmax_element(fit.rate.rps.begin(), fit.rate.rps.end());
  fmt::format_to(out,
                 "rate            {:.6g} req/s mean; {} intervals of {}, {:.6g} .. {:.6g} "
                 "req/s: {}\n",
                 fit.rate.mean_rps, fit.rate.rps.size(), FormatDuration(fit.rate.interval), *lo,
                 *hi, fit.rate.varies ? "varies -> steps" : "steady -> constant");
  if (fit.rate_scale != 1) {
    fmt::format_to(out, "                scenario rates scaled by {}\n", fit.rate_scale);
  }
  fmt::format_to(out, "keys            {} seen (a lower bound of the key space)\n", fit.keys);
  fmt::format_to(out, "one-hit keys    {:.4f} of the keys were requested once\n",
                 fit.one_hit_fraction());
  if (fit.zipf.points == 0) {
    fmt::format_to(out, "zipf alpha      0 (fewer than 3 keys with {} requests: no skew to fit)\n",
                   fit.zipf.min_count);
  } else {
    fmt::format_to(out,
                   "zipf alpha      {:.4f} (R^2 {:.4f}; ranks 1..{} with >= {} requests, {} "
                   "log-spaced points)\n",
                   fit.zipf.alpha, fit.zipf.r_squared, fit.zipf.ranks, fit.zipf.min_count,
                   fit.zipf.points);
  }
  fmt::format_to(out, "write fraction  {:.4f}\n", fit.write_fraction());
  const SizeFit& z = fit.sizes;
  fmt::format_to(out,
                 "value size      per key: mean {:.1f} B, min {}, p50 {}, p90 {}, p99 {}, "
                 "max {}\n",
                 z.mean, z.min, z.p50, z.p90, z.p99, z.max);
  if (z.model == "constant") {
    fmt::format_to(out, "                model constant {}\n", SizeText(z.model_mean));
  } else if (z.model == "lognormal") {
    fmt::format_to(out, "                model lognormal mean {} sigma {:.4f} (KS {:.4f})\n",
                   SizeText(z.model_mean), z.sigma, z.ks);
  } else if (z.model == "uniform") {
    fmt::format_to(out, "                model uniform {} .. {} (KS {:.4f})\n", SizeText(z.min),
                   SizeText(z.max), z.ks);
  } else {
    fmt::format_to(out, "                model exponential mean {} (KS {:.4f})\n",
                   SizeText(z.model_mean), z.ks);
  }
  if (fit.model == "lru-stack") {
    fmt::format_to(out,
                   "scenario model  LRU stack (first accesses {:.4f}, depth p50 {}, p90 {}), "
                   "sizes from the trace's {} distinct values: Zipf and the size model were {:.4f} "
                   "off the trace's LRU miss ratio. The stack model reproduces LRU replay; in "
                   "the timed world its keys have no lasting popularity (a key just missed is "
                   "as likely to be re-read at once as a hot one), so its hit ratio under slow "
                   "fills is pessimistic\n",
                   fit.stack.cold, SizeText(fit.stack.depths[fit.stack.depths.size() / 2]),
                   SizeText(fit.stack.depths[fit.stack.depths.size() * 9 / 10]),
                   fit.size_table.values.size(), fit.zipf_check.max_difference);
  } else {
    fmt::format_to(out, "scenario model  Zipf alpha and the size model above\n");
  }
  const FitCheck& c = fit.check;
  if (c.fitted_miss_ratio.size() == c.sizes.size()) {
    fmt::format_to(out, "fit check       LRU miss ratio, trace vs fitted workload ({} requests)\n",
                   c.fitted_requests);
    fmt::format_to(out, "  {:>10} {:>10} {:>8} {:>8} {:>8}\n", "cache", "of WS", "trace", "fitted",
                   "diff");
    for (size_t i = 0; i < c.sizes.size(); ++i) {
      const double d = c.fitted_miss_ratio[i] - c.trace_miss_ratio[i];
      fmt::format_to(out, "  {:>10} {:>10.4f} {:>8.4f} {:>8.4f} {:>+8.4f}{}\n",
                     fmt::format("{:.1f}MiB", static_cast<double>(c.sizes[i]) / 1048576),
                     static_cast<double>(c.sizes[i]) / static_cast<double>(fit.working_set),
                     c.trace_miss_ratio[i], c.fitted_miss_ratio[i], d,
                     std::fabs(d) > kFitTolerance ? "  <-" : "");
    }
    if (!c.ok) {
      fmt::format_to(out,
                     "WARNING: the fitted workload does not reproduce the trace: its LRU miss "
                     "ratio differs by {:.4f} (more than {}) at some cache size; results of the "
                     "fitted scenario may be wrong for this trace\n",
                     c.max_difference, kFitTolerance);
    }
  }
  return t;
}

}  // namespace cachelab
