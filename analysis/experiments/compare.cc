#include "analysis/experiments/compare.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <mutex>
#include <numeric>

#include "analysis/common/atomic_files.h"
#include "analysis/common/errors.h"
#include "analysis/common/parallel.h"
#include "analysis/outputs/flat_json.h"
#include "analysis/outputs/run_outputs.h"
#include "analysis/scenario/run.h"

namespace cachelab {
namespace {

using nlohmann::json;

// A table cell of at most 20 characters: long unlabelled values (policy
// objects) would make the table hundreds of columns wide; compare.json keeps
// them whole.
std::string ClipCell(const std::string& text) {
  constexpr size_t kMax = 20;
  if (text.size() <= kMax) return text;
  size_t cut = kMax - 3;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return text.substr(0, cut) + "...";
}

}  // namespace

CompareResult RunCompare(const std::string& scenario_path, const std::vector<Override>& sets,
                         const std::vector<Vary>& varies, unsigned threads,
                         const std::function<void(double)>& progress) {
  CompareResult out;
  std::vector<std::vector<Override>> combos = Combinations(varies, "--vary");
  for (size_t i = 0; i < combos.size(); ++i) {
    std::vector<Override> all = sets;
    all.insert(all.end(), combos[i].begin(), combos[i].end());
    CompareVariant v;
    v.scenario =
        scenario_path.empty() ? LoadDefaultScenario(all) : LoadScenarioFile(scenario_path, all);
    // Combination i takes value (i / stride) % size of each axis, the first slowest.
    size_t stride = combos.size();
    for (const Vary& axis : varies) {
      stride /= axis.values.size();
      v.labels.push_back(axis.labels[(i / stride) % axis.values.size()]);
    }
    v.label = v.labels.empty() ? "scenario" : fmt::format("{}", fmt::join(v.labels, " "));
    v.overrides = std::move(combos[i]);
    out.variants.push_back(std::move(v));
  }
  out.name = out.variants.front().scenario.name;

  // One simulation per thread at a time (the engine is single-threaded and its
  // frame pool thread-local); each result lands in its variant's slot, so the
  // outcome is the same for any thread count.
  std::vector<double> done(out.variants.size(), 0.0);
  std::mutex done_mutex;
  ParallelFor(out.variants.size(), threads, [&](size_t i) {
    RunOptions o;
    if (progress) {
      o.progress = [&, i](double fraction) {
        std::lock_guard<std::mutex> lock(done_mutex);
        done[i] = fraction;
        progress(std::accumulate(done.begin(), done.end(), 0.0) / static_cast<double>(done.size()));
      };
    }
    out.variants[i].result = RunScenario(out.variants[i].scenario, o);
  });
  return out;
}

std::string FormatCompareTable(const CompareResult& r, const std::vector<std::string>& metrics) {
  struct Row {
    std::string label;
    std::vector<std::string> cells;
  };
  std::vector<Row> head, body;
  const size_t varies = r.variants.front().overrides.size();
  for (size_t k = 0; k < varies; ++k) {
    Row row{r.variants.front().overrides[k].pointer, {}};
    for (const CompareVariant& v : r.variants) row.cells.push_back(ClipCell(v.labels[k]));
    head.push_back(std::move(row));
  }
  static const std::vector<std::string> kDefault = {"requests.total",
                                                    "cache.hit_ratio",
                                                    "db.queries",
                                                    "db.utilization",
                                                    "latency_ms.p50",
                                                    "latency_ms.p99",
                                                    "latency_ms.max",
                                                    "staleness.stale_reads",
                                                    "staleness.max_age_ms",
                                                    "stampede.max_concurrent_loads",
                                                    "stampede.duplicate_loads",
                                                    "requests.failed",
                                                    "writes.lost",
                                                    "cache.evictions"};
  for (const std::string& name : metrics.empty() ? kDefault : metrics) {
    if (name == "alerts") {
      // One row per alert rule (every variant has the same rules): its firings.
      for (size_t a = 0; a < r.variants.front().result.summary.alerts.size(); ++a) {
        Row row{"alert: " + r.variants.front().result.summary.alerts[a].name, {}};
        for (const CompareVariant& v : r.variants) {
          const auto& alerts = v.result.summary.alerts;
          const size_t n = a < alerts.size() ? alerts[a].fired_at_s.size() : 0;
          row.cells.push_back(
              n == 0 ? "never" : fmt::format("{}x from {:g} s", n, alerts[a].fired_at_s.front()));
        }
        body.push_back(std::move(row));
      }
      continue;
    }
    Row row{MetricRowLabel(name), {}};
    for (const CompareVariant& v : r.variants)
      row.cells.push_back(FormatMetric(name, v.result.summary));
    body.push_back(std::move(row));
  }

  size_t label_width = 0;
  std::vector<size_t> widths(r.variants.size(), 0);
  for (const auto* rows : {&head, &body}) {
    for (const Row& row : *rows) {
      label_width = std::max(label_width, row.label.size());
      for (size_t i = 0; i < row.cells.size(); ++i)
        widths[i] = std::max(widths[i], row.cells[i].size());
    }
  }
  std::string out = fmt::format("{}: {} variants, same seed {} (common random numbers)\n\n", r.name,
                                r.variants.size(), r.variants.front().scenario.world.seed);
  auto render = [&](const Row& row) {
    std::string line = fmt::format("{:<{}}", row.label, label_width);
    for (size_t i = 0; i < row.cells.size(); ++i) {
      line += fmt::format("  {:>{}}", row.cells[i], widths[i]);
    }
    out += line + "\n";
  };
  for (const Row& row : head) render(row);
  if (!head.empty()) {
    size_t total = label_width;
    for (size_t w : widths) total += 2 + w;
    out += std::string(total, '-') + "\n";
  }
  for (const Row& row : body) render(row);
  return out;
}

nlohmann::json CompareToJson(const CompareResult& r) {
  json out = json::array();
  for (const CompareVariant& v : r.variants) {
    json variant = json::object();
    for (const Override& o : v.overrides) variant[o.pointer] = OverrideValueJson(o.value);
    out.push_back({{"variant", std::move(variant)},
                   {"label", v.label},
                   {"summary", SummaryToJson(v.result.summary)}});
  }
  return out;
}

std::string CompareToCsv(const CompareResult& r) {
  // One row per variant; the columns are every variant's fields in the order
  // first seen (a variant with one cache node has no cluster figures: its
  // cells stay empty).
  std::vector<std::vector<std::pair<std::string, std::string>>> rows;
  std::vector<std::string> names;
  std::map<std::string, size_t> column;
  for (const CompareVariant& v : r.variants) {
    std::vector<std::pair<std::string, std::string>>& row = rows.emplace_back();
    for (const Override& o : v.overrides) row.emplace_back(o.pointer, CsvCell(json(o.value)));
    json summary = SummaryToJson(v.result.summary);
    summary.erase("alerts");   // per-rule lists; they stay in compare.json
    summary.erase("classes");  // variants may differ in classes; also in compare.json only
    for (auto& [name, value] : FlattenJson(summary)) row.emplace_back(name, CsvCell(value));
    for (const auto& cell : row) {
      if (column.emplace(cell.first, names.size()).second) names.push_back(cell.first);
    }
  }
  std::string out = fmt::format("{}\n", fmt::join(names, ","));
  for (const auto& row : rows) {
    std::vector<std::string> cells(names.size());
    for (const auto& [name, cell] : row) cells[column.at(name)] = cell;
    out += fmt::format("{}\n", fmt::join(cells, ","));
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> CompareFiles(const CompareResult& r) {
  std::vector<std::pair<std::string, std::string>> files = {
      {"compare.json", CompareToJson(r).dump(2) + "\n"}, {"compare.csv", CompareToCsv(r)}};
  for (size_t i = 0; i < r.variants.size(); ++i) {
    const CompareVariant& v = r.variants[i];
    files.emplace_back(fmt::format("variant-{}.timeseries.csv", i),
                       TimeSeriesToCsv(v.result.timeseries));
    files.emplace_back(fmt::format("variant-{}.events.json", i),
                       EventsToJson(v.scenario, v.result).dump(2) + "\n");
  }
  return files;
}

void WriteCompareOutputs(const std::string& dir, const CompareResult& r) {
  WriteFolderAtomically(dir, CompareFiles(r));
}

std::string DefaultCompareDir(const Scenario& scenario) {
  const std::string run_dir = DefaultRunDir(scenario);  // results/runs/<safe name>-<seed>
  return run_dir.substr(0, run_dir.rfind('-')) + "-compare";
}

}  // namespace cachelab
