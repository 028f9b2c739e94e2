// `cachelab plan`: prints the answer, the runs it took and the SLO metrics at
// the answer and one step below, writes plan.json atomically, and reports bad
// input (unknown metric, empty or infeasible range) as exit 2 writing nothing.
#include <fmt/format.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>

#include "analysis/models/analytic.h"
#include "tests/support/cli.h"

namespace cachelab {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using test::CommandResult;
using test::ExpectInputError;
using test::ReadFile;
using test::Sandbox;

const std::string kMmc = std::string(CACHELAB_TEST_DATA) + "/plan_mmc.json";

}  // namespace

TEST_CASE("plan prints the connections an M/M/c database needs and writes plan.json",
          "[app][cli][plan]") {
  Sandbox box;
  const CommandResult r =
      box.Run({"plan", kMmc, "--minimize", "/database/connections", "--range", "1..16", "--slo",
               "db.mean_wait_ms<=0.6", "--slo", "db.utilization<=0.9", "--threads", "2"});
  INFO("stdout: " << r.out << "\nstderr: " << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(box.WorkEntries() == std::vector<std::string>{"results", "results/runs",
                                                      "results/runs/plan-mmc-plan",
                                                      "results/runs/plan-mmc-plan/plan.json"});
  const json j = json::parse(ReadFile(box.work() / "results/runs/plan-mmc-plan/plan.json"));
  const int c = j["answer"].get<int>();
  // Erlang C: the mean wait is 1.18 ms at 5 connections and 0.33 ms at 6;
  // utilization 3/c is below 0.9 from 4 on.
  CHECK(ErlangCQueue(c, 300, 100).mean_wait_s * 1e3 <= 0.6);
  CHECK(ErlangCQueue(c - 1, 300, 100).mean_wait_s * 1e3 > 0.6);
  CHECK(j["below"] == c - 1);
  CHECK(j["pointer"] == "/database/connections");
  CHECK(j["range"]["lo"] == 1);
  CHECK(j["range"]["hi"] == 16);
  CHECK(j["step"] == 1);
  CHECK(j["replications"] == 5);
  CHECK(j["slos"] == json::array({"db.mean_wait_ms<=0.6", "db.utilization<=0.9"}));
  CHECK(j["runs"] == j["probes"].size() * 5);
  bool saw_answer = false, saw_below = false;
  for (const json& p : j["probes"]) {
    const int v = p["value"].get<int>();
    CHECK(p["meets"] == (v >= c));  // monotone: every probe agrees with the answer
    CHECK(p["meets"] == p["violated"].empty());
    CHECK(p["metrics"].contains("db.mean_wait_ms"));
    // 1 and 2 connections cannot serve 300 queries a second: stopped early, no figures.
    if (v <= 2) {
      CHECK(p["stopped"].get<std::string>().find("database unstable") == 0);
      CHECK(p["metrics"]["db.utilization"].is_null());
    } else if (v >= 4) {
      CHECK(p["stopped"].is_null());
      CHECK(p["metrics"]["db.utilization"]["ci95"].is_number());
    }
    saw_answer |= v == c;
    saw_below |= v == c - 1;
  }
  CHECK(saw_answer);
  CHECK(saw_below);
  CHECK(r.out.find(fmt::format("answer: /database/connections = {}", c)) != std::string::npos);
  CHECK(r.out.find(fmt::format("at {} (one step below):", c - 1)) != std::string::npos);
  CHECK(r.out.find("VIOLATED") != std::string::npos);
  CHECK(r.out.find(fmt::format("{} runs", j["runs"].get<int>())) != std::string::npos);
}

TEST_CASE("plan with bad input writes nothing and exits 2", "[app][cli][plan]") {
  Sandbox box;
  SECTION("unknown metric, with the closest names") {
    ExpectInputError(box,
                     box.Run({"plan", kMmc, "--minimize", "/database/connections", "--range",
                              "1..8", "--slo", "db.wait_ms<=1"}),
                     {"--slo db.wait_ms<=1", "unknown metric", "db.mean_wait_ms"});
  }
  SECTION("malformed SLO") {
    ExpectInputError(box,
                     box.Run({"plan", kMmc, "--minimize", "/database/connections", "--range",
                              "1..8", "--slo", "db.mean_wait_ms=1"}),
                     {"--slo db.mean_wait_ms=1", "METRIC<=X"});
  }
  SECTION("empty range") {
    ExpectInputError(box,
                     box.Run({"plan", kMmc, "--minimize", "/database/connections", "--range",
                              "8..1", "--slo", "db.mean_wait_ms<=1"}),
                     {"--range 8..1", "empty"});
  }
  SECTION("unknown parameter") {
    ExpectInputError(box,
                     box.Run({"plan", kMmc, "--minimize", "/database/conections", "--range", "1..8",
                              "--slo", "db.mean_wait_ms<=1"}),
                     {"--minimize /database/conections"});
  }
  SECTION("no value in range meets the SLOs") {
    ExpectInputError(box,
                     box.Run({"plan", kMmc, "--minimize", "/database/connections", "--range",
                              "3..5", "--slo", "db.mean_wait_ms<=0.6", "--replications", "2"}),
                     {"--range 3..5", "no value in the range meets the SLOs", "= 5"});
  }
}

}  // namespace cachelab
