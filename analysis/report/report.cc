// The report's data model: result folders read back (strictly: every file is
// checked against the output contract, errors name the file and the line or
// JSON pointer) into one JSON document the page's script draws.
#include "analysis/report/report.h"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>
#include <utility>

#include "analysis/common/errors.h"
#include "analysis/common/from_chars.h"
#include "analysis/common/json_reader.h"
#include "analysis/experiments/plan.h"
#include "analysis/outputs/flat_json.h"
#include "analysis/report/assets.h"

namespace cachelab {

namespace fs = std::filesystem;
using jsonread::Node;
using jsonread::Origins;
using nlohmann::json;

namespace {

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw InputError(fmt::format("{}: cannot read: {}", path.string(), std::strerror(errno)));
  }
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

json LoadJson(const fs::path& path) {
  return jsonread::ParseJsonStrict(ReadFile(path), path.string());
}

// Typed access with errors "<file>: <pointer>: expected ..., got ...".
class Doc {
 public:
  explicit Doc(const fs::path& path) : origins_(path.string()), root_(LoadJson(path)) {}
  const json& root() const { return root_; }
  const Origins& origins() const { return origins_; }

  const json& Field(const json& parent, const std::string& pointer, const std::string& name,
                    const std::string& expected) const {
    return *jsonread::ObjectReader(origins_, {&parent, pointer}).Required(name, expected).value;
  }
  double Number(const json& parent, const std::string& pointer, const std::string& name) const {
    const json& v = Field(parent, pointer, name, "a number");
    return jsonread::ReadNumber(origins_, {&v, jsonread::Child(pointer, name)});
  }
  const std::string& String(const json& parent, const std::string& pointer,
                            const std::string& name) const {
    const json& v = Field(parent, pointer, name, "a string");
    return jsonread::ReadString(origins_, {&v, jsonread::Child(pointer, name)});
  }
  const json& Array(const json& parent, const std::string& pointer, const std::string& name) const {
    const json& v = Field(parent, pointer, name, "an array");
    if (!v.is_array())
      jsonread::Expected(origins_, {&v, jsonread::Child(pointer, name)}, "an array");
    return v;
  }
  const json& Object(const json& parent, const std::string& pointer,
                     const std::string& name) const {
    const json& v = Field(parent, pointer, name, "an object");
    if (!v.is_object()) {
      jsonread::Expected(origins_, {&v, jsonread::Child(pointer, name)}, "an object");
    }
    return v;
  }
  // A number or null.
  std::optional<double> NumberOrNull(const json& parent, const std::string& pointer,
                                     const std::string& name) const {
    const json& v = Field(parent, pointer, name, "a number or null");
    if (v.is_null()) return std::nullopt;
    if (!v.is_number()) {
      jsonread::Expected(origins_, {&v, jsonread::Child(pointer, name)}, "a number or null");
    }
    return v.get<double>();
  }

 private:
  Origins origins_;
  json root_;
};

// Whole numbers as JSON integers: "120" rather than "120.0" in the page.
json Num(double x) {
  if (std::isfinite(x) && x == std::floor(x) && std::fabs(x) < 9e15) {
    return static_cast<int64_t>(x);
  }
  return x;
}

double ParseCell(std::string_view cell, const std::string& source, size_t line,
                 const std::string& column) {
  double v = 0;
  const char* end = cell.data() + cell.size();
  const auto [ptr, ec] = FromChars(cell.data(), end, v);
  if (cell.empty() || ec != std::errc() || ptr != end || !std::isfinite(v)) {
    throw InputError(fmt::format("{}: line {}: column {}: expected a number, got \"{}\"", source,
                                 line, column, cell));
  }
  return v;
}

std::vector<std::string_view> SplitCommas(std::string_view line) {
  std::vector<std::string_view> cells;
  size_t start = 0;
  while (true) {
    const size_t comma = line.find(',', start);
    cells.push_back(line.substr(start, comma == std::string_view::npos ? comma : comma - start));
    if (comma == std::string_view::npos) return cells;
    start = comma + 1;
  }
}

enum class Merge { kSum, kMax, kLast, kWeightedMean, kHitRatio, kFirst };

Merge MergeRule(const std::string& column) {
  static const std::set<std::string> kSums = {
      "requests", "reads",      "writes",      "failed",    "hits",        "misses",
      "errors",   "db_queries", "stale_reads", "evictions", "expirations", "stampede_loads"};
  if (column == "time_s") return Merge::kFirst;
  if (column == "hit_ratio") return Merge::kHitRatio;
  if (kSums.count(column)) return Merge::kSum;
  if (column == "db_queue_depth" || column == "p50_ms" || column == "p99_ms") return Merge::kMax;
  if (column == "cache_bytes" || column == "cache_items") return Merge::kLast;
  return Merge::kWeightedMean;  // utilizations, and columns added to the contract later
}

size_t MergeFactor(size_t rows, size_t max_points) {
  return rows <= max_points ? 1 : (rows + max_points - 1) / max_points;
}

json SeriesJson(const TimeSeries& ts, size_t factor, size_t rows_before) {
  json columns = json::object();
  for (const std::string& name : ts.names) {
    json values = json::array();
    for (double v : ts.columns.at(name)) values.push_back(Num(v));
    columns[name] = std::move(values);
  }
  json durations = json::array();
  for (double d : ts.duration_s) durations.push_back(Num(d));
  return {{"columns", std::move(columns)},
          {"names", ts.names},
          {"duration_s", std::move(durations)},
          {"factor", factor},
          {"rows_before_merge", rows_before}};
}

// events.json as the page needs it: checked, unknown fields dropped.
json EventsJson(const fs::path& path) {
  const Doc doc(path);
  const json& root = doc.root();
  json faults = json::array();
  const json& f = doc.Array(root, "", "faults");
  for (size_t i = 0; i < f.size(); ++i) {
    const std::string p = jsonread::Child("/faults", i);
    json end = nullptr;
    if (auto e = doc.NumberOrNull(f[i], p, "end_s")) end = *e;
    faults.push_back({{"kind", doc.String(f[i], p, "kind")},
                      {"start_s", doc.Number(f[i], p, "start_s")},
                      {"end_s", end}});
  }
  json deploys = json::array();
  const json& d = doc.Array(root, "", "deploys");
  for (size_t i = 0; i < d.size(); ++i) {
    const std::string p = jsonread::Child("/deploys", i);
    deploys.push_back(
        {{"at_s", doc.Number(d[i], p, "at_s")}, {"what", doc.String(d[i], p, "what")}});
  }
  json hot = json::array();
  const json& h = doc.Array(root, "", "hot_keys");
  for (size_t i = 0; i < h.size(); ++i) {
    const std::string p = jsonread::Child("/hot_keys", i);
    const json& key = doc.Field(h[i], p, "key", "a key");
    const json& times = doc.Array(h[i], p, "expiries_s");
    json expiries = json::array();
    for (size_t j = 0; j < times.size(); ++j) {
      expiries.push_back(Num(jsonread::ReadNumber(
          doc.origins(), {&times[j], jsonread::Child(jsonread::Child(p, "expiries_s"), j)})));
    }
    const json& truncated = doc.Field(h[i], p, "truncated", "a boolean");
    hot.push_back(
        {{"key", key},
         {"rank", doc.Number(h[i], p, "rank")},
         {"expiries_s", std::move(expiries)},
         {"truncated",
          jsonread::ReadBool(doc.origins(), {&truncated, jsonread::Child(p, "truncated")})}});
  }
  return {
      {"faults", std::move(faults)}, {"deploys", std::move(deploys)}, {"hot_keys", std::move(hot)}};
}

double SimulatedSeconds(const Doc& summary, const json& s, const std::string& pointer) {
  return summary.Number(s, pointer, "simulated_seconds");
}

// Summary leaves for the tables: [[name, value], ...] in summary.json order;
// alerts are drawn separately.
json SummaryRows(const json& summary) {
  json rows = json::array();
  for (auto& [name, value] : FlattenJson(summary)) {
    if (name == "alerts" || name.rfind("alerts.", 0) == 0) continue;
    rows.push_back({name, value});
  }
  return rows;
}

json AlertsJson(const Doc& doc, const json& summary, const std::string& pointer) {
  json out = json::array();
  const auto it = summary.find("alerts");
  if (it == summary.end()) return out;
  const std::string p = jsonread::Child(pointer, "alerts");
  if (!it->is_array()) jsonread::Expected(doc.origins(), {&*it, p}, "an array");
  for (size_t i = 0; i < it->size(); ++i) {
    const json& a = (*it)[i];
    const std::string ap = jsonread::Child(p, i);
    out.push_back({{"name", doc.String(a, ap, "name")},
                   {"rule", doc.String(a, ap, "rule")},
                   {"intervals_firing", doc.Number(a, ap, "intervals_firing")},
                   {"fired_at_s", doc.Array(a, ap, "fired_at_s")},
                   {"resolved_at_s", doc.Array(a, ap, "resolved_at_s")}});
  }
  return out;
}

json RunData(const fs::path& dir, const ReportOptions& options) {
  const Doc summary(dir / "summary.json");
  const json& s = summary.root();
  const std::string& name = summary.String(s, "", "scenario");
  const double end_s = SimulatedSeconds(summary, s, "");
  const fs::path csv = dir / "timeseries.csv";
  const TimeSeries ts = ParseTimeSeriesCsv(ReadFile(csv), csv.string(), end_s);
  const size_t factor = MergeFactor(ts.rows(), options.max_points);

  json data = {{"kind", "run"}, {"title", name}, {"scenario", name}};
  const fs::path resolved = dir / "scenario.resolved.json";
  if (fs::exists(resolved)) {
    const Doc scenario(resolved);
    const auto d = scenario.root().find("description");
    if (d != scenario.root().end() && d->is_string()) data["description"] = *d;
    const auto m = scenario.root().find("metrics");
    if (m != scenario.root().end() && m->is_object() && m->contains("interval")) {
      data["interval"] = (*m)["interval"];
    }
  }
  data["seed"] = s.value("seed", json(nullptr));
  data["series"] = json::array(
      {{{"label", name}, {"data", SeriesJson(MergeIntervals(ts, factor), factor, ts.rows())}}});
  const fs::path events = dir / "events.json";
  data["events"] = fs::exists(events) ? EventsJson(events) : json(nullptr);
  data["summary"] = SummaryRows(s);
  data["alerts"] = AlertsJson(summary, s, "");
  return data;
}

std::string ValueText(const json& v) {
  return v.is_string() ? v.get<std::string>() : v.dump();
}

// A variant's value as a legend shows it: a policy object by its name
// ({"name":"lock","params":{...}} -> "lock"), anything else as ValueText.
std::string BriefValue(const json& v) {
  if (v.is_object() && v.contains("name") && v["name"].is_string()) {
    return v["name"].get<std::string>() + (v.size() > 1 ? "*" : "");
  }
  return ValueText(v);
}

json CompareData(const fs::path& dir, const ReportOptions& options) {
  const Doc doc(dir / "compare.json");
  const json& root = doc.root();
  if (!root.is_array() || root.empty()) {
    jsonread::Expected(doc.origins(), {&root, ""}, "a non-empty array of variants");
  }
  std::string name;
  json variants = json::array();
  std::vector<TimeSeries> series;
  bool all_series = true;
  for (size_t i = 0; i < root.size(); ++i) {
    const std::string p = jsonread::Child("", i);
    const json& values = doc.Object(root[i], p, "variant");
    const json& summary = doc.Object(root[i], p, "summary");
    const std::string sp = jsonread::Child(p, "summary");
    name = doc.String(summary, sp, "scenario");
    std::string label, brief;
    for (auto& [pointer, value] : values.items()) {
      label += (label.empty() ? "" : ", ") + pointer + "=" + ValueText(value);
      brief += (brief.empty() ? "" : " · ") + BriefValue(value);
    }
    // compare.json's own label (the --vary labels) when it has one.
    if (root[i].contains("label")) brief = doc.String(root[i], p, "label");
    json v = {{"label", label.empty() ? "(as is)" : label},
              {"short", brief.empty() ? "(as is)" : brief},
              {"values", values},
              {"summary", SummaryRows(summary)},
              {"alerts", AlertsJson(doc, summary, sp)}};
    const fs::path csv = dir / fmt::format("variant-{}.timeseries.csv", i);
    if (fs::exists(csv)) {
      series.push_back(
          ParseTimeSeriesCsv(ReadFile(csv), csv.string(), SimulatedSeconds(doc, summary, sp)));
    } else {
      all_series = false;
    }
    const fs::path events = dir / fmt::format("variant-{}.events.json", i);
    v["events"] = fs::exists(events) ? EventsJson(events) : json(nullptr);
    variants.push_back(std::move(v));
  }
  json data = {{"kind", "compare"}, {"title", name}, {"scenario", name}};
  if (all_series) {
    size_t rows = 0;
    for (const TimeSeries& ts : series) rows = std::max(rows, ts.rows());
    const size_t factor = MergeFactor(rows, options.max_points);
    for (size_t i = 0; i < series.size(); ++i) {
      variants[i]["data"] = SeriesJson(MergeIntervals(series[i], factor), factor, series[i].rows());
    }
  }
  data["variants"] = std::move(variants);
  data["has_series"] = all_series;
  return data;
}

// A grid value on a numeric axis: numbers as they are, durations in seconds,
// sizes in bytes; anything else makes the grid categorical.
struct AxisValue {
  std::optional<double> x;
  std::string unit;  // "", "s", "bytes"
};

AxisValue ToAxis(const json& v) {
  if (v.is_number()) return {v.get<double>(), ""};
  if (!v.is_string()) return {};
  const std::string& s = v.get_ref<const std::string&>();
  int64_t n = 0;
  if (jsonread::ParseDurationNanos(s, &n) == jsonread::UnitParse::kOk) return {n / 1e9, "s"};
  if (jsonread::ParseSizeBytes(s, &n) == jsonread::UnitParse::kOk) {
    return {static_cast<double>(n), "bytes"};
  }
  return {};
}

// [{pointer, labels, x (null when categorical), unit}] for values as given.
json AxisJson(const std::string& pointer, const std::vector<json>& values) {
  json labels = json::array(), xs = json::array();
  std::set<std::string> units;
  bool numeric = true;
  for (const json& v : values) {
    labels.push_back(ValueText(v));
    const AxisValue a = ToAxis(v);
    if (!a.x) numeric = false;
    units.insert(a.unit);
    xs.push_back(a.x ? Num(*a.x) : json(nullptr));
  }
  if (units.size() > 1) numeric = false;  // "10" next to "1GiB": no common axis
  return {{"pointer", pointer},
          {"labels", std::move(labels)},
          {"x", numeric ? std::move(xs) : json(nullptr)},
          {"unit", numeric && !units.empty() ? json(*units.begin()) : json(nullptr)}};
}

json SloJson(const Slo& slo) {
  static const char* kOps[] = {"<=", "<", ">=", ">"};
  return {{"text", slo.text},
          {"metric", slo.metric},
          {"op", kOps[static_cast<int>(slo.op)]},
          {"threshold", slo.threshold}};
}

json Stats(const Doc& doc, const json& m, const std::string& pointer) {
  json ci = nullptr;
  if (auto h = doc.NumberOrNull(m, pointer, "ci95")) ci = Num(*h);
  return {{"mean", Num(doc.Number(m, pointer, "mean"))}, {"ci95", std::move(ci)}};
}

json PlanJson(const fs::path& path) {
  const Doc doc(path);
  const json& root = doc.root();
  const std::string& pointer = doc.String(root, "", "pointer");
  json slos = json::array();
  const json& texts = doc.Array(root, "", "slos");
  for (size_t i = 0; i < texts.size(); ++i) {
    const std::string& text =
        jsonread::ReadString(doc.origins(), {&texts[i], jsonread::Child("/slos", i)});
    try {
      slos.push_back(SloJson(ParseSlo(text)));
    } catch (const InputError& e) {
      doc.origins().Fail(jsonread::Child("/slos", i), e.what());
    }
  }
  const json& probes_in = doc.Array(root, "", "probes");
  std::vector<json> values;
  json probes = json::array();
  for (size_t i = 0; i < probes_in.size(); ++i) {
    const std::string p = jsonread::Child("/probes", i);
    const json& value = doc.Field(probes_in[i], p, "value", "a value");
    const json& metrics = doc.Object(probes_in[i], p, "metrics");
    json stats = json::object();
    for (auto& [metric, m] : metrics.items()) {
      stats[metric] = Stats(doc, m, jsonread::Child(jsonread::Child(p, "metrics"), metric));
    }
    const json& meets = doc.Field(probes_in[i], p, "meets", "a boolean");
    values.push_back(value);
    probes.push_back({{"value", ValueText(value)},
                      {"meets", jsonread::ReadBool(doc.origins(), {&meets, p + "/meets"})},
                      {"metrics", std::move(stats)}});
  }
  const json& answer = doc.Field(root, "", "answer", "the answer's value");
  const json& below = doc.Field(root, "", "below", "a value or null");
  json axis = AxisJson(pointer, values);
  json answer_x = nullptr;
  if (auto a = ToAxis(answer).x) answer_x = Num(*a);
  return {{"scenario", doc.String(root, "", "scenario")},
          {"pointer", pointer},
          {"slos", std::move(slos)},
          {"replications", doc.Number(root, "", "replications")},
          {"runs", doc.Number(root, "", "runs")},
          {"answer", ValueText(answer)},
          {"answer_x", std::move(answer_x)},
          {"below", below.is_null() ? json(nullptr) : json(ValueText(below))},
          {"axis", std::move(axis)},
          {"probes", std::move(probes)}};
}

json SweepData(const fs::path& dir, const ReportOptions& options) {
  const Doc doc(dir / "sweep.json");
  const json& root = doc.root();
  const std::string& name = doc.String(root, "", "scenario");
  const json& grids_in = doc.Array(root, "", "grids");
  json grids = json::array();
  std::vector<std::string> pointers;
  for (size_t g = 0; g < grids_in.size(); ++g) {
    const std::string p = jsonread::Child("/grids", g);
    pointers.push_back(doc.String(grids_in[g], p, "pointer"));
    const json& values = doc.Array(grids_in[g], p, "values");
    grids.push_back(AxisJson(pointers.back(), std::vector<json>(values.begin(), values.end())));
  }
  const json& points_in = doc.Array(root, "", "points");
  json points = json::array();
  std::vector<std::string> metric_names;
  for (size_t i = 0; i < points_in.size(); ++i) {
    const std::string p = jsonread::Child("/points", i);
    const json& values = doc.Object(points_in[i], p, "values");
    json index = json::array();
    for (size_t g = 0; g < pointers.size(); ++g) {
      const std::string vp = jsonread::Child(p, "values");
      const json& v = doc.Field(values, vp, pointers[g], "the grid's value");
      const json& labels = grids[g]["labels"];
      const auto it = std::find(labels.begin(), labels.end(), json(ValueText(v)));
      if (it == labels.end()) {
        doc.origins().Fail(jsonread::Child(vp, pointers[g]),
                           "expected one of the grid's values, got " + jsonread::Describe(v));
      }
      index.push_back(it - labels.begin());
    }
    const json& metrics = doc.Object(points_in[i], p, "metrics");
    json stats = json::object();
    for (auto& [metric, m] : metrics.items()) {
      if (i == 0) metric_names.push_back(metric);
      stats[metric] = Stats(doc, m, jsonread::Child(jsonread::Child(p, "metrics"), metric));
    }
    points.push_back({{"index", std::move(index)}, {"metrics", std::move(stats)}});
  }
  std::vector<Slo> parsed;
  for (const std::string& text : options.slos) parsed.push_back(ParseSlo(text));
  CheckSloMetrics(parsed, metric_names);
  json slos = json::array();
  for (const Slo& slo : parsed) slos.push_back(SloJson(slo));
  json plan = nullptr;
  if (!options.plan_dir.empty()) {
    plan = PlanJson(fs::path(options.plan_dir) / "plan.json");
    const std::string varied = plan["pointer"].get<std::string>();  // PlanJson checked it
    if (std::find(pointers.begin(), pointers.end(), varied) == pointers.end()) {
      throw InputError(fmt::format("--plan {}: the plan varies {}, which is not a grid of {}",
                                   options.plan_dir, varied, (dir / "sweep.json").string()));
    }
    for (json& s : plan["slos"]) slos.push_back(s);
  }
  return {{"kind", "sweep"},
          {"title", name},
          {"scenario", name},
          {"replications", doc.Number(root, "", "replications")},
          {"grids", std::move(grids)},
          {"metrics", metric_names},
          {"points", std::move(points)},
          {"slos", std::move(slos)},
          {"plan", std::move(plan)}};
}

json ExplainData(const fs::path& dir) {
  const Doc doc(dir / "explain.json");
  const json& root = doc.root();
  const std::string& name = doc.String(root, "", "scenario");
  const json& actors = doc.Array(root, "", "actors");
  for (size_t i = 0; i < actors.size(); ++i) {
    jsonread::ReadString(doc.origins(), {&actors[i], jsonread::Child("/actors", i)});
  }
  const json& events_in = doc.Array(root, "", "events");
  json events = json::array();
  for (size_t i = 0; i < events_in.size(); ++i) {
    const std::string p = jsonread::Child("/events", i);
    const json& e = events_in[i];
    const json& request = doc.Field(e, p, "request", "a request number or null");
    const json& instance = doc.Field(e, p, "instance", "an instance number or null");
    const json& stale = doc.Field(e, p, "stale", "a boolean");
    events.push_back({{"at_s", doc.Number(e, p, "at_s")},
                      {"request", request},
                      {"instance", instance},
                      {"actor", doc.String(e, p, "actor")},
                      {"text", doc.String(e, p, "text")},
                      {"stale", jsonread::ReadBool(doc.origins(), {&stale, p + "/stale"})},
                      {"column", e.value("column", json(nullptr))},
                      {"direction", e.value("direction", json(nullptr))}});
  }
  return {
      {"kind", "explain"},
      {"title", fmt::format("{}, key {}", name, ValueText(doc.Field(root, "", "key", "a key")))},
      {"scenario", name},
      {"key", root["key"]},
      {"from_s", doc.Number(root, "", "from_s")},
      {"to_s", doc.Number(root, "", "to_s")},
      {"actors", actors},
      {"events", std::move(events)},
      {"summary", root.value("summary", json::object())},
      {"truncated", root.value("truncated", false)},
      {"events_total", root.value("events_total", json(events_in.size()))}};
}

}  // namespace

TimeSeries ParseTimeSeriesCsv(const std::string& text, const std::string& source, double end_s) {
  TimeSeries ts;
  std::istringstream in(text);
  std::string line;
  size_t number = 0;
  std::vector<std::vector<double>*> columns;
  while (std::getline(in, line)) {
    ++number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const std::vector<std::string_view> cells = SplitCommas(line);
    if (number == 1) {
      for (std::string_view c : cells) {
        std::string name(c);
        if (name.empty() || ts.columns.count(name)) {
          throw InputError(
              fmt::format("{}: line 1: expected distinct column names, got \"{}\"", source, name));
        }
        ts.names.push_back(name);
        ts.columns[name];
      }
      if (!ts.columns.count("time_s")) {
        throw InputError(
            fmt::format("{}: line 1: expected a time_s column, got \"{}\"", source, line));
      }
      for (const std::string& name : ts.names) columns.push_back(&ts.columns[name]);
      continue;
    }
    if (line.empty()) continue;
    if (cells.size() != ts.names.size()) {
      throw InputError(fmt::format("{}: line {}: expected {} cells, got {}", source, number,
                                   ts.names.size(), cells.size()));
    }
    for (size_t c = 0; c < cells.size(); ++c) {
      columns[c]->push_back(ParseCell(cells[c], source, number, ts.names[c]));
    }
    const std::vector<double>& t = ts.columns["time_s"];
    if (t.size() >= 2 && t.back() < t[t.size() - 2]) {
      throw InputError(fmt::format("{}: line {}: time_s goes backwards ({} after {})", source,
                                   number, t.back(), t[t.size() - 2]));
    }
  }
  if (number == 0) throw InputError(source + ": expected a header line, got an empty file");
  const std::vector<double>& t = ts.columns["time_s"];
  for (size_t i = 0; i < t.size(); ++i) {
    const double end = i + 1 < t.size() ? t[i + 1] : std::max(end_s, t[i]);
    ts.duration_s.push_back(end - t[i]);
  }
  return ts;
}

TimeSeries MergeIntervals(const TimeSeries& ts, size_t factor) {
  if (factor <= 1) return ts;
  if (ts.columns.count("hit_ratio") && (!ts.columns.count("hits") || !ts.columns.count("misses"))) {
    throw InputError("timeseries.csv: hit_ratio without hits and misses columns");
  }
  TimeSeries out;
  out.names = ts.names;
  const size_t rows = ts.rows();
  for (size_t start = 0; start < rows; start += factor) {
    const size_t end = std::min(rows, start + factor);
    double duration = 0;
    for (size_t i = start; i < end; ++i) duration += ts.duration_s[i];
    out.duration_s.push_back(duration);
    for (const std::string& name : ts.names) {
      const std::vector<double>& in = ts.columns.at(name);
      double v = 0;
      switch (MergeRule(name)) {
        case Merge::kFirst:
          v = in[start];
          break;
        case Merge::kLast:
          v = in[end - 1];
          break;
        case Merge::kSum:
          for (size_t i = start; i < end; ++i) v += in[i];
          break;
        case Merge::kMax:
          v = *std::max_element(in.begin() + static_cast<long>(start),
                                in.begin() + static_cast<long>(end));
          break;
        case Merge::kWeightedMean:
          for (size_t i = start; i < end; ++i) v += in[i] * ts.duration_s[i];
          v = duration > 0 ? v / duration : in[start];
          break;
        case Merge::kHitRatio: {
          double hits = 0, misses = 0;
          for (size_t i = start; i < end; ++i) {
            hits += ts.columns.at("hits")[i];
            misses += ts.columns.at("misses")[i];
          }
          v = hits + misses > 0 ? hits / (hits + misses) : 0;
          break;
        }
      }
      out.columns[name].push_back(v);
    }
  }
  return out;
}

json ReportData(const std::string& dir_text, const ReportOptions& options) {
  if (options.max_points < 2) throw InputError("--max-points: expected at least 2");
  const fs::path dir(dir_text);
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    throw InputError(fmt::format("{}: expected a result folder, got {}", dir_text,
                                 fs::exists(dir, ec) ? "a file" : "nothing (no such folder)"));
  }
  const bool sweep = fs::exists(dir / "sweep.json");
  if ((!options.slos.empty() || !options.plan_dir.empty()) && !sweep) {
    throw InputError(
        fmt::format("{}: --slo and --plan apply to a sweep folder (sweep.json), "
                    "got a folder without one",
                    dir_text));
  }
  json data;
  if (fs::exists(dir / "compare.json")) {
    data = CompareData(dir, options);
  } else if (sweep) {
    data = SweepData(dir, options);
  } else if (fs::exists(dir / "plan.json")) {
    json plan = PlanJson(dir / "plan.json");
    data = {{"kind", "plan"},
            {"title", plan["scenario"]},
            {"scenario", plan["scenario"]},
            {"plan", std::move(plan)}};
  } else if (fs::exists(dir / "explain.json")) {
    data = ExplainData(dir);
  } else if (fs::exists(dir / "summary.json")) {
    data = RunData(dir, options);
  } else {
    throw InputError(fmt::format(
        "{}: expected a result folder (summary.json and timeseries.csv of a run, compare.json, "
        "sweep.json, plan.json or explain.json), got none of these files",
        dir_text));
  }
  data["max_points"] = options.max_points;
  return data;
}

std::string JsonForScript(const json& j) {
  // Text from a folder's CSV headers need not be UTF-8; the page shows U+FFFD.
  const std::string text = j.dump(-1, ' ', false, json::error_handler_t::replace);
  std::string out;
  out.reserve(text.size() + text.size() / 16);
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '<') {
      out += "\\u003c";
    } else if (c == '>') {
      out += "\\u003e";
    } else if (c == '&') {
      out += "\\u0026";
    } else if (c == '\xE2' && i + 2 < text.size() && text[i + 1] == '\x80' &&
               (text[i + 2] == '\xA8' || text[i + 2] == '\xA9')) {
      out += text[i + 2] == '\xA8' ? "\\u2028" : "\\u2029";
      i += 2;
    } else {
      out += c;
    }
  }
  return out;
}

std::string EscapeHtml(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string RenderReportHtml(const json& data) {
  const std::string title =
      fmt::format("cachelab {}: {}", data.value("kind", std::string("report")),
                  data.value("title", std::string()));
  std::string html;
  html += "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  html += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  // No network at all: the page works from a file, a mail attachment, a USB stick.
  html +=
      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
      "script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:\">\n";
  html += "<meta name=\"generator\" content=\"cachelab report\">\n";
  html += "<title>" + EscapeHtml(title) + "</title>\n";
  html += "<style>\n";
  html += report_assets::Text(report_assets::kUplotCss);
  html += "\n";
  html += report_assets::Text(report_assets::kReportCss);
  html += "</style>\n</head>\n<body data-status=\"loading\">\n";
  html +=
      "<noscript>This report draws its charts with JavaScript; enable it to see them."
      "</noscript>\n";
  html += "<main id=\"report\"></main>\n";
  html +=
      "<script type=\"application/json\" id=\"report-data\">" + JsonForScript(data) + "</script>\n";
  html += "<script>\n";
  html += report_assets::Text(report_assets::kUplotJs);
  html += "\n</script>\n<script>\n";
  html += report_assets::Text(report_assets::kReportJs);
  html += "\n</script>\n</body>\n</html>\n";
  return html;
}

std::string BuildReport(const std::string& dir, const ReportOptions& options) {
  return RenderReportHtml(ReportData(dir, options));
}

}  // namespace cachelab
