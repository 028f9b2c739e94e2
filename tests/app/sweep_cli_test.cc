// `cachelab sweep`: sweep.csv and sweep.json written atomically with nothing
// left beside them, identical bytes for any --threads, a sweep interrupted
// after some points resumes from its stored points, and bad --grid input is
// exit 2 naming the --grid.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
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

TEST_CASE("sweep writes sweep.csv and sweep.json with a row per grid point", "[app][cli][sweep]") {
  Sandbox box;
  const CommandResult r =
      box.Run({"sweep", kTiny, "--grid", "/cache/capacity=64KiB..256KiB:x2", "--grid",
               "/policies/read/params/ttl=1s,2s", "--replications", "3", "--threads", "2"});
  INFO("stderr: " << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("6 points x 3 replications") != std::string::npos);
  // The table: a header and a row per point, with the grid values first.
  CHECK(r.out.find("/cache/capacity  /policies/read/params/ttl") != std::string::npos);
  CHECK(r.out.find("cache.hit_ratio") != std::string::npos);
  CHECK(r.out.find("256KiB") != std::string::npos);
  // Only the final folder: the stored points are removed once it is published.
  CHECK(box.WorkEntries() == std::vector<std::string>{"results", "results/runs",
                                                      "results/runs/cli-tiny-sweep",
                                                      "results/runs/cli-tiny-sweep/sweep.csv",
                                                      "results/runs/cli-tiny-sweep/sweep.json"});
  const fs::path dir = box.work() / "results/runs/cli-tiny-sweep";
  const std::string csv = ReadFile(dir / "sweep.csv");
  CHECK(Lines(csv) == 7);
  CHECK(csv.rfind("/cache/capacity,/policies/read/params/ttl,", 0) == 0);
  CHECK(csv.find(",cache.hit_ratio.mean,cache.hit_ratio.ci95,") != std::string::npos);
  CHECK(csv.find("\n64KiB,1s,") != std::string::npos);
  CHECK(csv.find("\n256KiB,2s,") != std::string::npos);
  CHECK(csv.find(",,") == std::string::npos);  // R = 3: every interval is defined

  const json j = json::parse(ReadFile(dir / "sweep.json"));
  CHECK(j["scenario"] == "cli-tiny");
  CHECK(j["replications"] == 3);
  REQUIRE(j["seeds"].size() == 3);
  CHECK(j["seeds"][0] == 7);  // replication 0 keeps the scenario's seed
  CHECK(j["grids"][0]["values"] == json::array({"64KiB", "128KiB", "256KiB"}));
  REQUIRE(j["points"].size() == 6);
  const json& last = j["points"][5];
  CHECK(last["values"]["/cache/capacity"] == "256KiB");
  CHECK(last["values"]["/policies/read/params/ttl"] == "2s");
  REQUIRE(last["replications"].size() == 3);
  for (size_t i = 0; i < 3; ++i) CHECK(last["replications"][i]["seed"] == j["seeds"][i]);
  // The mean is the replications' mean (to the 6 significant digits of the outputs).
  double sum = 0;
  for (const json& s : last["replications"]) sum += s["cache"]["hit_ratio"].get<double>();
  CHECK(last["metrics"]["cache.hit_ratio"]["mean"].get<double>() == Approx(sum / 3).epsilon(1e-5));
  CHECK(last["metrics"]["cache.hit_ratio"]["ci95"].get<double>() > 0);
  // A bigger cache and a longer TTL hit more on the same traffic.
  CHECK(last["metrics"]["cache.hit_ratio"]["mean"] >
        j["points"][0]["metrics"]["cache.hit_ratio"]["mean"]);
}

TEST_CASE("sweep output does not depend on the thread count", "[app][cli][sweep]") {
  Sandbox box;
  const std::vector<std::string> args = {"sweep",          kTiny,
                                         "--grid",         "/cache/capacity=64KiB,1MiB",
                                         "--grid",         "/workload/write_fraction=0..0.1:+0.05",
                                         "--replications", "2"};
  std::vector<std::string> one = args, three = args;
  one.insert(one.end(), {"--threads", "1", "--out", "one"});
  three.insert(three.end(), {"--threads", "3", "--out", "three"});
  REQUIRE(box.Run(one).exit_code == 0);
  REQUIRE(box.Run(three).exit_code == 0);
  CHECK(ReadFile(box.work() / "one/sweep.csv") == ReadFile(box.work() / "three/sweep.csv"));
  CHECK(ReadFile(box.work() / "one/sweep.json") == ReadFile(box.work() / "three/sweep.json"));
}

TEST_CASE("an interrupted sweep resumes from its stored points", "[app][cli][sweep]") {
  Sandbox box;
  auto with_out = [&](const std::string& out, const std::string& replications = "2") {
    return std::vector<std::string>{
        "sweep",          kTiny,        "--grid",    "/cache/capacity=32KiB..256KiB:x2",
        "--replications", replications, "--threads", "2",
        "--out",          out};
  };
  REQUIRE(box.Run(with_out("fresh")).exit_code == 0);

  // Interrupt the first attempt at the end: "out" is a file, so the final
  // folder cannot be written after every point has finished.
  { std::ofstream(box.work() / "out") << "in the way\n"; }
  const CommandResult failed = box.Run(with_out("out"));
  CHECK(failed.exit_code == 1);
  const fs::path points = box.work() / "out.partial/points";
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(points)) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  REQUIRE(files.size() == 4);  // 32, 64, 128, 256 KiB
  // Lose half of them, as a kill half-way through would.
  fs::remove(files[0]);
  fs::remove(files[2]);
  fs::remove(box.work() / "out");

  const CommandResult resumed = box.Run(with_out("out"));
  INFO("stderr: " << resumed.err);
  REQUIRE(resumed.exit_code == 0);
  CHECK(resumed.err.find("reused 2 of 4 points") != std::string::npos);
  CHECK(resumed.out.find("4 runs, 2 points reused") != std::string::npos);  // 2 points x R=2
  CHECK(ReadFile(box.work() / "out/sweep.csv") == ReadFile(box.work() / "fresh/sweep.csv"));
  CHECK(ReadFile(box.work() / "out/sweep.json") == ReadFile(box.work() / "fresh/sweep.json"));
  CHECK_FALSE(fs::exists(box.work() / "out.partial"));

  // Stored points of a different command (here another R) are not reused.
  { std::ofstream(box.work() / "again") << "in the way\n"; }
  REQUIRE(box.Run(with_out("again")).exit_code == 1);
  fs::remove(box.work() / "again");
  const CommandResult other = box.Run(with_out("again", "3"));
  REQUIRE(other.exit_code == 0);
  CHECK(other.err.find("reused") == std::string::npos);
}

TEST_CASE("sweep with one replication leaves the intervals empty", "[app][cli][sweep]") {
  Sandbox box;
  const CommandResult r = box.Run({"sweep", kTiny, "--grid", "/cache/capacity=64KiB,128KiB",
                                   "--replications", "1", "--out", "o"});
  REQUIRE(r.exit_code == 0);
  const std::string csv = ReadFile(box.work() / "o/sweep.csv");
  CHECK(csv.find(",cache.hit_ratio.mean,cache.hit_ratio.ci95,") != std::string::npos);
  CHECK(csv.find(",,") != std::string::npos);
  const json j = json::parse(ReadFile(box.work() / "o/sweep.json"));
  CHECK(j["points"][0]["metrics"]["latency_ms.p99"]["ci95"].is_null());
}

TEST_CASE("sweep with a bad --grid is bad input naming it", "[app][cli][sweep]") {
  Sandbox box;
  SECTION("unknown pointer") {
    ExpectInputError(box, box.Run({"sweep", kTiny, "--grid", "/cache/capacityy=1MiB,2MiB"}),
                     {"--grid", "/cache/capacityy"});
  }
  SECTION("empty range") {
    ExpectInputError(box, box.Run({"sweep", kTiny, "--grid", "/database/connections=8..4:x2"}),
                     {"--grid /database/connections=8..4:x2", "empty"});
  }
  SECTION("factor not above 1") {
    ExpectInputError(box, box.Run({"sweep", kTiny, "--grid", "/database/connections=1..8:x1"}),
                     {"--grid", "factor must be > 1"});
  }
  SECTION("out-of-range value") {
    ExpectInputError(box, box.Run({"sweep", kTiny, "--grid", "/database/connections=0..4:+2"}),
                     {"--grid /database/connections=0", "connections"});
  }
  SECTION("the seed") {
    ExpectInputError(box, box.Run({"sweep", kTiny, "--grid", "/seed=1,2"}),
                     {"--grid /seed=1,2", "--set /seed"});
  }
  SECTION("no --grid") {
    ExpectInputError(box, box.Run({"sweep", kTiny}), {"--grid", "--sensitivity"});
  }
  SECTION("a sensitivity spread without ±") {
    ExpectInputError(box, box.Run({"sweep", kTiny, "--sensitivity", "/workload/keys/alpha=0.1"}),
                     {"--sensitivity /workload/keys/alpha=0.1", "±"});
  }
  SECTION("a sensitivity input that is also gridded") {
    ExpectInputError(box,
                     box.Run({"sweep", kTiny, "--grid", "/workload/keys/alpha=0.5,1",
                              "--sensitivity", "/workload/keys/alpha=±0.1"}),
                     {"--sensitivity /workload/keys/alpha=±0.1", "already varied"});
  }
  SECTION("zero replications") {
    ExpectInputError(box, box.Run({"sweep", kTiny, "--grid", "/seed=1", "--replications", "0"}),
                     {"--replications"});
  }
}

TEST_CASE("sweep --sensitivity alone varies the input around the scenario's value",
          "[app][cli][sweep][sensitivity]") {
  Sandbox box;
  const CommandResult r = box.Run(
      {"sweep", kTiny, "--sensitivity", "/workload/keys/alpha=±0.2", "--replications", "2"});
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("3 points x 2 replications") != std::string::npos);
  CHECK(r.out.find("sensitivity: each input at -X, its base and +X") != std::string::npos);
  CHECK(r.out.find("/workload/keys/alpha=±0.2") != std::string::npos);
  const json j = json::parse(ReadFile(box.work() / "results/runs/cli-tiny-sweep/sweep.json"));
  REQUIRE(j["points"].size() == 3);
  CHECK(j["points"][0]["values"]["/workload/keys/alpha"] == 0.8);
  CHECK(j["points"][2]["values"]["/workload/keys/alpha"] == 1.2);
}

}  // namespace cachelab
