#include "analysis/experiments/compare.h"

#include <fmt/format.h>

#include <algorithm>
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

}  // namespace

CompareResult RunCompare(const std::string& scenario_path, const std::vector<Override>& sets,
                         const std::vector<Vary>& varies, unsigned threads,
                         const std::function<void(double)>& progress) {
  CompareResult out;
  for (std::vector<Override>& combo : Combinations(varies, "--vary")) {
    std::vector<Override> all = sets;
    all.insert(all.end(), combo.begin(), combo.end());
    CompareVariant v;
    v.scenario =
        scenario_path.empty() ? LoadDefaultScenario(all) : LoadScenarioFile(scenario_path, all);
    for (const Override& o : combo) v.label += (v.label.empty() ? "" : " ") + o.value;
    if (v.label.empty()) v.label = "scenario";
    v.overrides = std::move(combo);
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

std::string FormatCompareTable(const CompareResult& r) {
  struct Row {
    std::string label;
    std::vector<std::string> cells;
  };
  std::vector<Row> head, body;
  const size_t varies = r.variants.front().overrides.size();
  for (size_t k = 0; k < varies; ++k) {
    Row row{r.variants.front().overrides[k].pointer, {}};
    for (const CompareVariant& v : r.variants) row.cells.push_back(v.overrides[k].value);
    head.push_back(std::move(row));
  }
  auto add = [&](std::string label, auto get) {
    Row row{std::move(label), {}};
    for (const CompareVariant& v : r.variants) row.cells.push_back(get(v.result.summary));
    body.push_back(std::move(row));
  };
  auto count = [](uint64_t x) { return fmt::format("{}", x); };
  auto ms = [](double x) { return fmt::format("{:.3f}", x); };
  auto pct = [](double x) { return fmt::format("{:.2f} %", x * 100); };
  add("requests", [&](const Summary& s) { return count(s.requests.total); });
  add("hit ratio", [&](const Summary& s) { return pct(s.cache.hit_ratio); });
  add("DB queries", [&](const Summary& s) { return count(s.db.queries); });
  add("DB utilization", [&](const Summary& s) { return pct(s.db.utilization); });
  add("p50 latency (ms)", [&](const Summary& s) { return ms(s.latency_ms.p50); });
  add("p99 latency (ms)", [&](const Summary& s) { return ms(s.latency_ms.p99); });
  add("max latency (ms)", [&](const Summary& s) { return ms(s.latency_ms.max); });
  add("stale reads", [&](const Summary& s) { return count(s.staleness.stale_reads); });
  add("max stale age (ms)", [&](const Summary& s) { return ms(s.staleness.max_age_ms); });
  add("max concurrent loads",
      [&](const Summary& s) { return count(s.stampede.max_concurrent_loads); });
  add("duplicate loads", [&](const Summary& s) { return count(s.stampede.duplicate_loads); });
  add("failed", [&](const Summary& s) { return count(s.requests.failed); });
  add("lost writes", [&](const Summary& s) { return count(s.writes.lost); });
  add("evictions", [&](const Summary& s) { return count(s.cache.evictions); });

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
    out.push_back({{"variant", std::move(variant)}, {"summary", SummaryToJson(v.result.summary)}});
  }
  return out;
}

std::string CompareToCsv(const CompareResult& r) {
  std::string out;
  for (size_t i = 0; i < r.variants.size(); ++i) {
    const CompareVariant& v = r.variants[i];
    std::vector<std::string> names, cells;
    for (const Override& o : v.overrides) {
      names.push_back(o.pointer);
      cells.push_back(CsvCell(json(o.value)));
    }
    json summary = SummaryToJson(v.result.summary);
    summary.erase("alerts");  // per-rule lists; they stay in compare.json
    for (auto& [name, value] : FlattenJson(summary)) {
      names.push_back(std::move(name));
      cells.push_back(CsvCell(value));
    }
    if (i == 0) out += fmt::format("{}\n", fmt::join(names, ","));
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
