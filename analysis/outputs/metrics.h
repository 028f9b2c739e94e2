// The metrics of a run, each declared once: its name in summary.json (or its
// timeseries.csv column), unit, meaning, where its value comes from and how it
// is printed. summary.json (SummaryToJson), the terminal table
// (FormatSummaryTable), timeseries.csv (TimeSeriesToCsv), results/README.md's
// field tables and the CLI test's key list are all derived from these tables.
//
// Adding a metric takes two edits:
//   1. compute it: a field of Summary (or IntervalRow) in sim/metrics/summary.h,
//      filled where the simulation counts it;
//   2. declare it: one row in SummaryMetrics() (or IntervalColumns()) in
//      analysis/outputs/metrics.cc -- name, unit, meaning, accessor, and a
//      console label and section if the terminal table should show it.
// Then regenerate results/README.md's tables:
//   CACHELAB_REGENERATE_README=1 ./build/release/cachelab_tests "[metric_table]"
// (the test "results/README.md's field tables are generated from the
// descriptors" fails until then). summary.json keys are sorted by
// nlohmann::json, so the row's position only matters for the terminal table
// and the order of timeseries.csv's columns.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "sim/metrics/summary.h"

namespace cachelab {

// How summary.json holds a value.
enum class MetricKind {
  kString,      // a JSON string
  kCount,       // an exact unsigned integer
  kReal,        // a double rounded to 6 significant digits (RoundSignificant)
  kCountArray,  // an array of exact unsigned integers
};

// How the terminal table prints a value.
enum class ConsoleFormat {
  kNone,        // not in the table
  kGrouped,     // 1,234,567
  kMillis,      // a duration in ms, 4 significant digits in us/ms/s/min/h: "12.35 ms"
  kPercent,     // a fraction as "12.34 %"
  kBytes,       // 1.5 MiB (binary units, 1 decimal)
  kPeakCounts,  // an episode-size histogram as "peak:episodes" pairs
};

// The sections of the terminal table holding metric rows, in rendering order.
enum class ConsoleSection {
  kNone,
  kRequests,
  kDatabase,
  kCache,
  kLatency,
  kStaleness,
  kStampede,
  kPolicyStack,  // a row appears only when its value is non-zero
};

using MetricValue = std::variant<std::string, uint64_t, double, std::vector<uint64_t>>;

struct SummaryMetric {
  std::string_view name;     // dotted: "cache.hit_ratio" is summary.json's /cache/hit_ratio
  std::string_view unit;     // as results/README.md lists it ("count", "ms", "fraction", ...)
  std::string_view meaning;  // one line, results/README.md's wording
  MetricKind kind;
  MetricValue (*get)(const Summary&);
  ConsoleSection section = ConsoleSection::kNone;
  std::string_view label;  // console label; empty when not in the table
  ConsoleFormat format = ConsoleFormat::kNone;
};

// A group of summary.json: the object holding the metrics named "<name>.*"
// (or, like "alerts", a field that is not a metric row). Listed in
// results/README.md's reading order.
struct SummaryGroup {
  std::string_view name;  // "" for the top-level metrics
  std::string_view unit;
  std::string_view meaning;
};

// A field of every window object (Summary::Window): summary.json holds it
// at "<window name>.<name>", e.g. "steady.db.utilization".
struct WindowMetric {
  std::string_view name;
  std::string_view unit;
  std::string_view meaning;
  MetricKind kind;
  MetricValue (*get)(const Summary::Window&);
};

struct IntervalColumn {
  std::string_view name;  // timeseries.csv header
  std::string_view unit;
  std::string_view meaning;
  std::variant<uint64_t, double> (*get)(const IntervalRow&);
  int digits = 6;  // significant digits of a double (counts are exact)
};

// Every summary.json metric (alerts aside: SummaryToJson writes that array
// itself), in the terminal table's order.
const std::vector<SummaryMetric>& SummaryMetrics();
// summary.json's groups in results/README.md's reading order; every metric's
// group (its name up to the first '.') is listed.
const std::vector<SummaryGroup>& SummaryGroups();
// The fields of a window object, in results/README.md's order.
const std::vector<WindowMetric>& WindowMetrics();
// The name SummaryGroups() gives the window objects (one per window, named by the scenario).
inline constexpr std::string_view kWindowGroup = "<window>";
// timeseries.csv's columns, in file order.
const std::vector<IntervalColumn>& IntervalColumns();

// The JSON pointer of a dotted name: "cache.hit_ratio" -> "/cache/hit_ratio".
std::string MetricPointer(std::string_view name);

// results/README.md's field tables (Markdown, header row included, each line
// ending in '\n'), generated between the markers below.
std::string SummaryFieldsMarkdown();
std::string IntervalColumnsMarkdown();
inline constexpr std::string_view kSummaryTableBegin =
    "<!-- metrics:summary:begin (generated from analysis/outputs/metrics.cc; do not edit by "
    "hand) -->";
inline constexpr std::string_view kSummaryTableEnd = "<!-- metrics:summary:end -->";
inline constexpr std::string_view kTimeseriesTableBegin =
    "<!-- metrics:timeseries:begin (generated from analysis/outputs/metrics.cc; do not edit by "
    "hand) -->";
inline constexpr std::string_view kTimeseriesTableEnd = "<!-- metrics:timeseries:end -->";

}  // namespace cachelab
