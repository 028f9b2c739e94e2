// `cachelab compare`: variants of one scenario side by side on identical
// traffic. The table has a column per variant, compare.json and compare.csv
// are written atomically, results do not depend on --threads, and variants
// that differ only in a policy see the same requests (common random numbers).
#include <fmt/format.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "tests/support/cli.h"

namespace cachelab {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using test::CommandResult;
using test::ExpectInputError;
using test::Lines;
using test::ReadFile;
using test::Sandbox;

const std::string kTiny = std::string(CACHELAB_TEST_DATA) + "/cli_tiny.json";

}  // namespace

TEST_CASE("compare prints a column per variant and writes compare.json and compare.csv",
          "[app][cli][compare]") {
  Sandbox box;
  const CommandResult r = box.Run({"compare", kTiny, "--vary", "/policies/read/params/ttl=1s,2s,5s",
                                   "--vary", "/policies/degradation=fallback,fail"});
  INFO("stderr: " << r.err);
  REQUIRE(r.exit_code == 0);
  // One header row per --vary: its pointer, then each variant's value.
  std::istringstream table(r.out);
  std::string line;
  bool ttl_row = false, degradation_row = false;
  while (std::getline(table, line)) {
    if (line.rfind("/policies/read/params/ttl", 0) == 0) {
      ttl_row = true;
      std::istringstream cells(line.substr(line.find(' ')));
      std::string cell;
      int n = 0;
      while (cells >> cell) ++n;
      CHECK(n == 6);  // 3 TTLs x 2 degradations
    }
    if (line.rfind("/policies/degradation", 0) == 0) degradation_row = true;
  }
  CHECK(ttl_row);
  CHECK(degradation_row);
  for (const char* metric : {"requests total", "cache hit ratio", "database queries", "latency p99",
                             "staleness stale reads", "stampede duplicate loads", "requests failed",
                             "writes lost", "cache evictions"}) {
    CHECK(r.out.find(metric) != std::string::npos);
  }

  const fs::path dir = box.work() / "results/runs/cli-tiny-compare";
  std::vector<std::string> entries = {"results", "results/runs", "results/runs/cli-tiny-compare",
                                      "results/runs/cli-tiny-compare/compare.csv",
                                      "results/runs/cli-tiny-compare/compare.json"};
  for (int i = 0; i < 6; ++i) {
    for (const char* file : {"events.json", "timeseries.csv"}) {
      entries.push_back(fmt::format("results/runs/cli-tiny-compare/variant-{}.{}", i, file));
    }
  }
  std::sort(entries.begin(), entries.end());
  CHECK(box.WorkEntries() == entries);
  const json j = json::parse(ReadFile(dir / "compare.json"));
  REQUIRE(j.is_array());
  REQUIRE(j.size() == 6);
  CHECK(j[0]["variant"]["/policies/read/params/ttl"] == "1s");
  CHECK(j[0]["variant"]["/policies/degradation"] == "fallback");
  CHECK(j[1]["variant"]["/policies/degradation"] == "fail");
  CHECK(j[5]["variant"]["/policies/read/params/ttl"] == "5s");
  CHECK(j[0]["summary"]["scenario"] == "cli-tiny");
  // A longer TTL can only raise the hit ratio on the same traffic here.
  CHECK(j[4]["summary"]["cache"]["hit_ratio"] > j[0]["summary"]["cache"]["hit_ratio"]);

  const std::string csv = ReadFile(dir / "compare.csv");
  CHECK(Lines(csv) == 7);  // header + a row per variant
  CHECK(csv.rfind("/policies/read/params/ttl,/policies/degradation,", 0) == 0);
  CHECK(csv.find(",requests.total,") != std::string::npos);
  CHECK(csv.find("cache.hit_ratio") != std::string::npos);
}

TEST_CASE("compare results do not depend on the thread count", "[app][cli][compare]") {
  Sandbox box;
  const CommandResult one = box.Run({"compare", kTiny, "--vary", "/cache/capacity=64KiB,1MiB",
                                     "--vary", "/seed=7,8", "--threads", "1", "--out", "one"});
  const CommandResult two = box.Run({"compare", kTiny, "--vary", "/cache/capacity=64KiB,1MiB",
                                     "--vary", "/seed=7,8", "--threads", "2", "--out", "two"});
  REQUIRE(one.exit_code == 0);
  REQUIRE(two.exit_code == 0);
  CHECK(ReadFile(box.work() / "one/compare.json") == ReadFile(box.work() / "two/compare.json"));
  CHECK(ReadFile(box.work() / "one/compare.csv") == ReadFile(box.work() / "two/compare.csv"));
  for (int i = 0; i < 4; ++i) {
    for (const std::string file : {"timeseries.csv", "events.json"}) {
      const std::string name = fmt::format("variant-{}.{}", i, file);
      INFO(name);
      CHECK(ReadFile(box.work() / "one" / name) == ReadFile(box.work() / "two" / name));
    }
  }
}

TEST_CASE("each variant's time series and events are those of a run with its overrides",
          "[app][cli][compare][events]") {
  Sandbox box;
  // A fault and a versioned bump, so that events.json has something in every list.
  const std::vector<std::string> sets = {
      "--set", R"(/cache/faults=[{"kind": "flush", "start": "4s"}])", "--set",
      R"(/policies/invalidation={"name": "versioned", "params": {"bump_at": "6s"}})"};
  const std::vector<std::string> ttls = {"1s", "3s"};
  const std::vector<std::string> capacities = {"64KiB", "1MiB"};
  std::vector<std::string> compare = {"compare",   kTiny,
                                      "--out",     "cmp",
                                      "--threads", "2",
                                      "--vary",    "/policies/read/params/ttl=1s,3s",
                                      "--vary",    "/cache/capacity=64KiB,1MiB"};
  compare.insert(compare.end(), sets.begin(), sets.end());
  const CommandResult c = box.Run(compare);
  INFO("stderr: " << c.err);
  REQUIRE(c.exit_code == 0);
  const json variants = json::parse(ReadFile(box.work() / "cmp/compare.json"));
  REQUIRE(variants.size() == 4);

  for (size_t i = 0; i < variants.size(); ++i) {
    // Variant i in compare.json order: the first --vary varies slowest.
    const std::string ttl = ttls[i / 2], capacity = capacities[i % 2];
    CHECK(variants[i]["variant"]["/policies/read/params/ttl"] == ttl);
    CHECK(variants[i]["variant"]["/cache/capacity"] == capacity);
    std::vector<std::string> run = {"run",
                                    kTiny,
                                    "--quiet",
                                    "--out",
                                    fmt::format("run{}", i),
                                    "--set",
                                    "/policies/read/params/ttl=" + ttl,
                                    "--set",
                                    "/cache/capacity=" + capacity};
    run.insert(run.end(), sets.begin(), sets.end());
    REQUIRE(box.Run(run).exit_code == 0);
    const fs::path run_dir = box.work() / fmt::format("run{}", i);
    const fs::path cmp = box.work() / "cmp";
    INFO("variant " << i);
    CHECK(ReadFile(cmp / fmt::format("variant-{}.timeseries.csv", i)) ==
          ReadFile(run_dir / "timeseries.csv"));
    CHECK(ReadFile(cmp / fmt::format("variant-{}.events.json", i)) ==
          ReadFile(run_dir / "events.json"));
    // The run's summary is the variant's summary too.
    CHECK(json::parse(ReadFile(run_dir / "summary.json")) == variants[i]["summary"]);
  }
  // Not four copies of one file: the TTL changes the time series.
  CHECK(ReadFile(box.work() / "cmp/variant-0.timeseries.csv") !=
        ReadFile(box.work() / "cmp/variant-2.timeseries.csv"));
}

TEST_CASE("compare variants that differ only in a policy see identical traffic",
          "[app][cli][compare]") {
  Sandbox box;
  const CommandResult r =
      box.Run({"compare", kTiny, "--json", "--vary",
               R"(/policies/read={"name":"cache-aside","params":{"ttl":"2s"}},read-through)",
               "--vary", "/policies/write=invalidate-on-write,write-through"});
  INFO("stderr: " << r.err);
  REQUIRE(r.exit_code == 0);
  const json j = json::parse(r.out);  // --json: compare.json on stdout
  REQUIRE(j.size() == 4);
  CHECK(j[0]["variant"]["/policies/read"]["name"] == "cache-aside");  // the object split whole
  for (const json& v : j) {
    CHECK(v["summary"]["requests"]["total"] == j[0]["summary"]["requests"]["total"]);
    CHECK(v["summary"]["requests"]["writes"] == j[0]["summary"]["requests"]["writes"]);
  }
  CHECK(j[0]["summary"]["db"]["queries"] != j[3]["summary"]["db"]["queries"]);
}

TEST_CASE("compare with a bad --vary is bad input naming it", "[app][cli][compare]") {
  Sandbox box;
  SECTION("unknown pointer") {
    ExpectInputError(box, box.Run({"compare", kTiny, "--vary", "/cache/capacityy=1MiB,2MiB"}),
                     {"--vary", "/cache/capacityy"});
  }
  SECTION("bad value") {
    ExpectInputError(box, box.Run({"compare", kTiny, "--vary", "/policies/guard=none,bogus-guard"}),
                     {"--vary", "/policies/guard=bogus-guard", "valid names"});
  }
  SECTION("out-of-range value") {
    ExpectInputError(box, box.Run({"compare", kTiny, "--vary", "/database/connections=4,0"}),
                     {"--vary", "/database/connections=0"});
  }
  SECTION("empty value") {
    ExpectInputError(box, box.Run({"compare", kTiny, "--vary", "/seed=1,,2"}),
                     {"--vary", "empty value"});
  }
  SECTION("unbalanced braces") {
    ExpectInputError(box, box.Run({"compare", kTiny, "--vary", "/policies/guard={\"name\":1"}),
                     {"--vary", "missing '}'"});
  }
  SECTION("no --vary") {
    ExpectInputError(box, box.Run({"compare", kTiny}), {"--vary"});
  }
}

TEST_CASE("compare labels its variants and prints the metrics asked for", "[app][cli][compare]") {
  Sandbox box;
  const CommandResult r =
      box.Run({"compare", kTiny, "--vary",
               R"(/policies/read=short={"name":"cache-aside","params":{"ttl":"1s"}},)"
               R"(long={"name":"cache-aside","params":{"ttl":"5s"}},read-through)",
               "--metrics", "cache.hit_ratio,latency_ms.p999,db.mean_wait_ms", "--out", "c"});
  INFO("stderr: " << r.err);
  REQUIRE(r.exit_code == 0);
  // The header shows the labels, not the policy objects.
  std::istringstream table(r.out);
  std::string line, header;
  std::vector<std::string> rows;
  while (std::getline(table, line)) {
    if (line.rfind("/policies/read", 0) == 0) header = line;
    if (line.rfind("cache ", 0) == 0 || line.rfind("latency ", 0) == 0 ||
        line.rfind("database ", 0) == 0) {
      rows.push_back(line.substr(0, line.find("  ")));
    }
  }
  CHECK(header.find("short") != std::string::npos);
  CHECK(header.find("long") != std::string::npos);
  CHECK(header.find("read-through") != std::string::npos);
  CHECK(header.find('{') == std::string::npos);
  CHECK(rows == std::vector<std::string>{"cache hit ratio", "latency p99.9", "database mean wait"});
  CHECK(r.out.find("requests total") == std::string::npos);  // only the metrics asked for
  // compare.json keeps the values whole and adds the labels.
  const json j = json::parse(ReadFile(box.work() / "c/compare.json"));
  REQUIRE(j.size() == 3);
  CHECK(j[0]["label"] == "short");
  CHECK(j[0]["variant"]["/policies/read"]["params"]["ttl"] == "1s");
  CHECK(j[2]["label"] == "read-through");
  CHECK(j[2]["variant"]["/policies/read"] == "read-through");
  CHECK(j[1]["summary"]["cache"]["hit_ratio"] > j[0]["summary"]["cache"]["hit_ratio"]);
}

TEST_CASE("a bad --metrics name or --vary label is bad input", "[app][cli][compare]") {
  Sandbox box;
  ExpectInputError(box,
                   box.Run({"compare", kTiny, "--vary", "/cache/capacity=1MiB,2MiB", "--metrics",
                            "cache.hit_ratio,cache.hitratio"}),
                   {"--metrics", "\"cache.hitratio\" is not a metric of summary.json"});
  // A string is not a number to show.
  ExpectInputError(box, box.Run({"run", kTiny, "--metrics", "scenario"}), {"--metrics"});
  CommandResult r = box.Run({"compare", kTiny, "--vary", "/cache/capacity=small="});
  ExpectInputError(box, r, {"--vary", "the label 'small' has no value"});
}

}  // namespace cachelab
