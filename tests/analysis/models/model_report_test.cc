// analysis/models/model_report.h: which models apply to a scenario, and the models
// against the timed simulation of scenarios built to meet their assumptions.
#include "analysis/models/model_report.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>

#include "analysis/models/analytic.h"
#include "analysis/scenario/run.h"
#include "analysis/scenario/scenario.h"

using namespace cachelab;
using nlohmann::json;

namespace {

// A small IRM scenario the cache models apply to: uniform keys, a TTL that
// binds, a cache far larger than the keys, near-instant cache and DB.
json BaseScenario() {
  return json::parse(R"({
    "name": "model-check",
    "seed": 3,
    "duration": "200s",
    "workload": {
      "rate": {"kind": "constant", "rps": 2000},
      "keys": {"count": 20, "popularity": "uniform"},
      "write_fraction": 0.0,
      "value_size": {"kind": "constant", "value": "100B"}
    },
    "cache": {
      "capacity": "64MiB",
      "eviction": "lru",
      "rtt": {"kind": "constant", "value": "1us"}
    },
    "database": {
      "connections": 64,
      "read": {"kind": "constant", "value": "10us"},
      "write": {"kind": "constant", "value": "10us"}
    },
    "policies": {
      "read": {"name": "cache-aside", "params": {"ttl": "100ms"}},
      "write": {"name": "write-around"}
    },
    "metrics": {"interval": "10s"}
  })");
}

Scenario Load(const json& j) {
  return LoadScenarioText(j.dump(), "model-test.json");
}

const ModelRow& Row(const ModelReport& r, const std::string& quantity) {
  for (const ModelRow& row : r.rows) {
    if (row.quantity == quantity) return row;
  }
  FAIL("no row " << quantity);
  return r.rows.front();
}

}  // namespace

TEST_CASE("The report has every row, in order, whatever applies", "[analysis][model_report]") {
  const ModelReport r = CompareWithModels(Load(BaseScenario()), RunResult{});
  std::vector<std::string> names;
  for (const ModelRow& row : r.rows) names.push_back(row.quantity);
  CHECK(names == std::vector<std::string>{"hit ratio (LRU, Che)", "hit ratio (TTL, no reset)",
                                          "stale reads / reads", "stale reads / hits",
                                          "DB utilization", "DB P(wait)", "DB mean wait (ms)"});
  // A model that does not apply says why.
  for (const ModelRow& row : r.rows) {
    if (!row.model) CHECK(!row.note.empty());
  }
}

TEST_CASE("Cache models are n/a with a stampede guard, an L1, a rate profile or faults",
          "[analysis][model_report]") {
  const std::vector<std::pair<std::string, std::string>> cases{
      {"/policies/guard", "\"lock\""},
      {"/policies/l1", "{\"name\":\"local\"}"},
      {"/workload/rate",
       "{\"kind\":\"ramp\",\"from_rps\":100,\"to_rps\":2000,\"start\":\"0s\",\"end\":\"100s\"}"},
      {"/cache/faults", "[{\"kind\":\"flush\",\"start\":\"10s\"}]"},
      {"/workload/missing_fraction", "0.1"}};
  for (const auto& [pointer, value] : cases) {
    INFO(pointer << "=" << value);
    const Scenario s =
        LoadScenarioText(BaseScenario().dump(), "model-test.json", {Override{pointer, value}});
    const ModelReport r = CompareWithModels(s, RunResult{});
    for (const char* q : {"hit ratio (LRU, Che)", "hit ratio (TTL, no reset)",
                          "stale reads / reads", "stale reads / hits"}) {
      CHECK(!Row(r, q).model);
      CHECK(!Row(r, q).note.empty());
    }
  }
}

TEST_CASE("Which hit-ratio model applies follows what binds", "[analysis][model_report]") {
  json j = BaseScenario();
  j["workload"]["keys"] = {{"count", 10000}, {"popularity", "zipf"}, {"alpha", 0.9}};
  j["cache"]["max_items"] = 1000;

  SECTION("capacity binds, TTL negligible: Che") {
    j["policies"]["read"]["params"]["ttl"] = "1h";
    const ModelReport r = CompareWithModels(Load(j), RunResult{});
    CHECK(Row(r, "hit ratio (LRU, Che)").model == Approx(CheLruZipf(10000, 0.9, 1000).hit_ratio));
    CHECK(!Row(r, "hit ratio (TTL, no reset)").model);
  }
  SECTION("TTL binds, capacity does not: TTL model") {
    j["cache"]["max_items"] = 9000;
    const ModelReport r = CompareWithModels(Load(j), RunResult{});
    CHECK(Row(r, "hit ratio (TTL, no reset)").model ==
          Approx(TtlCacheZipf(10000, 0.9, 2000, 0.1, false).hit_ratio));
    CHECK(!Row(r, "hit ratio (LRU, Che)").model);
  }
  SECTION("both bind: neither") {
    j["policies"]["read"]["params"]["ttl"] = "5s";
    const ModelReport r = CompareWithModels(Load(j), RunResult{});
    CHECK(!Row(r, "hit ratio (LRU, Che)").model);
    CHECK(Row(r, "hit ratio (LRU, Che)").note.find("both") != std::string::npos);
    CHECK(!Row(r, "hit ratio (TTL, no reset)").model);
  }
  SECTION("another eviction policy: no Che") {
    j["policies"]["read"]["params"]["ttl"] = "1h";
    j["cache"]["eviction"] = "fifo";
    const ModelReport r = CompareWithModels(Load(j), RunResult{});
    CHECK(!Row(r, "hit ratio (LRU, Che)").model);
    CHECK(Row(r, "hit ratio (LRU, Che)").note.find("fifo") != std::string::npos);
  }
  SECTION("writes that delete entries: no hit-ratio model") {
    j["workload"]["write_fraction"] = 0.1;
    j["policies"]["write"] = "invalidate-on-write";
    const ModelReport r = CompareWithModels(Load(j), RunResult{});
    CHECK(!Row(r, "hit ratio (TTL, no reset)").model);
    CHECK(!Row(r, "stale reads / reads").model);
    CHECK(Row(r, "stale reads / reads").note.find("invalidate-on-write") != std::string::npos);
  }
}

TEST_CASE("Erlang C is n/a for non-exponential service and for a queue timeout",
          "[analysis][model_report]") {
  RunResult run;
  run.summary.db.queries = run.summary.db.reads = 1000;
  const ModelReport constant = CompareWithModels(Load(BaseScenario()), run);
  CHECK(!Row(constant, "DB mean wait (ms)").model);
  CHECK(Row(constant, "DB mean wait (ms)").note.find("exponential") != std::string::npos);
  // Utilization (Little's law) holds for any service: 1000 queries in 200 s x 10 us / 64.
  CHECK(Row(constant, "DB utilization").model == Approx(5 * 10e-6 / 64));

  json j = BaseScenario();
  j["database"]["read"] = {{"kind", "exponential"}, {"mean", "10us"}};
  const ModelReport exp = CompareWithModels(Load(j), run);
  CHECK(Row(exp, "DB mean wait (ms)").model ==
        Approx(DbConnectionWait(64, 5, 10e-6).mean_wait_s * 1e3));
  CHECK(Row(exp, "DB P(wait)").model == Approx(DbConnectionWait(64, 5, 10e-6).prob_wait));
  REQUIRE(Row(exp, "DB P(wait)").simulated);
  CHECK(*Row(exp, "DB P(wait)").simulated >= 0);
  CHECK(*Row(exp, "DB P(wait)").simulated <= 1);
  j["database"]["queue_timeout"] = "1s";
  CHECK(!Row(CompareWithModels(Load(j), run), "DB mean wait (ms)").model);
}

TEST_CASE("TTL hit ratio and TTL-only staleness match the timed simulation",
          "[analysis][model_report][staleness]") {
  // 20 uniform keys, each read at 90/s and written at 10/s (write-around), a
  // 100 ms TTL: rT = 9, wT = 1. Cache and DB take microseconds, so a miss
  // refills almost instantly, as the model assumes.
  json j = BaseScenario();
  j["workload"]["write_fraction"] = 0.1;
  const Scenario s = Load(j);
  const ModelReport r = RunModelReport(s);
  const ModelRow& hit = Row(r, "hit ratio (TTL, no reset)");
  const ModelRow& stale = Row(r, "stale reads / reads");
  const ModelRow& stale_hit = Row(r, "stale reads / hits");
  REQUIRE(hit.model);
  REQUIRE(stale.model);
  REQUIRE(stale_hit.model);
  CHECK(*hit.model == Approx(0.9));
  CHECK(*stale_hit.model == Approx(std::exp(-1.0)));
  INFO("hit " << *hit.simulated << " stale/reads " << *stale.simulated << " stale/hits "
              << *stale_hit.simulated);
  // About 180k reads in the window, 18k TTL cycles: a few 0.001 of noise.
  CHECK(*hit.simulated == Approx(*hit.model).margin(0.01));
  CHECK(*stale.simulated == Approx(*stale.model).margin(0.01));
  CHECK(*stale_hit.simulated == Approx(*stale_hit.model).margin(0.01));
}
