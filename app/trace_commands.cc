// Commands on request traces: replay, mrc, gen-trace, fit. A command is an
// Args struct that CLI11 fills, a `int XxxCommand(const XxxArgs&)` that does
// the work and returns the exit code (both private), and the AddXxxCommand
// that app/main.cc's table calls.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <cstdint>
#include <exception>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "analysis/common/errors.h"
#include "analysis/models/fit.h"
#include "analysis/replay/replay.h"
#include "analysis/replay/trace_mrc.h"
#include "analysis/trace/generate.h"
#include "app/cli.h"
#include "app/cli_options.h"
#include "sim/core/cancel.h"

namespace cachelab {

// ---- replay -------------------------------------------------------------

namespace {

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

}  // namespace

CommandRunner AddReplayCommand(CLI::App& cmd) {
  auto shared = std::make_shared<ReplayArgs>();
  ReplayArgs& args = *shared;
  cmd.footer(
      "Sizes: a number of objects (4897), bytes with a unit (19MiB), or a fraction of the\n"
      "trace's working set (0.1: of its unique objects with --ignore-size, else of their bytes).\n"
      "Traces ending in .zst are decompressed on the fly. Example:\n"
      "  cachelab replay t.oracleGeneral.bin --policy lru,s3fifo --size 0.01,0.1 --ignore-size");
  cmd.add_option("trace", args.trace, "Trace file")->type_name("TRACE")->required();
  cmd.add_option("--format", args.format,
                 "oracle: libCacheSim oracleGeneral binary; csv: one request per line; "
                 "twitter: Twitter's cache-trace CSV (only gets count as requests)")
      ->check(CLI::IsMember({"oracle", "csv", "twitter"}));
  cmd.add_option("--policy", args.policies, "Eviction policies, comma-separated (required)")
      ->delimiter(',')
      ->type_name("NAME,...");
  cmd.add_option("--size", args.sizes, "Cache sizes, comma-separated (required)")
      ->delimiter(',')
      ->type_name("SIZE,...");
  cmd.add_flag("--read-only", args.read_only,
               "Only read the trace and print its request count (the reader's share of the "
               "time); --policy and --size are not needed");
  cmd.add_flag("--ignore-size", args.ignore_size,
               "Every object counts 1; sizes are numbers of objects");
  AddCsvOptions(cmd, args.csv);
  cmd.add_flag("--json", args.json,
               "Print an array of {policy, size, requests, misses, miss_ratio, byte_miss_ratio}");
  cmd.add_option("--threads", args.threads,
                 "Replay (policy, size) pairs on N threads; results do not depend on N")
      ->check(CLI::Range(1u, 256u))
      ->type_name("N");
  return [shared] { return ReplayCommand(*shared); };
}

// ---- mrc ----------------------------------------------------------------

namespace {

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
  if (!StoreFileOrPrintError(args.out, text)) return 1;
  std::cout << "output: " << args.out << '\n';
  return 0;
}

}  // namespace

CommandRunner AddMrcCommand(CLI::App& cmd) {
  auto shared = std::make_shared<MrcArgs>();
  MrcArgs& args = *shared;
  cmd.footer(
      "Prints CSV cache_size,miss_ratio. exact: Mattson stack distances, every size at once;\n"
      "shards: spatial sampling of keys (--rate R, or --max-keys N for a fixed sample size).\n"
      "Sizes as for replay: objects (4897), bytes (19MiB), or a fraction of the working set\n"
      "(0.1); --points N (default 100) gives N sizes evenly spaced up to the working set.\n"
      "  cachelab mrc t.oracleGeneral.bin --ignore-size --method shards --rate 0.01");
  cmd.add_option("trace", args.trace, "Trace file")->type_name("TRACE")->required();
  cmd.add_option("--format", args.format,
                 "oracle: libCacheSim oracleGeneral binary; csv: one request per line")
      ->check(CLI::IsMember({"oracle", "csv"}));
  cmd.add_flag("--ignore-size", args.ignore_size,
               "Every object counts 1; sizes are numbers of objects");
  cmd.add_option("--method", args.method, "exact (default) or shards")
      ->check(CLI::IsMember({"exact", "shards"}));
  cmd.add_option("--rate", args.rate, "shards: sampling rate in (0, 1] (default 0.01)")
      ->type_name("R")
      ->check(CLI::Range(0.0, 1.0));
  cmd.add_option("--max-keys", args.max_keys, "shards: fixed-size sample of at most N keys")
      ->type_name("N")
      ->check(PositiveInteger());
  cmd.add_option("--sizes", args.sizes, "Cache sizes, comma-separated")
      ->delimiter(',')
      ->type_name("SIZE,...");
  cmd.add_option("--points", args.points, "Evenly spaced sizes up to the working set")
      ->type_name("N")
      ->check(PositiveInteger());
  cmd.add_option("--out", args.out, "Write the CSV to FILE (atomically) instead of stdout")
      ->type_name("FILE");
  AddCsvOptions(cmd, args.csv);
  return [shared] { return MrcCommand(*shared); };
}

// ---- gen-trace ----------------------------------------------------------

namespace {

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
  } catch (const Interrupted&) {
    return ReportInterrupted("the unfinished trace " + args.out + " was removed");
  } catch (const std::runtime_error& e) {
    PrintError(e.what());
    return 1;
  }
  std::cout << fmt::format("wrote {} requests over {} keys to {}\n", n, config.keys, args.out);
  return 0;
}

}  // namespace

CommandRunner AddGenTraceCommand(CLI::App& cmd) {
  auto shared = std::make_shared<GenTraceArgs>();
  GenTraceArgs& args = *shared;
  cmd.footer(
      "Each request is for the key of rank r ~ Zipf(alpha) over K keys (id = rank unless\n"
      "--scramble-ids); next-access times are filled in, so belady can replay it. Example:\n"
      "  cachelab gen-trace /tmp/zipf.bin --requests 20000000 --keys 1000000 --alpha 1.0");
  cmd.add_option("out", args.out, "Output file (overwritten)")->type_name("OUT")->required();
  cmd.add_option("--requests", args.requests, "Number of requests")
      ->type_name("N")
      ->required()
      ->check(PositiveInteger());
  cmd.add_option("--keys", args.keys, "Number of distinct keys")
      ->type_name("K")
      ->required()
      ->check(PositiveInteger());
  cmd.add_option("--alpha", args.alpha, "Zipf exponent (>= 0; 0 is uniform)")
      ->type_name("A")
      ->check(CLI::Range(0.0, 100.0));
  cmd.add_option("--size", args.size, "Every object's size in bytes (default 4096)")
      ->type_name("S")
      ->check(PositiveInteger());
  cmd.add_option("--size-min", args.size_min, "Per-key sizes uniform in [min, max] bytes")
      ->type_name("S")
      ->check(PositiveInteger());
  cmd.add_option("--size-max", args.size_max, "See --size-min")
      ->type_name("S")
      ->check(PositiveInteger());
  cmd.add_option("--seed", args.seed, "Random seed (default 1)")
      ->type_name("X")
      ->check(NonNegativeInteger());
  cmd.add_option("--rps", args.rps, "Requests per second of trace time (default 1000)")
      ->type_name("R")
      ->check(PositiveInteger());
  cmd.add_flag("--scramble-ids", args.scramble_ids,
               "Ids are a bijective hash of the rank, so popularity is not the id order");
  return [shared] { return GenTraceCommand(*shared); };
}

// ---- fit ----------------------------------------------------------------

namespace {

struct FitArgs {
  std::string trace;
  std::string format = "oracle";
  CsvArgs csv;
  std::string out;       // empty: no scenario file
  std::string into;      // empty: the default scenario
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
  nlohmann::ordered_json base;
  if (!args.into.empty()) {
    std::ifstream in(args.into);
    if (!in) throw InputError(args.into + ": cannot read the scenario");
    try {
      base = nlohmann::ordered_json::parse(in);
    } catch (const nlohmann::json::exception& e) {
      throw InputError(args.into + ": not JSON: " + e.what());
    }
  }
  WorkloadFit fit = FitTrace(spec);
  const nlohmann::ordered_json scenario =
      FitScenario(&fit, args.into.empty() ? nullptr : &base, args.into);
  if (!fit.check.ok) {
    std::cerr << fmt::format(
        "WARNING: fit check failed: the fitted workload's LRU miss ratio differs from the "
        "trace's by {:.4f} (more than {}); see fit_check\n",
        fit.check.max_difference, kFitTolerance);
  }
  if (!args.out.empty() && !StoreFileOrPrintError(args.out, scenario.dump(2) + "\n")) return 1;
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

}  // namespace

CommandRunner AddFitCommand(CLI::App& cmd) {
  auto shared = std::make_shared<FitArgs>();
  FitArgs& args = *shared;
  cmd.footer(
      "Fits the request rate (constant, or steps per interval when it varies), an LRU stack\n"
      "model of the trace's reuse (share of first accesses, byte stack-depth quantiles), the\n"
      "keys seen, the write fraction and the per-key value sizes (an empirical table); Zipf\n"
      "alpha and a parametric size model are reported too. Every fit is checked: the trace\n"
      "and the fitted workload go through LRU at 1/32, 1/8, 1/4, 1/2 and 3/4 of the working\n"
      "set, both miss-ratio curves are printed, and a WARNING (stderr, and fit_check.ok\n"
      "false in --json) says when they differ by more than 0.05. --out writes the default\n"
      "scenario with that workload, or --into SCENARIO's with only its workload and\n"
      "duration replaced; --json prints {\"fit\": ..., \"scenario\": ...}. Scale traffic\n"
      "with --rate-scale, or later with --set /workload/rate/rps=... on a constant rate.\n"
      "  cachelab fit t.oracleGeneral.bin --into mine.json --out fitted.json");
  cmd.add_option("trace", args.trace, "Trace file")->type_name("TRACE")->required();
  cmd.add_option("--format", args.format,
                 "oracle: libCacheSim oracleGeneral binary (no op field: all reads); csv: one "
                 "request per line (needs --columns time=...); twitter: Twitter's cache-trace "
                 "CSV")
      ->check(CLI::IsMember({"oracle", "csv", "twitter"}));
  AddCsvOptions(cmd, args.csv);
  cmd.add_option("--out", args.out, "Write the fitted scenario JSON to FILE (atomically)")
      ->type_name("FILE");
  cmd.add_option("--into", args.into,
                 "Keep SCENARIO's cache, database, instances, policies and metrics; replace only "
                 "its workload and duration with the fitted ones")
      ->type_name("SCENARIO");
  cmd.add_flag("--json", args.json, "Print the fit and the scenario as JSON");
  cmd.add_option("--time-scale", args.time_scale,
                 "Seconds per trace time unit (default 1: timestamps in seconds)")
      ->type_name("S");
  cmd.add_option("--interval", args.interval,
                 "Width of the rate intervals, a duration such as 5m (default: the trace's "
                 "duration / 24, in whole seconds)")
      ->type_name("D");
  cmd.add_option("--rate-scale", args.rate_scale,
                 "Multiply the scenario's rates by X, e.g. 3 for 3x traffic (default 1)")
      ->type_name("X");
  cmd.add_option("--min-count", args.min_count,
                 "Zipf fit: only ranks with at least N requests (default 10, >= 2)")
      ->type_name("N")
      ->check(PositiveInteger());  // FitTrace rejects 1
  cmd.add_flag("--reads-only", args.reads_only,
               "Skip the trace's writes (look-aside traces whose sets are fills after misses)");
  return [shared] { return FitCommand(*shared); };
}

}  // namespace cachelab
