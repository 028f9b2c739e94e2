// A run's budget (analysis/scenario/budget.h): the estimate integrates the
// rate profile exactly, grows with the fields that drive memory, and a
// scenario beyond the process's limits is refused at load time naming them.
#include "analysis/scenario/budget.h"

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>

#include "analysis/scenario/scenario.h"
#include "sim/core/sanitizers.h"
#include "tests/support/input_error.h"

namespace cachelab {
namespace {

using nlohmann::json;
using test::ErrorOf;

json Base() {
  return json::parse(R"({
    "name": "b",
    "duration": "100s",
    "workload": {"rate": {"kind": "constant", "rps": 1000}, "keys": {"count": 1000}},
    "cache": {"capacity": "1MiB"}
  })");
}

Scenario Load(const json& doc) {
  return LoadScenarioText(doc.dump(), "b.json");
}

// Restores the process-wide default budget when a test ends, pass or fail.
struct BudgetScope {
  explicit BudgetScope(const Budget& b) { SetBudget(b); }
  ~BudgetScope() { SetBudget({}); }
};

TEST_CASE("requests are the rate profile's integral over the duration", "[analysis][budget]") {
  json doc = Base();
  CHECK(EstimateRun(Load(doc)).requests == Approx(100'000));

  // 10 s at 0, 40 s at 500/s, the rest (50 s) at 2000/s.
  doc["workload"]["rate"] = json::parse(R"({"kind": "steps", "steps": [
      {"at": "0", "rps": 0}, {"at": "10s", "rps": 500}, {"at": "50s", "rps": 2000}]})");
  CHECK(EstimateRun(Load(doc)).requests == Approx(0 + 40 * 500 + 50 * 2000));

  // 100/s until 20 s, linear to 300/s at 60 s, then 300/s: 2000 + 8000 + 12000.
  doc["workload"]["rate"] = json::parse(
      R"({"kind": "ramp", "from_rps": 100, "to_rps": 300, "start": "20s", "end": "60s"})");
  CHECK(EstimateRun(Load(doc)).requests == Approx(2000 + 8000 + 12000));

  // A ramp that ends after the run: only its part up to 100 s counts.
  doc["workload"]["rate"] =
      json::parse(R"({"kind": "ramp", "from_rps": 0, "to_rps": 400, "start": "0", "end": "200s"})");
  CHECK(EstimateRun(Load(doc)).requests == Approx(100.0 * 200 / 2));
}

TEST_CASE("the memory estimate grows with keys, cached entries and time-series rows",
          "[analysis][budget]") {
  const RunEstimate base = EstimateRun(Load(Base()));
  json more_keys = Base();
  more_keys["workload"]["keys"]["count"] = 1'000'000;
  json more_cache = more_keys;
  more_cache["cache"]["capacity"] = "1GiB";
  json finer = Base();
  finer["metrics"]["interval"] = "1ms";
  const RunEstimate keys = EstimateRun(Load(more_keys));
  const RunEstimate cache = EstimateRun(Load(more_cache));
  const RunEstimate rows = EstimateRun(Load(finer));
  CHECK(keys.bytes > base.bytes + 999'000 * 20);
  CHECK(cache.bytes > keys.bytes + 100'000 * 100);  // 1 GiB holds ~1M 1 KiB entries
  CHECK(rows.bytes > base.bytes + 99'000 * 100);    // 100,000 rows instead of 10
  CHECK(rows.parts.front().first == "/metrics/interval");
  CHECK(cache.parts.front().first == "/cache/capacity");
}

TEST_CASE("a scenario beyond the memory budget is refused naming the field that drives it",
          "[analysis][budget]") {
  const BudgetScope scope(Budget{200'000'000, 0});
  json doc = Base();
  doc["workload"]["keys"]["count"] = 100'000;
  CHECK_NOTHROW(Load(doc));
  doc["workload"]["keys"]["count"] = 50'000'000;
  const std::string msg = ErrorOf([&] { Load(doc); });
  CHECK(msg.rfind("b.json: the run would need about ", 0) == 0);
  CHECK(msg.find("/workload/keys/count 1.6 GB") != std::string::npos);
  CHECK(msg.find("more than 200 MB (--max-memory)") != std::string::npos);

  // An override that drives it is refused the same way.
  CHECK(ErrorOf([] {
          LoadScenarioText(Base().dump(), "b.json", {{"/metrics/interval", "\"1us\""}});
        }).find("/metrics/interval") != std::string::npos);
}

TEST_CASE("an hour-long round trip holds an hour of arrivals in flight: refused naming /cache/rtt",
          "[analysis][budget]") {
  const BudgetScope scope(Budget{100'000'000, 0});
  json doc = Base();
  CHECK_NOTHROW(Load(doc));  // 300 us: a third of a request in flight
  doc["cache"]["rtt"] = "1h";
  // Every one of the 100,000 requests is still waiting when the last arrives.
  const std::string msg = ErrorOf([&] { Load(doc); });
  INFO(msg);
  CHECK(msg.find("/cache/rtt 150 MB") != std::string::npos);
  // A local L1 may answer without the round trip: no lower bound from it.
  doc["policies"]["l1"] = "local";
  CHECK_NOTHROW(Load(doc));
}

TEST_CASE("a scenario beyond the request budget is refused with its estimate",
          "[analysis][budget]") {
  const BudgetScope scope(Budget{0, 1e6});
  json doc = Base();
  CHECK_NOTHROW(Load(doc));  // 100,000 requests
  doc["duration"] = "2000s";
  CHECK(ErrorOf([&] { Load(doc); }) ==
        "b.json: the run would simulate about 2.0M requests (/workload/rate x /duration), ~1 s of "
        "CPU, more than --max-requests 1.0M; shorten /duration, lower the rate or raise "
        "--max-requests");
}

TEST_CASE("background refresh loads count as work: the smaller of its rate and top_n per interval",
          "[analysis][budget]") {
  json doc = Base();
  doc["metrics"] = {{"interval", "1s"}};
  const double plain = EstimateRun(Load(doc)).cpu_seconds;
  CHECK(EstimateRun(Load(doc)).background_loads == 0);
  // 1,000 keys every 10 s: 100 loads/s, below the rate of 500/s.
  doc["policies"]["guard"] = {{"name", "background-refresh"},
                              {"params", {{"interval", "10s"}, {"top_n", 1000}, {"rate", 500}}}};
  const Scenario s = Load(doc);
  const RunEstimate e = EstimateRun(s);
  // Over the 100 s duration and the drain (up to the 30 s queue timeout).
  const double span = e.background_loads / 100;
  CHECK(span >= 100);
  CHECK(span <= 131);
  CHECK(e.cpu_seconds > plain);
  CHECK(RunawayEventLimit(e, s) > RunawayEventLimit(EstimateRun(Load(Base())), Load(Base())));
  // A rate below top_n per interval caps it.
  doc["policies"]["guard"]["params"]["rate"] = 10;
  CHECK(EstimateRun(Load(doc)).background_loads == Approx(10 * span));
}

TEST_CASE("top-n warming counts its keys once per pass: at the start and after each fault",
          "[analysis][budget]") {
  json doc = Base();
  doc["policies"]["warming"] = {{"name", "top-n"}, {"params", {{"count", 5000}}}};
  CHECK(EstimateRun(Load(doc)).background_loads == 5000);
  doc["cache"]["faults"] = json::array({{{"kind", "restart"}, {"start", "10s"}, {"duration", "3s"}},
                                        {{"kind", "flush"}, {"start", "50s"}}});
  CHECK(EstimateRun(Load(doc)).background_loads == 15000);
  doc["policies"]["warming"]["params"]["after_flush"] = false;
  CHECK(EstimateRun(Load(doc)).background_loads == 5000);
}

TEST_CASE("timers stepped billions of times are refused whatever the memory",
          "[analysis][budget]") {
  json doc = Base();
  doc["duration"] = "87600h";
  doc["workload"]["rate"]["rps"] = 0.001;
  doc["metrics"] = {{"interval", "1h"}};
  doc["cache"]["active_expiry"] = {{"interval", "10us"}};
  CHECK(ErrorOf([&] { Load(doc); }).find("step its timers about ") != std::string::npos);
}

}  // namespace
}  // namespace cachelab

namespace cachelab {
namespace {

TEST_CASE("under ulimit -v the memory limit is 80% of the address space, not the machine's",
          "[analysis][budget]") {
  // AddressSanitizer reserves terabytes of address space: no rlimit can hold it.
  if (kAddressSanitizer) return;
  // In a child, so that the limit does not outlive the case.
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    rlimit r{};
    r.rlim_cur = r.rlim_max = rlim_t{2} << 30;  // 2 GiB
    if (setrlimit(RLIMIT_AS, &r) != 0) _exit(3);
    json doc = Base();
    doc["workload"]["keys"]["count"] = 200'000'000;  // ~6.5 GB
    const std::string e = ErrorOf([&] { Load(doc); });
    const bool ok = e.find("more than 1.7 GB (80% of the address-space limit (ulimit -v))") !=
                        std::string::npos &&
                    e.find("/workload/keys/count") != std::string::npos;
    _exit(ok ? 0 : 1);
  }
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
}

}  // namespace
}  // namespace cachelab
