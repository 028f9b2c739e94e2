// Experiments over variants of a scenario: compare, sweep (also over MPI,
// app/sweep_mpi.h), plan. A command is an Args struct that CLI11 fills, a
// `int XxxCommand(const XxxArgs&)` that does the work and returns the exit
// code (both private), and the AddXxxCommand that app/main.cc's table calls.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <cstddef>
#include <exception>
#include <filesystem>
#include <functional>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include "analysis/common/errors.h"
#include "analysis/experiments/compare.h"
#include "analysis/experiments/cost_plan.h"
#include "analysis/experiments/plan.h"
#include "analysis/experiments/sweep.h"
#include "analysis/models/model_report.h"
#include "analysis/outputs/run_outputs.h"
#include "analysis/report/report.h"
#include "app/cli.h"
#include "app/cli_options.h"
#include "app/sweep_mpi.h"
#include "sim/core/cancel.h"

namespace cachelab {
namespace {

// What an interrupted compare or plan says of its outputs.
std::string NothingWritten(const std::string& out) {
  return out.empty() ? "nothing written" : "nothing written to " + out;
}

// Publish, or the interrupted line when cancellation comes before the write.
int PublishUnlessInterrupted(const std::string& dir,
                             const std::function<void(const std::string& dir)>& write,
                             const std::function<std::string()>& text,
                             const std::optional<ReportOptions>& report) {
  try {
    return Publish(dir, write, text, report);
  } catch (const Interrupted&) {
    return ReportInterrupted("nothing written to " + dir);
  }
}

}  // namespace

// ---- compare ------------------------------------------------------------

namespace {

struct CompareArgs {
  std::string scenario;  // empty: the embedded default scenario
  std::vector<std::string> varies;
  std::vector<std::string> sets;
  std::string out;      // empty: DefaultCompareDir
  std::string metrics;  // empty: the main metrics
  unsigned threads = 1;
  bool json = false;
  bool report = false;
};

int CompareCommand(const CompareArgs& args) {
  std::vector<Vary> varies;
  for (const std::string& v : args.varies) varies.push_back(ParseVary(v));
  const std::vector<std::string> metrics =
      args.metrics.empty() ? std::vector<std::string>{} : ParseMetricList(args.metrics);
  std::optional<ProgressLine> line;
  const std::function<void(double)> progress = ProgressOnTerminal(line, "compare");
  std::optional<CompareResult> ran;
  try {
    ran = RunCompare(args.scenario, ParseOverrides(args.sets), varies, args.threads, progress);
  } catch (const Interrupted&) {
    line.reset();
    return ReportInterrupted(NothingWritten(args.out));
  }
  const CompareResult& result = *ran;
  line.reset();  // clear the progress line before the table
  const std::string dir =
      args.out.empty() ? DefaultCompareDir(result.variants.front().scenario) : args.out;
  return PublishUnlessInterrupted(
      dir, [&](const std::string& d) { WriteCompareOutputs(d, result); },
      [&] {
        return args.json ? CompareToJson(result).dump(2) + '\n'
                         : FormatCompareTable(result, metrics) + "\noutput: " + dir + '\n';
      },
      args.report ? std::optional<ReportOptions>(ReportOptions{}) : std::nullopt);
}

}  // namespace

CommandRunner AddCompareCommand(CLI::App& cmd) {
  auto shared = std::make_shared<CompareArgs>();
  CompareArgs& args = *shared;
  cmd.footer(
      "Every combination of the --vary values is one variant; all keep the scenario's seed, so\n"
      "they see the same arrivals, keys and service times (common random numbers).\n"
      "--vary PTR=V1,V2,...: each Vi as --set takes it; commas inside [], {} or \"\" belong to\n"
      "the value, e.g. --vary '/policies/guard={\"name\":\"lock\"},none'. A value may carry a\n"
      "short label for the table and the report: LABEL=VALUE, e.g.\n"
      "--vary '/policies/guard=none,early={\"name\":\"early-refresh\"}'.\n"
      "Writes compare.json, compare.csv and per variant i variant-<i>.timeseries.csv and\n"
      "variant-<i>.events.json to the output folder\n"
      "(default results/runs/<name>-compare), replacing a previous one atomically.");
  cmd.add_option("scenario", args.scenario,
                 "Scenario JSON file (default: the embedded default scenario)")
      ->type_name("FILE");
  cmd.add_option("--vary", args.varies,
                 "A field and its values, e.g. --vary /policies/read/params/ttl=1m,5m "
                 "(repeatable: variants are the combinations)")
      ->type_name("PTR=V1,V2,...")
      ->required()
      ->allow_extra_args(false);
  cmd.add_option("--set", args.sets, "Override a scenario field in every variant (repeatable)")
      ->type_name("PTR=VALUE")
      ->allow_extra_args(false);
  cmd.add_option("--out", args.out, "Output folder (default: results/runs/<name>-compare)")
      ->type_name("DIR");
  cmd.add_option("--threads", args.threads,
                 "Variants simulated at once (results do not depend on it)")
      ->type_name("N")
      ->check(CLI::Range(1u, 256u));
  cmd.add_option("--metrics", args.metrics,
                 "The table's rows: summary.json metrics, e.g. "
                 "--metrics stampede.max_concurrent_loads,latency_ms.p999,alerts")
      ->type_name("NAME,...");
  cmd.add_flag("--json", args.json, "Print compare.json on stdout instead of the table");
  cmd.add_flag("--report", args.report, "Also write the HTML report, <out>/report.html");
  return [shared] { return CompareCommand(*shared); };
}

// ---- sweep --------------------------------------------------------------

namespace {

struct SweepArgs {
  std::string scenario;  // empty: the embedded default scenario
  std::vector<std::string> grids;
  std::vector<std::string> sensitivity;  // appended to the grids, after them
  std::vector<std::string> sets;
  unsigned replications = kDefaultReplications;
  unsigned threads = 1;
  std::string out;  // empty: DefaultSweepDir
  bool report = false;
  std::vector<std::string> slos;  // drawn on the report's charts
};

// Writes the outputs of a finished sweep, removes its .partial folder and
// prints the summary; the exit code.
int FinishSweep(const SweepPlan& plan, const std::string& dir, const SweepRun& run,
                const SweepArgs& args) {
  const std::string points_dir = SweepPointsDir(dir);
  if (run.reused > 0) {
    std::cerr << fmt::format("cachelab: sweep: reused {} of {} points from {}\n", run.reused,
                             plan.points.size(), points_dir);
  }
  std::optional<ReportOptions> report;
  if (args.report) {
    report.emplace();
    report->slos = args.slos;
  }
  return Publish(
      dir,
      [&](const std::string& d) {
        // On failure the finished points stay in points_dir for a rerun.
        WriteSweepOutputs(d, plan, run.points);
        std::error_code ec;
        std::filesystem::remove_all(std::filesystem::path(points_dir).parent_path(), ec);
      },
      [&] {
        std::vector<std::string> slo_metrics;
        for (const std::string& text : args.slos) slo_metrics.push_back(ParseSlo(text).metric);
        return fmt::format("{}: {} points x {} replications ({} runs, {} points reused)\n\n",
                           plan.name, plan.points.size(), plan.seeds.size(),
                           run.ran * plan.seeds.size(), run.reused) +
               FormatSweepTable(plan, run.points, slo_metrics) +
               (args.sensitivity.empty()
                    ? std::string()
                    : "\n" + FormatSensitivityTable(plan, run.points, args.grids.size(),
                                                    SensitivityMetrics(slo_metrics))) +
               "\noutput: " + dir + '\n';
      },
      report);
}

SweepPlan MakeSweepPlanFromArgs(const SweepArgs& args) {
  // The report's SLOs are checked before any simulation, not after an hour of sweep.
  std::vector<Slo> slos;
  for (const std::string& text : args.slos) slos.push_back(ParseSlo(text));
  const std::vector<Grid> grids =
      SweepGrids(args.scenario, ParseOverrides(args.sets), args.grids, args.sensitivity);
  SweepPlan plan =
      MakeSweepPlan(args.scenario, ParseOverrides(args.sets), grids, args.replications);
  CheckSloMetrics(slos, SummaryMetricNames(plan.points.front().scenario.world.metrics));
  return plan;
}

std::string SweepDir(const SweepArgs& args, const SweepPlan& plan) {
  return args.out.empty() ? DefaultSweepDir(plan.points.front().scenario) : args.out;
}

// Under an MPI launcher: the sweep spread over the ranks (app/sweep_mpi.h).
int SweepCommandMpi(const SweepArgs& args) {
  if (!HaveMpi()) {
    if (LauncherSize() == 1) return -1;  // one process: the local sweep is the same
    throw InputError(
        "sweep: this cachelab was built without MPI (CACHELAB_MPI=OFF or MPI not found), so it "
        "cannot share a sweep between processes: run it without mpirun/srun");
  }
  MpiSweepHooks hooks;
  hooks.make_plan = [&args] { return MakeSweepPlanFromArgs(args); };
  hooks.output_dir = [&args](const SweepPlan& plan) { return SweepDir(args, plan); };
  hooks.finish = [&args](const SweepPlan& plan, const std::string& dir, SweepRun& run) {
    return FinishSweep(plan, dir, run, args);
  };
  hooks.print_error = [](const std::string& message) {
    SetPrintErrors(true);  // called on rank 0 only
    PrintError(message);
  };
  return RunSweepOverMpi(hooks, args.threads);
}

// The sweep in this process: the missing points run and stored one by one,
// then the outputs. Interrupted passes through (SweepCommand reports it).
int SweepLocally(const SweepPlan& plan, const std::string& dir, const SweepArgs& args) {
  SweepRun run;
  try {
    std::optional<ProgressLine> line;
    std::function<void(size_t, size_t)> progress;
    if (auto update = ProgressOnTerminal(line, plan.name)) {
      progress = [update](size_t done, size_t total) {
        update(static_cast<double>(done) / static_cast<double>(total));
      };
    }
    run = RunSweepResumable(plan, SweepPointsDir(dir), args.threads, progress);
  } catch (const InputError&) {
    throw;
  } catch (const std::exception& e) {
    // A point file that cannot be stored: the environment, not the input.
    PrintError(e.what());
    return 1;
  }
  return FinishSweep(plan, dir, run, args);
}

int SweepCommand(const SweepArgs& args) {
  if (StartedByMpiLauncher()) {
    if (const int code = SweepCommandMpi(args); code >= 0) return code;
  }
  const SweepPlan plan = MakeSweepPlanFromArgs(args);
  const std::string dir = SweepDir(args, plan);
  try {
    return SweepLocally(plan, dir, args);
  } catch (const Interrupted&) {
    // The points stored so far stay for the rerun: count those on disk.
    const std::string points_dir = SweepPointsDir(dir);
    size_t kept = 0;
    for (const std::optional<PointResult>& p : LoadStoredPoints(plan, points_dir)) {
      kept += p ? 1 : 0;
    }
    if (kept == 0) return ReportInterrupted("no point finished; nothing written to " + dir);
    return ReportInterrupted(
        fmt::format("{} of {} points kept in {}; run the same command again to resume", kept,
                    plan.points.size(), std::filesystem::path(points_dir).parent_path().string()));
  }
}

}  // namespace

CommandRunner AddSweepCommand(CLI::App& cmd) {
  auto shared = std::make_shared<SweepArgs>();
  SweepArgs& args = *shared;
  cmd.footer(
      "Points are the combinations of the --grid values (the first --grid varying slowest); each\n"
      "runs R times with seeds derived from the scenario's seed, the same R at every point.\n"
      "--grid PTR=ITEM,...: an ITEM is a value as --set takes it, or a range LO..HI:xF\n"
      "(geometric) or LO..HI:+S (arithmetic) of numbers, durations or sizes, e.g.\n"
      "  --grid /cache/capacity=64MiB..1GiB:x2 --grid /workload/write_fraction=0..0.1:+0.02\n"
      "Writes sweep.csv (mean and ci95 of every summary metric per point) and sweep.json to\n"
      "the output folder (default results/runs/<name>-sweep), atomically. Finished points are\n"
      "kept in <folder>.partial/points until then, so an interrupted sweep rerun with the same\n"
      "command only runs the missing points. Started by mpirun or srun (and built with MPI),\n"
      "the processes share the points, each on --threads threads; rank 0 writes the outputs.");
  cmd.add_option("scenario", args.scenario,
                 "Scenario JSON file (default: the embedded default scenario)")
      ->type_name("FILE");
  cmd.add_option("--grid", args.grids,
                 "A field and its values or range, e.g. --grid /database/connections=8..64:x2 "
                 "(repeatable: points are the combinations)")
      ->type_name("PTR=ITEMS")
      ->allow_extra_args(false);
  cmd.add_option("--sensitivity", args.sensitivity,
                 "How much an input nobody knows exactly moves the results: the scenario's value "
                 "and X either side, e.g. /workload/keys/alpha=±0.1 or /workload/rate/rps=±20% "
                 "(repeatable; a table of each metric at -X, base, +X and its swing beside the "
                 "seeds' ci95)")
      ->type_name("PTR=±X")
      ->allow_extra_args(false);
  cmd.add_option("--set", args.sets, "Override a scenario field at every point (repeatable)")
      ->type_name("PTR=VALUE")
      ->allow_extra_args(false);
  cmd.add_option("--replications", args.replications,
                 "Runs per point, each with its own seed (default 5; with 1 there is no interval)")
      ->type_name("R")
      ->check(CLI::Range(1u, 10000u));
  cmd.add_option("--threads", args.threads, "Runs simulated at once (results do not depend on it)")
      ->type_name("N")
      ->check(CLI::Range(1u, 256u));
  cmd.add_option("--out", args.out, "Output folder (default: results/runs/<name>-sweep)")
      ->type_name("DIR");
  CLI::Option* report =
      cmd.add_flag("--report", args.report, "Also write the HTML report, <out>/report.html");
  cmd.add_option("--slo", args.slos,
                 "An SLO to draw on the report's charts, e.g. 'latency_ms.p99<=50' (repeatable)")
      ->type_name("METRIC<=X")
      ->allow_extra_args(false)
      ->needs(report);
  return [shared] { return SweepCommand(*shared); };
}

// ---- plan ---------------------------------------------------------------

namespace {

struct PlanArgs {
  std::string scenario;  // empty: the embedded default scenario
  std::string minimize;
  std::string range;
  std::string step;
  std::vector<std::string> slos;
  std::vector<std::string> sets;
  std::vector<std::string> uncertain;
  std::vector<std::string> candidates;  // --minimize cost
  unsigned replications = kDefaultReplications;
  unsigned threads = 1;
  std::string out;  // empty: DefaultPlanDir
  bool json = false;
  bool no_model_start = false;
};

// Either plan's search (`run`, announcing itself on `line`), then plan.json
// published into --out (or printed with --json) and the table printed; Ctrl-C
// during the search writes nothing.
template <class Result, class Search>
int SearchAndPublish(const PlanArgs& args, std::optional<ProgressLine>& line, Search run,
                     void (*write)(const std::string&, const Result&),
                     nlohmann::json (*to_json)(const Result&),
                     std::string (*format)(const Result&)) {
  std::optional<Result> ran;
  try {
    ran = run();
  } catch (const Interrupted&) {
    line.reset();
    return ReportInterrupted(NothingWritten(args.out));
  }
  const Result& result = *ran;
  line.reset();  // clear the progress line before the table
  const std::string dir = args.out.empty() ? DefaultPlanDir(result.name) : args.out;
  return PublishUnlessInterrupted(
      dir, [&](const std::string& d) { write(d, result); },
      [&] {
        return args.json ? to_json(result).dump(2) + '\n'
                         : format(result) + "output: " + dir + '\n';
      },
      std::nullopt);
}

// `plan --minimize cost` (analysis/experiments/cost_plan.h).
int CostPlanCommand(const PlanArgs& args) {
  if (!args.range.empty()) {
    throw InputError("--range: not used with --minimize cost, which takes --candidates");
  }
  if (!args.uncertain.empty()) {
    throw InputError("--uncertain: not supported with --minimize cost");
  }
  CostPlanSpec spec;
  spec.scenario_path = args.scenario;
  spec.sets = ParseOverrides(args.sets);
  for (const std::string& c : args.candidates) {
    spec.candidates.push_back(ParseGrid(c, "--candidates"));
  }
  for (const std::string& s : args.slos) spec.slos.push_back(ParseSlo(s));
  spec.replications = args.replications;
  spec.threads = args.threads;
  std::optional<ProgressLine> line;
  if (ProgressOnTerminal(line, "plan")) {
    spec.progress = [&line](size_t done, size_t total, const std::string& label) {
      line->Update(static_cast<double>(done) / static_cast<double>(total),
                   fmt::format("plan: candidate {} ({} listed), {}", done + 1, total, label));
    };
  }
  return SearchAndPublish(
      args, line, [&] { return RunCostPlan(spec); }, WriteCostPlanOutputs, CostPlanToJson,
      FormatCostPlan);
}

int PlanCommand(const PlanArgs& args) {
  if (args.minimize == "cost") return CostPlanCommand(args);
  if (!args.candidates.empty()) {
    throw InputError("--candidates: only with --minimize cost; a parameter takes --range");
  }
  if (args.range.empty()) throw InputError("--range: required with --minimize " + args.minimize);
  PlanSpec spec;
  spec.scenario_path = args.scenario;
  spec.sets = ParseOverrides(args.sets);
  spec.pointer = args.minimize;
  spec.range = args.range;
  spec.step = args.step;
  for (const std::string& s : args.slos) spec.slos.push_back(ParseSlo(s));
  spec.replications = args.replications;
  spec.threads = args.threads;
  for (const std::string& u : args.uncertain) spec.uncertain.push_back(ParseGrid(u, "--uncertain"));
  spec.model_start = !args.no_model_start;
  spec.model = [](const Scenario& s) {
    std::vector<PlanModelRow> rows;
    for (const ModelRow& r : PredictScenario(s).rows) rows.push_back({r.quantity, r.model, r.note});
    return rows;
  };
  std::optional<ProgressLine> line;
  if (ProgressOnTerminal(line, "plan")) {
    spec.progress = [&line, &spec](size_t done, size_t at_most, const std::string& value) {
      line->Update(static_cast<double>(done) / static_cast<double>(at_most),
                   fmt::format("plan: probe {} of at most {}, {} = {}", done + 1, at_most,
                               spec.pointer, value));
    };
  }
  return SearchAndPublish(
      args, line, [&] { return RunPlan(spec); }, WritePlanOutputs, PlanToJson, FormatPlan);
}

}  // namespace

CommandRunner AddPlanCommand(CLI::App& cmd) {
  auto shared = std::make_shared<PlanArgs>();
  PlanArgs& args = *shared;
  cmd.footer(
      "The parameter must be monotone (larger is never worse). Each probed value runs R times\n"
      "(the sweep's seeds); an SLO counts as met at the pessimistic end of its 95% interval\n"
      "(<=: mean + ci95, >=: mean - ci95). SLOs: METRIC<=X, <X, >=X, >X on a summary.json\n"
      "field, e.g. --slo 'latency_ms.p99<=10' --slo 'cache.hit_ratio>=0.9'.\n"
      "Step: --step, else 1 (integers), 1 ns (durations), 1 byte (sizes), 1% of the range "
      "(reals).\n"
      "The search starts at the analytic model's answer (`cachelab model`), probing it and one\n"
      "step below at once, and gallops from there; --no-model-start bisects from the ends.\n"
      "No value in range meeting the SLOs, or a non-monotone parameter, is exit 2 (nothing\n"
      "written). Writes plan.json to the output folder (default results/runs/<name>-plan).\n"
      "--minimize cost --candidates LIST...: the cheapest combination of the lists' values\n"
      "meeting the SLOs, with the scenario's /cost prices; candidates run cheapest first, and\n"
      "one no larger in any list than a failing one is not run.");
  cmd.add_option("scenario", args.scenario,
                 "Scenario JSON file (default: the embedded default scenario)")
      ->type_name("FILE");
  cmd.add_option("--minimize", args.minimize,
                 "The parameter, e.g. /database/connections, or `cost` (the scenario's prices)")
      ->type_name("PTR|cost")
      ->required();
  cmd.add_option("--range", args.range, "Its range, LO..HI, e.g. 1..64 or 16MiB..4GiB")
      ->type_name("LO..HI");
  cmd.add_option("--candidates", args.candidates,
                 "With --minimize cost: one list of candidate values, least to most capable, "
                 "e.g. '/cache/node_type=small,large' (the --grid grammar; repeatable: every "
                 "combination)")
      ->type_name("PTR=VALUES")
      ->allow_extra_args(false);
  cmd.add_option("--slo", args.slos, "An objective, e.g. 'latency_ms.p99<=10' (repeatable)")
      ->type_name("METRIC<=X")
      ->required()
      ->allow_extra_args(false);
  cmd.add_option("--step", args.step, "Resolution of the answer (same kind as LO)")->type_name("S");
  cmd.add_option("--uncertain", args.uncertain,
                 "An input known only within a range, e.g. '/workload/keys/alpha=0.8,0.9,1.0' "
                 "(the --grid grammar); the answer must meet every SLO at each value "
                 "(repeatable: every combination)")
      ->type_name("PTR=VALUES")
      ->allow_extra_args(false);
  cmd.add_option("--set", args.sets, "Override a scenario field (repeatable)")
      ->type_name("PTR=VALUE")
      ->allow_extra_args(false);
  cmd.add_option("--replications", args.replications, "Runs per probed value (default 5, >= 2)")
      ->type_name("R")
      ->check(CLI::Range(1u, 10000u));
  cmd.add_option("--threads", args.threads, "Runs simulated at once (results do not depend on it)")
      ->type_name("N")
      ->check(CLI::Range(1u, 256u));
  cmd.add_option("--out", args.out, "Output folder (default: results/runs/<name>-plan)")
      ->type_name("DIR");
  cmd.add_flag("--json", args.json, "Print plan.json on stdout instead of the text");
  cmd.add_flag("--no-model-start", args.no_model_start,
               "Bisect from the ends of the range instead of starting from the analytic model's "
               "answer (same answer when the parameter is monotone; for comparison)");
  return [shared] { return PlanCommand(*shared); };
}

}  // namespace cachelab
