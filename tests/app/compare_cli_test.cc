// `cachelab compare`: variants of one scenario side by side on identical
// traffic. The table has a column per variant, compare.json and compare.csv
// are written atomically, results do not depend on --threads, and variants
// that differ only in a policy see the same requests (common random numbers).
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
  for (const char* metric : {"requests", "hit ratio", "DB queries", "p99 latency", "stale reads",
                             "duplicate loads", "failed", "lost writes", "evictions"}) {
    CHECK(r.out.find(metric) != std::string::npos);
  }

  const fs::path dir = box.work() / "results/runs/cli-tiny-compare";
  CHECK(box.WorkEntries() ==
        std::vector<std::string>{"results", "results/runs", "results/runs/cli-tiny-compare",
                                 "results/runs/cli-tiny-compare/compare.csv",
                                 "results/runs/cli-tiny-compare/compare.json"});
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

}  // namespace cachelab
