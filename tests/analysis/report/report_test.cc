// The report's data model (analysis/report/report.h): result folders read back
// strictly, long time series merged without losing totals, and every string
// from a folder kept out of the page's markup.
#include "analysis/report/report.h"

#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "analysis/common/errors.h"
#include "analysis/outputs/run_outputs.h"
#include "analysis/scenario/run.h"
#include "analysis/scenario/scenario.h"
#include "tests/support/cli.h"
#include "tests/support/input_error.h"
#include "tests/support/temp_dir.h"

namespace cachelab {
namespace {

using test::ErrorOf;

using nlohmann::json;
using test::TempDir;

const std::string kTiny = std::string(CACHELAB_TEST_DATA) + "/cli_tiny.json";

// A real run's outputs in `dir`, with 1-second intervals.
RunResult WriteTinyRun(const std::string& dir, const std::string& duration = "30s") {
  const Scenario s =
      LoadScenarioFile(kTiny, {{"/metrics/interval", "1s"}, {"/duration", duration}});
  RunResult r = RunScenario(s);
  WriteRunOutputs(dir, s, r);
  return r;
}

double Sum(const std::vector<double>& v, size_t from, size_t to) {
  double s = 0;
  for (size_t i = from; i < to; ++i) s += v[i];
  return s;
}

}  // namespace

TEST_CASE("timeseries.csv reads back with each interval's length, the last ending with the run",
          "[analysis][report]") {
  const TimeSeries ts = ParseTimeSeriesCsv("time_s,hits\n0,5\n10,7\n20,1\n", "t.csv", 24.5);
  REQUIRE(ts.rows() == 3);
  CHECK(ts.names == std::vector<std::string>{"time_s", "hits"});
  CHECK(ts.columns.at("hits") == std::vector<double>{5, 7, 1});
  CHECK(ts.duration_s == std::vector<double>{10, 10, 4.5});
}

TEST_CASE("a malformed timeseries.csv is an input error naming the file, line and column",
          "[analysis][report]") {
  CHECK_THAT(ErrorOf([] { ParseTimeSeriesCsv("hits\n1\n", "t.csv", 1); }),
             Catch::Contains("t.csv: line 1: expected a time_s column"));
  CHECK_THAT(ErrorOf([] { ParseTimeSeriesCsv("time_s,hits\n0,1\n1,x\n", "t.csv", 2); }),
             Catch::Contains("t.csv: line 3: column hits: expected a number, got \"x\""));
  CHECK_THAT(ErrorOf([] { ParseTimeSeriesCsv("time_s,hits\n0,1,2\n", "t.csv", 2); }),
             Catch::Contains("t.csv: line 2: expected 2 cells, got 3"));
  CHECK_THAT(ErrorOf([] { ParseTimeSeriesCsv("time_s,hits\n5,1\n4,1\n", "t.csv", 9); }),
             Catch::Contains("t.csv: line 3: time_s goes backwards"));
  CHECK_THAT(ErrorOf([] { ParseTimeSeriesCsv("", "t.csv", 9); }),
             Catch::Contains("t.csv: expected a header line"));
}

TEST_CASE("merging intervals keeps every total, recomputes the hit ratio and keeps peaks",
          "[analysis][report]") {
  TempDir tmp;
  const RunResult run = WriteTinyRun(tmp / "run");
  const TimeSeries ts = ParseTimeSeriesCsv(test::ReadFile(tmp / "run/timeseries.csv"),
                                           "timeseries.csv", run.summary.simulated_seconds);
  REQUIRE(ts.rows() >= 30);
  const size_t k = 4;
  const TimeSeries m = MergeIntervals(ts, k);
  REQUIRE(m.rows() == (ts.rows() + k - 1) / k);
  CHECK(m.names == ts.names);
  CHECK(Sum(m.duration_s, 0, m.rows()) == Approx(run.summary.simulated_seconds));
  for (const char* counted : {"requests", "reads", "hits", "misses", "db_queries", "evictions"}) {
    INFO(counted);
    CHECK(Sum(m.columns.at(counted), 0, m.rows()) == Sum(ts.columns.at(counted), 0, ts.rows()));
  }
  for (size_t g = 0; g < m.rows(); ++g) {
    const size_t from = g * k, to = std::min(ts.rows(), from + k);
    INFO("group " << g);
    CHECK(m.columns.at("time_s")[g] == ts.columns.at("time_s")[from]);
    const double hits = Sum(ts.columns.at("hits"), from, to);
    const double misses = Sum(ts.columns.at("misses"), from, to);
    CHECK(m.columns.at("hit_ratio")[g] == Approx(hits + misses > 0 ? hits / (hits + misses) : 0));
    double p99 = 0;
    for (size_t i = from; i < to; ++i) p99 = std::max(p99, ts.columns.at("p99_ms")[i]);
    CHECK(m.columns.at("p99_ms")[g] == p99);
    CHECK(m.columns.at("cache_bytes")[g] == ts.columns.at("cache_bytes")[to - 1]);
    double busy = 0;
    for (size_t i = from; i < to; ++i)
      busy += ts.columns.at("db_utilization")[i] * ts.duration_s[i];
    CHECK(m.columns.at("db_utilization")[g] == Approx(busy / Sum(ts.duration_s, from, to)));
  }
  CHECK(MergeIntervals(ts, 1).columns == ts.columns);
}

TEST_CASE("a run folder's report holds every interval until there are more than max_points",
          "[analysis][report]") {
  TempDir tmp;
  WriteTinyRun(tmp / "run", "50s");
  ReportOptions options;
  const json all = ReportData(tmp / "run", options);
  CHECK(all["kind"] == "run");
  CHECK(all["series"][0]["data"]["factor"] == 1);
  const size_t rows = all["series"][0]["data"]["duration_s"].size();
  CHECK(rows >= 50);
  options.max_points = 20;
  const json merged = ReportData(tmp / "run", options);
  const json& d = merged["series"][0]["data"];
  const size_t factor = (rows + 19) / 20;
  CHECK(d["factor"] == factor);
  CHECK(d["rows_before_merge"] == rows);
  CHECK(d["duration_s"].size() == (rows + factor - 1) / factor);
  CHECK(d["duration_s"].size() <= 20);
}

TEST_CASE("a folder that holds no result, or a damaged file, is an input error naming it",
          "[analysis][report]") {
  TempDir tmp;
  std::filesystem::create_directories(tmp / "empty");
  CHECK_THAT(ErrorOf([&] { ReportData(tmp / "empty", {}); }),
             Catch::Contains(tmp / "empty") && Catch::Contains("got none of these files"));
  CHECK_THAT(ErrorOf([&] { ReportData(tmp / "nowhere", {}); }), Catch::Contains("no such folder"));
  WriteTinyRun(tmp / "run");
  tmp.Write("run/summary.json", R"({"scenario": "x", "simulated_seconds": "soon"})");
  CHECK_THAT(ErrorOf([&] { ReportData(tmp / "run", {}); }),
             Catch::Contains("summary.json: /simulated_seconds: ") && Catch::Contains("soon"));
  tmp.Write("run/summary.json", "{\"scenario\": ");
  CHECK_THAT(ErrorOf([&] { ReportData(tmp / "run", {}); }),
             Catch::Contains("summary.json: invalid JSON"));
  ReportOptions slo;
  slo.slos = {"cache.hit_ratio>=0.9"};
  WriteTinyRun(tmp / "run2");
  CHECK_THAT(ErrorOf([&] { ReportData(tmp / "run2", slo); }),
             Catch::Contains("--slo and --plan apply to a sweep folder"));
}

TEST_CASE("JSON inside the page's script element cannot close it or start markup",
          "[analysis][report]") {
  const json hostile = {{"name", "</script><script>alert(1)</script><!-- & \xE2\x80\xA8"},
                        {"list", {"<b>", ">"}}};
  const std::string text = JsonForScript(hostile);
  CHECK(text.find('<') == std::string::npos);
  CHECK(text.find('>') == std::string::npos);
  CHECK(text.find('&') == std::string::npos);
  CHECK(text.find("\xE2\x80\xA8") == std::string::npos);
  CHECK(json::parse(text) == hostile);  // the same data once parsed
}

TEST_CASE("a column name that is not UTF-8 reaches the page as U+FFFD, not an internal error",
          "[analysis][report]") {
  // Found by fuzzing (tests/fuzz/crashes/report_folder): a timeseries.csv header byte.
  const json data = {{"names", {"time_s", "bad\xFFname"}}};
  const std::string text = JsonForScript(data);
  CHECK(json::parse(text)["names"][1] == "bad\xEF\xBF\xBDname");
}

TEST_CASE("HTML escaping replaces the five markup characters", "[analysis][report]") {
  CHECK(EscapeHtml("<a href=\"x\">Tom & 'Jerry'</a>") ==
        "&lt;a href=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/a&gt;");
}

TEST_CASE("a page has only its own three scripts whatever the data says, and is deterministic",
          "[analysis][report]") {
  json data = {{"kind", "run"},
               {"title", "<script>alert(1)</script>"},
               {"description", "</script><script>alert(2)</script>"}};
  const std::string html = RenderReportHtml(data);
  size_t scripts = 0;
  for (size_t at = html.find("<script"); at != std::string::npos;
       at = html.find("<script", at + 1)) {
    ++scripts;
  }
  CHECK(scripts == 3);  // the data, uPlot, the page's own
  CHECK(html.find("<title>cachelab run: &lt;script&gt;alert(1)&lt;/script&gt;</title>") !=
        std::string::npos);
  CHECK(html.find("alert(2)</script>") == std::string::npos);
  CHECK(RenderReportHtml(data) == html);
}

}  // namespace cachelab
