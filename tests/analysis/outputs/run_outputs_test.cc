// events.json (analysis/outputs/run_outputs.h, results/README.md): the fault windows and
// deploys of the scenario as configured, and the shared-cache expiry times of
// the workload's hottest keys, which must agree with the cache's own counts,
// with the TTL, and with the fills that created the entries.
#include "analysis/outputs/run_outputs.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "analysis/common/errors.h"
#include "analysis/scenario/run.h"
#include "analysis/scenario/scenario.h"
#include "sim/metrics/key_trace.h"
#include "tests/support/cli.h"
#include "tests/support/temp_dir.h"

namespace cachelab {
namespace {

using nlohmann::json;

const std::string kData = CACHELAB_TEST_DATA;
// One key read 2,000 times a second, cache-aside, TTL 1 s, DB read 50 ms, 3 s.
const std::string kStampede = kData + "/cli_stampede.json";

Scenario Load(const std::string& path, const std::vector<Override>& sets = {}) {
  return LoadScenarioFile(path, sets);
}

}  // namespace

TEST_CASE("events.json lists the fault windows and versioned bumps as configured",
          "[analysis][events]") {
  // Faults out of time order, a slow window with its factor, a flush without
  // a duration; bumps at 15 s, then every 20 s while before the 60 s end.
  const Scenario s =
      Load(kData + "/cli_tiny.json",
           {{"/duration", "60s"},
            {"/cache/faults", R"([{"kind": "slow", "start": "20s", "duration": "5s", "factor": 3},
                            {"kind": "down", "start": "10s", "duration": "2500ms"},
                            {"kind": "flush", "start": "30s"},
                            {"kind": "restart", "start": "40s", "duration": "1s"}])"},
            {"/policies/invalidation",
             R"({"name": "versioned", "params": {"bump_at": "15s", "bump_every": "20s"}})"}});
  const json j = EventsToJson(s, RunScenario(s));

  const json faults = j["faults"];
  REQUIRE(faults.size() == 4);
  CHECK(faults[0] == json({{"kind", "down"}, {"start_s", 10}, {"end_s", 12.5}}));
  CHECK(faults[1] == json({{"kind", "slow"}, {"start_s", 20}, {"end_s", 25}, {"factor", 3}}));
  CHECK(faults[2] == json({{"kind", "flush"}, {"start_s", 30}, {"end_s", nullptr}}));
  CHECK(faults[3] == json({{"kind", "restart"}, {"start_s", 40}, {"end_s", 41}}));

  const json deploys = j["deploys"];
  REQUIRE(deploys.size() == 3);
  for (size_t i = 0; i < deploys.size(); ++i) {
    CHECK(deploys[i]["at_s"] == 15.0 + 20.0 * static_cast<double>(i));
    CHECK(deploys[i]["generation"] == i + 1);
    CHECK(deploys[i]["what"] == "key generation bump (versioned invalidation)");
  }
  CHECK(j["deploys_truncated"] == false);
  CHECK(j["popularity"] == "zipf");

  SECTION("a single bump, and none after the end") {
    const Scenario once =
        Load(kData + "/cli_tiny.json",
             {{"/policies/invalidation", R"({"name": "versioned", "params": {"bump_at": "4s"}})"}});
    const json d = EventsToJson(once, RunResult{})["deploys"];
    REQUIRE(d.size() == 1);
    CHECK(d[0]["at_s"] == 4.0);
    const Scenario late = Load(
        kData + "/cli_tiny.json",
        {{"/policies/invalidation", R"({"name": "versioned", "params": {"bump_at": "10s"}})"}});
    CHECK(EventsToJson(late, RunResult{})["deploys"].empty());  // at the 10 s end: not in the run
  }
  SECTION("a plain TTL stack has no deploys and no faults") {
    const Scenario plain = Load(kData + "/cli_tiny.json");
    const json e = EventsToJson(plain, RunResult{});
    CHECK(e["deploys"].empty());
    CHECK(e["faults"].empty());
  }
}

TEST_CASE("the hottest Zipf keys are keys 0 to 4, and a uniform workload says so",
          "[analysis][events]") {
  // No writes: their deletes would keep the hot keys from ever expiring.
  const Scenario zipf = Load(kData + "/cli_tiny.json", {{"/workload/write_fraction", "0"}});
  const json j = EventsToJson(zipf, RunScenario(zipf));
  REQUIRE(j["hot_keys"].size() == kHotKeys);
  for (size_t i = 0; i < kHotKeys; ++i) {
    CHECK(j["hot_keys"][i]["key"] == i);
    CHECK(j["hot_keys"][i]["rank"] == i + 1);
  }
  // Zipf probabilities fall with the rank, so these are the most likely keys.
  CHECK(j["popularity"] == "zipf");
  // The 2 s TTL over 10 s expires the hottest key's entry several times.
  CHECK(j["hot_keys"][0]["expiries_s"].size() >= 2);

  const Scenario one = Load(kStampede);  // uniform over a single key
  const json u = EventsToJson(one, RunScenario(one));
  CHECK(u["popularity"] == "uniform");
  REQUIRE(u["hot_keys"].size() == 1);  // fewer keys than kHotKeys
  CHECK(u["hot_keys"][0]["key"] == 0);
}

TEST_CASE("an LRU-stack workload says lru-stack and lists keys 0 to 4 by convention",
          "[analysis][events]") {
  // Its zipf_alpha keeps the config default (1), so a check of Zipf before
  // lru-stack would call it zipf.
  const Scenario s =
      Load(kData + "/cli_tiny.json", {{"/workload/keys",
                                       R"({"count": 1000, "popularity": "lru-stack", "cold": 0.1,
                 "depths": ["1KiB", "64KiB", "512KiB"]})"}});
  REQUIRE(s.world.workload.popularity == WorkloadConfig::Popularity::kLruStack);
  const json j = EventsToJson(s, RunScenario(s));
  CHECK(j["popularity"] == "lru-stack");
  REQUIRE(j["hot_keys"].size() == kHotKeys);
  for (size_t i = 0; i < kHotKeys; ++i) CHECK(j["hot_keys"][i]["key"] == i);
}

TEST_CASE("a key read constantly expires once per fill, at the fill time plus the TTL",
          "[analysis][events]") {
  // 20 s of one key read 2,000 times a second, 1 s TTL.
  const Scenario s = Load(kStampede, {{"/duration", "20s"}});
  const double ttl_s = 1.0;
  KeyTrace trace(0, Time::Zero(), Time::Max());
  RunOptions options;
  options.trace = &trace;
  const RunResult r = RunScenario(s, options);
  REQUIRE(r.hot_keys.size() == 1);
  const std::vector<double>& expiries = r.hot_keys[0].expiries_s;
  CHECK_FALSE(r.hot_keys[0].truncated);

  // One key and no locks: every expiration the cache counted is this key's.
  CHECK(expiries.size() == r.summary.cache.expirations);
  // An entry is filled only after the previous one expired and a read missed.
  for (size_t i = 1; i < expiries.size(); ++i) CHECK(expiries[i] - expiries[i - 1] >= ttl_s);
  // The entry that stays is the last fill after an expiry: that of the last
  // read that missed before the first refill landed, one load (50 ms) after
  // the expiry. Those ~100 misses (2,000/s x 50 ms) exceed the 64 connections,
  // so its query may also wait up to one load for a connection: expiries come
  // every TTL to TTL + 3 loads (plus a few round trips).
  const double load_s = 0.05, slack_s = 0.005;
  for (size_t i = 1; i < expiries.size(); ++i) {
    CHECK(expiries[i] - expiries[i - 1] <= ttl_s + 3 * load_s + slack_s);
  }
  CHECK(static_cast<double>(expiries.size()) <= 20 / ttl_s);
  CHECK(static_cast<double>(expiries.size()) >= 20 / (ttl_s + 3 * load_s + slack_s) - 2);

  // Independently from the key's event log: an entry SET at t expires at
  // t + TTL unless another SET replaced it first; the last entry may outlive
  // the run (the cache is not consulted after it ends).
  std::vector<double> sets;
  for (const TraceEvent& e : trace.events()) {
    if (e.actor == "cache" && e.text.rfind("SET ", 0) == 0) sets.push_back(e.at.seconds());
  }
  std::vector<double> expected;
  for (size_t i = 0; i < sets.size(); ++i) {
    const double end = sets[i] + ttl_s;
    if (i + 1 == sets.size() || sets[i + 1] >= end) expected.push_back(end);
  }
  REQUIRE(expected.size() >= expiries.size());
  CHECK(expected.size() - expiries.size() <= 1);
  for (size_t i = 0; i < expiries.size(); ++i) {
    CHECK(expiries[i] == Approx(expected[i]).margin(1e-9));
  }
}

TEST_CASE("the trace workload's hot keys are its most-read keys", "[analysis][events]") {
  test::TempDir dir;
  // Key k is read reads[k] times and written writes[k] times: counting writes,
  // or ranking ties by anything but the lower key, would change the order.
  const std::vector<int> reads = {3, 9, 4, 9, 1, 7, 0, 4, 2};
  const std::vector<int> writes = {20, 0, 0, 0, 0, 0, 30, 0, 0};
  std::string csv = "time,key,op\n";
  std::vector<std::string> lines;
  for (size_t k = 0; k < reads.size(); ++k) {
    for (int i = 0; i < reads[k]; ++i) lines.push_back("key" + std::to_string(k) + ",get");
    for (int i = 0; i < writes[k]; ++i) lines.push_back("key" + std::to_string(k) + ",set");
  }
  // Interleave deterministically so first sight order differs from key order.
  std::vector<std::string> shuffled;
  for (size_t step = 0; step < 7; ++step) {
    for (size_t i = step; i < lines.size(); i += 7) shuffled.push_back(lines[i]);
  }
  for (size_t i = 0; i < shuffled.size(); ++i) {
    csv += std::to_string(i) + "," + shuffled[i] + "\n";
  }
  dir.Write("t.csv", csv);
  const std::string scenario = dir.Write("s.json", R"({"name": "trace-hot", "duration": "1h",
      "workload": {"trace": {"path": "t.csv", "format": "csv",
                             "csv": {"time": "time", "key": "key", "op": "op"}}},
      "cache": {"capacity": "1MiB"}})");

  // The independent count: dense ids in order of first sight, reads per id.
  std::map<std::string, Key> ids;
  std::vector<uint64_t> count;
  for (const std::string& line : shuffled) {
    const std::string key = line.substr(0, line.find(','));
    const auto [it, fresh] = ids.try_emplace(key, ids.size());
    if (fresh) count.push_back(0);
    if (line.substr(line.find(',') + 1) == "get") ++count[it->second];
  }
  std::vector<Key> order(count.size());
  for (Key k = 0; k < order.size(); ++k) order[k] = k;
  std::stable_sort(order.begin(), order.end(), [&](Key a, Key b) { return count[a] > count[b]; });

  const Scenario s = LoadScenarioFile(scenario);
  const json j = EventsToJson(s, RunScenario(s));
  CHECK(j["popularity"] == "trace");
  REQUIRE(j["hot_keys"].size() == kHotKeys);
  for (size_t i = 0; i < kHotKeys; ++i) {
    INFO("rank " << i + 1);
    CHECK(j["hot_keys"][i]["key"] == order[i]);
    CHECK(j["hot_keys"][i]["rank"] == i + 1);
  }
  // Sanity of the fixture: the two 9-read keys tie and the heavily written keys are not first.
  CHECK(count[order[0]] == 9);
  CHECK(count[order[1]] == 9);
}

TEST_CASE("events.json is byte-identical across runs of the same scenario and seed",
          "[analysis][events]") {
  test::TempDir dir;
  const Scenario s =
      Load(kData + "/cli_tiny.json", {{"/cache/faults", R"([{"kind": "flush", "start": "5s"}])"}});
  WriteRunOutputs(dir / "a", s, RunScenario(s));
  WriteRunOutputs(dir / "b", s, RunScenario(s));
  const std::string a = test::ReadFile(dir / "a/events.json");
  CHECK(a == test::ReadFile(dir / "b/events.json"));
  CHECK(a.back() == '\n');
  CHECK(a == json::parse(a).dump(2) + "\n");
  CHECK(a.find("\"flush\"") != std::string::npos);
}

TEST_CASE("an unstable run's table says how fast its database queue grows", "[outputs][database]") {
  Summary s;
  s.db.capacity_qps = 3200;
  s.db.offered_load = 3.0;  // 9,600 queries/s arrive: the queue grows by 6,400/s
  s.db.rejected = 12;
  const std::string bounded = QueueGrowthNote(s);
  CHECK(bounded.find("unstable") != std::string::npos);
  CHECK(bounded.find("about 6400 queries/s") != std::string::npos);
  CHECK(bounded.find("12 queries rejected") != std::string::npos);
  CHECK(FormatSummaryTable(s).find(bounded) != std::string::npos);

  s.db.rejected = 0;  // an unbounded queue: nothing rejected, memory grows
  CHECK(QueueGrowthNote(s).find("unbounded") != std::string::npos);

  s.db.offered_load = 0.97;  // below capacity: a queue that empties again
  CHECK(QueueGrowthNote(s).empty());
  CHECK(FormatSummaryTable(s).find("unstable") == std::string::npos);
}

TEST_CASE("table numbers have 4 significant digits and a duration picks its unit",
          "[outputs][console]") {
  CHECK(Significant(0.286738) == "0.2867");
  CHECK(Significant(12.3456) == "12.35");
  CHECK(Significant(9999.4) == "9999");
  CHECK(Significant(1309965.025) == "1,309,965");
  CHECK(Millis(0) == "0 ms");
  CHECK(Millis(0.000734) == "0.734 us");
  CHECK(Millis(0.7354) == "735.4 us");
  CHECK(Millis(17.79) == "17.79 ms");
  CHECK(Millis(31900) == "31.9 s");
  CHECK(Millis(1309965.025) == "21.83 min");  // the issue's projector example
  CHECK(Millis(7.2e6) == "2 h");
}

TEST_CASE("every alert firing is listed with its end, or that it lasted to the end",
          "[outputs][console]") {
  Summary s;
  s.alerts.push_back({"hit ratio below 80%", "hit_ratio < 0.8", 5, {0, 60}, {15, 70}});
  s.alerts.push_back({"evictions", "evictions > 500", 19, {20, 65}, {60}});
  s.alerts.push_back({"quiet", "p99_ms > 1000", 0, {}, {}});
  Summary::Alert many{"flapping", "x", 10, {}, {}};
  for (int i = 0; i < 10; ++i) {
    many.fired_at_s.push_back(10.0 * i);
    many.resolved_at_s.push_back(10.0 * i + 5);
  }
  s.alerts.push_back(many);
  const std::vector<std::string> lines = AlertLines(s);
  REQUIRE(lines.size() == 4);
  CHECK(lines[0] == "hit ratio below 80%: fired 2 times (5 intervals): 0-15 s, 60-70 s");
  CHECK(lines[1] == "evictions: fired 2 times (19 intervals): 20-60 s, 65 s to the end");
  CHECK(lines[2] == "quiet: never fired");
  CHECK(lines[3].find("fired 10 times") != std::string::npos);
  CHECK(lines[3].find("50-55 s, ... (4 more)") != std::string::npos);
}

TEST_CASE("metric lists name summary.json's numeric metrics or alerts", "[outputs][console]") {
  CHECK(ParseMetricList("cache.hit_ratio,alerts,stampede.size_counts") ==
        std::vector<std::string>{"cache.hit_ratio", "alerts", "stampede.size_counts"});
  CHECK_THROWS_AS(ParseMetricList("cache.hit_ratio,"), InputError);  // an empty name
  CHECK_THROWS_AS(ParseMetricList("scenario"), InputError);          // a string
  CHECK_THROWS_WITH(ParseMetricList("latency.p99"), Catch::Contains("\"latency.p99\" is not"));
  CHECK(MetricRowLabel("latency_ms.p999") == "latency p99.9");
  CHECK(MetricRowLabel("guard.waits") == "guard waits");  // policy rows have no section title
  CHECK(MetricRowLabel("simulated_seconds") == "simulated_seconds");
  Summary s;
  s.latency_ms.p99 = 1309965.025;
  s.db.utilization = 0.0864691;
  s.simulated_seconds = 1320;
  CHECK(FormatMetric("latency_ms.p99", s) == "21.83 min");
  CHECK(FormatMetric("db.utilization", s) == "8.65 %");
  CHECK(FormatMetric("simulated_seconds", s) == "22 min");
}

TEST_CASE("metric lists take a key class's metrics by the class's name", "[outputs][console]") {
  CHECK(ParseMetricList("classes.config.hit_ratio,classes.user.read_latency_ms.p99") ==
        std::vector<std::string>{"classes.config.hit_ratio", "classes.user.read_latency_ms.p99"});
  CHECK_THROWS_AS(ParseMetricList("classes.config.hitratio"), InputError);
  CHECK_THROWS_AS(ParseMetricList("classes.hit_ratio"), InputError);
  CHECK(MetricRowLabel("classes.config.hit_ratio") == "config hit ratio");
  CHECK(MetricRowLabel("classes.user.read_latency_ms.mean") == "user read mean");
  Summary s;
  Summary::KeyClass config;
  config.name = std::string("config");
  config.hit_ratio = 0.9998;
  config.read_mean_ms = 0.301;
  config.stale_reads = 1750;
  s.classes = {config};
  CHECK(FormatMetric("classes.config.hit_ratio", s) == "99.98 %");
  CHECK(FormatMetric("classes.config.read_latency_ms.mean", s) == "301 us");
  CHECK(FormatMetric("classes.config.stale_reads", s) == "1,750");
  CHECK(FormatMetric("classes.user.hit_ratio", s) == "-");  // not a class of this run
}

TEST_CASE("metric lists take a cache cluster's figures, whole and per node", "[outputs][console]") {
  CHECK(ParseMetricList("cluster.max_cpu_utilization,cluster.per_node.12.cpu_wait_ms") ==
        std::vector<std::string>{"cluster.max_cpu_utilization", "cluster.per_node.12.cpu_wait_ms"});
  CHECK_THROWS_AS(ParseMetricList("cluster.per_node.x.ops"), InputError);
  CHECK_THROWS_AS(ParseMetricList("cluster.per_node.1"), InputError);
  CHECK_THROWS_AS(ParseMetricList("cluster.cpu"), InputError);
  CHECK(MetricRowLabel("cluster.ops_imbalance") == "cache nodes ops imbalance");
  CHECK(MetricRowLabel("cluster.per_node.2.hit_ratio") == "cache node 2 hit ratio");
  Summary s;
  CHECK(FormatMetric("cluster.ops_imbalance", s) == "-");  // one node: no cluster figures
  Summary::Cluster c;
  c.nodes = 2;
  c.ops_imbalance = 1.5;
  c.max_cpu_utilization = 0.25;
  c.per_node.resize(2);
  c.per_node[1].cpu_wait_ms = 0.0125;
  c.per_node[1].ops = 12345;
  c.per_node[1].net_out_utilization = 0.5;
  s.cluster = c;
  CHECK(FormatMetric("cluster.ops_imbalance", s) == "1.5x");
  CHECK(FormatMetric("cluster.max_cpu_utilization", s) == "25.00 %");
  CHECK(FormatMetric("cluster.per_node.1.cpu_wait_ms", s) == "12.5 us");
  CHECK(FormatMetric("cluster.per_node.1.ops", s) == "12,345");
  CHECK(FormatMetric("cluster.per_node.1.net_out_utilization", s) == "50.00 %");
  CHECK(FormatMetric("cluster.per_node.2.ops", s) == "-");  // no node 2
}

}  // namespace cachelab
