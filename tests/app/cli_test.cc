// The `cachelab` command line as users and scripts see it (the contract of
// README.md and results/README.md): exit codes, one-line errors naming the
// file and the JSON pointer, the three output files, determinism, and that a
// failing command leaves no output folder. Each test runs the built binary
// in a fresh temporary folder.
#include "tests/support/cli.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "analysis/outputs/metrics.h"
#include "analysis/outputs/run_outputs.h"

namespace cachelab {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const std::string kData = CACHELAB_TEST_DATA;
const std::string kTiny = kData + "/cli_tiny.json";  // name "cli-tiny", seed 7

using test::CommandResult;
using test::ExpectInputError;
using test::ReadFile;
using test::Sandbox;

void ExpectRunAndValidateFail(const std::string& file,
                              std::initializer_list<std::string> mentions) {
  Sandbox box;
  {
    INFO("cachelab run " << file);
    ExpectInputError(box, box.Run({"run", kData + "/" + file}), mentions);
  }
  {
    INFO("cachelab validate " << file);
    ExpectInputError(box, box.Run({"validate", kData + "/" + file}), mentions);
  }
}

const json& At(const json& j, const std::string& pointer) {
  INFO("summary field " << pointer);
  REQUIRE(j.contains(json::json_pointer(pointer)));
  return j.at(json::json_pointer(pointer));
}

// ---- errors: exit 2, one line, file and pointer named, nothing written ------

TEST_CASE("missing scenario file is bad input", "[app][cli]") {
  ExpectRunAndValidateFail("cli_does_not_exist.json", {"cli_does_not_exist.json"});
}

TEST_CASE("invalid JSON is bad input naming the file", "[app][cli]") {
  ExpectRunAndValidateFail("cli_invalid_json.json", {"cli_invalid_json.json"});
}

TEST_CASE("an unknown key deep in the scenario is bad input", "[app][cli]") {
  ExpectRunAndValidateFail("cli_unknown_key.json", {"cli_unknown_key.json", "/cache/rtt/jitter"});
}

TEST_CASE("a value of the wrong type is bad input", "[app][cli]") {
  ExpectRunAndValidateFail("cli_wrong_type.json", {"cli_wrong_type.json", "/instances/count"});
}

TEST_CASE("zero cache capacity is bad input", "[app][cli]") {
  ExpectRunAndValidateFail("cli_zero_capacity.json", {"cli_zero_capacity.json", "/cache/capacity"});
}

TEST_CASE("a negative arrival rate is bad input", "[app][cli]") {
  ExpectRunAndValidateFail("cli_negative_rate.json",
                           {"cli_negative_rate.json", "/workload/rate/rps"});
}

TEST_CASE("zero database connections is bad input", "[app][cli]") {
  ExpectRunAndValidateFail("cli_zero_connections.json",
                           {"cli_zero_connections.json", "/database/connections"});
}

TEST_CASE("an unknown policy name is bad input listing the valid names", "[app][cli]") {
  ExpectRunAndValidateFail("cli_unknown_policy.json", {"cli_unknown_policy.json", "/policies/read",
                                                       "cache-asid", "cache-aside"});
}

TEST_CASE("a malformed --set is bad input", "[app][cli]") {
  Sandbox box;
  SECTION("pointer without a leading slash") {
    ExpectInputError(box, box.Run({"run", kTiny, "--set", "cache/capacity=1MiB"}),
                     {"cache/capacity"});
  }
  SECTION("no '='") {
    ExpectInputError(box, box.Run({"run", kTiny, "--set", "/cache/capacity"}), {"/cache/capacity"});
  }
  SECTION("with validate") {
    ExpectInputError(box, box.Run({"validate", kTiny, "--set", "seed"}), {"seed"});
  }
}

TEST_CASE("run --set of an unknown pointer is bad input", "[app][cli]") {
  Sandbox box;
  ExpectInputError(box, box.Run({"run", kTiny, "--set", "/cache/capacityy=1MiB"}),
                   {"/cache/capacityy"});
  ExpectInputError(box, box.Run({"run", kTiny, "--set", "/workload/keys/bogus/deeper=1"}),
                   {"/workload/keys/bogus"});
}

TEST_CASE("run --set with an out-of-range value is bad input", "[app][cli]") {
  Sandbox box;
  ExpectInputError(box, box.Run({"run", kTiny, "--set", "/database/connections=0"}),
                   {"/database/connections"});
}

TEST_CASE("usage errors exit 2 with one line", "[app][cli]") {
  Sandbox box;
  SECTION("no command") {
    ExpectInputError(box, box.Run({}), {});
  }
  SECTION("unknown command") {
    ExpectInputError(box, box.Run({"rnu", kTiny}), {"rnu", "run", "validate", "policies"});
  }
  SECTION("unknown option") {
    ExpectInputError(box, box.Run({"run", kTiny, "--bogus"}), {"--bogus"});
  }
  SECTION("negative seed") {
    ExpectInputError(box, box.Run({"run", kTiny, "--seed", "-1"}), {"--seed"});
  }
  SECTION("seed not a number") {
    ExpectInputError(box, box.Run({"run", kTiny, "--seed", "abc"}), {"--seed"});
  }
  SECTION("validate without a file") {
    ExpectInputError(box, box.Run({"validate"}), {});
  }
  SECTION("two scenario files") {
    ExpectInputError(box, box.Run({"run", kTiny, kTiny}), {});
  }
}

TEST_CASE("an output folder that cannot be written fails without leftovers", "[app][cli]") {
  Sandbox box;
  std::ofstream(box.work() / "blocker") << "a file, not a folder\n";
  SECTION("a file where the parent folder should be") {
    CommandResult r = box.Run({"run", kTiny, "--out", "blocker/run"});
    INFO("stderr: " << r.err);
    CHECK(r.exit_code == 1);
    CHECK(r.err.rfind("cachelab: error: ", 0) == 0);
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
  }
  SECTION("a file where the output folder should be") {
    CommandResult r = box.Run({"run", kTiny, "--out", "blocker"});
    INFO("stderr: " << r.err);
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("blocker") != std::string::npos);
    CHECK(ReadFile(box.work() / "blocker") == "a file, not a folder\n");
  }
  CHECK(box.WorkEntries() == std::vector<std::string>{"blocker"});
}

// ---- run ---------------------------------------------------------------------

TEST_CASE("run writes the four output files to results/runs/<name>-<seed>", "[app][cli]") {
  Sandbox box;
  CommandResult r = box.Run({"run", kTiny});
  INFO("stderr: " << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.err.empty());  // stderr is not a terminal here: no progress output

  CHECK(box.WorkEntries() ==
        std::vector<std::string>{
            "results", "results/runs", "results/runs/cli-tiny-7",
            "results/runs/cli-tiny-7/events.json", "results/runs/cli-tiny-7/scenario.resolved.json",
            "results/runs/cli-tiny-7/summary.json", "results/runs/cli-tiny-7/timeseries.csv"});
  const fs::path dir = box.work() / "results/runs/cli-tiny-7";

  // The table and where the files went.
  for (const char* section :
       {"requests", "cache", "database", "latency", "staleness", "stampede"}) {
    CHECK(r.out.find(section) != std::string::npos);
  }
  CHECK(r.out.find("results/runs/cli-tiny-7") != std::string::npos);

  const std::string summary_text = ReadFile(dir / "summary.json");
  CHECK(summary_text.back() == '\n');
  json summary = json::parse(summary_text);
  CHECK(summary["scenario"] == "cli-tiny");
  CHECK(summary["seed"] == 7);
  CHECK(summary_text == summary.dump(2) + "\n");  // 2-space indent

  json resolved = json::parse(ReadFile(dir / "scenario.resolved.json"));
  CHECK(resolved["name"] == "cli-tiny");
  CHECK(resolved["seed"] == 7);
  CHECK(resolved.contains("database"));  // defaults filled in

  std::istringstream csv(ReadFile(dir / "timeseries.csv"));
  std::string line;
  REQUIRE(std::getline(csv, line));
  std::string header;  // the descriptor table's columns (analysis/outputs/metrics.h), in order
  for (const IntervalColumn& c : IntervalColumns()) {
    if (!header.empty()) header += ',';
    header += c.name;
  }
  CHECK(line == header);
  CHECK(line.rfind("time_s,requests,", 0) == 0);  // the columns the loop below reads
  int rows = 0;
  uint64_t requests = 0;
  while (std::getline(csv, line)) {
    ++rows;
    CHECK(std::count(line.begin(), line.end(), ',') + 1 ==
          static_cast<std::ptrdiff_t>(IntervalColumns().size()));
    if (rows == 1) CHECK(line.rfind("0,", 0) == 0);  // the first interval starts at 0
    requests += std::stoull(line.substr(line.find(',') + 1));
  }
  CHECK(rows >= 10);  // 10 s at a 1 s interval
  CHECK(requests == summary["requests"]["total"].get<uint64_t>());
}

TEST_CASE("run --json prints the summary with every contract field", "[app][cli]") {
  Sandbox box;
  CommandResult r = box.Run({"run", kTiny, "--json", "--out", "out"});
  INFO("stderr: " << r.err);
  REQUIRE(r.exit_code == 0);
  json s = json::parse(r.out);  // stdout is the JSON and nothing else
  CHECK(s == json::parse(ReadFile(box.work() / "out/summary.json")));

  // Every metric of the descriptor table (analysis/outputs/metrics.h), with its kind.
  size_t scalars = 0;
  for (const SummaryMetric& m : SummaryMetrics()) {
    INFO(m.name);
    const json& v = At(s, MetricPointer(m.name));
    switch (m.kind) {
      case MetricKind::kString:
        CHECK(v.is_string());
        break;
      case MetricKind::kCount:
        CHECK(v.is_number_unsigned());
        break;
      case MetricKind::kReal:
        CHECK(v.is_number());
        break;
      case MetricKind::kCountArray:
        CHECK(v.is_array());
        break;
    }
    if (m.kind != MetricKind::kCountArray) ++scalars;
  }
  // Nothing else: every key of the file is in the contract.
  size_t leaves = 0;
  const json flat = s.flatten();
  for (const auto& item : flat.items()) {
    if (item.key().rfind("/stampede/size_counts", 0) != 0 && item.key().rfind("/alerts", 0) != 0 &&
        item.key().rfind("/classes", 0) != 0) {
      ++leaves;
    }
  }
  CHECK(leaves == scalars);
  CHECK(s["alerts"].is_array());          // the tiny scenario has no alert rules
  CHECK(s["classes"] == json::object());  // nor key classes

  // Invariants of the contract (results/README.md).
  auto u = [&](const char* p) { return At(s, p).get<uint64_t>(); };
  CHECK(u("/requests/total") > 2500);  // 10 s at 300/s, Poisson arrivals
  CHECK(u("/requests/total") < 3500);
  CHECK(u("/requests/total") == u("/requests/reads") + u("/requests/writes"));
  CHECK(u("/cache/hits") + u("/cache/misses") + u("/cache/errors") == u("/requests/reads"));
  const double hits = static_cast<double>(u("/cache/hits"));
  const double misses = static_cast<double>(u("/cache/misses"));
  REQUIRE(hits + misses > 0);
  CHECK(At(s, "/cache/hit_ratio").get<double>() == Approx(hits / (hits + misses)).epsilon(1e-5));
  CHECK(u("/requests/writes") > 0);
  CHECK(u("/cache/hits") > 0);
  CHECK(u("/cache/misses") > 0);
}

TEST_CASE("timeseries.csv columns add up to the summary totals", "[app][cli]") {
  Sandbox box;
  // One connection and a short queue timeout, so failed requests occur too.
  CommandResult r = box.Run({"run", kTiny, "--set", "/database/connections=1", "--set",
                             "/database/queue_timeout=5ms", "--out", "o", "--quiet"});
  INFO("stderr: " << r.err);
  REQUIRE(r.exit_code == 0);
  json s = json::parse(ReadFile(box.work() / "o/summary.json"));
  std::istringstream csv(ReadFile(box.work() / "o/timeseries.csv"));
  std::string line;
  REQUIRE(std::getline(csv, line));
  std::vector<std::string> columns;
  {
    std::istringstream header(line);
    std::string c;
    while (std::getline(header, c, ',')) columns.push_back(c);
  }
  std::map<std::string, uint64_t> sums;
  while (std::getline(csv, line)) {
    std::istringstream row(line);
    std::string cell;
    for (size_t i = 0; std::getline(row, cell, ','); ++i) {
      REQUIRE(i < columns.size());
      if (cell.find_first_not_of("0123456789") == std::string::npos) {
        sums[columns[i]] += std::stoull(cell);
      }
    }
  }
  auto u = [&](const char* p) { return At(s, p).get<uint64_t>(); };
  CHECK(u("/requests/failed") > 0);
  CHECK(sums["requests"] == u("/requests/total"));
  CHECK(sums["reads"] == u("/requests/reads"));
  CHECK(sums["writes"] == u("/requests/writes"));
  CHECK(sums["failed"] == u("/requests/failed"));
  CHECK(sums["hits"] == u("/cache/hits"));
  CHECK(sums["misses"] == u("/cache/misses"));
  CHECK(sums["errors"] == u("/cache/errors"));
  CHECK(sums["db_queries"] == u("/db/queries"));
  CHECK(sums["stale_reads"] == u("/staleness/stale_reads"));
  CHECK(sums["evictions"] == u("/cache/evictions"));
  CHECK(sums["expirations"] == u("/cache/expirations"));
  CHECK(sums["stampede_loads"] == u("/stampede/duplicate_loads"));
}

TEST_CASE("scenario.resolved.json runs again to the same summary", "[app][cli]") {
  Sandbox box;
  REQUIRE(box.Run({"run", kTiny, "--set", "/workload/write_fraction=0.2", "--out", "a", "--quiet"})
              .exit_code == 0);
  CommandResult r = box.Run({"run", "a/scenario.resolved.json", "--out", "b", "--quiet"});
  INFO("stderr: " << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(ReadFile(box.work() / "a/summary.json") == ReadFile(box.work() / "b/summary.json"));
  CHECK(ReadFile(box.work() / "a/scenario.resolved.json") ==
        ReadFile(box.work() / "b/scenario.resolved.json"));
}

TEST_CASE("the same scenario and seed give byte-identical outputs", "[app][cli]") {
  Sandbox box;
  REQUIRE(box.Run({"run", kTiny, "--out", "a"}).exit_code == 0);
  REQUIRE(box.Run({"run", kTiny, "--out", "b", "--quiet"}).exit_code == 0);
  const std::string a = ReadFile(box.work() / "a/summary.json");
  CHECK(!a.empty());
  CHECK(a == ReadFile(box.work() / "b/summary.json"));
  CHECK(ReadFile(box.work() / "a/timeseries.csv") == ReadFile(box.work() / "b/timeseries.csv"));
  CHECK(ReadFile(box.work() / "a/scenario.resolved.json") ==
        ReadFile(box.work() / "b/scenario.resolved.json"));
}

TEST_CASE("run --seed changes the run and is recorded as an override of /seed", "[app][cli]") {
  Sandbox box;
  REQUIRE(box.Run({"run", kTiny, "--quiet"}).exit_code == 0);
  CommandResult r = box.Run({"run", kTiny, "--seed", "8", "--quiet"});
  REQUIRE(r.exit_code == 0);
  CHECK(r.out == "results/runs/cli-tiny-8\n");
  const fs::path seven = box.work() / "results/runs/cli-tiny-7";
  const fs::path eight = box.work() / "results/runs/cli-tiny-8";
  json s7 = json::parse(ReadFile(seven / "summary.json"));
  json s8 = json::parse(ReadFile(eight / "summary.json"));
  CHECK(s8["seed"] == 8);
  CHECK(json::parse(ReadFile(eight / "scenario.resolved.json"))["seed"] == 8);
  s7.erase("seed");
  s8.erase("seed");
  CHECK(s7 != s8);  // other arrivals, keys and service times
}

TEST_CASE("run --set overrides reach the run and the resolved scenario", "[app][cli]") {
  Sandbox box;
  CommandResult r = box.Run({"run", kTiny, "--set", "/duration=5s", "--set",
                             "/workload/rate/rps=100", "--json", "--out", "o"});
  INFO("stderr: " << r.err);
  REQUIRE(r.exit_code == 0);
  const uint64_t total = json::parse(r.out)["requests"]["total"].get<uint64_t>();
  CHECK(total > 350);  // about 500
  CHECK(total < 650);
  json resolved = json::parse(ReadFile(box.work() / "o/scenario.resolved.json"));
  CHECK(resolved["workload"]["rate"]["rps"] == 100);
}

TEST_CASE("run without a scenario uses the embedded default", "[app][cli]") {
  Sandbox box;
  // Shortened: the default simulates 65 minutes.
  CommandResult r =
      box.Run({"run", "--set", "/duration=2s", "--set", "/workload/rate/rps=200", "--quiet"});
  INFO("stderr: " << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.out == "results/runs/user-lookup-42\n");
  json s = json::parse(ReadFile(box.work() / "results/runs/user-lookup-42/summary.json"));
  CHECK(s["scenario"] == "user-lookup");
}

TEST_CASE("run replaces a previous output folder atomically", "[app][cli]") {
  Sandbox box;
  REQUIRE(box.Run({"run", kTiny, "--out", "runs/x", "--quiet"}).exit_code == 0);
  std::ofstream(box.work() / "runs/x/stale-file") << "from an older run\n";
  CommandResult r = box.Run({"run", kTiny, "--out", "runs/x/", "--quiet"});
  REQUIRE(r.exit_code == 0);
  // The old folder is gone as a whole and no temporary sibling is left.
  CHECK(box.WorkEntries() == std::vector<std::string>{"runs", "runs/x", "runs/x/events.json",
                                                      "runs/x/scenario.resolved.json",
                                                      "runs/x/summary.json",
                                                      "runs/x/timeseries.csv"});
}

// ---- validate ------------------------------------------------------------------

TEST_CASE("validate checks a scenario without running it", "[app][cli]") {
  Sandbox box;
  SECTION("ok line") {
    CommandResult r = box.Run({"validate", kTiny});
    CHECK(r.exit_code == 0);
    CHECK(r.out.rfind("ok: cli-tiny\nestimate: about ", 0) == 0);
  }
  SECTION("resolved scenario with overrides") {
    CommandResult r = box.Run({"validate", kTiny, "--set", "/seed=99", "--print-resolved"});
    REQUIRE(r.exit_code == 0);
    json resolved = json::parse(r.out);
    CHECK(resolved["seed"] == 99);
    CHECK(resolved["name"] == "cli-tiny");
  }
  CHECK(box.WorkEntries().empty());
}

// ---- policies, help, version -------------------------------------------------

TEST_CASE("policies lists every module with its parameters", "[app][cli]") {
  Sandbox box;
  SECTION("text") {
    CommandResult r = box.Run({"policies"});
    REQUIRE(r.exit_code == 0);
    for (const char* name : {"cache-aside", "invalidate-on-write", "lru", "ttl", "duration"}) {
      CHECK(r.out.find(name) != std::string::npos);
    }
  }
  SECTION("json") {
    CommandResult r = box.Run({"policies", "--json"});
    REQUIRE(r.exit_code == 0);
    json all = json::parse(r.out);
    REQUIRE(all.is_array());
    auto find = [&](const std::string& name) {
      auto it =
          std::find_if(all.begin(), all.end(), [&](const json& p) { return p["name"] == name; });
      REQUIRE(it != all.end());
      return *it;
    };
    json aside = find("cache-aside");
    CHECK(aside["role"] == "read");
    CHECK(!aside["summary"].get<std::string>().empty());
    auto ttl = std::find_if(aside["params"].begin(), aside["params"].end(),
                            [](const json& p) { return p["name"] == "ttl"; });
    REQUIRE(ttl != aside["params"].end());
    CHECK((*ttl)["type"] == "duration");
    CHECK((*ttl)["default"].is_string());
    CHECK(!(*ttl)["doc"].get<std::string>().empty());
    CHECK(find("invalidate-on-write")["role"] == "write");
    CHECK(find("lru")["role"] == "eviction");
  }
}

TEST_CASE("cachelab --help exits 0 everywhere and --version prints the version", "[app][cli]") {
  Sandbox box;
  for (const char* cmd : {"run", "validate", "policies"}) {
    INFO(cmd);
    CommandResult r = box.Run({cmd, "--help"});
    CHECK(r.exit_code == 0);
    CHECK(r.out.find(cmd) != std::string::npos);
  }
  CommandResult help = box.Run({"--help"});
  CHECK(help.exit_code == 0);
  for (const char* cmd : {"run", "validate", "policies"})
    CHECK(help.out.find(cmd) != std::string::npos);
  CommandResult version = box.Run({"--version"});
  CHECK(version.exit_code == 0);
  CHECK(version.out.rfind("cachelab ", 0) == 0);
  CHECK(box.WorkEntries().empty());
}

// ---- output functions, without the binary ---------------------------------------

TEST_CASE("summary.json rounds doubles to 6 significant digits", "[app][cli][output]") {
  Summary s;
  s.scenario = std::string(1, 'x');  // GCC 12 warns (-Wstringop-overflow) on = "x" here
  s.cache.hit_ratio = 2.0 / 3.0;
  s.latency_ms.p99 = 41.123456789;
  s.db.utilization = -0.0;
  s.stampede.size_counts = {0, 0, 4};
  json j = SummaryToJson(s);
  CHECK(j["cache"]["hit_ratio"].dump() == "0.666667");
  CHECK(j["latency_ms"]["p99"].dump() == "41.1235");
  CHECK(j["db"]["utilization"].dump() == "0.0");
  CHECK(j["stampede"]["size_counts"] == json::array({0, 0, 4}));
}

TEST_CASE("timeseries.csv has one row per interval", "[app][cli][output]") {
  IntervalRow a;
  a.requests = 5;
  a.hit_ratio = 0.125;
  IntervalRow b = a;
  b.time_s = 3600.25;
  b.p99_ms = 1.0 / 3.0;
  std::string csv = TimeSeriesToCsv({a, b});
  CHECK(std::count(csv.begin(), csv.end(), '\n') == 3);
  CHECK(csv.find("\n0,5,0,0,0,0,0,0,0.125,") != std::string::npos);
  CHECK(csv.find("\n3600.25,5,") != std::string::npos);
  CHECK(csv.find(",0.333333,") != std::string::npos);
}

TEST_CASE("DefaultRunDir keeps the name one path component", "[app][cli][output]") {
  Scenario s;
  s.name = "user-lookup";
  s.world.seed = 42;
  CHECK(DefaultRunDir(s) == "results/runs/user-lookup-42");
  s.name = "../a b/c";
  CHECK(DefaultRunDir(s) == "results/runs/_._a_b_c-42");
}

// ---- replay ---------------------------------------------------------------

TEST_CASE("replay prints one JSON object per policy and size", "[app][cli][replay]") {
  Sandbox box;
  const CommandResult r =
      box.Run({"replay", kData + "/cloudPhysicsIO.oracleGeneral.bin.zst", "--policy", "lru,fifo",
               "--size", "489,0.1", "--ignore-size", "--json", "--threads", "2"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const json out = json::parse(r.out);
  REQUIRE(out.size() == 4);
  CHECK(out[0]["policy"] == "lru");
  CHECK(out[0]["size"] == 489);
  CHECK(out[1]["size"] == 4897);  // 10% of 48,974 objects
  CHECK(out[2]["policy"] == "fifo");
  for (const json& row : out) {
    CHECK(row["requests"] == 113872);
    CHECK(row["miss_ratio"].get<double>() ==
          Approx(row["misses"].get<double>() / row["requests"].get<double>()));
    CHECK(row.contains("byte_miss_ratio"));
  }
  CHECK(box.WorkEntries().empty());
}

TEST_CASE("replay rejects bad input with exit 2 and one line", "[app][cli][replay]") {
  Sandbox box;
  const std::string trace = kData + "/cloudPhysicsIO.oracleGeneral.bin.zst";
  ExpectInputError(box, box.Run({"replay", trace, "--policy", "lru,lfru", "--size", "10"}),
                   {"lfru", "valid names are", "s3fifo"});
  ExpectInputError(box, box.Run({"replay", trace, "--policy", "lru", "--size", "1.5"}),
                   {"1.5", "fraction"});
  ExpectInputError(box,
                   box.Run({"replay", trace, "--policy", "lru", "--size", "1MiB", "--ignore-size"}),
                   {"1MiB", "--ignore-size"});
  ExpectInputError(box,
                   box.Run({"replay", kData + "/cloudPhysicsIO.csv.zst", "--format", "csv",
                            "--columns", "key=lbn", "--policy", "belady", "--size", "100"}),
                   {"belady", "next-access"});
  ExpectInputError(box,
                   box.Run({"replay", kData + "/cloudPhysicsIO.csv.zst", "--format", "csv",
                            "--columns", "key=block", "--policy", "lru", "--size", "100"}),
                   {"cloudPhysicsIO.csv.zst", "line 1", "missing column \"block\""});
  ExpectInputError(box, box.Run({"replay", "missing.bin", "--policy", "lru", "--size", "100"}),
                   {"missing.bin"});
}

TEST_CASE("replay of a Twitter trace counts its gets as requests", "[app][cli][replay]") {
  Sandbox box;
  // 7 gets of 3 keys (alpha, beta, gamma), 4 writes, 1 delete: a large LRU
  // misses once per key.
  const CommandResult r = box.Run({"replay", kData + "/twitter_small.csv", "--format", "twitter",
                                   "--policy", "lru", "--size", "100", "--ignore-size", "--json"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const json out = json::parse(r.out);
  REQUIRE(out.size() == 1);
  CHECK(out[0]["requests"] == 7);
  CHECK(out[0]["misses"] == 3);
  for (const char* bad :
       {"twitter_bad_columns.csv", "twitter_bad_number.csv", "twitter_bad_op.csv"}) {
    ExpectInputError(box,
                     box.Run({"replay", kData + "/" + bad, "--format", "twitter", "--policy", "lru",
                              "--size", "10"}),
                     {bad, "line 2"});
  }
}

TEST_CASE("a scenario cannot use belady: it needs next-access times", "[app][cli][replay]") {
  Sandbox box;
  ExpectInputError(box, box.Run({"validate", kTiny, "--set", "/cache/eviction=belady"}),
                   {"/cache/eviction", "belady needs a trace's next-access times"});
}

// ---- --max-memory: a run that outgrows the limit ends cleanly -------------

TEST_CASE("a run whose memory grows without bound stops at --max-memory: exit 1, nothing written",
          "[app][cli][memory]") {
  Sandbox box;
  const std::string overload =
      std::string(CACHELAB_SOURCE_DIR) + "/scenarios/planning/overload.json";
  // The unbounded queue of overload.json holds millions of waiting reads
  // (over 1 GB) by the end; the limit stops it long before.
  const CommandResult r =
      box.Run({"run", overload, "--set", "/database/queue_limit=0", "--set",
               "/database/queue_timeout=\"0\"", "--max-memory", "200MiB", "--out", "out"});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("memory limit") != std::string::npos);
  CHECK(r.err.find("--max-memory 200.0 MiB") != std::string::npos);
  CHECK(r.err.find("'overload'") != std::string::npos);
  CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);  // one line
  CHECK(box.WorkEntries().empty());

  // The same limit is no obstacle to a run that stays small (the bounded queue).
  const CommandResult ok = box.Run({"--max-memory", "200MiB", "run", overload, "--set",
                                    "/duration=\"20s\"", "--quiet", "--out", "small"});
  CHECK(ok.exit_code == 0);
  CHECK(fs::exists(box.work() / "small" / "summary.json"));
}

TEST_CASE("a run with key classes counts each class and prints it", "[app][cli][classes]") {
  Sandbox box;
  const CommandResult r = box.Run({"run", kData + "/cli_classes.json", "--out", "out"});
  INFO("stderr: " << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("key classes") != std::string::npos);
  const json s = json::parse(ReadFile(box.work() / "out/summary.json"));
  const json& c = s["classes"];
  REQUIRE(c.size() == 3);
  uint64_t reads = 0, writes = 0, hits = 0, misses = 0, stale = 0;
  for (const char* name : {"user", "config", "session"}) {
    INFO(name);
    REQUIRE(c.contains(name));
    reads += c[name]["reads"].get<uint64_t>();
    writes += c[name]["writes"].get<uint64_t>();
    hits += c[name]["hits"].get<uint64_t>();
    misses += c[name]["misses"].get<uint64_t>();
    stale += c[name]["stale_reads"].get<uint64_t>();
  }
  // The classes partition the run's requests.
  CHECK(reads == s["requests"]["reads"]);
  CHECK(writes == s["requests"]["writes"]);
  CHECK(hits == s["cache"]["hits"]);
  CHECK(misses == s["cache"]["misses"]);
  CHECK(stale == s["staleness"]["stale_reads"]);
  // config: 5 keys read 90 times a second under an hour's TTL; session: half
  // writes over 1000 keys read about once each.
  CHECK(c["config"]["hit_ratio"] > 0.95);
  CHECK(c["config"]["writes"] == 0);
  CHECK(c["session"]["hit_ratio"] < c["user"]["hit_ratio"]);
  CHECK(c["session"]["writes"] > 0);
}

}  // namespace
}  // namespace cachelab
