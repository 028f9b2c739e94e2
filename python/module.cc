// The native half of `import cachelab` (python/cachelab/__init__.py is the
// other): thin pybind11 wrappers over the same analysis functions the CLI's
// commands call (app/*.cc), so that a result from Python equals the CLI's
// output for the same scenario, seed and options, byte for byte where the CLI
// writes text.
//
// Contract:
//  - Outputs cross as the CLI's own text (summary.json, timeseries.csv,
//    sweep.csv, plan.json, ...): the Python side parses them with json and
//    pandas, exactly as a notebook would parse the CLI's files.
//  - A scenario is ("default", ""), ("file", PATH) or ("text", JSON) with the
//    source name that errors give ("<dict>"); `sets` are --set texts
//    "PTR=VALUE", parsed by ParseOverride as the CLI does.
//  - cachelab::InputError becomes _cachelab.InputError (a ValueError) with the
//    CLI's one-line message; the Python package re-raises it as
//    cachelab.InputError with the JSON pointer parsed out.
//  - Simulations run on a worker thread with the GIL released; the calling
//    thread wakes every 50 ms to run Python's signal handlers, and a Ctrl-C
//    there requests cancellation (sim/core/cancel.h), waits for the work to
//    unwind and raises KeyboardInterrupt. The flag is process-wide and sticky,
//    so it is reset afterwards for the next call.
#include <fmt/format.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <chrono>
#include <cstdint>
#include <exception>
#include <future>
#include <iterator>
#include <optional>
#include <string>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include "analysis/common/errors.h"
#include "analysis/common/memory_guard.h"
#include "analysis/experiments/compare.h"
#include "analysis/experiments/cost_plan.h"
#include "analysis/experiments/plan.h"
#include "analysis/experiments/sweep.h"
#include "analysis/models/model_report.h"
#include "analysis/outputs/run_outputs.h"
#include "analysis/replay/replay.h"
#include "analysis/replay/trace_mrc.h"
#include "analysis/scenario/run.h"
#include "analysis/scenario/scenario.h"
#include "analysis/trace/reader.h"
#include "sim/core/cancel.h"

namespace py = pybind11;

namespace cachelab {
namespace {

// (kind, value, source): see the contract above.
using ScenarioArg = std::tuple<std::string, std::string, std::string>;

std::vector<Override> ParseSets(const std::vector<std::string>& sets) {
  std::vector<Override> out;
  out.reserve(sets.size());
  for (const std::string& s : sets) out.push_back(ParseOverride(s));
  return out;
}

Scenario Load(const ScenarioArg& arg, const std::vector<std::string>& sets) {
  const auto& [kind, value, source] = arg;
  const std::vector<Override> overrides = ParseSets(sets);
  if (kind == "file") return LoadScenarioFile(value, overrides);
  if (kind == "text") return LoadScenarioText(value, source, overrides);
  return LoadDefaultScenario(overrides);
}

// Runs `work` off the GIL, polling Python's signal handlers (contract above).
template <class F>
auto Interruptible(F work) -> decltype(work()) {
  using R = decltype(work());
  std::packaged_task<R()> task(std::move(work));
  std::future<R> done = task.get_future();
  std::optional<py::error_already_set> signal;  // KeyboardInterrupt, or a handler's exception
  {
    py::gil_scoped_release release;
    std::thread worker(std::move(task));
    while (done.wait_for(std::chrono::milliseconds(50)) != std::future_status::ready) {
      if (signal) continue;  // cancellation requested: wait for the work to unwind
      py::gil_scoped_acquire acquire;
      if (PyErr_CheckSignals() != 0) {
        signal.emplace();  // fetches the pending exception
        cancel::Request();
      }
    }
    worker.join();
  }
  if (signal) {
    cancel::Reset();
    try {
      done.get();
    } catch (...) {  // Interrupted, or whatever the work ended with: the signal wins
    }
    throw std::move(*signal);
  }
  return done.get();
}

// ---- load / run ---------------------------------------------------------

std::string LoadResolved(const ScenarioArg& arg, const std::vector<std::string>& sets) {
  return Load(arg, sets).resolved.dump(2);
}

// The run folder's files as text, by name (WriteRunOutputs' names), and the
// resolved scenario; nodes.csv only when the run has a cluster, pools.csv
// only with per-instance pools.
py::dict Run(const ScenarioArg& arg, const std::vector<std::string>& sets) {
  const Scenario scenario = Load(arg, sets);
  const RunResult result = Interruptible([&] { return RunScenario(scenario); });
  py::dict files;
  files["summary.json"] = SummaryToJson(result.summary).dump(2) + "\n";
  files["timeseries.csv"] = TimeSeriesToCsv(result.timeseries);
  files["scenario.resolved.json"] = scenario.resolved.dump(2) + "\n";
  files["events.json"] = EventsToJson(scenario, result).dump(2) + "\n";
  if (result.summary.cluster) {
    files["nodes.csv"] = NodeTimeSeriesToCsv(result.node_timeseries);
  }
  if (result.summary.pools) {
    files["pools.csv"] = PoolTimeSeriesToCsv(result.pool_timeseries);
  }
  return files;
}

// ---- compare / sweep / plan ----------------------------------------------
// These take a file path ("" for the default scenario) as the CLI does; the
// Python side writes a dict scenario to a temporary file first.

std::vector<std::pair<std::string, std::string>> Compare(const std::string& path,
                                                         const std::vector<std::string>& sets,
                                                         const std::vector<std::string>& varies,
                                                         unsigned threads) {
  std::vector<Vary> parsed;
  for (const std::string& v : varies) parsed.push_back(ParseVary(v));
  const std::vector<Override> overrides = ParseSets(sets);
  return Interruptible([&] { return CompareFiles(RunCompare(path, overrides, parsed, threads)); });
}

using SensitivityTuple = std::tuple<std::string, std::string, std::string, double, double, double,
                                    double, std::optional<double>>;

// (sweep.csv, sweep.json, the sensitivity table as the CLI prints it, its
// rows) for the plan the CLI's `sweep --grid ... --sensitivity ... --slo ...`
// makes; the table is "" and the rows empty without sensitivity inputs.
std::tuple<std::string, std::string, std::string, std::vector<SensitivityTuple>> Sweep(
    const std::string& path, const std::vector<std::string>& sets,
    const std::vector<std::string>& grids, const std::vector<std::string>& sensitivity,
    const std::vector<std::string>& slos, unsigned replications, unsigned threads) {
  // The CLI's checks, in its order (app/experiment_commands.cc), before any run.
  std::vector<Slo> parsed;
  std::vector<std::string> slo_metrics;
  for (const std::string& s : slos) {
    parsed.push_back(ParseSlo(s));
    slo_metrics.push_back(parsed.back().metric);
  }
  const std::vector<Override> overrides = ParseSets(sets);
  const SweepPlan plan =
      MakeSweepPlan(path, overrides, SweepGrids(path, overrides, grids, sensitivity), replications);
  CheckSloMetrics(parsed, SummaryMetricNames(plan.points.front().scenario.world.metrics));
  std::vector<size_t> all(plan.points.size());
  for (size_t i = 0; i < all.size(); ++i) all[i] = i;
  const std::vector<PointResult> points =
      Interruptible([&] { return RunSweepPoints(plan, all, threads); });
  std::string table;
  std::vector<SensitivityTuple> rows;
  if (!sensitivity.empty()) {
    const std::vector<std::string> metrics = SensitivityMetrics(slo_metrics);
    table = FormatSensitivityTable(plan, points, grids.size(), metrics);
    for (const SensitivityRow& r : SensitivityRows(plan, points, grids.size(), metrics)) {
      rows.emplace_back(r.input, r.at, r.metric, r.low, r.base, r.high, r.swing, r.base_ci95);
    }
  }
  return {SweepToCsv(plan, points), SweepToJson(plan, points).dump(2) + "\n", table, rows};
}

// plan.json for `plan --minimize POINTER --range RANGE --slo ...`.
std::string Plan(const std::string& path, const std::vector<std::string>& sets,
                 const std::string& minimize, const std::string& range, const std::string& step,
                 const std::vector<std::string>& slos, const std::vector<std::string>& uncertain,
                 unsigned replications, unsigned threads, bool model_start) {
  PlanSpec spec;
  spec.scenario_path = path;
  spec.sets = ParseSets(sets);
  spec.pointer = minimize;
  spec.range = range;
  spec.step = step;
  for (const std::string& s : slos) spec.slos.push_back(ParseSlo(s));
  for (const std::string& u : uncertain) spec.uncertain.push_back(ParseGrid(u, "--uncertain"));
  spec.replications = replications;
  spec.threads = threads;
  spec.model_start = model_start;
  // The model the CLI's plan starts from (app/experiment_commands.cc).
  spec.model = [](const Scenario& s) {
    std::vector<PlanModelRow> rows;
    for (const ModelRow& r : PredictScenario(s).rows) rows.push_back({r.quantity, r.model, r.note});
    return rows;
  };
  return Interruptible([&] { return PlanToJson(RunPlan(spec)).dump(2) + "\n"; });
}

// plan.json for `plan --minimize cost --candidates ... --slo ...`.
std::string CostPlan(const std::string& path, const std::vector<std::string>& sets,
                     const std::vector<std::string>& candidates,
                     const std::vector<std::string>& slos, unsigned replications,
                     unsigned threads) {
  CostPlanSpec spec;
  spec.scenario_path = path;
  spec.sets = ParseSets(sets);
  for (const std::string& c : candidates) spec.candidates.push_back(ParseGrid(c, "--candidates"));
  for (const std::string& s : slos) spec.slos.push_back(ParseSlo(s));
  spec.replications = replications;
  spec.threads = threads;
  return Interruptible([&] { return CostPlanToJson(RunCostPlan(spec)).dump(2) + "\n"; });
}

// ---- replay / mrc ---------------------------------------------------------

TraceFormat Format(const std::string& name) {
  const std::optional<TraceFormat> f = TraceFormatFromName(name);
  if (!f) throw InputError("format \"" + name + "\": must be " + TraceFormatNameList());
  return *f;
}

CsvColumns Columns(const std::string& time, const std::string& key, const std::string& size,
                   const std::string& op, bool header, const std::string& delimiter) {
  if (delimiter.size() != 1) {
    throw InputError("delimiter must be one character, got \"" + delimiter + "\"");
  }
  return CsvColumns{time, key, size, op, header, delimiter[0]};
}

using ReplayTuple = std::tuple<std::string, uint64_t, uint64_t, uint64_t, double, double>;

// The rows of `replay --json`: (policy, size, requests, misses, miss_ratio,
// byte_miss_ratio).
std::vector<ReplayTuple> Replay(const std::string& trace, const std::string& format,
                                const std::vector<std::string>& policies,
                                const std::vector<std::string>& sizes, bool ignore_size,
                                unsigned threads, const CsvColumns& csv) {
  ReplaySpec spec;
  spec.trace = trace;
  spec.format = Format(format);
  spec.csv = csv;
  spec.policies = policies;
  for (const std::string& s : sizes) spec.sizes.push_back(ParseCacheSize(s));
  spec.ignore_size = ignore_size;
  spec.threads = threads;
  const std::vector<ReplayRow> rows = Interruptible([&] { return RunReplay(spec); });
  std::vector<ReplayTuple> out;
  for (const ReplayRow& r : rows) {
    out.emplace_back(r.policy, r.cache_size, r.counts.requests, r.counts.misses, r.miss_ratio(),
                     r.byte_miss_ratio());
  }
  return out;
}

// (the CSV `cachelab mrc` prints, requests, working set).
std::tuple<std::string, uint64_t, double> Mrc(
    const std::string& trace, const std::string& format, bool ignore_size,
    const std::string& method, std::optional<double> rate, std::optional<uint64_t> max_keys,
    const std::vector<std::string>& sizes, std::optional<uint64_t> points, const CsvColumns& csv) {
  MrcSpec spec;
  spec.trace = trace;
  spec.format = Format(format);
  spec.csv = csv;
  spec.ignore_size = ignore_size;
  if (method != "exact" && method != "shards") {
    throw InputError("method \"" + method + "\": must be \"exact\" or \"shards\"");
  }
  spec.method = method == "shards" ? MrcMethod::kShards : MrcMethod::kExact;
  // The CLI's checks (app/trace_commands.cc), in its words.
  if (spec.method == MrcMethod::kExact && (rate || max_keys)) {
    throw InputError("rate and max_keys are SHARDS options (method=\"shards\")");
  }
  if (rate && max_keys) throw InputError("give either rate or max_keys, not both");
  if (rate) spec.rate = *rate;
  if (max_keys) spec.max_keys = *max_keys;
  if (!sizes.empty() && points) throw InputError("give either sizes or points, not both");
  for (const std::string& s : sizes) spec.sizes.push_back(ParseCacheSize(s));
  if (points) spec.points = *points;
  const MrcCurve curve = Interruptible([&] { return RunMrc(spec); });
  // The same text as `cachelab mrc` prints.
  std::string text = "cache_size,miss_ratio\n";
  for (size_t i = 0; i < curve.cache_sizes.size(); ++i) {
    fmt::format_to(std::back_inserter(text), "{},{:.6f}\n", curve.cache_sizes[i],
                   curve.miss_ratios[i]);
  }
  return {text, curve.requests, curve.working_set};
}

}  // namespace
}  // namespace cachelab

PYBIND11_MODULE(_cachelab, m) {
  using namespace cachelab;
  m.doc() = "cachelab's native module; use the `cachelab` package instead.";

  // InputError as a ValueError subclass the package re-raises (contract above).
  py::register_exception<InputError>(m, "InputError", PyExc_ValueError);
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const MemoryLimitError& e) {
      PyErr_SetString(PyExc_MemoryError, e.what());
    } catch (const Interrupted&) {
      // Cancellation nobody asked for through Python (a signal it did not see).
      PyErr_SetString(PyExc_KeyboardInterrupt, "interrupted");
    }
  });
  py::class_<CsvColumns>(m, "CsvColumns");

  m.def("default_scenario_text", [] { return std::string(DefaultScenarioText()); });
  m.def("load", &LoadResolved, py::arg("scenario"), py::arg("sets"));
  m.def("run", &Run, py::arg("scenario"), py::arg("sets"));
  m.def("compare", &Compare, py::arg("path"), py::arg("sets"), py::arg("varies"),
        py::arg("threads"));
  m.def("sweep", &Sweep, py::arg("path"), py::arg("sets"), py::arg("grids"), py::arg("sensitivity"),
        py::arg("slos"), py::arg("replications"), py::arg("threads"));
  m.def("plan", &Plan, py::arg("path"), py::arg("sets"), py::arg("minimize"), py::arg("range"),
        py::arg("step"), py::arg("slos"), py::arg("uncertain"), py::arg("replications"),
        py::arg("threads"), py::arg("model_start"));
  m.def("cost_plan", &CostPlan, py::arg("path"), py::arg("sets"), py::arg("candidates"),
        py::arg("slos"), py::arg("replications"), py::arg("threads"));
  m.def("csv_columns", &Columns, py::arg("time"), py::arg("key"), py::arg("size"), py::arg("op"),
        py::arg("header"), py::arg("delimiter"));
  m.def("replay", &Replay, py::arg("trace"), py::arg("format"), py::arg("policies"),
        py::arg("sizes"), py::arg("ignore_size"), py::arg("threads"), py::arg("csv"));
  m.def("mrc", &Mrc, py::arg("trace"), py::arg("format"), py::arg("ignore_size"), py::arg("method"),
        py::arg("rate"), py::arg("max_keys"), py::arg("sizes"), py::arg("points"), py::arg("csv"));
}
