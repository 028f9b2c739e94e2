// Analytical models beside a simulation: model. A command is an Args struct
// that CLI11 fills, a `int XxxCommand(const XxxArgs&)` that does the work and
// returns the exit code (both private), and the AddXxxCommand that
// app/main.cc's table calls.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "analysis/experiments/value_list.h"
#include "analysis/models/model_report.h"
#include "analysis/scenario/run.h"
#include "analysis/scenario/scenario.h"
#include "app/cli.h"
#include "app/cli_options.h"

namespace cachelab {

// ---- model --------------------------------------------------------------

namespace {

struct ModelArgs {
  std::string scenario;  // empty: the embedded default scenario
  std::vector<std::string> sets;
  std::vector<std::string> what_if;  // POINTER=V1,V2,... (the sweep's value lists)
  bool json = false;
};

std::optional<double> Value(const ModelReport& r, const std::string& quantity) {
  for (const ModelRow& row : r.rows) {
    if (row.quantity == quantity) return row.model;
  }
  return std::nullopt;
}

// --what-if: the grid (every combination of the lists, the first list slowest)
// predicted by the model alone; nothing is simulated.
int WhatIfCommand(const ModelArgs& args) {
  std::vector<Vary> lists;
  for (const std::string& text : args.what_if) {
    Vary v = ParseVary(text);
    lists.push_back(std::move(v));
  }
  const std::vector<Override> base = ParseOverrides(args.sets);
  const char* columns[] = {"hit ratio", "DB queries/s", "DB utilization", "DB mean wait (ms)",
                           "latency p99 (ms)"};
  std::vector<std::vector<std::string>> table;
  nlohmann::json points = nlohmann::json::array();
  std::vector<size_t> index(lists.size(), 0);
  std::string window;
  for (bool more = true; more;) {
    std::vector<Override> overrides = base;
    std::vector<std::string> line;
    nlohmann::json point = nlohmann::json::object();
    for (size_t i = 0; i < lists.size(); ++i) {
      overrides.push_back(Override{lists[i].pointer, lists[i].values[index[i]], "--what-if"});
      line.push_back(lists[i].values[index[i]]);
      point[lists[i].pointer] = OverrideValueJson(lists[i].values[index[i]]);
    }
    const ModelReport r = PredictScenario(WithModelWindow(LoadScenario(args.scenario, overrides)));
    window =
        fmt::format("the {} window [{:g} s, {:g} s)", r.window, r.window_from_s, r.window_to_s);
    nlohmann::json predicted = nlohmann::json::object();
    for (const char* c : columns) {
      const std::optional<double> v = Value(r, c);
      line.push_back(!v                                               ? "n/a"
                     : std::string(c).find("ms") != std::string::npos ? fmt::format("{:.3f}", *v)
                     : std::string(c) == "DB queries/s"               ? fmt::format("{:.1f}", *v)
                                                                      : fmt::format("{:.4f}", *v));
      predicted[c] = v ? nlohmann::json(*v) : nlohmann::json(nullptr);
    }
    table.push_back(std::move(line));
    points.push_back({{"point", point}, {"model", predicted}});
    // Next combination, the last list fastest.
    more = false;
    for (size_t i = lists.size(); i-- > 0;) {
      if (++index[i] < lists[i].values.size()) {
        more = true;
        break;
      }
      index[i] = 0;
    }
  }
  if (args.json) {
    std::cout << nlohmann::json{{"approximate", true}, {"window", window}, {"points", points}}.dump(
                     2)
              << '\n';
    return 0;
  }
  std::vector<std::string> header;
  for (const Vary& v : lists) header.push_back(v.pointer);
  for (const char* c : columns) header.push_back(std::string("model ") + c);
  table.insert(table.begin(), header);
  std::vector<size_t> width(header.size(), 0);
  for (const auto& line : table) {
    for (size_t i = 0; i < line.size(); ++i) width[i] = std::max(width[i], line[i].size());
  }
  std::cout << "APPROXIMATE: analytical model only, nothing simulated (cachelab model without\n"
               "--what-if checks the model against a simulation); predictions for "
            << window << "\n\n";
  for (const auto& line : table) {
    std::string text;
    for (size_t i = 0; i < line.size(); ++i) {
      text += i < lists.size() ? fmt::format("{:<{}}  ", line[i], width[i])
                               : fmt::format("{:>{}}  ", line[i], width[i]);
    }
    while (!text.empty() && text.back() == ' ') text.pop_back();
    std::cout << text << '\n';
  }
  std::cout.flush();
  return 0;
}

int ModelCommand(const ModelArgs& args) {
  if (!args.what_if.empty()) return WhatIfCommand(args);
  Scenario scenario = LoadScenario(args.scenario, ParseOverrides(args.sets));
  ModelReport report;
  {
    std::optional<ProgressLine> progress;
    RunOptions options;
    options.progress = ProgressOnTerminal(progress, scenario.name);
    report = RunModelReport(scenario, options);
  }
  if (args.json) {
    std::cout << ModelReportToJson(report).dump(2) << '\n';
  } else {
    std::cout << FormatModelReport(report);
  }
  std::cout.flush();
  return 0;
}

}  // namespace

CommandRunner AddModelCommand(CLI::App& cmd) {
  auto shared = std::make_shared<ModelArgs>();
  ModelArgs& args = *shared;
  cmd.footer(
      "Simulates the scenario and prints, per quantity, the model's value, the simulated one\n"
      "and their difference over one window (the scenario's steady window, or the run's\n"
      "second half); 'n/a' with the reason when the scenario breaks a model's assumptions\n"
      "(e.g. a stampede guard, an L1, a varying rate, a trace). The chain: hit ratio ->\n"
      "DB queries -> M/G/c wait (Allen-Cunneen) -> latency. With --what-if it simulates\n"
      "nothing and prints the model's predictions for every point of the grid (approximate).\n"
      "Writes nothing.");
  cmd.add_option("scenario", args.scenario,
                 "Scenario JSON file (default: the embedded default scenario)")
      ->type_name("FILE");
  cmd.add_option("--set", args.sets, "Override a scenario field by JSON pointer (repeatable)")
      ->type_name("PTR=VALUE")
      ->allow_extra_args(false);
  cmd.add_option("--what-if", args.what_if,
                 "Predict a grid from the model alone, no simulation (repeatable; the sweep's\n"
                 "value lists, e.g. /cache/capacity=64MiB,256MiB,1GiB)")
      ->type_name("PTR=V1,V2,...")
      ->allow_extra_args(false);
  cmd.add_flag("--json", args.json, "Print the comparison as JSON");
  return [shared] { return ModelCommand(*shared); };
}

}  // namespace cachelab
