// A trace as the timed world's workload (analysis/trace/workload.h): the
// trace's requests, ops and timing come through; equal timestamps are spread
// within their second; time_scale stretches time; errors name file and line.
// tests/data/twitter_small.csv: 12 hand-written lines, 7 gets, 4 writes, 1
// delete, over seconds 0..5 and the keys alpha, beta, gamma (and delta, only
// deleted).
#include "analysis/trace/workload.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "analysis/common/errors.h"
#include "analysis/scenario/scenario.h"
#include "policies/run.h"
#include "sim/model/workload.h"

namespace cachelab {
namespace {

const std::string kData = CACHELAB_TEST_DATA;
const std::string kScenario = kData + "/twitter_small_scenario.json";

std::vector<Request> Arrivals(const WorldConfig& w) {
  Workload workload(w.workload, w.duration, w.seed);
  std::vector<Request> out;
  while (auto r = workload.Next()) out.push_back(*r);
  return out;
}

std::string LoadError(const std::string& workload) {
  const std::string text = R"({"name": "t", "duration": "60s", "workload": )" + workload +
                           R"(, "cache": {"capacity": "1MiB"}})";
  try {
    LoadScenarioText(text, kData + "/inline.json");
  } catch (const InputError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST_CASE("trace requests arrive in order with dense keys, spread within each second",
          "[analysis][trace-workload]") {
  const Scenario s = LoadScenarioFile(kScenario);
  CHECK(s.world.workload.keys == 3);  // delta is only deleted: no row
  CHECK(*s.world.workload.trace->sizes == std::vector<uint32_t>{127, 306, 67});
  const auto a = Arrivals(s.world);
  REQUIRE(a.size() == 11);  // 12 lines less the delete
  // Second 0 holds 3 requests, second 1 two, second 2 one (and a delete),
  // second 3 two, second 5 three: each spread evenly over its second.
  const std::vector<double> at = {0, 1.0 / 3, 2.0 / 3, 1,           1.5,        2,
                                  3, 3.5,     5,       5 + 1.0 / 3, 5 + 2.0 / 3};
  const std::vector<Key> keys = {0, 1, 0, 2, 0, 1, 2, 1, 0, 2, 1};
  const std::vector<bool> writes = {false, false, false, true,  false, true,
                                    false, true,  true,  false, false};
  for (size_t i = 0; i < a.size(); ++i) {
    INFO("request " << i);
    CHECK(a[i].at.seconds() == Approx(at[i]).margin(1e-9));
    CHECK(a[i].key == keys[i]);
    CHECK(a[i].write == writes[i]);
    if (i > 0) CHECK(a[i].at > a[i - 1].at);
  }
  CHECK(a[3].size == 7 + 50);  // a write installs its own size
  CHECK(a[0].size == 0);       // a read does not
}

TEST_CASE("time_scale 0.5 plays the trace twice as fast", "[analysis][trace-workload]") {
  const Scenario full = LoadScenarioFile(kScenario);
  const Scenario half = LoadScenarioFile(kScenario, {{"/workload/trace/time_scale", "0.5"}});
  const auto a = Arrivals(full.world), b = Arrivals(half.world);
  REQUIRE(a.size() == b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    CHECK(b[i].at.nanos() == Approx(a[i].at.nanos() / 2.0).margin(1));
  }
  const RunResult rf = RunSimulation(full.world, full.stack);
  const RunResult rh = RunSimulation(half.world, half.stack);
  CHECK(rh.summary.simulated_seconds == Approx(rf.summary.simulated_seconds / 2).epsilon(0.02));
  CHECK(rh.summary.requests.total == rf.summary.requests.total);
}

TEST_CASE("the timed world serves exactly the trace's reads and writes",
          "[analysis][trace-workload]") {
  const Scenario s = LoadScenarioFile(kScenario);
  const RunResult r = RunSimulation(s.world, s.stack);
  CHECK(r.summary.requests.total == 11);
  CHECK(r.summary.requests.reads == 7);
  CHECK(r.summary.requests.writes == 4);
  CHECK(r.summary.db.writes == 4);
  CHECK(r.summary.cache.hits + r.summary.cache.misses + r.summary.cache.errors == 7);
  // Arrivals stop at the duration: the 6 requests of seconds 0..2.
  const Scenario cut = LoadScenarioFile(kScenario, {{"/duration", "3s"}});
  CHECK(RunSimulation(cut.world, cut.stack).summary.requests.total == 6);
  // reads_only drops the writes.
  const Scenario ro = LoadScenarioFile(kScenario, {{"/workload/trace/reads_only", "true"}});
  const RunResult rr = RunSimulation(ro.world, ro.stack);
  CHECK(rr.summary.requests.total == 7);
  CHECK(rr.summary.requests.writes == 0);
}

TEST_CASE("the same trace as oracle and as CSV gives the same arrivals",
          "[analysis][trace-workload]") {
  const Scenario oracle = LoadScenarioText(R"({"name": "o", "duration": "1h",
    "workload": {"trace": {"path": "cloudPhysicsIO.oracleGeneral.bin.zst", "format": "oracle",
                           "time_scale": 0.01}},
    "cache": {"capacity": "64MiB"}})",
                                           kData + "/inline.json");
  const Scenario csv = LoadScenarioText(R"({"name": "c", "duration": "1h",
    "workload": {"trace": {"path": "cloudPhysicsIO.csv.zst", "format": "csv", "time_scale": 0.01,
                           "csv": {"time": "time", "key": "lbn", "size": "size"}}},
    "cache": {"capacity": "64MiB"}})",
                                        kData + "/inline.json");
  CHECK(oracle.world.workload.keys == 48974);
  CHECK(csv.world.workload.keys == oracle.world.workload.keys);
  const auto a = Arrivals(oracle.world), b = Arrivals(csv.world);
  REQUIRE(a.size() == 113872);
  REQUIRE(b.size() == a.size());
  bool same = true, ordered = true;
  for (size_t i = 0; i < a.size(); ++i) {
    same = same && a[i].at == b[i].at && a[i].key == b[i].key;
    if (i > 0) ordered = ordered && a[i].at > a[i - 1].at;
  }
  CHECK(same);
  CHECK(ordered);
  // 7200 trace seconds at 0.01: the last arrival is within 72 s.
  CHECK(a.back().at.seconds() <= 72.01);
  CHECK(a.back().at.seconds() > 71);
}

TEST_CASE("trace workload errors name the file and the line or field",
          "[analysis][trace-workload]") {
  {
    const std::string e =
        LoadError(R"({"trace": {"path": "twitter_bad_op.csv", "format": "twitter"}})");
    CHECK(e.find(kData + "/twitter_bad_op.csv: line 2") != std::string::npos);
    CHECK(e.find("unknown op \"fetch\"") != std::string::npos);
  }
  {
    const std::string e =
        LoadError(R"({"trace": {"path": "twitter_bad_columns.csv", "format": "twitter"}})");
    CHECK(e.find(kData + "/twitter_bad_columns.csv: line 2") != std::string::npos);
  }
  {
    const std::string e = LoadError(R"({"trace": {"path": "nope.csv", "format": "twitter"}})");
    CHECK(e.find(kData + "/nope.csv") != std::string::npos);
  }
  {
    const std::string e = LoadError(R"({"trace": {"path": "x", "format": "parquet"}})");
    CHECK(e.find("/workload/trace/format") != std::string::npos);
  }
  {
    const std::string e = LoadError(
        R"({"trace": {"path": "twitter_small.csv", "format": "twitter", "time_scale": 0}})");
    CHECK(e.find("/workload/trace/time_scale") != std::string::npos);
  }
  {
    const std::string e = LoadError(
        R"({"trace": {"path": "cloudPhysicsIO.csv.zst", "format": "csv", "csv": {"key": "lbn"}}})");
    CHECK(e.find("/workload/trace/csv/time") != std::string::npos);
  }
  {
    const std::string e = LoadError(
        R"({"trace": {"path": "twitter_small.csv", "format": "twitter"}, "rate": {"kind": "constant", "rps": 1}})");
    CHECK(e.find("/workload/rate") != std::string::npos);
  }
}

}  // namespace
}  // namespace cachelab
