// `cachelab report`: one self-contained HTML page with charts of a result
// folder, for a projector or a design review.
//
// What a folder is, by the files it holds (the output contract in
// results/README.md), checked in this order:
//   compare.json            a compare: per variant overlaid time series
//                           (variant-<i>.timeseries.csv / .events.json when
//                           present) and a side-by-side table
//   sweep.json              a sweep: every metric against every grid parameter
//                           with its 95% band; --slo thresholds and a --plan's
//                           answer drawn
//   plan.json               a plan: each SLO metric against the probed values,
//                           threshold and answer marked
//   explain.json            `explain --out`: one key's events as a timeline
//   summary.json +          a run: time series of requests, hit ratio, DB load,
//   timeseries.csv          latency, staleness, evictions and memory, with the
//                           fault windows, deploys and hot-key expiries of
//                           events.json marked; the summary table; the alerts
//
// The page (contract for the browser tests, tests/app/report_browser_test.mjs):
//  - Offline: uPlot (from the npm registry at build time), the page's script
//    and style and the data are inlined; nothing is fetched.
//  - Every string from the folder (scenario names, descriptions, keys, grid
//    values, event texts) reaches the page as JSON data inside a
//    <script type="application/json"> element with '<', '>' and '&' escaped
//    as \u003c, \u003e, \u0026, and is put into the document as text
//    (textContent), never as markup. The <title> is HTML-escaped.
//  - When every chart has drawn, the script sets <body data-status="ready">
//    and window.cachelabReport = {kind, charts: [{id, title, points}],
//    errors: [...], readyMs}; "error" on a script error.
//  - Deterministic: the same folder and options give the same bytes (no
//    timestamps).
//
// Long time series are merged into groups of k consecutive intervals so that
// at most `max_points` remain (k = ceil(rows / max_points)): counts are summed,
// hit_ratio recomputed from the summed hits and misses, db_utilization is the
// duration-weighted mean, queue depth and latency quantiles are the group's
// largest value (a quantile of merged intervals is not the merge of their
// quantiles: the chart says so), cache_bytes and cache_items the group's last.
// The page states the merge on every time-series chart.
#pragma once

#include <cstddef>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace cachelab {

struct ReportOptions {
  std::vector<std::string> slos;  // sweep: thresholds to draw ("latency_ms.p99<=50")
  std::string plan_dir;           // sweep: a plan folder whose SLOs and answer to draw
  size_t max_points = 4000;       // per time series, before merging intervals (>= 2)
};

// A time series as timeseries.csv holds it: columns by header name, plus each
// row's length in seconds (the last row ends at `end_s`).
struct TimeSeries {
  std::vector<std::string> names;                      // header order
  std::map<std::string, std::vector<double>> columns;  // includes "time_s"
  std::vector<double> duration_s;
  size_t rows() const { return duration_s.size(); }
};

// Parses timeseries.csv text. `end_s` is the run's simulated_seconds (the last
// row's end). Throws InputError "<source>: line N: ..." for a missing time_s
// column, a row of the wrong width, a cell that is not a number, or times
// that go backwards.
TimeSeries ParseTimeSeriesCsv(const std::string& text, const std::string& source, double end_s);

// Merges groups of `factor` consecutive rows as the header comment says
// (factor 1 returns the series unchanged).
TimeSeries MergeIntervals(const TimeSeries& ts, size_t factor);

// The data the page draws, as JSON (what BuildReport inlines). Throws
// InputError naming the folder or file (and line or JSON pointer) when the
// folder holds no result, or a file is missing, malformed or inconsistent, and
// for an SLO that does not parse or names no summary metric.
nlohmann::json ReportData(const std::string& dir, const ReportOptions& options);

// The page for `data` (ReportData's output).
std::string RenderReportHtml(const nlohmann::json& data);

// ReportData + RenderReportHtml.
std::string BuildReport(const std::string& dir, const ReportOptions& options);

// JSON text safe inside a <script> element: '<', '>', '&' (and U+2028/9)
// escaped, which JSON allows only inside strings, where the escapes mean the
// same characters.
// Bytes that are not UTF-8 (a CSV header can hold any) become U+FFFD.
std::string JsonForScript(const nlohmann::json& j);

// Text with &, <, >, " and ' replaced by character references.
std::string EscapeHtml(const std::string& text);

}  // namespace cachelab
