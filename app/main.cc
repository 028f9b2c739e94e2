// The `cachelab` command line (DESIGN.md section 6, a contract).
//
// Every subcommand is a pair: an Args struct that CLI11 fills, and a
// `int XxxCommand(const XxxArgs&)` that does the work and returns the exit
// code. main() only wires them up and maps exceptions to exit codes:
//   0  success
//   2  bad input: a usage error, or an InputError (scenario, override, trace);
//      one line `cachelab: error: <message>` on stderr
//   1  anything else: `cachelab: internal error: <message>` (a bug), or
//      `cachelab: error: cannot write ...` when the outputs cannot be written
// Nothing is written to disk before a run has finished, so a failing command
// never leaves an output folder behind.
#include <fmt/format.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "analysis/common/atomic_files.h"
#include "analysis/common/errors.h"
#include "analysis/experiments/compare.h"
#include "analysis/experiments/explain.h"
#include "analysis/experiments/plan.h"
#include "analysis/experiments/sweep.h"
#include "analysis/models/fit.h"
#include "analysis/models/model_report.h"
#include "analysis/outputs/run_outputs.h"
#include "analysis/replay/replay.h"
#include "analysis/replay/trace_mrc.h"
#include "analysis/report/report.h"
#include "analysis/scenario/run.h"
#include "analysis/scenario/scenario.h"
#include "analysis/trace/generate.h"
#include "app/sweep_mpi.h"
#include "policies/registry.h"
#include "policies/run.h"

#ifndef CACHELAB_VERSION
#define CACHELAB_VERSION "0.1.0"  // keep in step with project(VERSION) in CMakeLists.txt
#endif

namespace cachelab {
namespace {

// Messages go on one line: scripts and tests read the first line of stderr.
std::string OneLine(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  for (char& c : text) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return text;
}

// False on the ranks other than 0 of an MPI job (set in Main): every rank
// finds the same bad input, rank 0 alone reports it.
bool print_errors = true;

void PrintError(const std::string& message) {
  if (!print_errors) return;
  std::cerr << "cachelab: error: " << OneLine(message) << std::endl;
}

std::vector<Override> ParseOverrides(const std::vector<std::string>& sets) {
  std::vector<Override> out;
  out.reserve(sets.size());
  for (const std::string& s : sets) out.push_back(ParseOverride(s));
  return out;
}

Scenario LoadScenario(const std::string& path, const std::vector<Override>& overrides) {
  return path.empty() ? LoadDefaultScenario(overrides) : LoadScenarioFile(path, overrides);
}

// "simulating <name>:  42%" on stderr, redrawn in place with '\r' each time the whole
// percentage changes. Only on a terminal: redirected stderr stays clean.
class ProgressLine {
 public:
  explicit ProgressLine(std::string name) : name_(std::move(name)) {}
  ProgressLine(const ProgressLine&) = delete;
  ProgressLine& operator=(const ProgressLine&) = delete;
  // Erases the line, also when the run throws, so an error message starts clean.
  ~ProgressLine() {
    if (width_ > 0) std::fprintf(stderr, "\r%*s\r", width_, "");
    std::fflush(stderr);
  }

  void Update(double fraction) {
    int pct = static_cast<int>(std::floor(std::clamp(fraction, 0.0, 1.0) * 100));
    if (pct == last_pct_) return;
    last_pct_ = pct;
    int n = std::fprintf(stderr, "\rsimulating %s: %3d%%", name_.c_str(), pct);
    if (n > width_) width_ = n;
    std::fflush(stderr);
  }

 private:
  std::string name_;
  int last_pct_ = -1;
  int width_ = 0;
};

// ---- report (also --report of run, compare, sweep) --------------------------

// Writes the HTML report of result folder `dir` to `out` (default
// <dir>/report.html) atomically and prints where; the exit code. Bad input is
// an InputError (exit 2, nothing written).
int WriteReport(const std::string& dir, const std::string& out, const ReportOptions& options) {
  const std::string html = BuildReport(dir, options);
  const std::string path =
      out.empty() ? (std::filesystem::path(dir) / "report.html").string() : out;
  try {
    StoreFileAtomically(path, html);
  } catch (const std::exception& e) {
    PrintError(e.what());
    return 1;
  }
  std::cout << "report: " << path << '\n';
  std::cout.flush();
  return 0;
}

// ---- run -----------------------------------------------------------------

struct RunArgs {
  std::string scenario;  // empty: the embedded default scenario
  std::optional<uint64_t> seed;
  std::vector<std::string> sets;
  std::string out;  // empty: DefaultRunDir
  bool json = false;
  bool quiet = false;
  bool report = false;
};

int RunCommand(const RunArgs& args) {
  std::vector<Override> overrides = ParseOverrides(args.sets);
  // --seed is an override of /seed, applied last, so scenario.resolved.json
  // records the seed the run actually used.
  if (args.seed) overrides.push_back({"/seed", std::to_string(*args.seed)});
  Scenario scenario = LoadScenario(args.scenario, overrides);
  std::string dir = args.out.empty() ? DefaultRunDir(scenario) : args.out;

  RunResult result;
  {
    std::optional<ProgressLine> progress;
    RunOptions options;
    if (!args.quiet && ::isatty(STDERR_FILENO)) {
      progress.emplace(scenario.name);
      options.progress = [&progress](double f) { progress->Update(f); };
    }
    result = RunScenario(scenario, options);
  }

  try {
    WriteRunOutputs(dir, scenario, result);
  } catch (const std::exception& e) {
    // Not a bug and not bad scenario input: the environment refused the write.
    PrintError(e.what());
    return 1;
  }

  if (args.json) {
    std::cout << SummaryToJson(result.summary).dump(2) << '\n';
  } else if (args.quiet) {
    std::cout << dir << '\n';
  } else {
    std::cout << FormatSummaryTable(result.summary) << "\noutput: " << dir << '\n';
  }
  std::cout.flush();
  if (args.report) return WriteReport(dir, "", ReportOptions{});
  return 0;
}

void AddRunCommand(CLI::App& app, RunArgs& args) {
  CLI::App* cmd = app.add_subcommand("run", "Simulate a scenario and write its outputs");
  cmd->footer(
      "Writes summary.json, timeseries.csv, scenario.resolved.json and events.json to the\n"
      "output folder (default results/runs/<name>-<seed>), replacing a previous run's folder\n"
      "atomically.\n"
      "The output contract is documented in results/README.md.");
  cmd->add_option("scenario", args.scenario,
                  "Scenario JSON file (default: the embedded default scenario)")
      ->type_name("FILE");
  cmd->add_option("--seed", args.seed, "Override the scenario's seed (same as --set /seed=N)")
      ->type_name("N")
      // CLI11 would wrap "-3" around to 2^64 - 3.
      ->check(CLI::Validator(
          [](std::string& v) {
            return !v.empty() && v[0] == '-' ? "must be >= 0, got " + v : std::string();
          },
          "", "non-negative"));
  cmd->add_option("--set", args.sets,
                  "Override a scenario field by JSON pointer, e.g. --set /cache/capacity=1GiB "
                  "(repeatable; VALUE is JSON, or a string when it is not valid JSON)")
      ->type_name("PTR=VALUE")
      ->allow_extra_args(false);  // one value per --set, so a following FILE stays positional
  cmd->add_option("--out", args.out, "Output folder (default: results/runs/<name>-<seed>)")
      ->type_name("DIR");
  cmd->add_flag("--json", args.json, "Print only the summary as JSON on stdout");
  cmd->add_flag("--quiet", args.quiet, "No table and no progress; print only the output folder");
  cmd->add_flag("--report", args.report, "Also write the HTML report, <out>/report.html");
}

// ---- compare -------------------------------------------------------------

struct CompareArgs {
  std::string scenario;  // empty: the embedded default scenario
  std::vector<std::string> varies;
  std::vector<std::string> sets;
  std::string out;  // empty: DefaultCompareDir
  unsigned threads = 1;
  bool json = false;
  bool report = false;
};

int CompareCommand(const CompareArgs& args) {
  std::vector<Vary> varies;
  for (const std::string& v : args.varies) varies.push_back(ParseVary(v));
  const CompareResult result =
      RunCompare(args.scenario, ParseOverrides(args.sets), varies, args.threads);
  const std::string dir =
      args.out.empty() ? DefaultCompareDir(result.variants.front().scenario) : args.out;
  try {
    WriteCompareOutputs(dir, result);
  } catch (const std::exception& e) {
    PrintError(e.what());
    return 1;
  }
  if (args.json) {
    std::cout << CompareToJson(result).dump(2) << '\n';
  } else {
    std::cout << FormatCompareTable(result) << "\noutput: " << dir << '\n';
  }
  std::cout.flush();
  if (args.report) return WriteReport(dir, "", ReportOptions{});
  return 0;
}

void AddCompareCommand(CLI::App& app, CompareArgs& args) {
  CLI::App* cmd = app.add_subcommand(
      "compare", "Run variants of a scenario on identical traffic, side by side");
  cmd->footer(
      "Every combination of the --vary values is one variant; all keep the scenario's seed, so\n"
      "they see the same arrivals, keys and service times (common random numbers).\n"
      "--vary PTR=V1,V2,...: each Vi as --set takes it; commas inside [], {} or \"\" belong to\n"
      "the value, e.g. --vary '/policies/guard={\"name\":\"lock\"},none'.\n"
      "Writes compare.json, compare.csv and per variant i variant-<i>.timeseries.csv and\n"
      "variant-<i>.events.json to the output folder\n"
      "(default results/runs/<name>-compare), replacing a previous one atomically.");
  cmd->add_option("scenario", args.scenario,
                  "Scenario JSON file (default: the embedded default scenario)")
      ->type_name("FILE");
  cmd->add_option("--vary", args.varies,
                  "A field and its values, e.g. --vary /policies/read/params/ttl=1m,5m "
                  "(repeatable: variants are the combinations)")
      ->type_name("PTR=V1,V2,...")
      ->required()
      ->allow_extra_args(false);
  cmd->add_option("--set", args.sets, "Override a scenario field in every variant (repeatable)")
      ->type_name("PTR=VALUE")
      ->allow_extra_args(false);
  cmd->add_option("--out", args.out, "Output folder (default: results/runs/<name>-compare)")
      ->type_name("DIR");
  cmd->add_option("--threads", args.threads,
                  "Variants simulated at once (results do not depend on it)")
      ->type_name("N")
      ->check(CLI::Range(1u, 256u));
  cmd->add_flag("--json", args.json, "Print compare.json on stdout instead of the table");
  cmd->add_flag("--report", args.report, "Also write the HTML report, <out>/report.html");
}

// ---- sweep ---------------------------------------------------------------

struct SweepArgs {
  std::string scenario;  // empty: the embedded default scenario
  std::vector<std::string> grids;
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
  try {
    WriteSweepOutputs(dir, plan, run.points);
  } catch (const std::exception& e) {
    PrintError(e.what());  // the finished points stay in points_dir for a rerun
    return 1;
  }
  std::error_code ec;
  std::filesystem::remove_all(std::filesystem::path(points_dir).parent_path(), ec);
  std::cout << fmt::format("{}: {} points x {} replications ({} runs, {} points reused)\n",
                           plan.name, plan.points.size(), plan.seeds.size(),
                           run.ran * plan.seeds.size(), run.reused)
            << "output: " << dir << '\n';
  std::cout.flush();
  if (args.report) {
    ReportOptions options;
    options.slos = args.slos;
    return WriteReport(dir, "", options);
  }
  return 0;
}

SweepPlan MakeSweepPlanFromArgs(const SweepArgs& args) {
  // The report's SLOs are checked before any simulation, not after an hour of sweep.
  std::vector<Slo> slos;
  for (const std::string& text : args.slos) slos.push_back(ParseSlo(text));
  CheckSloMetrics(slos);
  std::vector<Grid> grids;
  for (const std::string& g : args.grids) grids.push_back(ParseGrid(g));
  return MakeSweepPlan(args.scenario, ParseOverrides(args.sets), grids, args.replications);
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
    print_errors = true;  // called on rank 0 only
    PrintError(message);
  };
  return RunSweepOverMpi(hooks, args.threads);
}

int SweepCommand(const SweepArgs& args) {
  if (StartedByMpiLauncher()) {
    if (const int code = SweepCommandMpi(args); code >= 0) return code;
  }
  const SweepPlan plan = MakeSweepPlanFromArgs(args);
  const std::string dir = SweepDir(args, plan);
  SweepRun run;
  try {
    std::optional<ProgressLine> line;
    std::function<void(size_t, size_t)> progress;
    if (::isatty(STDERR_FILENO)) {
      line.emplace(plan.name);
      progress = [&line](size_t done, size_t total) {
        line->Update(static_cast<double>(done) / static_cast<double>(total));
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

void AddSweepCommand(CLI::App& app, SweepArgs& args) {
  CLI::App* cmd = app.add_subcommand(
      "sweep", "Run a scenario over a grid of parameter values, replicated, with 95% intervals");
  cmd->footer(
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
  cmd->add_option("scenario", args.scenario,
                  "Scenario JSON file (default: the embedded default scenario)")
      ->type_name("FILE");
  cmd->add_option("--grid", args.grids,
                  "A field and its values or range, e.g. --grid /database/connections=8..64:x2 "
                  "(repeatable: points are the combinations)")
      ->type_name("PTR=ITEMS")
      ->required()
      ->allow_extra_args(false);
  cmd->add_option("--set", args.sets, "Override a scenario field at every point (repeatable)")
      ->type_name("PTR=VALUE")
      ->allow_extra_args(false);
  cmd->add_option("--replications", args.replications,
                  "Runs per point, each with its own seed (default 5; with 1 there is no interval)")
      ->type_name("R")
      ->check(CLI::Range(1u, 10000u));
  cmd->add_option("--threads", args.threads, "Runs simulated at once (results do not depend on it)")
      ->type_name("N")
      ->check(CLI::Range(1u, 256u));
  cmd->add_option("--out", args.out, "Output folder (default: results/runs/<name>-sweep)")
      ->type_name("DIR");
  CLI::Option* report =
      cmd->add_flag("--report", args.report, "Also write the HTML report, <out>/report.html");
  cmd->add_option("--slo", args.slos,
                  "An SLO to draw on the report's charts, e.g. 'latency_ms.p99<=50' (repeatable)")
      ->type_name("METRIC<=X")
      ->allow_extra_args(false)
      ->needs(report);
}

// ---- plan ----------------------------------------------------------------

struct PlanArgs {
  std::string scenario;  // empty: the embedded default scenario
  std::string minimize;
  std::string range;
  std::string step;
  std::vector<std::string> slos;
  std::vector<std::string> sets;
  unsigned replications = kDefaultReplications;
  unsigned threads = 1;
  std::string out;  // empty: DefaultPlanDir
  bool json = false;
};

int PlanCommand(const PlanArgs& args) {
  PlanSpec spec;
  spec.scenario_path = args.scenario;
  spec.sets = ParseOverrides(args.sets);
  spec.pointer = args.minimize;
  spec.range = args.range;
  spec.step = args.step;
  for (const std::string& s : args.slos) spec.slos.push_back(ParseSlo(s));
  spec.replications = args.replications;
  spec.threads = args.threads;
  const PlanResult result = RunPlan(spec);
  const std::string dir = args.out.empty() ? DefaultPlanDir(result.name) : args.out;
  try {
    WritePlanOutputs(dir, result);
  } catch (const std::exception& e) {
    PrintError(e.what());
    return 1;
  }
  if (args.json) {
    std::cout << PlanToJson(result).dump(2) << '\n';
  } else {
    std::cout << FormatPlan(result) << "output: " << dir << '\n';
  }
  std::cout.flush();
  return 0;
}

void AddPlanCommand(CLI::App& app, PlanArgs& args) {
  CLI::App* cmd = app.add_subcommand(
      "plan", "Smallest value of a parameter that meets every SLO (bisection, replicated runs)");
  cmd->footer(
      "The parameter must be monotone (larger is never worse). Each probed value runs R times\n"
      "(the sweep's seeds); an SLO counts as met at the pessimistic end of its 95% interval\n"
      "(<=: mean + ci95, >=: mean - ci95). SLOs: METRIC<=X, <X, >=X, >X on a summary.json\n"
      "field, e.g. --slo 'latency_ms.p99<=10' --slo 'cache.hit_ratio>=0.9'.\n"
      "Step: --step, else 1 (integers), 1 ns (durations), 1 byte (sizes), 1% of the range "
      "(reals).\n"
      "No value in range meeting the SLOs, or a non-monotone parameter, is exit 2 (nothing\n"
      "written). Writes plan.json to the output folder (default results/runs/<name>-plan).");
  cmd->add_option("scenario", args.scenario,
                  "Scenario JSON file (default: the embedded default scenario)")
      ->type_name("FILE");
  cmd->add_option("--minimize", args.minimize, "The parameter, e.g. /database/connections")
      ->type_name("PTR")
      ->required();
  cmd->add_option("--range", args.range, "Its range, LO..HI, e.g. 1..64 or 16MiB..4GiB")
      ->type_name("LO..HI")
      ->required();
  cmd->add_option("--slo", args.slos, "An objective, e.g. 'latency_ms.p99<=10' (repeatable)")
      ->type_name("METRIC<=X")
      ->required()
      ->allow_extra_args(false);
  cmd->add_option("--step", args.step, "Resolution of the answer (same kind as LO)")
      ->type_name("S");
  cmd->add_option("--set", args.sets, "Override a scenario field (repeatable)")
      ->type_name("PTR=VALUE")
      ->allow_extra_args(false);
  cmd->add_option("--replications", args.replications, "Runs per probed value (default 5, >= 2)")
      ->type_name("R")
      ->check(CLI::Range(1u, 10000u));
  cmd->add_option("--threads", args.threads, "Runs simulated at once (results do not depend on it)")
      ->type_name("N")
      ->check(CLI::Range(1u, 256u));
  cmd->add_option("--out", args.out, "Output folder (default: results/runs/<name>-plan)")
      ->type_name("DIR");
  cmd->add_flag("--json", args.json, "Print plan.json on stdout instead of the text");
}

// ---- explain -------------------------------------------------------------

struct ExplainArgs {
  std::string scenario;  // empty: the embedded default scenario
  std::vector<std::string> sets;
  uint64_t key = 0;
  std::string from, to;
  size_t limit = 200;
  std::string out;  // empty: write no file
};

int ExplainCommand(const ExplainArgs& args) {
  Scenario scenario = LoadScenario(args.scenario, ParseOverrides(args.sets));
  const ExplainResult result = RunExplain(scenario, {args.key, args.from, args.to, args.limit});
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

void AddExplainCommand(CLI::App& app, ExplainArgs& args) {
  CLI::App* cmd = app.add_subcommand(
      "explain", "Simulate a scenario and print one key's events as a sequence diagram");
  cmd->footer(
      "One line per event: time, request, an arrow from the application instance to the\n"
      "actor it talked to (cache, db, channel, ...), and what happened. Writes nothing unless\n"
      "--out DIR is given: then DIR/explain.json holds the same events as data (atomically).");
  cmd->add_option("scenario", args.scenario,
                  "Scenario JSON file (default: the embedded default scenario)")
      ->type_name("FILE");
  cmd->add_option("--key", args.key, "The workload key to follow (0 is the most popular)")
      ->type_name("K")
      ->required()
      ->check(CLI::Validator(
          [](std::string& v) {
            return !v.empty() && v[0] == '-' ? "must be >= 0, got " + v : std::string();
          },
          "", "non-negative"));
  cmd->add_option("--from", args.from, "Start of the window, a duration such as 3590s (default 0)")
      ->type_name("T");
  cmd->add_option("--to", args.to, "End of the window (default: the scenario's duration)")
      ->type_name("T");
  cmd->add_option("--limit", args.limit, "Print at most this many events (default 200)")
      ->type_name("N")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--out", args.out,
                  "Also write DIR/explain.json (the shown events and the summary as JSON)")
      ->type_name("DIR");
  cmd->add_option("--set", args.sets, "Override a scenario field by JSON pointer (repeatable)")
      ->type_name("PTR=VALUE")
      ->allow_extra_args(false);
}

// ---- report --------------------------------------------------------------

struct ReportArgs {
  std::string dir;
  std::string out;  // empty: <dir>/report.html
  ReportOptions options;
};

int ReportCommand(const ReportArgs& args) {
  return WriteReport(args.dir, args.out, args.options);
}

void AddReportCommand(CLI::App& app, ReportArgs& args) {
  CLI::App* cmd = app.add_subcommand(
      "report", "Write a self-contained HTML page with charts of a result folder");
  cmd->footer(
      "RESULT_DIR is the output folder of run, compare, sweep, plan or explain --out. The page\n"
      "inlines its charting library (uPlot) and data: it opens offline, from a file. Time series\n"
      "longer than --max-points intervals are merged into wider intervals (the charts say so).\n"
      "On a sweep, --slo draws thresholds and --plan a plan's SLOs and answer.");
  cmd->add_option("dir", args.dir, "Result folder")->type_name("RESULT_DIR")->required();
  cmd->add_option("--out", args.out, "The HTML file (default: RESULT_DIR/report.html)")
      ->type_name("FILE");
  cmd->add_option("--slo", args.options.slos,
                  "Sweep: an SLO threshold to draw, e.g. 'latency_ms.p99<=50' (repeatable)")
      ->type_name("METRIC<=X")
      ->allow_extra_args(false);
  cmd->add_option("--plan", args.options.plan_dir,
                  "Sweep: a plan folder (plan.json) whose SLOs and answer to draw")
      ->type_name("DIR");
  cmd->add_option("--max-points", args.options.max_points,
                  "Most intervals drawn per time series before merging (default 4000)")
      ->type_name("N")
      ->check(CLI::Range(static_cast<size_t>(2), static_cast<size_t>(1) << 30));
}

// ---- validate ------------------------------------------------------------

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
    std::cout << "ok: " << scenario.name << '\n';
  }
  return 0;
}

void AddValidateCommand(CLI::App& app, ValidateArgs& args) {
  CLI::App* cmd = app.add_subcommand("validate", "Check a scenario file without running it");
  cmd->add_option("scenario", args.scenario, "Scenario JSON file")->type_name("FILE")->required();
  cmd->add_option("--set", args.sets, "Override a scenario field by JSON pointer (repeatable)")
      ->type_name("PTR=VALUE")
      ->allow_extra_args(false);
  cmd->add_flag("--print-resolved", args.print_resolved,
                "Print the scenario with overrides applied and every default filled in");
}

// ---- policies ------------------------------------------------------------

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
    }
    fmt::format_to(std::back_inserter(text), "  {:<22} {}\n", p.name, p.summary);
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

void AddPoliciesCommand(CLI::App& app, PoliciesArgs& args) {
  CLI::App* cmd = app.add_subcommand("policies", "List every policy module and its parameters");
  cmd->add_flag("--json", args.json, "Print the list as JSON");
}

// ---- replay --------------------------------------------------------------

// The CSV layout options, shared by replay, mrc and fit (AddCsvOptions wires them).
struct CsvArgs {
  std::vector<std::string> columns;  // role=column
  bool no_header = false;
  std::string delimiter = ",";
};

void AddCsvOptions(CLI::App* cmd, CsvArgs& args) {
  cmd->add_option("--columns", args.columns,
                  "csv: where each field is, ROLE=COLUMN with a header name or a 1-based number; "
                  "roles time, key, size, op (default key=key)")
      ->delimiter(',')
      ->type_name("ROLE=COL,...");
  cmd->add_flag("--no-header", args.no_header, "csv: the first line is a request, not a header");
  cmd->add_option("--delimiter", args.delimiter, "csv: field separator (default ,)");
}

// The --format names of replay, mrc and fit (each command checks which it takes).
TraceFormat ParseTraceFormat(const std::string& name) {
  return name == "csv"       ? TraceFormat::kCsv
         : name == "twitter" ? TraceFormat::kTwitter
                             : TraceFormat::kOracle;
}

struct ReplayArgs {
  std::string trace;
  std::string format = "oracle";
  std::vector<std::string> policies;
  std::vector<std::string> sizes;
  CsvArgs csv;
  bool ignore_size = false;
  bool json = false;
  bool read_only = false;
  unsigned threads = 1;
};

CsvColumns ParseColumns(const CsvArgs& args) {
  CsvColumns c;
  c.header = !args.no_header;
  if (args.delimiter.size() != 1) {
    throw InputError("--delimiter must be one character, got \"" + args.delimiter + "\"");
  }
  c.delimiter = args.delimiter[0];
  for (const std::string& m : args.columns) {
    const size_t eq = m.find('=');
    const std::string role = m.substr(0, eq);
    const std::string column = eq == std::string::npos ? "" : m.substr(eq + 1);
    if (eq == std::string::npos || column.empty()) {
      throw InputError("--columns: expected ROLE=COLUMN (e.g. key=lbn or size=4), got \"" + m +
                       "\"");
    }
    if (role == "time") {
      c.time = column;
    } else if (role == "key") {
      c.key = column;
    } else if (role == "size") {
      c.size = column;
    } else if (role == "op") {
      c.op = column;
    } else {
      throw InputError("--columns: unknown role \"" + role + "\"; roles are time, key, size, op");
    }
  }
  return c;
}

int ReplayCommand(const ReplayArgs& args) {
  const TraceFormat format = ParseTraceFormat(args.format);
  if (args.read_only) {
    const uint64_t n = ReadTraceOnly(args.trace, format, ParseColumns(args.csv));
    if (args.json) {
      std::cout << nlohmann::json{{"requests", n}}.dump(2) << '\n';
    } else {
      std::cout << "requests " << n << '\n';
    }
    return 0;
  }
  ReplaySpec spec;
  spec.trace = args.trace;
  spec.format = format;
  spec.csv = ParseColumns(args.csv);
  spec.policies = args.policies;
  for (const std::string& s : args.sizes) spec.sizes.push_back(ParseCacheSize(s));
  spec.ignore_size = args.ignore_size;
  spec.threads = args.threads;
  const std::vector<ReplayRow> rows = RunReplay(spec);

  if (args.json) {
    nlohmann::json out = nlohmann::json::array();
    for (const ReplayRow& r : rows) {
      out.push_back({{"policy", r.policy},
                     {"size", r.cache_size},
                     {"requests", r.counts.requests},
                     {"misses", r.counts.misses},
                     {"miss_ratio", r.miss_ratio()},
                     {"byte_miss_ratio", r.byte_miss_ratio()}});
    }
    std::cout << out.dump(2) << '\n';
    return 0;
  }
  std::string text = fmt::format("{:<14} {:>14} {:>12} {:>12} {:>10} {:>10}\n", "policy",
                                 args.ignore_size ? "size (objects)" : "size (bytes)", "requests",
                                 "misses", "miss ratio", "byte miss");
  for (const ReplayRow& r : rows) {
    fmt::format_to(std::back_inserter(text), "{:<14} {:>14} {:>12} {:>12} {:>10.4f} {:>10.4f}\n",
                   r.policy, r.cache_size, r.counts.requests, r.counts.misses, r.miss_ratio(),
                   r.byte_miss_ratio());
  }
  std::cout << text;
  return 0;
}

void AddReplayCommand(CLI::App& app, ReplayArgs& args) {
  CLI::App* cmd =
      app.add_subcommand("replay", "Replay a trace through eviction policies: miss ratios");
  cmd->footer(
      "Sizes: a number of objects (4897), bytes with a unit (19MiB), or a fraction of the\n"
      "trace's working set (0.1: of its unique objects with --ignore-size, else of their bytes).\n"
      "Traces ending in .zst are decompressed on the fly. Example:\n"
      "  cachelab replay t.oracleGeneral.bin --policy lru,s3fifo --size 0.01,0.1 --ignore-size");
  cmd->add_option("trace", args.trace, "Trace file")->type_name("TRACE")->required();
  cmd->add_option("--format", args.format,
                  "oracle: libCacheSim oracleGeneral binary; csv: one request per line; "
                  "twitter: Twitter's cache-trace CSV (only gets count as requests)")
      ->check(CLI::IsMember({"oracle", "csv", "twitter"}));
  cmd->add_option("--policy", args.policies, "Eviction policies, comma-separated (required)")
      ->delimiter(',')
      ->type_name("NAME,...");
  cmd->add_option("--size", args.sizes, "Cache sizes, comma-separated (required)")
      ->delimiter(',')
      ->type_name("SIZE,...");
  cmd->add_flag("--read-only", args.read_only,
                "Only read the trace and print its request count (the reader's share of the "
                "time); --policy and --size are not needed");
  cmd->add_flag("--ignore-size", args.ignore_size,
                "Every object counts 1; sizes are numbers of objects");
  AddCsvOptions(cmd, args.csv);
  cmd->add_flag("--json", args.json,
                "Print an array of {policy, size, requests, misses, miss_ratio, byte_miss_ratio}");
  cmd->add_option("--threads", args.threads,
                  "Replay (policy, size) pairs on N threads; results do not depend on N")
      ->check(CLI::Range(1u, 256u))
      ->type_name("N");
}

// ---- gen-trace -----------------------------------------------------------

struct GenTraceArgs {
  std::string out;
  uint64_t requests = 0;
  uint64_t keys = 0;
  double alpha = 1.0;
  std::optional<uint32_t> size, size_min, size_max;
  uint64_t seed = 1;
  uint64_t rps = 1000;
  bool scramble_ids = false;
};

int GenTraceCommand(const GenTraceArgs& args) {
  TraceGenConfig config;
  config.requests = args.requests;
  config.keys = args.keys;
  config.alpha = args.alpha;
  config.seed = args.seed;
  config.requests_per_second = args.rps;
  config.scramble_ids = args.scramble_ids;
  if (args.size && (args.size_min || args.size_max)) {
    throw InputError("give either --size or --size-min/--size-max, not both");
  }
  if (args.size) {
    config.min_size = config.max_size = *args.size;
  } else if (args.size_min || args.size_max) {
    if (!args.size_min || !args.size_max) {
      throw InputError("--size-min and --size-max go together");
    }
    config.min_size = *args.size_min;
    config.max_size = *args.size_max;
    if (config.min_size > config.max_size) {
      throw InputError(fmt::format("--size-min {} is larger than --size-max {}", config.min_size,
                                   config.max_size));
    }
  }
  try {
    TraceGenerator check(config);  // validates keys, alpha and sizes before writing anything
  } catch (const std::invalid_argument& e) {
    throw InputError(e.what());
  }
  uint64_t n = 0;
  try {
    n = WriteOracleGeneralTrace(config, args.out);
  } catch (const std::runtime_error& e) {
    PrintError(e.what());
    return 1;
  }
  std::cout << fmt::format("wrote {} requests over {} keys to {}\n", n, config.keys, args.out);
  return 0;
}

// Rejects "-3" (CLI11 would wrap it around to 2^64 - 3) and 0.
CLI::Validator PositiveInteger() {
  return CLI::Validator(
      [](std::string& v) {
        if (!v.empty() && v[0] == '-') return "must be > 0, got " + v;
        if (v.find_first_not_of('0') == std::string::npos) return "must be > 0, got " + v;
        return std::string();
      },
      "", "positive");
}

void AddGenTraceCommand(CLI::App& app, GenTraceArgs& args) {
  CLI::App* cmd = app.add_subcommand(
      "gen-trace", "Write a synthetic Zipf trace in libCacheSim's oracleGeneral format");
  cmd->footer(
      "Each request is for the key of rank r ~ Zipf(alpha) over K keys (id = rank unless\n"
      "--scramble-ids); next-access times are filled in, so belady can replay it. Example:\n"
      "  cachelab gen-trace /tmp/zipf.bin --requests 20000000 --keys 1000000 --alpha 1.0");
  cmd->add_option("out", args.out, "Output file (overwritten)")->type_name("OUT")->required();
  cmd->add_option("--requests", args.requests, "Number of requests")
      ->type_name("N")
      ->required()
      ->check(PositiveInteger());
  cmd->add_option("--keys", args.keys, "Number of distinct keys")
      ->type_name("K")
      ->required()
      ->check(PositiveInteger());
  cmd->add_option("--alpha", args.alpha, "Zipf exponent (>= 0; 0 is uniform)")
      ->type_name("A")
      ->check(CLI::Range(0.0, 100.0));
  cmd->add_option("--size", args.size, "Every object's size in bytes (default 4096)")
      ->type_name("S")
      ->check(PositiveInteger());
  cmd->add_option("--size-min", args.size_min, "Per-key sizes uniform in [min, max] bytes")
      ->type_name("S")
      ->check(PositiveInteger());
  cmd->add_option("--size-max", args.size_max, "See --size-min")
      ->type_name("S")
      ->check(PositiveInteger());
  cmd->add_option("--seed", args.seed, "Random seed (default 1)")
      ->type_name("X")
      ->check(CLI::Validator(
          [](std::string& v) {
            return !v.empty() && v[0] == '-' ? "must be >= 0, got " + v : std::string();
          },
          "", "non-negative"));
  cmd->add_option("--rps", args.rps, "Requests per second of trace time (default 1000)")
      ->type_name("R")
      ->check(PositiveInteger());
  cmd->add_flag("--scramble-ids", args.scramble_ids,
                "Ids are a bijective hash of the rank, so popularity is not the id order");
}

// ---- mrc -----------------------------------------------------------------

struct MrcArgs {
  std::string trace;
  std::string format = "oracle";
  CsvArgs csv;
  bool ignore_size = false;
  std::string method = "exact";
  std::optional<double> rate;
  std::optional<uint64_t> max_keys;
  std::vector<std::string> sizes;
  std::optional<uint64_t> points;
  std::string out;
};

int MrcCommand(const MrcArgs& args) {
  MrcSpec spec;
  spec.trace = args.trace;
  spec.format = ParseTraceFormat(args.format);
  spec.csv = ParseColumns(args.csv);
  spec.ignore_size = args.ignore_size;
  spec.method = args.method == "shards" ? MrcMethod::kShards : MrcMethod::kExact;
  if (spec.method == MrcMethod::kExact && (args.rate || args.max_keys)) {
    throw InputError("--rate and --max-keys are SHARDS options (--method shards)");
  }
  if (args.rate && args.max_keys) {
    throw InputError("give either --rate (fixed rate) or --max-keys (fixed size), not both");
  }
  if (args.rate) spec.rate = *args.rate;
  if (args.max_keys) spec.max_keys = *args.max_keys;
  if (!args.sizes.empty() && args.points) {
    throw InputError("give either --sizes or --points, not both");
  }
  for (const std::string& s : args.sizes) spec.sizes.push_back(ParseCacheSize(s));
  if (args.points) spec.points = *args.points;
  const MrcCurve curve = RunMrc(spec);

  std::string text = "cache_size,miss_ratio\n";
  for (size_t i = 0; i < curve.cache_sizes.size(); ++i) {
    fmt::format_to(std::back_inserter(text), "{},{:.6f}\n", curve.cache_sizes[i],
                   curve.miss_ratios[i]);
  }
  if (args.out.empty()) {
    std::cout << text;
    return 0;
  }
  try {
    StoreFileAtomically(args.out, text);
  } catch (const std::exception& e) {
    PrintError(e.what());
    return 1;
  }
  std::cout << "output: " << args.out << '\n';
  return 0;
}

void AddMrcCommand(CLI::App& app, MrcArgs& args) {
  CLI::App* cmd =
      app.add_subcommand("mrc", "LRU miss-ratio curve of a trace in one pass (Mattson, SHARDS)");
  cmd->footer(
      "Prints CSV cache_size,miss_ratio. exact: Mattson stack distances, every size at once;\n"
      "shards: spatial sampling of keys (--rate R, or --max-keys N for a fixed sample size).\n"
      "Sizes as for replay: objects (4897), bytes (19MiB), or a fraction of the working set\n"
      "(0.1); --points N (default 100) gives N sizes evenly spaced up to the working set.\n"
      "  cachelab mrc t.oracleGeneral.bin --ignore-size --method shards --rate 0.01");
  cmd->add_option("trace", args.trace, "Trace file")->type_name("TRACE")->required();
  cmd->add_option("--format", args.format,
                  "oracle: libCacheSim oracleGeneral binary; csv: one request per line")
      ->check(CLI::IsMember({"oracle", "csv"}));
  cmd->add_flag("--ignore-size", args.ignore_size,
                "Every object counts 1; sizes are numbers of objects");
  cmd->add_option("--method", args.method, "exact (default) or shards")
      ->check(CLI::IsMember({"exact", "shards"}));
  cmd->add_option("--rate", args.rate, "shards: sampling rate in (0, 1] (default 0.01)")
      ->type_name("R")
      ->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--max-keys", args.max_keys, "shards: fixed-size sample of at most N keys")
      ->type_name("N")
      ->check(PositiveInteger());
  cmd->add_option("--sizes", args.sizes, "Cache sizes, comma-separated")
      ->delimiter(',')
      ->type_name("SIZE,...");
  cmd->add_option("--points", args.points, "Evenly spaced sizes up to the working set")
      ->type_name("N")
      ->check(PositiveInteger());
  cmd->add_option("--out", args.out, "Write the CSV to FILE (atomically) instead of stdout")
      ->type_name("FILE");
  AddCsvOptions(cmd, args.csv);
}

// ---- fit -----------------------------------------------------------------

struct FitArgs {
  std::string trace;
  std::string format = "oracle";
  CsvArgs csv;
  std::string out;       // empty: no scenario file
  std::string interval;  // empty: automatic
  double time_scale = 1.0;
  double rate_scale = 1.0;
  uint64_t min_count = 10;
  bool reads_only = false;
  bool json = false;
};

int FitCommand(const FitArgs& args) {
  FitSpec spec;
  spec.trace = args.trace;
  spec.format = ParseTraceFormat(args.format);
  spec.csv = ParseColumns(args.csv);
  if (!args.interval.empty()) {
    spec.interval = ParseDuration(args.interval, "--interval");
    if (spec.interval <= Duration()) throw InputError("--interval: must be > 0, got 0");
  }
  spec.time_scale = args.time_scale;
  spec.rate_scale = args.rate_scale;
  spec.min_count = args.min_count;
  spec.reads_only = args.reads_only;
  const WorkloadFit fit = FitTrace(spec);
  const nlohmann::ordered_json scenario = FittedScenario(fit);
  if (!args.out.empty()) {
    try {
      StoreFileAtomically(args.out, scenario.dump(2) + "\n");
    } catch (const std::exception& e) {
      PrintError(e.what());
      return 1;
    }
  }
  if (args.json) {
    std::cout << nlohmann::ordered_json{{"fit", FitToJson(fit)}, {"scenario", scenario}}.dump(2)
              << '\n';
  } else {
    std::cout << FormatFit(fit);
    std::cout << (args.out.empty() ? std::string("scenario: not written (give --out FILE)")
                                   : "scenario: " + args.out)
              << '\n';
  }
  std::cout.flush();
  return 0;
}

void AddFitCommand(CLI::App& app, FitArgs& args) {
  CLI::App* cmd = app.add_subcommand(
      "fit", "Estimate a workload model from a trace and write a scenario that reproduces it");
  cmd->footer(
      "Fits the request rate (constant, or steps per interval when it varies), Zipf alpha\n"
      "(least squares of log count on log rank over ranks with >= --min-count requests),\n"
      "the keys seen, the write fraction and per-key value sizes; prints a summary. --out\n"
      "writes the default scenario with that workload (cache, database and policies are the\n"
      "default's); --json prints {\"fit\": ..., \"scenario\": ...}. Scale traffic with\n"
      "--rate-scale, or later with --set /workload/rate/rps=... on a constant rate. Example:\n"
      "  cachelab fit t.oracleGeneral.bin --out fitted.json && cachelab run fitted.json");
  cmd->add_option("trace", args.trace, "Trace file")->type_name("TRACE")->required();
  cmd->add_option("--format", args.format,
                  "oracle: libCacheSim oracleGeneral binary (no op field: all reads); csv: one "
                  "request per line (needs --columns time=...); twitter: Twitter's cache-trace "
                  "CSV")
      ->check(CLI::IsMember({"oracle", "csv", "twitter"}));
  AddCsvOptions(cmd, args.csv);
  cmd->add_option("--out", args.out, "Write the fitted scenario JSON to FILE (atomically)")
      ->type_name("FILE");
  cmd->add_flag("--json", args.json, "Print the fit and the scenario as JSON");
  cmd->add_option("--time-scale", args.time_scale,
                  "Seconds per trace time unit (default 1: timestamps in seconds)")
      ->type_name("S");
  cmd->add_option("--interval", args.interval,
                  "Width of the rate intervals, a duration such as 5m (default: the trace's "
                  "duration / 24, in whole seconds)")
      ->type_name("D");
  cmd->add_option("--rate-scale", args.rate_scale,
                  "Multiply the scenario's rates by X, e.g. 3 for 3x traffic (default 1)")
      ->type_name("X");
  cmd->add_option("--min-count", args.min_count,
                  "Zipf fit: only ranks with at least N requests (default 10, >= 2)")
      ->type_name("N")
      ->check(PositiveInteger());  // FitTrace rejects 1
  cmd->add_flag("--reads-only", args.reads_only,
                "Skip the trace's writes (look-aside traces whose sets are fills after misses)");
}

// ---- model ---------------------------------------------------------------

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
    if (::isatty(STDERR_FILENO)) {
      progress.emplace(scenario.name);
      options.progress = [&progress](double f) { progress->Update(f); };
    }
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

void AddModelCommand(CLI::App& app, ModelArgs& args) {
  CLI::App* cmd = app.add_subcommand(
      "model", "Analytical predictions (Che, TTL, staleness, Erlang C) beside a simulation");
  cmd->footer(
      "Simulates the scenario and prints, per quantity, the model's value, the simulated one\n"
      "and their difference; 'n/a' with the reason when the scenario breaks a model's\n"
      "assumptions (e.g. a stampede guard, an L1, a varying rate, both capacity and TTL\n"
      "binding, non-exponential DB service for Erlang C). Writes nothing.");
  cmd->add_option("scenario", args.scenario,
                  "Scenario JSON file (default: the embedded default scenario)")
      ->type_name("FILE");
  cmd->add_option("--set", args.sets, "Override a scenario field by JSON pointer (repeatable)")
      ->type_name("PTR=VALUE")
      ->allow_extra_args(false);
  cmd->add_flag("--json", args.json, "Print the comparison as JSON");
}

// ---- main ----------------------------------------------------------------

int Main(int argc, char** argv) {
  CLI::App app{
      "cachelab: a discrete-event simulator of application caching (hit ratio, latency,\n"
      "database load, stampedes, staleness).",
      "cachelab"};
  app.set_version_flag("--version", std::string("cachelab ") + CACHELAB_VERSION);
  app.require_subcommand(1);
  app.footer("Exit status: 0 ok, 2 bad input, 1 internal error. Run 'cachelab COMMAND --help'.");
  // Under mpirun every rank parses the same command line; rank 0 reports.
  print_errors = LauncherRank() == 0;

  RunArgs run_args;
  CompareArgs compare_args;
  ExplainArgs explain_args;
  ValidateArgs validate_args;
  PoliciesArgs policies_args;
  ReplayArgs replay_args;
  GenTraceArgs gen_trace_args;
  MrcArgs mrc_args;
  ModelArgs model_args;
  SweepArgs sweep_args;
  PlanArgs plan_args;
  FitArgs fit_args;
  ReportArgs report_args;
  AddRunCommand(app, run_args);
  AddCompareCommand(app, compare_args);
  AddExplainCommand(app, explain_args);
  AddValidateCommand(app, validate_args);
  AddPoliciesCommand(app, policies_args);
  AddReplayCommand(app, replay_args);
  AddGenTraceCommand(app, gen_trace_args);
  AddMrcCommand(app, mrc_args);
  AddModelCommand(app, model_args);
  AddSweepCommand(app, sweep_args);
  AddPlanCommand(app, plan_args);
  AddFitCommand(app, fit_args);
  AddReportCommand(app, report_args);

  // CLI11 would report a mistyped command as an unexpected extra argument;
  // name it for what it is.
  std::vector<std::string> names;
  for (const CLI::App* sub : app.get_subcommands({})) names.push_back(sub->get_name());
  if (argc > 1 && argv[1][0] != '-' &&
      std::find(names.begin(), names.end(), argv[1]) == names.end()) {
    PrintError(
        fmt::format("unknown command '{}' (valid commands: {})", argv[1], fmt::join(names, ", ")));
    return 2;
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
    PrintError(e.what());
    return 2;
  }

  if (app.got_subcommand("run")) return RunCommand(run_args);
  if (app.got_subcommand("compare")) return CompareCommand(compare_args);
  if (app.got_subcommand("explain")) return ExplainCommand(explain_args);
  if (app.got_subcommand("validate")) return ValidateCommand(validate_args);
  if (app.got_subcommand("policies")) return PoliciesCommand(policies_args);
  if (app.got_subcommand("replay")) return ReplayCommand(replay_args);
  if (app.got_subcommand("gen-trace")) return GenTraceCommand(gen_trace_args);
  if (app.got_subcommand("mrc")) return MrcCommand(mrc_args);
  if (app.got_subcommand("model")) return ModelCommand(model_args);
  if (app.got_subcommand("sweep")) return SweepCommand(sweep_args);
  if (app.got_subcommand("plan")) return PlanCommand(plan_args);
  if (app.got_subcommand("fit")) return FitCommand(fit_args);
  if (app.got_subcommand("report")) return ReportCommand(report_args);
  return 2;  // unreachable: require_subcommand(1)
}

}  // namespace
}  // namespace cachelab

int main(int argc, char** argv) {
  try {
    return cachelab::Main(argc, argv);
  } catch (const cachelab::InputError& e) {
    cachelab::PrintError(e.what());
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "cachelab: internal error: " << cachelab::OneLine(e.what()) << std::endl;
    return 1;
  } catch (...) {
    std::cerr << "cachelab: internal error: unknown exception" << std::endl;
    return 1;
  }
}
