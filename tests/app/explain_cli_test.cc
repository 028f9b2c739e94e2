// `cachelab explain`: one key's events as a text sequence diagram. On a
// stampede scenario the diagram shows many loads of the key issued within one
// database read time; bad keys and windows are bad input.
#include <catch2/catch.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/cli.h"

namespace cachelab {
namespace {

using test::CommandResult;
using test::ExpectInputError;
using test::Sandbox;

const std::string kData = CACHELAB_TEST_DATA;
const std::string kStampede = kData + "/cli_stampede.json";  // key 0, TTL 1 s, DB read 50 ms
const std::string kTiny = kData + "/cli_tiny.json";

// Times (ms) of the diagram lines whose text contains `what`.
std::vector<double> TimesOf(const std::string& out, const std::string& what) {
  std::vector<double> times;
  std::istringstream in(out);
  std::string line;
  while (std::getline(in, line)) {
    if (line.find(what) == std::string::npos) continue;
    std::istringstream fields(line);
    double t = 0;
    if (fields >> t) times.push_back(t);
  }
  return times;
}

}  // namespace

TEST_CASE("explain shows a stampede as several loads of the key within one DB read",
          "[app][cli][explain]") {
  Sandbox box;
  // The entry filled at ~50 ms expires at ~1.05 s: look from 1 s to 1.2 s.
  const CommandResult r = box.Run(
      {"explain", kStampede, "--key", "0", "--from", "1s", "--to", "1200ms", "--limit", "5000"});
  INFO("stderr: " << r.err << "\nstdout head: " << r.out.substr(0, 3000));
  REQUIRE(r.exit_code == 0);
  const std::vector<double> issued = TimesOf(r.out, "SELECT issued");
  REQUIRE(issued.size() >= 3);
  const double db_read_ms = 50;
  size_t within = 0;
  for (double t : issued) within += t - issued.front() < db_read_ms;
  CHECK(within >= 3);
  CHECK(r.out.find("GET miss") != std::string::npos);
  CHECK(r.out.find("SELECT returned v") != std::string::npos);
  CHECK(r.out.find("a stampede") != std::string::npos);  // the summary says so
  CHECK(r.out.find("o--") != std::string::npos);         // arrows to the actors
  CHECK(r.out.find("app0") != std::string::npos);
  CHECK(r.out.find("app1") != std::string::npos);
  CHECK(box.WorkEntries().empty());  // explain writes nothing
}

TEST_CASE("explain caps its output and says so", "[app][cli][explain]") {
  Sandbox box;
  const CommandResult r = box.Run({"explain", kStampede, "--key", "0", "--limit", "10"});
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("truncated") != std::string::npos);
  CHECK(TimesOf(r.out, "request").size() <= 10);
}

TEST_CASE("explain shows stale answers of the cache-aside and delete race", "[app][cli][explain]") {
  Sandbox box;
  // Writes on the hottest key of the tiny scenario: a read that loaded before a
  // write and filled after its delete leaves the old version cached.
  const CommandResult r = box.Run({"explain", kTiny, "--key", "0", "--set",
                                   "/workload/write_fraction=0.3", "--limit", "100000"});
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("UPDATE committed") != std::string::npos);
  CHECK(r.out.find("DEL") != std::string::npos);
  CHECK(r.out.find("write request") != std::string::npos);
  // A read that loaded the old version filled it after the write's DEL.
  CHECK(r.out.find("STALE: latest is v") != std::string::npos);
  CHECK(r.out.find("stale answers, 0 failed") != std::string::npos);
  CHECK(r.out.find(" 0 stale answers") == std::string::npos);
}

TEST_CASE("explain with a bad key or window is bad input", "[app][cli][explain]") {
  Sandbox box;
  SECTION("key beyond the key space") {
    ExpectInputError(box, box.Run({"explain", kTiny, "--key", "1000"}), {"--key", "1000"});
  }
  SECTION("negative key") {
    ExpectInputError(box, box.Run({"explain", kTiny, "--key", "-1"}), {"--key"});
  }
  SECTION("no key") {
    ExpectInputError(box, box.Run({"explain", kTiny}), {"--key"});
  }
  SECTION("bad duration") {
    ExpectInputError(box, box.Run({"explain", kTiny, "--key", "0", "--from", "soon"}), {"--from"});
  }
  SECTION("window after the end") {
    ExpectInputError(box, box.Run({"explain", kTiny, "--key", "0", "--from", "1h"}), {"--from"});
  }
  SECTION("empty window") {
    ExpectInputError(box, box.Run({"explain", kTiny, "--key", "0", "--from", "5s", "--to", "2s"}),
                     {"--to"});
  }
}

}  // namespace cachelab
