// The cost block and node types (analysis/scenario/cost.h): the monthly
// arithmetic, what a node type sets, and the errors of a scenario that
// contradicts its node type.
#include "analysis/scenario/cost.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>

#include "analysis/scenario/run.h"
#include "analysis/scenario/scenario.h"
#include "tests/support/input_error.h"

namespace cachelab {
namespace {

using json = nlohmann::json;

json Priced() {
  return json::parse(R"({
    "name": "priced", "duration": "2s",
    "workload": {"rate": {"kind": "constant", "rps": 500}, "keys": {"count": 100}},
    "cache": {"node_type": "m", "cluster": {"nodes": 3}},
    "database": {"replicas": {"count": 2}},
    "cost": {"database_per_hour": 1.5, "replica_per_hour": 0.75, "network_per_gib": 0.02,
             "node_types": {"m": {"ram": "16GiB", "per_hour": 0.25, "bandwidth_mbit": 5000}}}
  })");
}

}  // namespace

TEST_CASE("the monthly cost is 730 hours of every instance plus the traffic per GiB",
          "[analysis][cost]") {
  CostConfig c;
  c.cache_node_per_hour = 0.2;
  c.database_per_hour = 1;
  c.replica_per_hour = 0.5;
  c.network_per_gib = 0.01;
  Summary s;
  s.simulated_seconds = 10;
  s.cache.transfer_bytes = uint64_t{10} << 30;  // 1 GiB a second
  const Summary::Cost m = *MonthlyCost(c, 4, 2, s);
  CHECK(m.cache_per_month == Approx(4 * 0.2 * 730));
  CHECK(m.database_per_month == Approx(730));
  CHECK(m.replicas_per_month == Approx(2 * 0.5 * 730));
  CHECK(m.network_gib_per_month == Approx(730 * 3600));
  CHECK(m.network_per_month == Approx(730 * 3600 * 0.01));
  CHECK(m.per_month == Approx(m.cache_per_month + m.database_per_month + m.replicas_per_month +
                              m.network_per_month));
  CHECK_FALSE(MonthlyCost(CostConfig{}, 4, 2, s));  // nothing priced: no cost block
}

TEST_CASE("a node type sets each node's maxmemory (75% of its RAM), RAM, bandwidth and price",
          "[analysis][cost]") {
  const Scenario s = LoadScenarioText(Priced().dump(), "x.json");
  CHECK(s.world.cache.capacity_bytes == (uint64_t{12} << 30));
  CHECK(s.world.cache.memory.ram_bytes == (uint64_t{16} << 30));
  CHECK(s.world.cache.network.bandwidth_mbit == 5000);
  CHECK(s.cost.CacheNodePerHour() == 0.25);
  CHECK(s.resolved["cache"]["capacity"] == "12GiB");
  // The resolved scenario loads again to the same scenario.
  CHECK(LoadScenarioText(s.resolved.dump(), "r.json").resolved == s.resolved);
  const RunResult r = RunScenario(s);
  REQUIRE(r.summary.cost);
  const Summary::Cost& c = *r.summary.cost;
  CHECK(c.cache_per_month == Approx(3 * 0.25 * 730));
  CHECK(c.replicas_per_month == Approx(2 * 0.75 * 730));
  // Every hit's value crosses a node's link: the traffic has a price.
  CHECK(c.network_gib_per_month > 0);
  CHECK(c.per_month > c.cache_per_month + c.database_per_month + c.replicas_per_month);
  json plain = Priced();
  plain.erase("cost");
  plain["cache"] = {{"capacity", "1MiB"}};
  CHECK_FALSE(RunScenario(LoadScenarioText(plain.dump(), "p.json")).summary.cost);
}

TEST_CASE("a scenario contradicting its node type names the field", "[analysis][cost]") {
  const auto error = [](const std::string& pointer, const json& value) {
    json doc = Priced();
    doc[json::json_pointer(pointer)] = value;
    return test::ErrorOf([&] { LoadScenarioText(doc.dump(), "x.json"); });
  };
  CHECK(error("/cache/capacity", "1GiB") ==
        "x.json: /cache/capacity: to be left out or equal to node type m's (\"12GiB\"), got "
        "\"1GiB\"");
  json same = Priced();
  same["cache"]["capacity"] = "12GiB";
  CHECK_NOTHROW(LoadScenarioText(same.dump(), "x.json"));
  CHECK(error("/cache/node_type", "xl") ==
        "x.json: /cache/node_type: to name one of /cost/node_types (m), got \"xl\"");
  CHECK(error("/cost/cache_node_per_hour", 0.3) ==
        "x.json: /cache/node_type: to be left out beside /cost/cache_node_per_hour (the node "
        "type has its price), got \"m\"");
  CHECK(error("/cost/node_types/m/maxmemory", "20GiB") ==
        "x.json: /cost/node_types/m/maxmemory: must be at most ram, got \"20GiB\"");
  CHECK(error("/cost/currency", "") ==
        "x.json: /cost/currency: must be a currency code such as \"USD\" (1 to 8 characters), "
        "got \"\"");
}

}  // namespace cachelab
