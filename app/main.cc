// The `cachelab` command line (a contract: README.md, results/README.md): the table of
// commands and the mapping of failures to exit codes.
//
// To add a command: write its Args, its runner and its AddXxxCommand in the
// family file it belongs to (app/scenario_commands.cc, experiment_commands.cc,
// trace_commands.cc, model_commands.cc, live_commands.cc), then declare AddXxxCommand and give it
// a row in kCommands below. Nothing else changes; helpers that several
// families share are in app/cli.h (app/cli_options.h for CLI11 options).
//
// Exit codes:
//   0  success
//   2  bad input: a usage error, or an InputError (scenario, override, trace);
//      one line `cachelab: error: <message>` on stderr
//   1  anything else: `cachelab: internal error: <message>` (a bug), or
//      `cachelab: error: cannot write ...` when the outputs cannot be written,
//      or `cachelab: error: out of memory; ...` when an allocation fails
//   130 SIGINT or SIGTERM (every command but live, calibrate and twin, which
//      stop their own way): the work stops within a moment, unwinds (temporary
//      files removed, nothing half-written published), and one line
//      `cachelab: interrupted; <what became of the outputs>` is printed. A
//      second signal kills the process at once (sim/core/cancel.h).
// Nothing is written to disk before a run has finished, so a failing command
// never leaves an output folder behind.
#include <fmt/format.h>
#include <signal.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <exception>
#include <iostream>
#include <new>
#include <string>
#include <vector>

#include "analysis/common/errors.h"
#include "analysis/common/memory_guard.h"
#include "analysis/common/units.h"
#include "analysis/scenario/budget.h"
#include "app/cli.h"
#include "app/sweep_mpi.h"
#include "sim/core/cancel.h"

#ifndef CACHELAB_VERSION
#define CACHELAB_VERSION "0.1.0"  // keep in step with project(VERSION) in CMakeLists.txt
#endif

namespace cachelab {

// The families' Add functions: each adds its options to the subcommand it is
// given and returns the function that runs the command once parsed.
CommandRunner AddRunCommand(CLI::App& cmd);        // app/scenario_commands.cc
CommandRunner AddExplainCommand(CLI::App& cmd);    // app/scenario_commands.cc
CommandRunner AddValidateCommand(CLI::App& cmd);   // app/scenario_commands.cc
CommandRunner AddPoliciesCommand(CLI::App& cmd);   // app/scenario_commands.cc
CommandRunner AddReportCommand(CLI::App& cmd);     // app/scenario_commands.cc
CommandRunner AddCompareCommand(CLI::App& cmd);    // app/experiment_commands.cc
CommandRunner AddSweepCommand(CLI::App& cmd);      // app/experiment_commands.cc
CommandRunner AddPlanCommand(CLI::App& cmd);       // app/experiment_commands.cc
CommandRunner AddReplayCommand(CLI::App& cmd);     // app/trace_commands.cc
CommandRunner AddGenTraceCommand(CLI::App& cmd);   // app/trace_commands.cc
CommandRunner AddMrcCommand(CLI::App& cmd);        // app/trace_commands.cc
CommandRunner AddFitCommand(CLI::App& cmd);        // app/trace_commands.cc
CommandRunner AddModelCommand(CLI::App& cmd);      // app/model_commands.cc
CommandRunner AddLiveCommand(CLI::App& cmd);       // app/live_commands.cc
CommandRunner AddCalibrateCommand(CLI::App& cmd);  // app/live_commands.cc
CommandRunner AddTwinCommand(CLI::App& cmd);       // app/live_commands.cc

namespace {

// SIGINT, SIGTERM: the first asks the work to stop (cancel.h); a second, if
// the work has not stopped yet, takes the default action (the process dies).
// Async-signal-safe: a lock-free atomic, signal() and raise().
extern "C" void OnStopSignal(int sig) {
  if (cancel::Requested()) {
    ::signal(sig, SIG_DFL);
    ::raise(sig);
    return;
  }
  cancel::Request();
}

void InstallStopSignals() {
  struct sigaction sa {};
  sa.sa_handler = OnStopSignal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;  // system calls in progress (writes, reads) go on
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);
}

// The live commands handle SIGINT and SIGTERM themselves (analysis/live/).
bool HandlesOwnSignals(const std::string& command) {
  return command == "live" || command == "calibrate" || command == "twin";
}

struct Command {
  const char* name;
  const char* summary;  // the line `cachelab --help` shows
  AddCommand add;
};

// In the order `cachelab --help` lists them.
const Command kCommands[] = {
    {"run", "Simulate a scenario and write its outputs", AddRunCommand},
    {"compare", "Run variants of a scenario on identical traffic, side by side", AddCompareCommand},
    {"explain", "Simulate a scenario and print one key's events as a sequence diagram",
     AddExplainCommand},
    {"validate", "Check a scenario file without running it", AddValidateCommand},
    {"policies", "List every policy module and its parameters", AddPoliciesCommand},
    {"replay", "Replay a trace through eviction policies: miss ratios", AddReplayCommand},
    {"gen-trace", "Write a synthetic Zipf trace in libCacheSim's oracleGeneral format",
     AddGenTraceCommand},
    {"mrc", "LRU miss-ratio curve of a trace in one pass (Mattson, SHARDS)", AddMrcCommand},
    {"model", "Analytical predictions (Che, TTL, staleness, Erlang C) beside a simulation",
     AddModelCommand},
    {"sweep", "Run a scenario over a grid of parameter values, replicated, with 95% intervals",
     AddSweepCommand},
    {"plan", "Smallest value of a parameter that meets every SLO (bisection, replicated runs)",
     AddPlanCommand},
    {"fit", "Estimate a workload model from a trace and write a scenario that reproduces it",
     AddFitCommand},
    {"live", "Run a scenario against a real Redis and PostgreSQL, in real time", AddLiveCommand},
    {"calibrate", "Measure a Redis and PostgreSQL and fit a scenario's service times to them",
     AddCalibrateCommand},
    {"twin", "Simulate and run live the same scenario; predicted vs measured, side by side",
     AddTwinCommand},
    {"report", "Write a self-contained HTML page with charts of a result folder", AddReportCommand},
};

int Main(int argc, char** argv) {
  CLI::App app{
      "cachelab: a discrete-event simulator of application caching (hit ratio, latency,\n"
      "database load, stampedes, staleness).",
      "cachelab"};
  app.set_version_flag("--version", std::string("cachelab ") + CACHELAB_VERSION);
  app.require_subcommand(1);
  app.footer(
      "Exit status: 0 ok, 2 bad input, 1 internal error or --max-memory reached. Run 'cachelab "
      "COMMAND --help'.");
  // Before or after the command's name (fallthrough): every command that
  // simulates stops cleanly at the limit (analysis/common/memory_guard.h).
  std::string max_memory;
  app.add_option("--max-memory", max_memory,
                 "Refuse (exit 2) a scenario estimated to need more than SIZE (default: the "
                 "machine's memory, or less under a cgroup limit or ulimit -v), and stop with exit "
                 "1, writing nothing, once the process's "
                 "resident memory exceeds SIZE (e.g. 2GiB)")
      ->type_name("SIZE");
  double max_requests = 0;
  app.add_option("--max-requests", max_requests,
                 "Refuse (exit 2) a scenario expected to simulate more than N requests "
                 "(default 2e9, about 20 minutes)")
      ->type_name("N")
      ->check(CLI::PositiveNumber);
  app.fallthrough();
  // Under mpirun every rank parses the same command line; rank 0 reports.
  SetPrintErrors(LauncherRank() == 0);

  std::vector<std::pair<CLI::App*, CommandRunner>> commands;
  std::vector<std::string> names;
  for (const Command& c : kCommands) {
    CLI::App* cmd = app.add_subcommand(c.name, c.summary);
    commands.emplace_back(cmd, c.add(*cmd));
    names.push_back(c.name);
  }

  // CLI11 would report a mistyped command as an unexpected extra argument;
  // name it for what it is.
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

  Budget budget;
  budget.max_requests = max_requests;
  if (!max_memory.empty()) {
    budget.max_memory = ParseSize(max_memory, "--max-memory");
    memory_guard::Arm(budget.max_memory);
  }
  SetBudget(budget);
  for (const auto& [cmd, run] : commands) {
    if (!cmd->parsed()) continue;
    if (!HandlesOwnSignals(cmd->get_name())) InstallStopSignals();
    return run();
  }
  return 2;  // unreachable: require_subcommand(1)
}

}  // namespace
}  // namespace cachelab

int main(int argc, char** argv) {
  try {
    return cachelab::Main(argc, argv);
  } catch (const cachelab::Interrupted&) {
    // Commands that name their outputs catch it themselves.
    return cachelab::ReportInterrupted("nothing written");
  } catch (const cachelab::InputError& e) {
    cachelab::PrintError(e.what());
    return 2;
  } catch (const cachelab::MemoryLimitError& e) {
    cachelab::PrintError(e.what());
    return 1;
  } catch (const std::bad_alloc&) {
    // The environment's failure, not a bug: the estimate passed a limit the
    // allocator then did not honour (overcommit, another process's use).
    cachelab::PrintError(
        "out of memory; the run needed more than the system would give (cachelab validate "
        "FILE prints its estimate; --max-memory SIZE stops it at that size)");
    return 1;
  } catch (const std::exception& e) {
    std::cerr << ("cachelab: internal error: " + cachelab::OneLine(e.what()) + "\n") << std::flush;
    return 1;
  } catch (...) {
    std::cerr << "cachelab: internal error: unknown exception" << std::endl;
    return 1;
  }
}
