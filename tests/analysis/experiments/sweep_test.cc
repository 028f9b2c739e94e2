// `cachelab sweep` (analysis/experiments/sweep.h): --grid ranges expand exactly, the
// replication seeds follow the documented mix, the statistics equal an
// independent computation from hand-run replications, and a resumed sweep
// reuses exactly the stored points whose key matches.
#include "analysis/experiments/sweep.h"

#include <fmt/format.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "analysis/common/errors.h"
#include "analysis/outputs/run_outputs.h"
#include "analysis/scenario/run.h"

namespace cachelab {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using Values = std::vector<std::string>;

const std::string kTiny = std::string(CACHELAB_TEST_DATA) + "/cli_tiny.json";

Values Expand(const std::string& items) {
  return ParseGrid("/p=" + items).values;
}

// SplitMix64 as published by Vigna (the finaliser of java.util.SplittableRandom),
// written out here independently of analysis/experiments/sweep.cc.
uint64_t ReferenceSplitMix64(uint64_t z) {
  z += 0x9e3779b97f4a7c15ull;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

double Leaf(const json& summary, const std::string& dotted) {
  const json* j = &summary;
  size_t start = 0;
  while (true) {
    const size_t dot = dotted.find('.', start);
    j = &(*j)[dotted.substr(start, dot - start)];
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return j->get<double>();
}

const MetricStats& Metric(const std::vector<MetricStats>& ms, const std::string& name) {
  for (const MetricStats& m : ms) {
    if (m.name == name) return m;
  }
  FAIL("no metric " << name);
  return ms.front();
}

struct TempDir {
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "cachelab-sweep-XXXXXX").string();
    REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    path = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  fs::path path;
};

}  // namespace

TEST_CASE("geometric and arithmetic grid ranges include both ends", "[analysis][sweep]") {
  CHECK(Expand("1GiB..16GiB:x2") == Values{"1GiB", "2GiB", "4GiB", "8GiB", "16GiB"});
  CHECK(Expand("8..64:x2") == Values{"8", "16", "32", "64"});
  CHECK(Expand("0.5..0.9:+0.1") == Values{"0.5", "0.6", "0.7", "0.8", "0.9"});
  CHECK(Expand("0.1..0.3:+0.1") == Values{"0.1", "0.2", "0.3"});  // 0.1 + 2*0.1 > 0.3 in binary
  CHECK(Expand("0..0.1:+0.025") == Values{"0.000", "0.025", "0.050", "0.075", "0.100"});
  CHECK(Expand("1s..4s:+1s") == Values{"1s", "2s", "3s", "4s"});
  CHECK(Expand("100ms..1s:+300ms") == Values{"100ms", "400ms", "700ms", "1s"});
  CHECK(Expand("1..10:+4") == Values{"1", "5", "9"});  // stops at the last value <= HI
  CHECK(Expand("64KiB..1MiB:x4") == Values{"64KiB", "256KiB", "1MiB"});
  CHECK(Expand("0.25..1:x2") == Values{"0.25", "0.5", "1"});
  // Geometric integers round to the nearest and drop repeats: 2, 3, 4.5, 6.75 -> 2, 3, 5, 7.
  CHECK(Expand("2..7:x1.5") == Values{"2", "3", "5", "7"});
}

TEST_CASE("grid items mix plain values and ranges", "[analysis][sweep]") {
  CHECK(Expand("1,5..7:+1,lru") == Values{"1", "5", "6", "7", "lru"});
  CHECK(Expand(R"({"name":"a..b"},none)") == Values{R"({"name":"a..b"})", "none"});
  const Grid g = ParseGrid("/cache/capacity=1MiB..4MiB:x2");
  CHECK(g.pointer == "/cache/capacity");
  CHECK(g.text == "/cache/capacity=1MiB..4MiB:x2");
}

TEST_CASE("an empty or malformed grid range is bad input naming the --grid", "[analysis][sweep]") {
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"8..4:x2", "empty"},
      {"1..4:x1", "factor must be > 1"},
      {"1..4:x0.5", "factor must be > 1"},
      {"1..4:+0", "step must be > 0"},
      {"1..4:+-1", "step must be > 0"},
      {"1s..2s:+0", "step must be > 0"},
      {"1..4", "LO..HI:xFACTOR"},
      {"1..4:*2", "LO..HI:xFACTOR"},
      {"1s..5:+1s", "5"},
      {"1..1000000:+1", "more than 10000 values"},
      {"abc..def:+1", "expected a number, a duration"},
  };
  for (const auto& [items, what] : bad) {
    INFO(items);
    CHECK_THROWS_AS(ParseGrid("/p=" + items), InputError);
    CHECK_THROWS_WITH(ParseGrid("/p=" + items),
                      Catch::Contains("--grid /p=" + items) && Catch::Contains(what));
  }
  CHECK_THROWS_WITH(ParseGrid("/p"), Catch::Contains("no '='"));
  CHECK_THROWS_WITH(ParseGrid("/p=1,,2"), Catch::Contains("--grid /p=1,,2"));
  CHECK_THROWS_WITH(ParseGrid("/seed=1,2"), Catch::Contains("--set /seed"));
}

TEST_CASE("replication seeds: the scenario's seed, then SplitMix64 of seed xor index",
          "[analysis][sweep]") {
  const std::vector<uint64_t> seeds = ReplicationSeeds(7, 4);
  REQUIRE(seeds.size() == 4);
  CHECK(seeds[0] == 7);
  for (uint64_t i = 1; i < 4; ++i) {
    CHECK(seeds[i] == ReferenceSplitMix64(7 ^ i) >> 1);
    CHECK(seeds[i] < (uint64_t{1} << 63));  // a valid scenario seed
  }
  // A prefix: more replications keep the first ones' seeds.
  CHECK(ReplicationSeeds(7, 2) == std::vector<uint64_t>(seeds.begin(), seeds.begin() + 2));
}

TEST_CASE("Student t quantiles match the printed table", "[analysis][sweep]") {
  // t(0.975, dof) from any statistics table.
  CHECK(StudentT975(1) == Approx(12.706).margin(5e-4));
  CHECK(StudentT975(4) == Approx(2.776).margin(5e-4));
  CHECK(StudentT975(9) == Approx(2.262).margin(5e-4));
  CHECK(StudentT975(29) == Approx(2.045).margin(5e-4));
}

TEST_CASE("sweep statistics equal mean and t-interval of hand-run replications",
          "[analysis][sweep]") {
  const SweepPlan plan = MakeSweepPlan(kTiny, {}, {ParseGrid("/cache/capacity=64KiB,256KiB")}, 5);
  REQUIRE(plan.points.size() == 2);
  REQUIRE(plan.seeds.size() == 5);
  const std::vector<PointResult> results = RunSweepPoints(plan, {0, 1}, 2);

  for (size_t p = 0; p < 2; ++p) {
    const std::string capacity = p == 0 ? "64KiB" : "256KiB";
    INFO("capacity " << capacity);
    // The replications by hand: the loader applies the seed like `run --seed`.
    std::vector<json> by_hand;
    for (uint64_t seed : plan.seeds) {
      const Scenario s =
          LoadScenarioFile(kTiny, {{"/cache/capacity", capacity}, {"/seed", std::to_string(seed)}});
      by_hand.push_back(SummaryToJson(RunScenario(s).summary));
    }
    CHECK(by_hand == results[p].replications);
    for (const std::string name : {"cache.hit_ratio", "latency_ms.p99", "db.queries"}) {
      INFO(name);
      double sum = 0;
      for (const json& s : by_hand) sum += Leaf(s, name);
      const double mean = sum / 5;
      double ss = 0;
      for (const json& s : by_hand) ss += (Leaf(s, name) - mean) * (Leaf(s, name) - mean);
      const double half_width = 2.776 * std::sqrt(ss / 4) / std::sqrt(5.0);  // t(0.975, 4)
      const MetricStats& m = Metric(results[p].metrics, name);
      CHECK(m.mean == Approx(mean).epsilon(1e-5));
      REQUIRE(m.ci95.has_value());
      CHECK(*m.ci95 == Approx(half_width).epsilon(2e-4));  // 2.776 is a rounded quantile
      CHECK(*m.ci95 > 0);  // the seeds differ, so the replications do
    }
  }
  // "seed" is not a metric; arrays and strings are left out.
  for (const MetricStats& m : results[0].metrics) {
    CHECK(m.name != "seed");
    CHECK(m.name != "scenario");
    CHECK(m.name != "stampede.size_counts");
  }
}

TEST_CASE("one replication has no confidence interval, not a zero one", "[analysis][sweep]") {
  const std::vector<MetricStats> ms = SummarizeReplications({SummaryToJson(Summary{})});
  REQUIRE(!ms.empty());
  for (const MetricStats& m : ms) CHECK(!m.ci95.has_value());
  const SweepPlan plan = MakeSweepPlan(kTiny, {}, {ParseGrid("/cache/capacity=64KiB")}, 1);
  const std::vector<PointResult> r = RunSweepPoints(plan, {0}, 1);
  const std::string csv = SweepToCsv(plan, r);
  CHECK(csv.find(",cache.hit_ratio.mean,cache.hit_ratio.ci95,") != std::string::npos);
  CHECK(csv.find(",,") != std::string::npos);  // the empty ci95 cells
  const json j = SweepToJson(plan, r);
  CHECK(j["points"][0]["metrics"]["cache.hit_ratio"]["ci95"].is_null());
}

TEST_CASE("points with different fields share one sweep.csv, each cell under its own column",
          "[analysis][sweep]") {
  // One node reports no cluster, three nodes report three per-node objects.
  const SweepPlan plan = MakeSweepPlan(kTiny, {}, {ParseGrid("/cache/cluster/nodes=1,3")}, 1);
  const std::vector<PointResult> r = RunSweepPoints(plan, {0, 1}, 1);
  const std::string csv = SweepToCsv(plan, r);
  std::vector<std::vector<std::string>> rows;
  for (size_t start = 0; start < csv.size();) {
    const size_t end = csv.find('\n', start);
    std::vector<std::string>& row = rows.emplace_back();
    std::string line = csv.substr(start, end - start);
    for (size_t a = 0;;) {
      const size_t b = line.find(',', a);
      row.push_back(line.substr(a, b == std::string::npos ? std::string::npos : b - a));
      if (b == std::string::npos) break;
      a = b + 1;
    }
    start = end + 1;
  }
  REQUIRE(rows.size() == 3);
  CHECK(rows[1].size() == rows[0].size());
  CHECK(rows[2].size() == rows[0].size());
  const auto col = [&](const std::string& name) {
    const auto it = std::find(rows[0].begin(), rows[0].end(), name);
    REQUIRE(it != rows[0].end());
    return static_cast<size_t>(it - rows[0].begin());
  };
  CHECK(rows[1][col("cluster.nodes.mean")].empty());
  CHECK(rows[2][col("cluster.nodes.mean")] == "3");
  CHECK(!rows[2][col("cluster.per_node.2.ops.mean")].empty());
  CHECK(!rows[1][col("cache.hit_ratio.mean")].empty());
  CHECK(!rows[2][col("cache.hit_ratio.mean")].empty());
}

TEST_CASE("replications that split into two separated groups are flagged unstable",
          "[analysis][sweep][unstable]") {
  // One seed of three collapsed: the mean and interval describe neither.
  const auto split = FindSplit({0.61, 0.6, 0.98});
  REQUIRE(split);
  CHECK(split->low_count == 2);
  CHECK(split->high_count == 1);
  CHECK(split->low_mean == Approx(0.605));
  CHECK(split->high_mean == 0.98);
  const auto two_two = FindSplit({5, 1, 1.01, 5.02});
  REQUIRE(two_two);
  CHECK(two_two->low_count == 2);
  CHECK(two_two->high_count == 2);
  // Seed noise, a spread-out sample, a constant and too few values are not splits.
  CHECK_FALSE(FindSplit({0.5, 0.5002, 0.5001}));
  CHECK_FALSE(FindSplit({10, 11, 14}));
  CHECK_FALSE(FindSplit({3, 3, 3, 3}));
  CHECK_FALSE(FindSplit({0.1, 0.9}));
  // A gap that is large against the spread but tiny against the values: noise.
  CHECK_FALSE(FindSplit({1000, 1000, 1000.5}));
}

TEST_CASE("an unstable metric shows its split in the table and in JSON",
          "[analysis][sweep][unstable]") {
  std::vector<json> runs;
  for (double u : {0.41, 0.43, 0.97}) {
    Summary s;
    s.db.utilization = u;
    s.cache.hit_ratio = 0.9;
    runs.push_back(SummaryToJson(s));
  }
  const std::vector<MetricStats> ms = SummarizeReplications(runs);
  const auto of = [&](const std::string& name) {
    for (const MetricStats& m : ms) {
      if (m.name == name) return m;
    }
    FAIL("no metric " << name);
    throw;
  };
  const MetricStats u = of("db.utilization");
  REQUIRE(u.unstable);
  CHECK(MeanCi(u).find("[unstable: 2 at 0.42, 1 at 0.97]") != std::string::npos);
  const json j = MetricStatsJson(u);
  CHECK(j["unstable"]["low"]["count"] == 2);
  CHECK(j["unstable"]["high"]["mean"] == 0.97);
  const MetricStats h = of("cache.hit_ratio");
  CHECK_FALSE(h.unstable);
  CHECK(MetricStatsJson(h)["unstable"].is_null());
  CHECK(MeanCi(h).find("unstable") == std::string::npos);
}

TEST_CASE("a sensitivity input is the scenario's value and X either side of it",
          "[analysis][sweep][sensitivity]") {
  const json resolved = LoadScenarioFile(kTiny).resolved;
  CHECK(ParseSensitivity("/workload/keys/alpha=±0.1", resolved).values ==
        Values{"0.9", "1", "1.1"});
  CHECK(ParseSensitivity("/workload/rate/rps=±10%", resolved).values ==
        Values{"270", "300", "330"});
  CHECK(ParseSensitivity("/database/connections=+-2", resolved).values == Values{"2", "4", "6"});
  const Grid g = ParseSensitivity("/workload/keys/count=±25%", resolved);
  CHECK(g.pointer == "/workload/keys/count");
  CHECK(g.values == Values{"750", "1000", "1250"});
  for (const char* bad : {"/workload/keys/alpha=0.1", "/workload/keys/alpha=±",
                          "/workload/keys/alpha=±-1", "workload/keys/alpha=±0.1",
                          "/cache/eviction=±1", "/no/such=±1", "/alerts///=±1", "/alerts/0=±1"}) {
    INFO(bad);
    CHECK_THROWS_WITH(ParseSensitivity(bad, resolved),
                      Catch::StartsWith(std::string("--sensitivity ") + bad + ":"));
  }
}

TEST_CASE("the sensitivity table sets each input's swing beside the seeds' interval",
          "[analysis][sweep][sensitivity]") {
  const json resolved = LoadScenarioFile(kTiny).resolved;
  const SweepPlan plan = MakeSweepPlan(kTiny, {},
                                       {ParseGrid("/database/connections=2,8"),
                                        ParseSensitivity("/workload/keys/alpha=±0.3", resolved)},
                                       2);
  REQUIRE(plan.points.size() == 6);
  std::vector<size_t> all = {0, 1, 2, 3, 4, 5};
  const std::vector<PointResult> r = RunSweepPoints(plan, all, 2);
  const std::string table = FormatSensitivityTable(plan, r, 1, {"cache.hit_ratio"});
  std::vector<std::string> lines;
  std::istringstream in(table);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  REQUIRE(lines.size() == 4);  // a title, a header and one row per connections value
  for (size_t c = 0; c < 2; ++c) {
    const std::string& row = lines[2 + c];
    INFO(row);
    CHECK(row.find(c == 0 ? "/database/connections=2" : "/database/connections=8") !=
          std::string::npos);
    double lo = 0, base = 0, hi = 0;
    for (size_t k = 0; k < 3; ++k) {
      const MetricStats& m = Metric(r[3 * c + k].metrics, "cache.hit_ratio");
      CHECK(row.find(fmt::format("{:g}", m.mean)) != std::string::npos);
      (k == 0 ? lo : k == 1 ? base : hi) = m.mean;
    }
    // More skew, more hits: the swing is high - low.
    CHECK(lo < base);
    CHECK(base < hi);
    CHECK(row.find(fmt::format("{:g}", RoundSignificant(hi - lo))) != std::string::npos);
  }
}

TEST_CASE("the sweep table shows each point's grid values and metrics as mean ± ci95",
          "[analysis][sweep]") {
  const SweepPlan plan =
      MakeSweepPlan(kTiny, {}, {ParseGrid("/cache/capacity=64KiB,128KiB,256KiB")}, 2);
  const std::vector<PointResult> r = RunSweepPoints(plan, {0, 1, 2}, 2);
  const std::string table = FormatSweepTable(plan, r, {"db.queries", "cache.hit_ratio"});
  std::vector<std::string> lines;
  std::istringstream in(table);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  REQUIRE(lines.size() == 4);  // a header and three points
  // The default columns, then the extra one (hit ratio is not shown twice).
  CHECK(lines[0].find("/cache/capacity") == 0);
  CHECK(lines[0].find("cache.hit_ratio") < lines[0].find("latency_ms.p99"));
  CHECK(lines[0].find("db.utilization") < lines[0].find("db.queries"));
  CHECK(lines[0].find("cache.hit_ratio", lines[0].find("cache.hit_ratio") + 1) ==
        std::string::npos);
  for (size_t i = 0; i < 3; ++i) {
    INFO(lines[i + 1]);
    CHECK(lines[i + 1].find(plan.points[i].values[0].value) != std::string::npos);
    for (const MetricStats& m : r[i].metrics) {
      if (m.name == "cache.hit_ratio" || m.name == "db.queries") {
        CHECK(lines[i + 1].find(MeanCi(m)) != std::string::npos);
      }
    }
  }
  // Columns line up: every row is as wide as the header ("±" is two bytes, one column).
  auto columns = [](const std::string& line) {
    size_t n = line.size();
    for (size_t at = line.find("±"); at != std::string::npos; at = line.find("±", at + 1)) --n;
    return n;
  };
  for (const std::string& line : lines) CHECK(columns(line) == columns(lines[0]));
  const std::string one = FormatSweepTable(plan, r, {}, 1);
  CHECK(one.find("... 2 more points in sweep.csv") != std::string::npos);
}

TEST_CASE("a point result survives a JSON round trip with identical statistics",
          "[analysis][sweep]") {
  const SweepPlan plan = MakeSweepPlan(kTiny, {}, {ParseGrid("/cache/capacity=128KiB")}, 3);
  const PointResult r = RunSweepPoints(plan, {0}, 1).front();
  const PointResult back = PointResultFromJson(json::parse(PointResultToJson(r).dump()));
  CHECK(back.index == r.index);
  CHECK(back.key == r.key);
  CHECK(back.replications == r.replications);
  REQUIRE(back.metrics.size() == r.metrics.size());
  for (size_t i = 0; i < r.metrics.size(); ++i) {
    CHECK(back.metrics[i].name == r.metrics[i].name);
    CHECK(back.metrics[i].mean == r.metrics[i].mean);
    CHECK(back.metrics[i].ci95 == r.metrics[i].ci95);
  }
  CHECK_THROWS(PointResultFromJson(json::parse(R"({"index": 0})")));
}

TEST_CASE("a resumed sweep reuses stored points and reruns only the missing ones",
          "[analysis][sweep]") {
  TempDir tmp;
  const std::string points = (tmp.path / "points").string();
  const SweepPlan plan = MakeSweepPlan(
      kTiny, {}, {ParseGrid("/cache/capacity=64KiB,256KiB"), ParseGrid("/instances/count=1,2")}, 3);
  REQUIRE(plan.points.size() == 4);
  const SweepRun first = RunSweepResumable(plan, points, 2);
  CHECK(first.reused == 0);
  CHECK(first.ran == 4);
  const std::string csv = SweepToCsv(plan, first.points);

  // Every finished point is one file named by index and key.
  std::vector<std::string> files;
  for (const auto& e : fs::directory_iterator(points)) files.push_back(e.path().filename());
  std::sort(files.begin(), files.end());
  REQUIRE(files.size() == 4);
  for (size_t i = 0; i < 4; ++i) {
    CHECK(files[i] == std::to_string(i) + "-" + plan.points[i].key + ".json");
  }

  SECTION("after losing two points, exactly those run again and the outputs are identical") {
    fs::remove(fs::path(points) / files[1]);
    fs::remove(fs::path(points) / files[3]);
    const SweepRun second = RunSweepResumable(plan, points, 1);
    CHECK(second.reused == 2);
    CHECK(second.ran == 2);
    CHECK(SweepToCsv(plan, second.points) == csv);
    CHECK(SweepToJson(plan, second.points) == SweepToJson(plan, first.points));
  }
  SECTION("a stored point is read, not recomputed") {
    // Doctor point 2's first replication: if it were rerun the change would vanish.
    const fs::path file = fs::path(points) / files[2];
    json j = json::parse(std::ifstream(file));
    j["replications"][0]["cache"]["hit_ratio"] = 0.0;
    std::ofstream(file) << j.dump();
    const SweepRun second = RunSweepResumable(plan, points, 2);
    CHECK(second.reused == 4);
    CHECK(second.ran == 0);
    CHECK(Metric(second.points[2].metrics, "cache.hit_ratio").mean <
          Metric(first.points[2].metrics, "cache.hit_ratio").mean);
  }
  SECTION("points of another replication count or scenario are not reused") {
    const SweepPlan more = MakeSweepPlan(
        kTiny, {}, {ParseGrid("/cache/capacity=64KiB,256KiB"), ParseGrid("/instances/count=1,2")},
        4);
    CHECK(RunSweepResumable(more, points, 2).reused == 0);
    const SweepPlan other = MakeSweepPlan(
        kTiny, {{"/workload/write_fraction", "0.1"}},
        {ParseGrid("/cache/capacity=64KiB,256KiB"), ParseGrid("/instances/count=1,2")}, 3);
    CHECK(RunSweepResumable(other, points, 2).reused == 0);
  }
  SECTION("a damaged point file is run again") {
    std::ofstream(fs::path(points) / files[0]) << "{\"index\": 0, \"key\": ";
    const SweepRun second = RunSweepResumable(plan, points, 2);
    CHECK(second.reused == 3);
    CHECK(SweepToCsv(plan, second.points) == csv);
  }
}

TEST_CASE("sweep results do not depend on the thread count", "[analysis][sweep]") {
  const SweepPlan plan =
      MakeSweepPlan(kTiny, {}, {ParseGrid("/policies/read/params/ttl=500ms..2s:+500ms")}, 3);
  REQUIRE(plan.points.size() == 4);
  const std::vector<size_t> all{0, 1, 2, 3};
  const std::vector<PointResult> one = RunSweepPoints(plan, all, 1);
  const std::vector<PointResult> three = RunSweepPoints(plan, all, 3);
  CHECK(SweepToJson(plan, one) == SweepToJson(plan, three));
  // Common random numbers: every point sees the same requests per replication.
  for (size_t r = 0; r < 3; ++r) {
    for (const PointResult& p : one) {
      CHECK(p.replications[r]["requests"] == one[0].replications[r]["requests"]);
    }
  }
  // A subset of points (a later MPI rank's share) gives the same per-point results.
  const std::vector<PointResult> part = RunSweepPoints(plan, {3, 1}, 2);
  CHECK(part[0].replications == one[3].replications);
  CHECK(part[1].replications == one[1].replications);
}

TEST_CASE("a --grid on an unknown field is bad input naming the --grid", "[analysis][sweep]") {
  CHECK_THROWS_AS(MakeSweepPlan(kTiny, {}, {ParseGrid("/cache/capacityy=1MiB,2MiB")}, 2),
                  InputError);
  CHECK_THROWS_WITH(MakeSweepPlan(kTiny, {}, {ParseGrid("/cache/capacityy=1MiB,2MiB")}, 2),
                    Catch::Contains("--grid /cache/capacityy"));
  CHECK_THROWS_WITH(MakeSweepPlan(kTiny, {}, {ParseGrid("/seed=1"), ParseGrid("/seed=2")}, 2),
                    Catch::Contains("--grid"));
  CHECK_THROWS_WITH(
      MakeSweepPlan(kTiny, {},
                    {ParseGrid("/cache/capacity=1MiB"), ParseGrid("/cache/capacity=2MiB")}, 2),
      Catch::Contains("already gridded"));
}

}  // namespace cachelab
