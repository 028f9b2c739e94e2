// Analytical models beside a simulation: model. A command is an Args struct
// that CLI11 fills, a `int XxxCommand(const XxxArgs&)` that does the work and
// returns the exit code (both private), and the AddXxxCommand that
// app/main.cc's table calls.
#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

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
  bool json = false;
};

int ModelCommand(const ModelArgs& args) {
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
      "and their difference; 'n/a' with the reason when the scenario breaks a model's\n"
      "assumptions (e.g. a stampede guard, an L1, a varying rate, both capacity and TTL\n"
      "binding, non-exponential DB service for Erlang C). Writes nothing.");
  cmd.add_option("scenario", args.scenario,
                 "Scenario JSON file (default: the embedded default scenario)")
      ->type_name("FILE");
  cmd.add_option("--set", args.sets, "Override a scenario field by JSON pointer (repeatable)")
      ->type_name("PTR=VALUE")
      ->allow_extra_args(false);
  cmd.add_flag("--json", args.json, "Print the comparison as JSON");
  return [shared] { return ModelCommand(*shared); };
}

}  // namespace cachelab
