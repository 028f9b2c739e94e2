// Commands about one scenario or one result folder: run, explain, validate,
// policies, report. A command is an Args struct that CLI11 fills, a
// `int XxxCommand(const XxxArgs&)` that does the work and returns the exit
// code (both private), and the AddXxxCommand that app/main.cc's table calls.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <cstdint>
#include <iostream>
#include <iterator>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

#include "analysis/experiments/explain.h"
#include "analysis/outputs/run_outputs.h"
#include "analysis/report/report.h"
#include "analysis/scenario/budget.h"
#include "analysis/scenario/keys.h"
#include "analysis/scenario/run.h"
#include "analysis/scenario/scenario.h"
#include "app/cli.h"
#include "app/cli_options.h"
#include "policies/registry.h"
#include "policies/run.h"
#include "sim/core/cancel.h"

namespace cachelab {

// ---- run ----------------------------------------------------------------

namespace {

// Runs expected to take longer say so before they start.
constexpr double kAnnounceCpuSeconds = 10;

struct RunArgs {
  std::string scenario;  // empty: the embedded default scenario
  std::optional<uint64_t> seed;
  std::vector<std::string> sets;
  std::string out;      // empty: DefaultRunDir
  std::string metrics;  // empty: the whole table
  bool json = false;
  bool quiet = false;
  bool report = false;
};

int RunCommand(const RunArgs& args) {
  std::vector<Override> overrides = ParseOverrides(args.sets);
  const std::vector<std::string> metrics =
      args.metrics.empty() ? std::vector<std::string>{} : ParseMetricList(args.metrics);
  // --seed is an override of /seed, applied last, so scenario.resolved.json
  // records the seed the run actually used.
  if (args.seed) overrides.push_back({"/seed", std::to_string(*args.seed)});
  Scenario scenario = LoadScenario(args.scenario, overrides);
  std::string dir = args.out.empty() ? DefaultRunDir(scenario) : args.out;
  if (const RunEstimate e = EstimateRun(scenario);
      e.cpu_seconds >= kAnnounceCpuSeconds || e.cache_backlog_s > 0) {
    std::cerr << "cachelab: note: this run: " << FormatEstimate(e) << '\n' << std::flush;
  }

  try {
    RunResult result;
    {
      std::optional<ProgressLine> progress;
      RunOptions options;
      if (!args.quiet) options.progress = ProgressOnTerminal(progress, scenario.name);
      result = RunScenario(scenario, options);
    }
    if (const std::string note = QueueGrowthNote(result.summary); !note.empty()) {
      std::cerr << "cachelab: warning: " << note << '\n' << std::flush;
    }
    return Publish(
        dir, [&](const std::string& d) { WriteRunOutputs(d, scenario, result); },
        [&] {
          if (args.json) return SummaryToJson(result.summary).dump(2) + '\n';
          if (args.quiet) return dir + '\n';
          return (metrics.empty() ? FormatSummaryTable(result.summary)
                                  : FormatSelectedMetrics(result.summary, metrics)) +
                 "\noutput: " + dir + '\n';
        },
        args.report ? std::optional<ReportOptions>(ReportOptions{}) : std::nullopt);
  } catch (const Interrupted&) {
    return ReportInterrupted("nothing written to " + dir);
  }
}

}  // namespace

CommandRunner AddRunCommand(CLI::App& cmd) {
  auto shared = std::make_shared<RunArgs>();
  RunArgs& args = *shared;
  cmd.footer(
      "Writes summary.json, timeseries.csv, scenario.resolved.json and events.json to the\n"
      "output folder (default results/runs/<name>-<seed>), replacing a previous run's folder\n"
      "atomically.\n"
      "The output contract is documented in results/README.md.");
  cmd.add_option("scenario", args.scenario,
                 "Scenario JSON file (default: the embedded default scenario)")
      ->type_name("FILE");
  cmd.add_option("--seed", args.seed, "Override the scenario's seed (same as --set /seed=N)")
      ->type_name("N")
      ->check(NonNegativeInteger());
  cmd.add_option("--set", args.sets,
                 "Override a scenario field by JSON pointer, e.g. --set /cache/capacity=1GiB "
                 "(repeatable; VALUE is JSON, or a string when it is not valid JSON)")
      ->type_name("PTR=VALUE")
      ->allow_extra_args(false);  // one value per --set, so a following FILE stays positional
  cmd.add_option("--out", args.out, "Output folder (default: results/runs/<name>-<seed>)")
      ->type_name("DIR");
  cmd.add_option("--metrics", args.metrics,
                 "Print only these summary.json metrics, e.g. "
                 "--metrics cache.hit_ratio,latency_ms.p99,alerts")
      ->type_name("NAME,...");
  cmd.add_flag("--json", args.json, "Print only the summary as JSON on stdout");
  cmd.add_flag("--quiet", args.quiet, "No table and no progress; print only the output folder");
  cmd.add_flag("--report", args.report, "Also write the HTML report, <out>/report.html");
  return [shared] { return RunCommand(*shared); };
}

// ---- explain ------------------------------------------------------------

namespace {

struct ExplainArgs {
  std::string scenario;  // empty: the embedded default scenario
  std::vector<std::string> sets;
  std::string key;
  std::string from, to;
  std::string around, window;
  size_t limit = 200;
  std::string out;  // empty: write no file
};

int ExplainCommand(const ExplainArgs& args) {
  Scenario scenario = LoadScenario(args.scenario, ParseOverrides(args.sets));
  const Key key = ParseKeyName(scenario, args.key, "--key");
  const ExplainResult result =
      RunExplain(scenario, {key, args.from, args.to, args.limit, args.around, args.window});
  // explain --out: the diagram as data, written before anything is printed.
  if (!args.out.empty()) {
    try {
      WriteExplainOutputs(args.out, scenario, result, args.limit);
    } catch (const std::exception& e) {
      PrintError(e.what());
      return 1;
    }
  }
  std::cout << FormatExplain(scenario, result, args.limit);
  std::cout.flush();
  return 0;
}

}  // namespace

CommandRunner AddExplainCommand(CLI::App& cmd) {
  auto shared = std::make_shared<ExplainArgs>();
  ExplainArgs& args = *shared;
  cmd.footer(
      "One line per event: time, request, an arrow from the application instance to the\n"
      "actor it talked to (cache, db, channel, ...), and what happened. Writes nothing unless\n"
      "--out DIR is given: then DIR/explain.json holds the same events as data (atomically).");
  cmd.add_option("scenario", args.scenario,
                 "Scenario JSON file (default: the embedded default scenario)")
      ->type_name("FILE");
  cmd.add_option("--key", args.key,
                 "The workload key to follow: a number (0 is the most popular), or CLASS:N "
                 "with key classes (user:3)")
      ->type_name("K")
      ->required();
  cmd.add_option("--from", args.from, "Start of the window, a duration such as 3590s (default 0)")
      ->type_name("T");
  cmd.add_option("--to", args.to, "End of the window (default: the scenario's duration)")
      ->type_name("T");
  cmd.add_option("--around", args.around,
                 "Instead of --from/--to: the window around the key's first-expiry (first miss "
                 "after it was stored), first-stampede (two loads at once) or first-stale (first "
                 "stale answer), found by a first run")
      ->type_name("MOMENT");
  cmd.add_option("--window", args.window,
                 "With --around: the window's length, a twentieth of it before the moment "
                 "(a quarter for first-stale; default 1s)")
      ->type_name("T");
  cmd.add_option("--limit", args.limit, "Print at most this many events (default 200)")
      ->type_name("N")
      ->check(CLI::PositiveNumber);
  cmd.add_option("--out", args.out,
                 "Also write DIR/explain.json (the shown events and the summary as JSON)")
      ->type_name("DIR");
  cmd.add_option("--set", args.sets, "Override a scenario field by JSON pointer (repeatable)")
      ->type_name("PTR=VALUE")
      ->allow_extra_args(false);
  return [shared] { return ExplainCommand(*shared); };
}

// ---- validate -----------------------------------------------------------

namespace {

struct ValidateArgs {
  std::string scenario;
  std::vector<std::string> sets;
  bool print_resolved = false;
};

int ValidateCommand(const ValidateArgs& args) {
  Scenario scenario = LoadScenarioFile(args.scenario, ParseOverrides(args.sets));
  if (args.print_resolved) {
    std::cout << scenario.resolved.dump(2) << '\n';
  } else {
    std::cout << "ok: " << scenario.name << '\n'
              << "estimate: " << FormatEstimate(EstimateRun(scenario)) << '\n';
  }
  return 0;
}

}  // namespace

CommandRunner AddValidateCommand(CLI::App& cmd) {
  auto shared = std::make_shared<ValidateArgs>();
  ValidateArgs& args = *shared;
  cmd.add_option("scenario", args.scenario, "Scenario JSON file")->type_name("FILE")->required();
  cmd.add_option("--set", args.sets, "Override a scenario field by JSON pointer (repeatable)")
      ->type_name("PTR=VALUE")
      ->allow_extra_args(false);
  cmd.add_flag("--print-resolved", args.print_resolved,
               "Print the scenario with overrides applied and every default filled in");
  return [shared] { return ValidateCommand(*shared); };
}

// ---- policies -----------------------------------------------------------

namespace {

struct PoliciesArgs {
  bool json = false;
};

// Durations and sizes in the scenario syntax (the loader's canonical form),
// so a default can be pasted into a scenario as is.
nlohmann::json ParamValueJson(const ParamValue& v) {
  return std::visit(
      [](const auto& x) -> nlohmann::json {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, Duration>) {
          return FormatDuration(x);
        } else if constexpr (std::is_same_v<T, Bytes>) {
          return FormatSize(x.value);
        } else {
          return x;
        }
      },
      v);
}

std::string ParamValueText(const ParamValue& v) {
  nlohmann::json j = ParamValueJson(v);
  return j.is_string() ? j.get<std::string>() : j.dump();
}

const char* BoundName(ParamBound b) {
  switch (b) {
    case ParamBound::kAny:
      return "any";
    case ParamBound::kNonNegative:
      return ">= 0";
    case ParamBound::kPositive:
      return "> 0";
    case ParamBound::kProbability:
      return "[0, 1]";
  }
  return "any";
}

int PoliciesCommand(const PoliciesArgs& args) {
  const std::vector<PolicyInfo>& all = AllPolicies();
  if (args.json) {
    nlohmann::json out = nlohmann::json::array();
    for (const PolicyInfo& p : all) {
      nlohmann::json params = nlohmann::json::array();
      for (const ParamSpec& s : p.params) {
        params.push_back({{"name", s.name},
                          {"type", ParamTypeName(s.type)},
                          {"default", ParamValueJson(s.default_value)},
                          {"bound", BoundName(s.bound)},
                          {"doc", s.doc}});
      }
      out.push_back({{"role", RoleName(p.role)},
                     {"name", p.name},
                     {"summary", p.summary},
                     {"params", std::move(params)}});
      if (p.offline) out.back()["offline"] = true;  // trace replay only
      if (const std::string why = LiveFormMissing(p); !why.empty()) out.back()["not_live"] = why;
    }
    std::cout << out.dump(2) << '\n';
    return 0;
  }

  std::string text;
  const char* role = nullptr;
  for (const PolicyInfo& p : all) {
    if (role == nullptr || std::string_view(role) != RoleName(p.role)) {
      role = RoleName(p.role);
      fmt::format_to(std::back_inserter(text), "{}{} policies\n", text.empty() ? "" : "\n", role);
      if (p.role == Role::kEviction) {
        std::string live;
        for (const PolicyInfo& e : all) {
          if (e.role == Role::kEviction && LiveFormMissing(e).empty()) {
            live += (live.empty() ? "" : ", ") + e.name;
          }
        }
        fmt::format_to(std::back_inserter(text),
                       "  (`cachelab live` evicts with Redis' own maxmemory-policy: {} only)\n",
                       live);
      }
    }
    fmt::format_to(std::back_inserter(text), "  {:<22} {}\n", p.name, p.summary);
    if (const std::string why = LiveFormMissing(p); !why.empty() && p.role != Role::kEviction) {
      fmt::format_to(std::back_inserter(text), "      (not in `cachelab live`: {})\n", why);
    }
    for (const ParamSpec& s : p.params) {
      std::string bound =
          s.bound == ParamBound::kAny ? "" : fmt::format(", {}", BoundName(s.bound));
      fmt::format_to(std::back_inserter(text), "      {:<20} {} = {}{}: {}\n", s.name,
                     ParamTypeName(s.type), ParamValueText(s.default_value), bound, s.doc);
    }
  }
  std::cout << text;
  return 0;
}

}  // namespace

CommandRunner AddPoliciesCommand(CLI::App& cmd) {
  auto shared = std::make_shared<PoliciesArgs>();
  PoliciesArgs& args = *shared;
  cmd.add_flag("--json", args.json, "Print the list as JSON");
  return [shared] { return PoliciesCommand(*shared); };
}

// ---- report -------------------------------------------------------------

namespace {

struct ReportArgs {
  std::string dir;
  std::string out;  // empty: <dir>/report.html
  ReportOptions options;
};

int ReportCommand(const ReportArgs& args) {
  return WriteReport(args.dir, args.out, args.options);
}

}  // namespace

CommandRunner AddReportCommand(CLI::App& cmd) {
  auto shared = std::make_shared<ReportArgs>();
  ReportArgs& args = *shared;
  cmd.footer(
      "RESULT_DIR is the output folder of run, compare, sweep, plan or explain --out. The page\n"
      "inlines its charting library (uPlot) and data: it opens offline, from a file. Time series\n"
      "longer than --max-points intervals are merged into wider intervals (the charts say so).\n"
      "On a sweep, --slo draws thresholds and --plan a plan's SLOs and answer.");
  cmd.add_option("dir", args.dir, "Result folder")->type_name("RESULT_DIR")->required();
  cmd.add_option("--out", args.out, "The HTML file (default: RESULT_DIR/report.html)")
      ->type_name("FILE");
  cmd.add_option("--slo", args.options.slos,
                 "Sweep: an SLO threshold to draw, e.g. 'latency_ms.p99<=50' (repeatable)")
      ->type_name("METRIC<=X")
      ->allow_extra_args(false);
  cmd.add_option("--plan", args.options.plan_dir,
                 "Sweep: a plan folder (plan.json) whose SLOs and answer to draw")
      ->type_name("DIR");
  cmd.add_option("--max-points", args.options.max_points,
                 "Most intervals drawn per time series before merging (default 4000)")
      ->type_name("N")
      ->check(CLI::Range(static_cast<size_t>(2), static_cast<size_t>(1) << 30));
  return [shared] { return ReportCommand(*shared); };
}

}  // namespace cachelab
