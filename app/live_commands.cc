// Commands that meet real servers: live (a scenario on a real Redis and
// PostgreSQL), calibrate (fit the scenario's service times to them) and twin
// (simulated against live, side by side). Same shape as the other families: an Args struct, a
// private runner, and the AddXxxCommand of app/main.cc's table.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cmath>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "analysis/common/atomic_files.h"
#include "analysis/live/calibrate.h"
#include "analysis/live/live_world.h"
#include "analysis/live/twin.h"
#include "analysis/outputs/run_outputs.h"
#include "app/cli.h"
#include "app/cli_options.h"
#include "sim/model/workload.h"

namespace cachelab {

namespace {

// The set-up steps ("starting a private redis-server") go to stderr on a
// terminal, or with --verbose; otherwise stderr holds only an error's one line.
bool StepsOnStderr(bool quiet, bool verbose) {
  return verbose || (!quiet && ::isatty(STDERR_FILENO));
}

void AddVerboseFlag(CLI::App& cmd, bool& verbose) {
  cmd.add_flag("--verbose", verbose,
               "Print each set-up step on stderr also when it is not a terminal");
}

}  // namespace

// ---- live ---------------------------------------------------------------

namespace {

struct LiveArgs {
  std::string scenario;  // empty: the embedded default scenario
  std::optional<uint64_t> seed;
  std::vector<std::string> sets;
  std::string out;  // empty: DefaultRunDir + "-live"
  std::string redis, postgres;
  int redis_port = 0, postgres_port = 0;
  bool emulate_db_service = false;
  uint64_t max_in_flight = 20'000;
  bool json = false;
  bool quiet = false;
  bool verbose = false;
  bool report = false;
};

int LiveCommand(const LiveArgs& args) {
  std::vector<Override> overrides = ParseOverrides(args.sets);
  if (args.seed) overrides.push_back({"/seed", std::to_string(*args.seed)});
  Scenario scenario = LoadScenario(args.scenario, overrides);
  const std::string dir = args.out.empty() ? DefaultRunDir(scenario) + "-live" : args.out;

  live::LiveOptions options;
  options.redis_url = args.redis;
  options.postgres_url = args.postgres;
  options.redis_port = args.redis_port;
  options.postgres_port = args.postgres_port;
  options.emulate_db_service = args.emulate_db_service;
  options.max_in_flight = args.max_in_flight;
  options.verbose = StepsOnStderr(args.quiet, args.verbose);
  RunResult result;
  try {
    std::optional<ProgressLine> progress;
    if (!args.quiet) options.progress = ProgressOnTerminal(progress, scenario.name + " (live)");
    result = live::RunLive(scenario, options);
  } catch (const live::LiveInterrupted&) {
    PrintError("interrupted: servers stopped, nothing written");
    return 130;
  }
  return Publish(
      dir, [&](const std::string& d) { WriteRunOutputs(d, scenario, result); },
      [&] {
        if (args.json) return SummaryToJson(result.summary).dump(2) + '\n';
        if (args.quiet) return dir + '\n';
        return FormatSummaryTable(result.summary) + "\noutput: " + dir + '\n';
      },
      args.report ? std::optional<ReportOptions>(ReportOptions{}) : std::nullopt);
}

}  // namespace

CommandRunner AddLiveCommand(CLI::App& cmd) {
  auto shared = std::make_shared<LiveArgs>();
  LiveArgs& args = *shared;
  cmd.footer(
      "Runs the scenario's traffic, in real time, through the same policy modules against a\n"
      "real Redis (the cache) and PostgreSQL (the database). Without --redis/--postgres it\n"
      "starts private throw-away servers (Debian's redis-server and postgresql-15) and removes\n"
      "them afterwards; with URLs it only touches its own keys and table. Writes the same\n"
      "files as `run` (plus a `live` section in summary.json) to the output folder\n"
      "(default results/runs/<name>-<seed>-live). Ctrl-C stops the servers and writes nothing\n"
      "(exit 130).");
  cmd.add_option("scenario", args.scenario,
                 "Scenario JSON file (default: the embedded default scenario)")
      ->type_name("FILE");
  cmd.add_option("--seed", args.seed, "Override the scenario's seed (same as --set /seed=N)")
      ->type_name("N")
      ->check(NonNegativeInteger());
  cmd.add_option("--set", args.sets, "Override a scenario field by JSON pointer (repeatable)")
      ->type_name("PTR=VALUE")
      ->allow_extra_args(false);
  cmd.add_option("--redis", args.redis,
                 "Use this Redis instead of a private one: redis://[:password@]host[:port][/db] "
                 "or unix:///path/to/socket")
      ->type_name("URL");
  cmd.add_option("--postgres", args.postgres,
                 "Use this PostgreSQL instead of a private one (a libpq URL or conninfo string)")
      ->type_name("URL");
  cmd.add_option("--redis-port", args.redis_port,
                 "The private redis-server also listens on 127.0.0.1:PORT (default: a unix "
                 "socket only)")
      ->type_name("PORT")
      ->check(CLI::Range(1, 65535));
  cmd.add_option("--postgres-port", args.postgres_port,
                 "The private PostgreSQL also listens on 127.0.0.1:PORT (default: a unix socket "
                 "only)")
      ->type_name("PORT")
      ->check(CLI::Range(1, 65535));
  cmd.add_flag("--emulate-db-service", args.emulate_db_service,
               "Each query also sleeps in PostgreSQL for a draw of the scenario's service time "
               "(pg_sleep), emulating an expensive query");
  cmd.add_option("--max-in-flight", args.max_in_flight,
                 "Drop (and count) arrivals beyond this many requests in flight")
      ->type_name("N")
      ->check(PositiveInteger());
  cmd.add_option("--out", args.out, "Output folder (default: results/runs/<name>-<seed>-live)")
      ->type_name("DIR");
  cmd.add_flag("--json", args.json, "Print only the summary as JSON on stdout");
  cmd.add_flag("--quiet", args.quiet, "No table, no progress; print only the output folder");
  AddVerboseFlag(cmd, args.verbose);
  cmd.add_flag("--report", args.report, "Also write the HTML report, <out>/report.html");
  return [shared] { return LiveCommand(*shared); };
}

// ---- calibrate ----------------------------------------------------------

namespace {

struct CalibrateArgs {
  std::string scenario;  // the base of --out; empty: the embedded default scenario
  std::vector<std::string> sets;
  std::string redis, postgres;
  std::string out;  // empty: print only
  uint32_t samples = 2000;
  bool json = false;
  bool quiet = false;
  bool verbose = false;
};

int CalibrateCommand(const CalibrateArgs& args) {
  const Scenario scenario = LoadScenario(args.scenario, ParseOverrides(args.sets));
  live::CalibrateOptions o;
  o.redis_url = args.redis;
  o.postgres_url = args.postgres;
  o.samples = args.samples;
  o.verbose = StepsOnStderr(args.quiet, args.verbose);
  o.value_size =
      static_cast<uint32_t>(std::max(1.0, std::round(scenario.world.workload.value_size.mean)));
  const live::Calibration c = live::Calibrate(o);
  if (!args.out.empty()) {
    const nlohmann::json j = live::ApplyCalibration(scenario.resolved, c);
    // Checked by the loader before it is written: the file is a scenario.
    (void)LoadScenarioText(j.dump(), args.out);
    if (!StoreFileOrPrintError(args.out, j.dump(2) + "\n")) return 1;
  }
  if (args.json) {
    std::cout << live::CalibrationToJson(c).dump(2) << '\n';
  } else {
    std::cout << live::FormatCalibration(c);
    if (!args.out.empty()) std::cout << "scenario: " << args.out << '\n';
  }
  return 0;
}

}  // namespace

CommandRunner AddCalibrateCommand(CLI::App& cmd) {
  auto shared = std::make_shared<CalibrateArgs>();
  CalibrateArgs& args = *shared;
  cmd.footer(
      "Measures the Redis round trip and PostgreSQL's read and write service times one\n"
      "operation at a time (no queueing), fits constant, exponential and lognormal models and\n"
      "keeps the one with the smallest Kolmogorov-Smirnov distance, and measures Redis' memory\n"
      "per entry. With --out, writes SCENARIO (or the default scenario) with /cache/rtt,\n"
      "/database/read, /database/write and /cache/entry_overhead replaced.");
  cmd.add_option("scenario", args.scenario,
                 "Scenario to calibrate (its value size; the base of --out)")
      ->type_name("FILE");
  cmd.add_option("--set", args.sets, "Override a scenario field by JSON pointer (repeatable)")
      ->type_name("PTR=VALUE")
      ->allow_extra_args(false);
  cmd.add_option("--redis", args.redis, "Measure this Redis instead of a private one")
      ->type_name("URL");
  cmd.add_option("--postgres", args.postgres, "Measure this PostgreSQL instead of a private one")
      ->type_name("URL");
  cmd.add_option("--out", args.out, "Write the calibrated scenario here")->type_name("FILE");
  cmd.add_option("--samples", args.samples, "Operations timed per measurement (default 2000)")
      ->type_name("N")
      ->check(CLI::Range(10, 1'000'000));
  cmd.add_flag("--json", args.json, "Print the fits as JSON");
  cmd.add_flag("--quiet", args.quiet, "No progress lines");
  AddVerboseFlag(cmd, args.verbose);
  return [shared] { return CalibrateCommand(*shared); };
}

// ---- twin ---------------------------------------------------------------

namespace {

struct TwinArgs {
  std::string scenario;
  std::optional<uint64_t> seed;
  std::vector<std::string> sets;
  std::string out;
  std::string redis, postgres;
  bool emulate_db_service = false;
  uint32_t samples = 1000;
  bool json = false;
  bool quiet = false;
  bool verbose = false;
  bool report = false;
};

int TwinCommand(const TwinArgs& args) {
  std::vector<Override> overrides = ParseOverrides(args.sets);
  if (args.seed) overrides.push_back({"/seed", std::to_string(*args.seed)});
  const Scenario scenario = LoadScenario(args.scenario, overrides);
  const std::string run_dir = DefaultRunDir(scenario);
  const std::string dir =
      args.out.empty() ? run_dir.substr(0, run_dir.rfind('-')) + "-twin" : args.out;
  live::TwinOptions o;
  o.live.redis_url = args.redis;
  o.live.postgres_url = args.postgres;
  o.live.emulate_db_service = args.emulate_db_service;
  o.live.verbose = StepsOnStderr(args.quiet, args.verbose);
  o.calibrate.samples = args.samples;
  live::TwinResult t;
  try {
    std::optional<ProgressLine> progress;
    if (!args.quiet) o.live.progress = ProgressOnTerminal(progress, scenario.name + " (live)");
    t = live::RunTwin(scenario, o);
  } catch (const live::LiveInterrupted&) {
    PrintError("interrupted: servers stopped, nothing written");
    return 130;
  }
  return Publish(
      dir, [&](const std::string& d) { WriteFolderAtomically(d, live::TwinFiles(scenario, t)); },
      [&] {
        if (args.json) {
          for (const auto& [name, text] : live::TwinFiles(scenario, t)) {
            if (name == "twin.json") return text;
          }
        }
        if (args.quiet) return dir + '\n';
        return live::FormatCalibration(t.calibration) + '\n' + live::FormatTwinTable(t) +
               "output: " + dir + '\n';
      },
      args.report ? std::optional<ReportOptions>(ReportOptions{}) : std::nullopt);
}

}  // namespace

CommandRunner AddTwinCommand(CLI::App& cmd) {
  auto shared = std::make_shared<TwinArgs>();
  TwinArgs& args = *shared;
  cmd.footer(
      "Calibrates the servers, runs SCENARIO live, simulates the calibrated scenario with the\n"
      "same seed (the same requests), and prints predicted against measured: hit ratio (within\n"
      "0.02), DB queries (within 10%), latency, stale reads, stampede loads, lost writes. Writes\n"
      "a compare-shaped folder (default results/runs/<name>-twin: compare.json with variants\n"
      "world=simulated and world=live, twin.json, scenario.calibrated.json); `cachelab report`\n"
      "overlays the two time series.");
  cmd.add_option("scenario", args.scenario, "Scenario JSON file (default: the default scenario)")
      ->type_name("FILE");
  cmd.add_option("--seed", args.seed, "Override the scenario's seed")
      ->type_name("N")
      ->check(NonNegativeInteger());
  cmd.add_option("--set", args.sets, "Override a scenario field by JSON pointer (repeatable)")
      ->type_name("PTR=VALUE")
      ->allow_extra_args(false);
  cmd.add_option("--redis", args.redis, "Use this Redis instead of a private one")
      ->type_name("URL");
  cmd.add_option("--postgres", args.postgres, "Use this PostgreSQL instead of a private one")
      ->type_name("URL");
  cmd.add_flag("--emulate-db-service", args.emulate_db_service,
               "Queries also sleep for the scenario's service time (see `live`)");
  cmd.add_option("--samples", args.samples, "Operations timed per calibration (default 1000)")
      ->type_name("N")
      ->check(CLI::Range(10, 1'000'000));
  cmd.add_option("--out", args.out, "Output folder (default: results/runs/<name>-twin)")
      ->type_name("DIR");
  cmd.add_flag("--json", args.json, "Print twin.json on stdout");
  cmd.add_flag("--quiet", args.quiet, "No table, no progress; print only the output folder");
  AddVerboseFlag(cmd, args.verbose);
  cmd.add_flag("--report", args.report, "Also write the HTML report, <out>/report.html");
  return [shared] { return TwinCommand(*shared); };
}

}  // namespace cachelab
