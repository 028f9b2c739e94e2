#include "analysis/experiments/sweep.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <boost/math/distributions/students_t.hpp>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <numeric>
#include <set>
#include <sstream>
#include <stdexcept>

#include "analysis/common/atomic_files.h"
#include "analysis/common/errors.h"
#include "analysis/common/from_chars.h"
#include "analysis/common/json_reader.h"
#include "analysis/common/parallel.h"
#include "analysis/experiments/value_list.h"
#include "analysis/outputs/flat_json.h"
#include "analysis/outputs/run_outputs.h"
#include "analysis/scenario/run.h"

namespace cachelab {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr size_t kMaxRangeValues = 10'000;

bool IsNumberText(const std::string& t) {
  if (t.empty()) return false;
  size_t i = (t[0] == '-' || t[0] == '+') ? 1 : 0;
  bool digits = false;
  for (; i < t.size() && std::isdigit(static_cast<unsigned char>(t[i])); ++i) digits = true;
  if (i < t.size() && t[i] == '.') {
    for (++i; i < t.size() && std::isdigit(static_cast<unsigned char>(t[i])); ++i) digits = true;
  }
  if (!digits) return false;
  if (i < t.size() && (t[i] == 'e' || t[i] == 'E')) {
    ++i;
    if (i < t.size() && (t[i] == '-' || t[i] == '+')) ++i;
    bool exp = false;
    for (; i < t.size() && std::isdigit(static_cast<unsigned char>(t[i])); ++i) exp = true;
    if (!exp) return false;
  }
  return i == t.size();
}

// A plain number; nullopt when `text` is not one.
std::optional<Quantity> ParseNumber(const std::string& text, const std::string& where) {
  if (!IsNumberText(text)) return std::nullopt;
  const char* first = text.data() + (text[0] == '+' ? 1 : 0);
  const char* last = text.data() + text.size();
  Quantity q;
  if (text.find_first_of(".eE") == std::string::npos) {
    q.kind = Quantity::Kind::kInteger;
    auto [end, ec] = std::from_chars(first, last, q.whole);
    if (ec != std::errc() || end != last) {
      throw InputError(fmt::format("{}: {} is out of the integer range", where, text));
    }
    return q;
  }
  q.kind = Quantity::Kind::kReal;
  auto [end, ec] = FromChars(first, last, q.real);
  if (ec != std::errc() || end != last || !std::isfinite(q.real)) {
    throw InputError(fmt::format("{}: {} is out of range", where, text));
  }
  const size_t dot = text.find('.');
  if (text.find_first_of("eE") != std::string::npos) {
    q.decimals = -1;  // printed with %.12g
  } else {
    q.decimals = dot == std::string::npos ? 0 : static_cast<int>(text.size() - dot - 1);
  }
  return q;
}

Quantity ToReal(Quantity q) {
  if (q.kind == Quantity::Kind::kInteger) {
    q.real = static_cast<double>(q.whole);
    q.decimals = 0;
    q.kind = Quantity::Kind::kReal;
  }
  return q;
}

bool IsNumeric(const Quantity& q) {
  return q.kind == Quantity::Kind::kInteger || q.kind == Quantity::Kind::kReal;
}

double RoundToDecimals(double x, int decimals) {
  if (decimals < 0) return x;
  const double scale = std::pow(10.0, decimals);
  return std::round(x * scale) / scale;
}

// 64-bit FNV-1a: stable across builds and platforms (std::hash is not).
uint64_t Fnv1a(const std::string& text) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : text) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  return h;
}

uint64_t SplitMix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

// Rows as columns two spaces apart, each padded to its widest cell: the first
// `left` columns left-aligned, the others right-aligned, no trailing spaces.
// "±" is two bytes but one column.
std::string AlignColumns(const std::vector<std::vector<std::string>>& rows, size_t left) {
  auto width = [](const std::string& cell) {
    return cell.size() - (cell.find("±") != std::string::npos ? 1 : 0);
  };
  std::vector<size_t> w;
  for (const auto& row : rows) {
    if (w.size() < row.size()) w.resize(row.size(), 0);
    for (size_t c = 0; c < row.size(); ++c) w[c] = std::max(w[c], width(row[c]));
  }
  std::string out;
  for (const auto& row : rows) {
    std::string line;
    for (size_t c = 0; c < row.size(); ++c) {
      const std::string pad(w[c] - width(row[c]), ' ');
      line += (c == 0 ? "" : "  ") + (c < left ? row[c] + pad : pad + row[c]);
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  return out;
}

RunResult RunSeed(const Scenario& scenario, uint64_t seed, const RunOptions& options = {}) {
  Scenario s = scenario;
  s.world.seed = seed;
  s.resolved["seed"] = seed;
  return RunScenario(s, options);
}

json RunOne(const Scenario& scenario, uint64_t seed) {
  return SummaryToJson(RunSeed(scenario, seed).summary);
}

std::string PointFileName(const SweepPoint& p) {
  return fmt::format("{}-{}.json", p.index, p.key);
}

}  // namespace

// ---- ranges --------------------------------------------------------------

Quantity ParseQuantity(const std::string& text, const std::string& where) {
  if (std::optional<Quantity> n = ParseNumber(text, where)) return *n;
  try {
    Quantity q;
    q.kind = Quantity::Kind::kDuration;
    q.whole = ParseDuration(text, where).nanos();
    return q;
  } catch (const InputError&) {
  }
  try {
    Quantity q;
    q.kind = Quantity::Kind::kSize;
    const uint64_t bytes = ParseSize(text, where);
    if (bytes > static_cast<uint64_t>(INT64_MAX)) throw InputError(where);
    q.whole = static_cast<int64_t>(bytes);
    return q;
  } catch (const InputError&) {
  }
  throw InputError(fmt::format(
      "{}: expected a number, a duration (such as 1s) or a size (such as 1GiB), got \"{}\"", where,
      text));
}

Quantity ParseQuantityLike(const Quantity& like, const std::string& text,
                           const std::string& where) {
  if (IsNumeric(like)) {
    std::optional<Quantity> n = ParseNumber(text, where);
    if (!n) throw InputError(fmt::format("{}: expected a number, got \"{}\"", where, text));
    return *n;
  }
  Quantity q;
  q.kind = like.kind;
  if (like.kind == Quantity::Kind::kDuration) {
    q.whole = ParseDuration(text, where).nanos();
  } else {
    const uint64_t bytes = ParseSize(text, where);
    if (bytes > static_cast<uint64_t>(INT64_MAX)) {
      throw InputError(fmt::format("{}: {} is too large", where, text));
    }
    q.whole = static_cast<int64_t>(bytes);
  }
  return q;
}

std::string FormatQuantity(const Quantity& q) {
  switch (q.kind) {
    case Quantity::Kind::kInteger:
      return std::to_string(q.whole);
    case Quantity::Kind::kReal:
      return q.decimals >= 0 ? fmt::format("{:.{}f}", q.real, q.decimals)
                             : fmt::format("{:.12g}", q.real);
    case Quantity::Kind::kDuration:
      return FormatDuration(Duration::Nanos(q.whole));
    case Quantity::Kind::kSize:
      return FormatSize(static_cast<uint64_t>(q.whole));
  }
  return {};
}

bool IsRange(const std::string& item) {
  return !item.empty() && item[0] != '"' && item[0] != '{' && item[0] != '[' &&
         item.find("..") != std::string::npos;
}

std::vector<std::string> ExpandRange(const std::string& item, const std::string& text,
                                     const std::string& flag) {
  const std::string where = jsonread::FlagText(flag, text);
  auto fail = [&](const std::string& what) {
    throw InputError(fmt::format("{}: {}: {}", where, jsonread::FlagText("range", item), what));
  };
  const size_t dots = item.find("..");
  const std::string rest = dots == std::string::npos ? "" : item.substr(dots + 2);
  const size_t colon = rest.rfind(':');
  if (dots == std::string::npos || colon == std::string::npos || colon + 1 >= rest.size() ||
      (rest[colon + 1] != 'x' && rest[colon + 1] != '+')) {
    fail("expected LO..HI:xFACTOR (geometric) or LO..HI:+STEP (arithmetic)");
  }
  const std::string lo_text = item.substr(0, dots);
  const std::string hi_text = rest.substr(0, colon);
  const char op = rest[colon + 1];
  const std::string step_text = rest.substr(colon + 2);

  Quantity lo = ParseQuantity(lo_text, where);
  Quantity hi = ParseQuantityLike(lo, hi_text, where);
  Quantity step;
  double factor = 0;
  if (op == 'x') {
    std::optional<Quantity> f = ParseNumber(step_text, where);
    if (!f) fail(fmt::format("the factor must be a number, got \"{}\"", step_text));
    factor = f->AsDouble();
    if (!(factor > 1)) fail(fmt::format("the factor must be > 1, got {}", step_text));
  } else {
    step = ParseQuantityLike(lo, step_text, where);
    if (!(step.AsDouble() > 0)) fail(fmt::format("the step must be > 0, got {}", step_text));
  }
  // Numbers: one real among the bounds or the step makes every value real.
  if (IsNumeric(lo) && (lo.kind == Quantity::Kind::kReal || hi.kind == Quantity::Kind::kReal ||
                        (op == '+' && step.kind == Quantity::Kind::kReal))) {
    lo = ToReal(lo);
    hi = ToReal(hi);
    if (op == '+') step = ToReal(step);
  }
  if (lo.AsDouble() > hi.AsDouble()) fail(fmt::format("empty: {} > {}", lo_text, hi_text));
  if (lo.AsDouble() <= 0 && op == 'x') fail(fmt::format("a geometric range needs LO > 0"));

  std::vector<std::string> out;
  auto push = [&](Quantity q) {
    if (out.size() >= kMaxRangeValues) fail(fmt::format("more than {} values", kMaxRangeValues));
    std::string v = FormatQuantity(q);
    if (out.empty() || out.back() != v) out.push_back(std::move(v));
  };
  const bool real = lo.kind == Quantity::Kind::kReal;
  if (op == 'x') {
    const double hi_limit = hi.AsDouble() * (1 + 1e-12);
    for (int i = 0;; ++i) {
      const double v = lo.AsDouble() * std::pow(factor, i);
      if (v > hi_limit) break;
      Quantity q = lo;
      if (real) {
        q.real = v;
        q.decimals = -1;
      } else {
        q.whole = std::llround(v);
      }
      push(q);
    }
  } else if (real) {
    const int decimals =
        lo.decimals < 0 || step.decimals < 0 ? -1 : std::max(lo.decimals, step.decimals);
    const double n = std::floor((hi.real - lo.real) / step.real + 1e-9);
    if (n >= static_cast<double>(kMaxRangeValues)) {
      fail(fmt::format("more than {} values", kMaxRangeValues));
    }
    for (int i = 0; i <= static_cast<int>(n); ++i) {
      Quantity q = lo;
      q.real = RoundToDecimals(lo.real + i * step.real, decimals);
      q.decimals = decimals;
      push(q);
    }
  } else {
    if ((hi.whole - lo.whole) / step.whole >= static_cast<int64_t>(kMaxRangeValues)) {
      fail(fmt::format("more than {} values", kMaxRangeValues));
    }
    for (int64_t v = lo.whole; v <= hi.whole; v += step.whole) {
      Quantity q = lo;
      q.whole = v;
      push(q);
    }
  }
  return out;
}

Grid ParseGrid(const std::string& text, const std::string& flag) {
  const size_t eq = text.find('=');
  if (eq == std::string::npos) {
    throw InputError(jsonread::FlagText(flag, text) +
                     ": expected /json/pointer=v1,v2,... or a range, got no '='");
  }
  Grid g{text, text.substr(0, eq), {}};
  if (g.pointer.empty() || g.pointer[0] != '/') {
    throw InputError(jsonread::FlagText(flag, text) +
                     ": expected a JSON pointer starting with '/' such as /cache/capacity");
  }
  if (g.pointer == "/seed") {
    throw InputError(jsonread::FlagText(flag, text) +
                     ": the replications choose the seeds (common random numbers); "
                     "set the base seed with --set /seed=N");
  }
  for (const std::string& item : SplitValueList(text.substr(eq + 1), text, flag)) {
    if (IsRange(item)) {
      for (std::string& v : ExpandRange(item, text, flag)) g.values.push_back(std::move(v));
    } else {
      g.values.push_back(item);
    }
  }
  return g;
}

// ---- statistics ----------------------------------------------------------

std::vector<uint64_t> ReplicationSeeds(uint64_t base, unsigned replications) {
  std::vector<uint64_t> seeds;
  for (unsigned i = 0; i < replications; ++i) {
    seeds.push_back(i == 0 ? base : SplitMix64(base ^ i) >> 1);
  }
  return seeds;
}

double StudentT975(unsigned dof) {
  return boost::math::quantile(boost::math::students_t(static_cast<double>(dof)), 0.975);
}

std::optional<ReplicationSplit> FindSplit(std::vector<double> values) {
  if (values.size() < 3) return std::nullopt;
  std::sort(values.begin(), values.end());
  size_t cut = 1;  // the high group starts here
  for (size_t i = 1; i < values.size(); ++i) {
    if (values[i] - values[i - 1] > values[cut] - values[cut - 1]) cut = i;
  }
  const double gap = values[cut] - values[cut - 1];
  const double spread = std::max(values[cut - 1] - values.front(), values.back() - values[cut]);
  const double scale = std::max(std::abs(values.front()), std::abs(values.back()));
  if (!(gap > 4 * spread && gap > 0.1 * scale)) return std::nullopt;
  const auto mean = [](auto from, auto to) {
    return std::accumulate(from, to, 0.0) / static_cast<double>(to - from);
  };
  const auto split = values.begin() + static_cast<std::ptrdiff_t>(cut);
  return ReplicationSplit{cut, values.size() - cut, RoundSignificant(mean(values.begin(), split)),
                          RoundSignificant(mean(split, values.end()))};
}

std::vector<MetricStats> SummarizeReplications(const std::vector<json>& summaries) {
  if (summaries.empty()) throw std::invalid_argument("SummarizeReplications: no replications");
  std::vector<std::vector<std::pair<std::string, json>>> flat;
  for (const json& s : summaries) flat.push_back(FlattenJson(s));
  const size_t r = summaries.size();
  const double t = r >= 2 ? StudentT975(static_cast<unsigned>(r - 1)) : 0;
  std::vector<MetricStats> out;
  for (size_t m = 0; m < flat[0].size(); ++m) {
    const auto& [name, first] = flat[0][m];
    // Alert rules are lists of firings, not metrics (sweep.json keeps each replication's).
    if (name == "seed" || !first.is_number() || name.rfind("alerts.", 0) == 0) continue;
    std::vector<double> x;
    for (const auto& f : flat) {
      if (f.size() != flat[0].size() || f[m].first != name || !f[m].second.is_number()) {
        throw std::runtime_error("replications with different summary fields at " + name);
      }
      x.push_back(f[m].second.get<double>());
    }
    double sum = 0;
    for (double v : x) sum += v;
    const double mean = sum / static_cast<double>(r);
    MetricStats s{name, RoundSignificant(mean), std::nullopt, FindSplit(x)};
    if (r >= 2) {
      double ss = 0;
      for (double v : x) ss += (v - mean) * (v - mean);
      const double sd = std::sqrt(ss / static_cast<double>(r - 1));
      s.ci95 = RoundSignificant(t * sd / std::sqrt(static_cast<double>(r)));
    }
    out.push_back(std::move(s));
  }
  return out;
}

Grid ParseSensitivity(const std::string& text, const json& resolved) {
  const std::string where = jsonread::FlagText("--sensitivity", text);
  const size_t eq = text.find('=');
  if (eq == std::string::npos || text.empty() || text[0] != '/') {
    throw InputError(where +
                     ": expected /json/pointer=±X or /json/pointer=±X% such as "
                     "/workload/keys/alpha=±0.1");
  }
  const std::string pointer = text.substr(0, eq);
  std::string spread = text.substr(eq + 1);
  if (spread.rfind("±", 0) == 0) {
    spread = spread.substr(std::string("±").size());
  } else if (spread.rfind("+-", 0) == 0) {
    spread = spread.substr(2);
  } else {
    throw InputError(where + ": the spread must start with ± (or +-), such as ±0.1 or ±10%");
  }
  const bool relative = !spread.empty() && spread.back() == '%';
  if (relative) spread.pop_back();
  double x = 0;
  const auto [end, ec] = FromChars(spread.data(), spread.data() + spread.size(), x);
  if (ec != std::errc() || end != spread.data() + spread.size() || !(x > 0) || !std::isfinite(x)) {
    throw InputError(where + ": the spread must be a number > 0, got \"" + spread + "\"");
  }
  json::json_pointer ptr;
  try {
    ptr = json::json_pointer(pointer);
  } catch (const json::exception&) {
    throw InputError(where + ": " + pointer + " is not a JSON pointer");
  }
  // nlohmann's contains() itself throws for some pointers into arrays ("/alerts//").
  const json* found = nullptr;
  try {
    if (resolved.contains(ptr)) found = &resolved.at(ptr);
  } catch (const json::exception&) {
    found = nullptr;
  }
  if (found == nullptr || !found->is_number()) {
    throw InputError(where + ": " + pointer +
                     " must be a numeric field of the scenario (a count, a rate, an exponent)");
  }
  const json& base = *found;
  const double b = base.get<double>();
  const double d = relative ? std::abs(b) * x / 100 : x;
  Grid g{text, pointer, {}};
  // Shortest round-trip text: 1 and 0.1 give "0.9", "1", "1.1"; a whole spread
  // around a whole value stays whole ("270", "300", "330"), as counts need.
  for (double v : {b - d, b, b + d}) g.values.push_back(fmt::format("{}", v));
  return g;
}

std::vector<Grid> SweepGrids(const std::string& scenario_path, const std::vector<Override>& sets,
                             const std::vector<std::string>& grids,
                             const std::vector<std::string>& sensitivity) {
  std::vector<Grid> out;
  for (const std::string& g : grids) out.push_back(ParseGrid(g));
  if (out.empty() && sensitivity.empty()) {
    throw InputError("sweep: give at least one --grid or --sensitivity");
  }
  if (sensitivity.empty()) return out;
  // Each input's base is the scenario's own value, --set overrides applied.
  const Scenario base =
      scenario_path.empty() ? LoadDefaultScenario(sets) : LoadScenarioFile(scenario_path, sets);
  for (const std::string& text : sensitivity) {
    Grid g = ParseSensitivity(text, base.resolved);
    for (const Grid& other : out) {
      if (other.pointer == g.pointer) {
        throw InputError("--sensitivity " + text + ": " + g.pointer + " is already varied");
      }
    }
    out.push_back(std::move(g));
  }
  return out;
}

std::vector<std::string> SensitivityMetrics(const std::vector<std::string>& extra) {
  std::vector<std::string> m = {"cache.hit_ratio", "latency_ms.p99", "db.utilization"};
  for (const std::string& s : extra) {
    if (std::find(m.begin(), m.end(), s) == m.end()) m.push_back(s);
  }
  return m;
}

std::vector<SensitivityRow> SensitivityRows(const SweepPlan& plan,
                                            const std::vector<PointResult>& points, size_t first,
                                            const std::vector<std::string>& metrics) {
  // Point index from per-grid value indices: the first grid varies slowest.
  std::vector<size_t> stride(plan.grids.size(), 1);
  for (size_t g = plan.grids.size(); g-- > 1;) {
    stride[g - 1] = stride[g] * plan.grids[g].values.size();
  }
  std::map<size_t, const PointResult*> by_index;
  for (const PointResult& p : points) by_index[p.index] = &p;
  auto metric = [](const PointResult* p, const std::string& name) -> const MetricStats* {
    if (p == nullptr) return nullptr;
    for (const MetricStats& m : p->metrics) {
      if (m.name == name) return &m;
    }
    return nullptr;
  };
  std::vector<SensitivityRow> rows;
  // Every combination of the non-sensitivity grids (one when there are none).
  size_t others = 1;
  for (size_t g = 0; g < first; ++g) others *= plan.grids[g].values.size();
  for (size_t s = first; s < plan.grids.size(); ++s) {
    for (size_t o = 0; o < others; ++o) {
      size_t base = 0;
      std::vector<std::string> at;
      for (size_t g = first, rest = o; g-- > 0;) {
        const size_t n = plan.grids[g].values.size(), idx = rest % n;
        rest /= n;
        base += idx * stride[g];
        at.insert(at.begin(), plan.grids[g].pointer + "=" + plan.grids[g].values[idx]);
      }
      for (size_t g = first; g < plan.grids.size(); ++g) base += stride[g];  // each at its base
      const PointResult* lo =
          by_index.count(base - stride[s]) ? by_index[base - stride[s]] : nullptr;
      const PointResult* mid = by_index.count(base) ? by_index[base] : nullptr;
      const PointResult* hi =
          by_index.count(base + stride[s]) ? by_index[base + stride[s]] : nullptr;
      for (const std::string& name : metrics) {
        const MetricStats *l = metric(lo, name), *m = metric(mid, name), *h = metric(hi, name);
        if (l == nullptr || m == nullptr || h == nullptr) continue;
        const double swing =
            std::max({l->mean, m->mean, h->mean}) - std::min({l->mean, m->mean, h->mean});
        rows.push_back({plan.grids[s].text,
                        at.empty() ? "-" : fmt::format("{}", fmt::join(at, " ")), name, l->mean,
                        m->mean, h->mean, RoundSignificant(swing), m->ci95});
      }
    }
  }
  return rows;
}

std::string FormatSensitivityTable(const SweepPlan& plan, const std::vector<PointResult>& points,
                                   size_t first, const std::vector<std::string>& metrics) {
  std::vector<std::vector<std::string>> rows = {
      {"input", "at", "metric", "-X", "base", "+X", "swing", "base ci95"}};
  for (const SensitivityRow& r : SensitivityRows(plan, points, first, metrics)) {
    rows.push_back({r.input, r.at, r.metric, fmt::format("{:g}", r.low),
                    fmt::format("{:g}", r.base), fmt::format("{:g}", r.high),
                    fmt::format("{:g}", r.swing),
                    r.base_ci95 ? fmt::format("±{:g}", *r.base_ci95) : std::string("n/a")});
  }
  return "sensitivity: each input at -X, its base and +X, the others at their base\n" +
         AlignColumns(rows, 3);
}

std::string MeanCi(const MetricStats& m) {
  std::string out =
      m.ci95 ? fmt::format("{:g} ± {:g}", m.mean, *m.ci95) : fmt::format("{:g}", m.mean);
  if (m.unstable) {
    out += fmt::format(" [unstable: {} at {:g}, {} at {:g}]", m.unstable->low_count,
                       m.unstable->low_mean, m.unstable->high_count, m.unstable->high_mean);
  }
  return out;
}

json MetricStatsJson(const MetricStats& m) {
  json split = nullptr;
  if (m.unstable) {
    split = {{"low", {{"count", m.unstable->low_count}, {"mean", m.unstable->low_mean}}},
             {"high", {{"count", m.unstable->high_count}, {"mean", m.unstable->high_mean}}}};
  }
  return {{"mean", m.mean},
          {"ci95", m.ci95 ? json(*m.ci95) : json(nullptr)},
          {"unstable", std::move(split)}};
}

std::string FormatSweepTable(const SweepPlan& plan, const std::vector<PointResult>& points,
                             const std::vector<std::string>& extra_metrics, size_t max_rows) {
  std::vector<std::string> metrics = {"cache.hit_ratio", "latency_ms.p99", "db.utilization"};
  for (const std::string& m : extra_metrics) {
    if (std::find(metrics.begin(), metrics.end(), m) == metrics.end()) metrics.push_back(m);
  }
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> header;
  for (const Grid& g : plan.grids) header.push_back(g.pointer);
  header.insert(header.end(), metrics.begin(), metrics.end());
  rows.push_back(header);
  for (size_t i = 0; i < points.size() && i < max_rows; ++i) {
    std::vector<std::string> row;
    for (const Override& v : plan.points.at(points[i].index).values) row.push_back(v.value);
    for (const std::string& name : metrics) {
      const auto& ms = points[i].metrics;
      auto it =
          std::find_if(ms.begin(), ms.end(), [&](const MetricStats& m) { return m.name == name; });
      row.push_back(it == ms.end() ? "n/a" : MeanCi(*it));
    }
    rows.push_back(std::move(row));
  }
  std::string out = AlignColumns(rows, 0);
  if (points.size() > max_rows) {
    out += fmt::format("... {} more points in sweep.csv\n", points.size() - max_rows);
  }
  return out;
}

std::vector<std::string> SummaryMetricNames(const MetricsConfig& metrics) {
  Summary s;
  auto add = [&s](const std::string& name) { s.windows.emplace_back().name = name; };
  if (metrics.warmup > Duration()) add("steady");
  for (const MetricsWindow& w : metrics.windows) add(w.name);
  std::vector<std::string> names;
  for (const MetricStats& m : SummarizeReplications({SummaryToJson(s)})) {
    names.push_back(m.name);
  }
  return names;
}

std::vector<json> RunReplications(const Scenario& scenario, const std::vector<uint64_t>& seeds,
                                  unsigned threads, std::atomic<bool>* unstable) {
  std::vector<json> out(seeds.size());
  ParallelFor(seeds.size(), threads, [&](size_t i) {
    if (unstable == nullptr) {
      out[i] = RunOne(scenario, seeds[i]);
      return;
    }
    if (unstable->load()) return;
    RunOptions o;
    o.stop.when_unstable = true;
    o.stop.cancel = unstable;
    const RunResult r = RunSeed(scenario, seeds[i], o);
    if (r.stopped_early.rfind("database unstable", 0) == 0) *unstable = true;
    out[i] = SummaryToJson(r.summary);
  });
  return out;
}

// ---- plan ----------------------------------------------------------------

SweepPlan MakeSweepPlan(const std::string& scenario_path, const std::vector<Override>& sets,
                        const std::vector<Grid>& grids, unsigned replications) {
  if (replications == 0) throw InputError("--replications: must be >= 1, got 0");
  std::set<std::string> seen;
  for (const Grid& g : grids) {
    if (!seen.insert(g.pointer).second) {
      throw InputError("--grid " + g.text + ": " + g.pointer + " is already gridded");
    }
  }
  std::vector<std::vector<Override>> combos = Combinations(grids, "--grid");
  SweepPlan plan;
  plan.grids = grids;
  for (std::vector<Override>& combo : combos) {
    std::vector<Override> all = sets;
    all.insert(all.end(), combo.begin(), combo.end());
    SweepPoint p;
    p.index = plan.points.size();
    p.scenario =
        scenario_path.empty() ? LoadDefaultScenario(all) : LoadScenarioFile(scenario_path, all);
    p.values = std::move(combo);
    plan.points.push_back(std::move(p));
  }
  plan.name = plan.points.front().scenario.name;
  plan.seeds = ReplicationSeeds(plan.points.front().scenario.world.seed, replications);
  // The key covers everything a point's result depends on.
  const std::string seeds_text = fmt::format("{}", fmt::join(plan.seeds, ","));
  for (SweepPoint& p : plan.points) {
    p.key = fmt::format("{:016x}", Fnv1a(fmt::format("cachelab-sweep-point-1\n{}\nseeds={}\n",
                                                     p.scenario.resolved.dump(), seeds_text)));
  }
  return plan;
}

// ---- points --------------------------------------------------------------

json PointResultToJson(const PointResult& p) {
  return {{"index", p.index}, {"key", p.key}, {"replications", p.replications}};
}

PointResult PointResultFromJson(const json& j) {
  if (!j.is_object() || !j.contains("index") || !j["index"].is_number_unsigned() ||
      !j.contains("key") || !j["key"].is_string() || !j.contains("replications") ||
      !j["replications"].is_array() || j["replications"].empty()) {
    throw std::runtime_error("not a sweep point result");
  }
  PointResult p;
  p.index = j["index"].get<size_t>();
  p.key = j["key"].get<std::string>();
  for (const json& s : j["replications"]) {
    if (!s.is_object()) throw std::runtime_error("not a sweep point result");
    p.replications.push_back(s);
  }
  p.metrics = SummarizeReplications(p.replications);
  return p;
}

std::vector<PointResult> RunSweepPoints(const SweepPlan& plan,
                                        const std::vector<size_t>& point_indices, unsigned threads,
                                        const std::function<void(const PointResult&)>& on_done) {
  const size_t r = plan.seeds.size();
  const size_t n = point_indices.size();
  std::vector<std::vector<json>> summaries(n, std::vector<json>(r));
  auto remaining = std::make_unique<std::atomic<size_t>[]>(n);
  for (size_t k = 0; k < n; ++k) remaining[k] = r;
  std::vector<PointResult> out(n);
  std::mutex done_mutex;
  // Task t is replication t % R of the (t / R)-th point: a point's
  // replications start together, so finished points (and their files) come
  // early and steadily.
  ParallelFor(n * r, threads, [&](size_t t) {
    const size_t k = t / r;
    const SweepPoint& p = plan.points.at(point_indices[k]);
    summaries[k][t % r] = RunOne(p.scenario, plan.seeds[t % r]);
    if (remaining[k].fetch_sub(1) != 1) return;
    // The last replication of the point: the others' writes happened before
    // their decrements, which this one observed.
    PointResult result;
    result.index = p.index;
    result.key = p.key;
    result.replications = std::move(summaries[k]);
    result.metrics = SummarizeReplications(result.replications);
    if (on_done) {
      std::lock_guard<std::mutex> lock(done_mutex);
      on_done(result);
    }
    out[k] = std::move(result);
  });
  return out;
}

std::string SweepPointsDir(const std::string& out_dir) {
  fs::path target = fs::path(out_dir).lexically_normal();
  if (!target.has_filename()) target = target.parent_path();
  target += ".partial";
  return (target / "points").string();
}

std::vector<std::optional<PointResult>> LoadStoredPoints(const SweepPlan& plan,
                                                         const std::string& points_dir) {
  const fs::path dir(points_dir);
  std::vector<std::optional<PointResult>> have(plan.points.size());
  for (const SweepPoint& p : plan.points) {
    const fs::path file = dir / PointFileName(p);
    std::error_code ec;
    if (!fs::exists(file, ec)) continue;
    try {
      std::ifstream in(file, std::ios::binary);
      PointResult r = PointResultFromJson(json::parse(in));
      if (r.index == p.index && r.key == p.key && r.replications.size() == plan.seeds.size()) {
        have[p.index] = std::move(r);
      }
    } catch (const std::exception&) {
      // Unreadable (e.g. written by another version): run the point again.
    }
  }
  return have;
}

void StorePointResult(const SweepPlan& plan, const std::string& points_dir,
                      const PointResult& result) {
  const fs::path dir(points_dir);
  fs::create_directories(dir);
  StoreFileAtomically((dir / PointFileName(plan.points.at(result.index))).string(),
                      PointResultToJson(result).dump() + "\n");
}

SweepRun RunSweepResumable(const SweepPlan& plan, const std::string& points_dir, unsigned threads,
                           const std::function<void(size_t, size_t)>& progress) {
  SweepRun run;
  std::vector<std::optional<PointResult>> have = LoadStoredPoints(plan, points_dir);
  std::vector<size_t> missing;
  for (size_t i = 0; i < have.size(); ++i) {
    if (!have[i]) missing.push_back(i);
  }
  run.reused = plan.points.size() - missing.size();
  run.ran = missing.size();
  size_t finished = run.reused;
  std::vector<PointResult> fresh =
      RunSweepPoints(plan, missing, threads, [&](const PointResult& r) {
        StorePointResult(plan, points_dir, r);
        if (progress) progress(++finished, plan.points.size());
      });
  for (PointResult& r : fresh) have[r.index] = std::move(r);
  for (std::optional<PointResult>& r : have) run.points.push_back(std::move(*r));
  return run;
}

// ---- outputs -------------------------------------------------------------

json SweepToJson(const SweepPlan& plan, const std::vector<PointResult>& points) {
  json grids = json::array();
  for (const Grid& g : plan.grids) {
    json values = json::array();
    for (const std::string& v : g.values) values.push_back(OverrideValueJson(v));
    grids.push_back({{"pointer", g.pointer}, {"values", std::move(values)}});
  }
  json out_points = json::array();
  for (const PointResult& r : points) {
    json values = json::object();
    for (const Override& o : plan.points.at(r.index).values) {
      values[o.pointer] = OverrideValueJson(o.value);
    }
    json metrics = json::object();
    for (const MetricStats& m : r.metrics) {
      metrics[m.name] = MetricStatsJson(m);
    }
    out_points.push_back({{"values", std::move(values)},
                          {"metrics", std::move(metrics)},
                          {"replications", r.replications}});
  }
  return {{"scenario", plan.name},
          {"replications", plan.seeds.size()},
          {"seeds", plan.seeds},
          {"grids", std::move(grids)},
          {"points", std::move(out_points)}};
}

std::string SweepToCsv(const SweepPlan& plan, const std::vector<PointResult>& points) {
  // Points may report different fields (a cluster's per-node figures exist
  // only with several nodes): the columns are every point's, in the order
  // first seen, and a point without one leaves its cells empty.
  std::vector<std::string> names;
  std::map<std::string, size_t> column;
  for (const PointResult& r : points) {
    for (const MetricStats& m : r.metrics) {
      if (column.emplace(m.name, names.size()).second) names.push_back(m.name);
    }
  }
  std::vector<std::string> header;
  for (const Grid& g : plan.grids) header.push_back(CsvCell(json(g.pointer)));
  for (const std::string& name : names) {
    header.push_back(name + ".mean");
    header.push_back(name + ".ci95");
  }
  std::string out = fmt::format("{}\n", fmt::join(header, ","));
  for (const PointResult& r : points) {
    std::vector<std::string> cells;
    for (const Override& o : plan.points.at(r.index).values)
      cells.push_back(CsvCell(json(o.value)));
    std::vector<std::string> metric_cells(2 * names.size());
    for (const MetricStats& m : r.metrics) {
      const size_t c = column.at(m.name);
      metric_cells[2 * c] = fmt::format("{}", m.mean);
      if (m.ci95) metric_cells[2 * c + 1] = fmt::format("{}", *m.ci95);
    }
    cells.insert(cells.end(), metric_cells.begin(), metric_cells.end());
    out += fmt::format("{}\n", fmt::join(cells, ","));
  }
  return out;
}

void WriteSweepOutputs(const std::string& dir, const SweepPlan& plan,
                       const std::vector<PointResult>& points) {
  if (points.size() != plan.points.size()) {
    throw std::logic_error("WriteSweepOutputs: not every point has a result");
  }
  for (size_t i = 0; i < points.size(); ++i) {
    if (points[i].index != i || points[i].key != plan.points[i].key) {
      throw std::logic_error("WriteSweepOutputs: point results out of order or from another plan");
    }
  }
  // Serialise before touching the file system.
  std::vector<std::pair<std::string, std::string>> files{
      {"sweep.json", SweepToJson(plan, points).dump(2) + "\n"},
      {"sweep.csv", SweepToCsv(plan, points)}};
  WriteFolderAtomically(dir, files);
}

std::string DefaultSweepDir(const Scenario& scenario) {
  const std::string run_dir = DefaultRunDir(scenario);  // results/runs/<safe name>-<seed>
  return run_dir.substr(0, run_dir.rfind('-')) + "-sweep";
}

}  // namespace cachelab
