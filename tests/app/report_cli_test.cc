// `cachelab report` and the --report flags: one self-contained HTML file per
// result folder, written atomically; bad folders and options are bad input
// (exit 2, nothing written). What the page shows is checked in a browser by
// tests/app/report_browser_test.mjs.
#include <catch2/catch.hpp>
#include <filesystem>
#include <string>

#include "tests/support/cli.h"

namespace cachelab {
namespace {

namespace fs = std::filesystem;
using test::CommandResult;
using test::ExpectInputError;
using test::ReadFile;
using test::Sandbox;

const std::string kTiny = std::string(CACHELAB_TEST_DATA) + "/cli_tiny.json";

// An offline page: no address the browser would fetch.
void CheckSelfContained(const std::string& html) {
  CHECK(html.rfind("<!doctype html>", 0) == 0);
  CHECK(html.find("src=\"http") == std::string::npos);
  CHECK(html.find("href=\"http") == std::string::npos);
  CHECK(html.find("<script src") == std::string::npos);
  CHECK(html.find("<link") == std::string::npos);
  CHECK(html.find("var uPlot") != std::string::npos);  // the charting library, inlined
  CHECK(html.find("id=\"report-data\"") != std::string::npos);
}

}  // namespace

TEST_CASE("run --report writes report.html beside the run's outputs", "[app][cli][report]") {
  Sandbox box;
  const CommandResult r = box.Run({"run", kTiny, "--out", "r", "--report", "--quiet"});
  INFO("stderr: " << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("report: r/report.html") != std::string::npos);
  const std::string html = ReadFile(box.work() / "r/report.html");
  CheckSelfContained(html);
  CHECK(html.find("<title>cachelab run: cli-tiny</title>") != std::string::npos);
}

TEST_CASE("report of a folder is the same bytes every time and goes where --out says",
          "[app][cli][report]") {
  Sandbox box;
  REQUIRE(box.Run({"run", kTiny, "--out", "r", "--quiet"}).exit_code == 0);
  REQUIRE(box.Run({"report", "r"}).exit_code == 0);
  REQUIRE(box.Run({"report", "r", "--out", "copy.html"}).exit_code == 0);
  CHECK(ReadFile(box.work() / "r/report.html") == ReadFile(box.work() / "copy.html"));
  // Folders that do not exist yet are created (was exit 1 naming a temporary file).
  REQUIRE(box.Run({"report", "r", "--out", "slides/day1/run.html"}).exit_code == 0);
  CHECK(ReadFile(box.work() / "r/report.html") == ReadFile(box.work() / "slides/day1/run.html"));
}

TEST_CASE("compare and sweep take --report too", "[app][cli][report]") {
  Sandbox box;
  const CommandResult c = box.Run(
      {"compare", kTiny, "--vary", "/policies/read/params/ttl=1s,2s", "--out", "c", "--report"});
  INFO("stderr: " << c.err);
  REQUIRE(c.exit_code == 0);
  const std::string compared = ReadFile(box.work() / "c/report.html");
  CheckSelfContained(compared);
  CHECK(compared.find("<title>cachelab compare: cli-tiny") != std::string::npos);
  const CommandResult s =
      box.Run({"sweep", kTiny, "--grid", "/cache/capacity=64KiB,256KiB", "--replications", "2",
               "--out", "s", "--report", "--slo", "cache.hit_ratio>=0.5"});
  INFO("stderr: " << s.err);
  REQUIRE(s.exit_code == 0);
  const std::string html = ReadFile(box.work() / "s/report.html");
  CheckSelfContained(html);
  CHECK(html.find("\"metric\":\"cache.hit_ratio\"") != std::string::npos);
}

TEST_CASE("report of a folder without results is bad input naming the folder",
          "[app][cli][report]") {
  Sandbox box;
  ExpectInputError(box, box.Run({"report", "missing"}), {"missing", "no such folder"});
  fs::create_directory(box.work() / "empty");
  const CommandResult r = box.Run({"report", "empty"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("empty: expected a result folder") != std::string::npos);
  CHECK(!fs::exists(box.work() / "empty/report.html"));
}

TEST_CASE("an SLO on an unknown metric is refused before a sweep runs", "[app][cli][report]") {
  Sandbox box;
  ExpectInputError(box,
                   box.Run({"sweep", kTiny, "--grid", "/cache/capacity=64KiB,256KiB", "--out", "s",
                            "--report", "--slo", "cache.hit_rate>=0.5"}),
                   {"cache.hit_rate", "cache.hit_ratio"});
  // --slo only makes sense with a report to draw it on.
  const CommandResult r =
      box.Run({"sweep", kTiny, "--grid", "/cache/capacity=64KiB", "--slo", "cache.hit_ratio>=0.5"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("--report") != std::string::npos);
}

}  // namespace cachelab
