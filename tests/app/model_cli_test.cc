// `cachelab model`: analytical predictions beside the simulation of the same
// scenario. The table and JSON carry every row; predictions meet the timed
// simulation where the scenario satisfies the models' assumptions (Che for
// LRU, Erlang C / Allen-Cunneen for the database); bad input exits 2 and nothing is written.
#include <catch2/catch.hpp>
#include <cmath>
#include <nlohmann/json.hpp>
#include <string>

#include "tests/support/cli.h"

namespace cachelab {
namespace {

using nlohmann::json;
using test::CommandResult;
using test::ExpectInputError;
using test::Sandbox;

const std::string kData = CACHELAB_TEST_DATA;
const std::string kTiny = kData + "/cli_tiny.json";

json Row(const json& report, const std::string& quantity) {
  for (const json& row : report["rows"]) {
    if (row["quantity"] == quantity) return row;
  }
  FAIL("no row " << quantity);
  return {};
}

json RunJson(const Sandbox& box, std::vector<std::string> args) {
  args.insert(args.begin(), "model");
  args.push_back("--json");
  const CommandResult r = box.Run(args);
  INFO("stderr: " << r.err);
  REQUIRE(r.exit_code == 0);
  return json::parse(r.out);
}

}  // namespace

TEST_CASE("model prints a row per quantity with model, simulated and difference",
          "[app][cli][model]") {
  Sandbox box;
  const CommandResult r = box.Run({"model", kTiny});
  INFO("stderr: " << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.rfind("cli-tiny (seed 7): analytical models vs the simulation", 0) == 0);
  for (const char* s : {"quantity", "model", "simulated", "difference", "hit ratio",
                        "stale reads / reads", "DB mean wait (ms)", "latency p99 (ms)"}) {
    CHECK(r.out.find(s) != std::string::npos);
  }
  // cli-tiny's writes invalidate entries: no staleness model.
  CHECK(r.out.find("n/a") != std::string::npos);
  CHECK(r.out.find("invalidate-on-write") != std::string::npos);
  CHECK(box.WorkEntries().empty());  // writes nothing
}

TEST_CASE("model --json has every row, null where a model does not apply", "[app][cli][model]") {
  Sandbox box;
  const json j = RunJson(box, {kTiny});
  CHECK(j["scenario"] == "cli-tiny");
  CHECK(j["seed"] == 7);
  CHECK(j["window_s"] == json::array({5.0, 10.0}));
  CHECK(j["window"] == "steady");
  REQUIRE(j["rows"].size() == 10);
  for (const json& row : j["rows"]) {
    for (const char* k :
         {"quantity", "unit", "model", "simulated", "difference", "relative_difference", "note"}) {
      CHECK(row.contains(k));
    }
    if (row["model"].is_null()) {
      CHECK(row["difference"].is_null());
      CHECK(!row["note"].get<std::string>().empty());
    }
  }
  // Utilization is Little's law, which needs no assumption: always predicted.
  const json util = Row(j, "DB utilization");
  REQUIRE(util["model"].is_number());
  CHECK(util["difference"].get<double>() ==
        Approx(util["simulated"].get<double>() - util["model"].get<double>()));
}

TEST_CASE("model: Che's LRU hit ratio is within 0.02 of the timed simulation",
          "[app][cli][model][che]") {
  // 100k Zipf keys, 10k cached objects, the steady-state second half of a
  // 2-minute run at 5000 requests/s.
  Sandbox box;
  for (const char* alpha : {"0.8", "1.0"}) {
    const json j = RunJson(
        box, {kData + "/model_che.json", "--set", std::string("/workload/keys/alpha=") + alpha});
    const json che = Row(j, "hit ratio");
    INFO("alpha " << alpha << ": " << che.dump());
    REQUIRE(che["model"].is_number());
    CHECK(std::abs(che["difference"].get<double>()) < 0.02);
    // The capacity binds: Che's characteristic time is in the note.
    CHECK(che["note"].get<std::string>().find("LRU (Che), tau") != std::string::npos);
  }
}

TEST_CASE("model: Erlang C's DB wait and P(wait) are within 5 % of an M/M/c simulation",
          "[app][cli][model][erlang]") {
  // Cache disabled: Poisson queries at 680/s, 8 connections, exponential
  // 10 ms service (utilization 0.85), about a million queries.
  Sandbox box;
  const json j = RunJson(box, {kData + "/model_db.json"});
  const json wait = Row(j, "DB mean wait (ms)");
  INFO(wait.dump());
  REQUIRE(wait["model"].is_number());
  CHECK(std::abs(wait["relative_difference"].get<double>()) < 0.05);
  const json util = Row(j, "DB utilization");
  CHECK(util["model"].get<double>() == Approx(0.85).margin(0.01));
  CHECK(std::abs(util["difference"].get<double>()) < 0.01);
  // Erlang's C formula: the share of queries that find every connection busy
  // (PASTA: Poisson arrivals see time averages).
  const json pwait = Row(j, "DB P(wait)");
  INFO(pwait.dump());
  REQUIRE(pwait["model"].is_number());
  REQUIRE(pwait["simulated"].is_number());
  CHECK(std::abs(pwait["relative_difference"].get<double>()) < 0.05);
  // No cache: the cache rows do not apply.
  CHECK(Row(j, "hit ratio")["model"] == 0.0);
  CHECK(Row(j, "stale reads / reads")["note"] ==
        "the cache is disabled: every read goes to the DB");
}

TEST_CASE("model: bad input exits 2 and writes nothing", "[app][cli][model]") {
  Sandbox box;
  ExpectInputError(box, box.Run({"model", kData + "/no_such_file.json"}), {"no_such_file.json"});
  ExpectInputError(box, box.Run({"model", kTiny, "--set", "/cache/capcity=1GiB"}),
                   {"/cache/capcity"});
  ExpectInputError(box, box.Run({"model", kTiny, "--set", "cache=1"}), {"cache=1"});
  ExpectInputError(box, box.Run({"model", kTiny, "--bogus"}), {"--bogus"});
}

}  // namespace cachelab
