// `cachelab explain`: one key's events as a text sequence diagram. On a
// stampede scenario the diagram shows many loads of the key issued within one
// database read time; bad keys and windows are bad input.
#include <fmt/format.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/cli.h"

namespace cachelab {
namespace {

using nlohmann::json;
using test::CommandResult;
using test::ExpectInputError;
using test::ReadFile;
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

// The event lines of the diagram: those after the column header, up to the
// first line that is not an event ("  ... truncated", the blank line before
// the legend).
std::vector<std::string> EventLines(const std::string& out) {
  std::vector<std::string> lines;
  std::istringstream in(out);
  std::string line;
  bool in_diagram = false;
  while (std::getline(in, line)) {
    if (!in_diagram) {
      in_diagram = line.find("t (ms)") != std::string::npos;
      continue;
    }
    // An event line starts with its time, right-aligned in 12 characters.
    const std::string time = line.substr(0, 12);
    char* end = nullptr;
    std::strtod(time.c_str(), &end);
    if (line.size() <= 12 || end != time.c_str() + time.size()) break;
    lines.push_back(line);
  }
  return lines;
}

std::string Trim(const std::string& s) {
  const size_t b = s.find_first_not_of(' '), e = s.find_last_not_of(' ');
  return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

}  // namespace

TEST_CASE("explain --out writes explain.json with exactly the events the diagram shows",
          "[app][cli][explain][events]") {
  Sandbox box;
  // Writes on the hottest key: reads, fills, deletes and updates, and stale answers.
  const std::string limit = GENERATE(as<std::string>{}, "40", "100000");
  const CommandResult r =
      box.Run({"explain", kTiny, "--key", "0", "--set", "/workload/write_fraction=0.3", "--from",
               "2s", "--to", "8s", "--limit", limit, "--out", "ex"});
  INFO("stderr: " << r.err << "\nlimit " << limit);
  REQUIRE(r.exit_code == 0);
  CHECK(box.WorkEntries() == std::vector<std::string>{"ex", "ex/explain.json"});
  const json j = json::parse(ReadFile(box.work() / "ex/explain.json"));
  CHECK(j["scenario"] == "cli-tiny");
  CHECK(j["key"] == 0);
  CHECK(j["from_s"] == 2.0);
  CHECK(j["to_s"] == 8.0);

  // The diagram's lines, one per event, in the file's order with the file's texts.
  const std::vector<std::string> lines = EventLines(r.out);
  const json& events = j["events"];
  REQUIRE(lines.size() == events.size());
  REQUIRE(!events.empty());
  const size_t text_at = 12 + 2 + 8 + 2 + j["actors"].size() * 8 + 2;  // FormatExplain's layout
  for (size_t i = 0; i < lines.size(); ++i) {
    const json& e = events[i];
    INFO("event " << i << ": " << lines[i]);
    const std::string prefix =
        e["request"].is_null() ? e["actor"].get<std::string>() + ": " : std::string();
    CHECK(lines[i].substr(text_at) == prefix + e["text"].get<std::string>());
    CHECK(std::strtod(lines[i].c_str(), nullptr) ==
          Approx((e["at_s"].get<double>() - 2.0) * 1000).margin(0.0006));
    const std::string who = Trim(lines[i].substr(14, 8));
    if (e["request"].is_null()) {
      CHECK(who == "-");
    } else {
      CHECK(who.rfind(fmt::format("#{}", e["request"].get<uint64_t>()), 0) == 0);
    }
    CHECK(e["stale"] == (e["text"].get<std::string>().find("STALE") != std::string::npos));
    CHECK(e["column"] < j["actors"].size());
  }

  // Truncation as the text says it, and the summary line's numbers.
  const uint64_t total = j["events_total"];
  CHECK(j["truncated"] == (total > events.size()));
  CHECK(events.size() == std::min<uint64_t>(total, std::stoull(limit)));
  CHECK((r.out.find("... truncated") != std::string::npos) == j["truncated"].get<bool>());
  const json& sum = j["summary"];
  CHECK(sum["events"] == total);
  CHECK(r.out.find(fmt::format("summary: {} events, {} requests ({} reads, {} writes), {} read "
                               "hits, {} DB loads (at most {} in flight",
                               total, sum["requests"].get<uint64_t>(), sum["reads"].get<uint64_t>(),
                               sum["writes"].get<uint64_t>(), sum["hits"].get<uint64_t>(),
                               sum["db_loads"].get<uint64_t>(),
                               sum["max_concurrent_loads"].get<uint64_t>())) != std::string::npos);
  CHECK(r.out.find(fmt::format("{} stale answers, {} failed", sum["stale"].get<uint64_t>(),
                               sum["failed"].get<uint64_t>())) != std::string::npos);
  CHECK(sum["stale"] > 0);  // the write race of this scenario
}

TEST_CASE("explain --out that cannot be written fails and writes nothing",
          "[app][cli][explain][events]") {
  Sandbox box;
  std::ofstream(box.work() / "blocker") << "a file, not a folder\n";
  const CommandResult r =
      box.Run({"explain", kTiny, "--key", "0", "--limit", "5", "--out", "blocker/ex"});
  INFO("stderr: " << r.err);
  CHECK(r.exit_code == 1);  // as run and compare: the environment refused the write
  CHECK(r.err.rfind("cachelab: error: ", 0) == 0);
  CHECK(r.err.find("blocker") != std::string::npos);
  CHECK(r.out.empty());
  CHECK(box.WorkEntries() == std::vector<std::string>{"blocker"});
}

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

// The window's start, from the header "... t = A s .. B s; ...".
double WindowStart(const std::string& out) {
  const size_t at = out.find("t = ");
  return at == std::string::npos ? -1 : std::strtod(out.c_str() + at + 4, nullptr);
}

TEST_CASE("explain --around finds the key's first stale answer, stampede and expiry",
          "[app][cli][explain]") {
  Sandbox box;
  const std::string race =
      std::string(CACHELAB_SOURCE_DIR) + "/scenarios/stampede/delete-fill-race.json";
  // The whole run of key 3, to know where its first stale answer is.
  const CommandResult all = box.Run({"explain", race, "--key", "3", "--limit", "100000"});
  REQUIRE(all.exit_code == 0);
  const std::vector<double> stale = TimesOf(all.out, "STALE");
  REQUIRE(!stale.empty());
  const double first_stale_s = WindowStart(all.out) + stale.front() / 1000;

  const CommandResult r = box.Run({"explain", race, "--key", "3", "--around", "first-stale",
                                   "--window", "200ms", "--limit", "1000"});
  INFO("stderr: " << r.err << "\nstdout head: " << r.out.substr(0, 2000));
  REQUIRE(r.exit_code == 0);
  // A quarter of the window (50 ms) before the moment, so the late fill's load shows too.
  CHECK(WindowStart(r.out) == Approx(first_stale_s - 0.050).margin(1e-5));
  const std::vector<double> around = TimesOf(r.out, "STALE");
  REQUIRE(!around.empty());
  CHECK(around.front() == Approx(50).margin(0.01));
  CHECK(!TimesOf(r.out, "SELECT issued").empty());
  // Two loads at once are a duplicate load, not yet a stampede.
  const CommandResult two =
      box.Run({"explain", race, "--key", "3", "--from", "21s", "--to", "21.2s"});
  CHECK(two.out.find("at most 2 in flight at once: a duplicate load)") != std::string::npos);

  // A stampede: two or more loads of the key issued before the first returns.
  const CommandResult s = box.Run(
      {"explain", kStampede, "--key", "0", "--around", "first-stampede", "--limit", "5000"});
  REQUIRE(s.exit_code == 0);
  const std::vector<double> issued = TimesOf(s.out, "SELECT issued");
  const std::vector<double> returned = TimesOf(s.out, "SELECT returned");
  REQUIRE(issued.size() >= 2);
  CHECK((returned.empty() || issued[1] < returned.front()));

  // The first expiry: a miss after the entry was stored, within the window's first 5%.
  const CommandResult e =
      box.Run({"explain", kStampede, "--key", "0", "--around", "first-expiry", "--limit", "5000"});
  REQUIRE(e.exit_code == 0);
  const std::vector<double> misses = TimesOf(e.out, "GET miss");
  REQUIRE(!misses.empty());
  CHECK(misses.front() == Approx(50).margin(0.01));
  CHECK(WindowStart(e.out) > 0.9);  // the entry filled at ~50 ms has a TTL of 1 s
  CHECK(box.WorkEntries().empty());
}

TEST_CASE("explain --around rejects unknown moments, mixing with --from, and absent moments",
          "[app][cli][explain]") {
  Sandbox box;
  ExpectInputError(box, box.Run({"explain", kStampede, "--key", "0", "--around", "first-miss"}),
                   {"--around", "first-expiry, first-stampede or first-stale"});
  ExpectInputError(
      box,
      box.Run({"explain", kStampede, "--key", "0", "--around", "first-expiry", "--from", "1s"}),
      {"--around", "not both"});
  ExpectInputError(box, box.Run({"explain", kStampede, "--key", "0", "--around", "first-stale"}),
                   {"--around first-stale", "key 0 has no stale"});
  ExpectInputError(
      box,
      box.Run({"explain", kStampede, "--key", "0", "--around", "first-expiry", "--window", "0s"}),
      {"--window"});
}

TEST_CASE("explain takes CLASS:N keys with key classes and names them so", "[app][cli][explain]") {
  Sandbox box;
  const std::string classes = kData + "/cli_classes.json";
  // config:3 is key 503 (after user's 500); its TTL of an hour means one load.
  const CommandResult r = box.Run({"explain", classes, "--key", "config:3", "--out", "x"});
  INFO("stderr: " << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.rfind("key config:3 (id 503) in cli-classes", 0) == 0);
  CHECK(TimesOf(r.out, "SELECT issued").size() == 1);
  CHECK(TimesOf(r.out, "SELECT returned").size() == 1);
  CHECK(r.out.find("ttl 3600s") != std::string::npos);  // the class's TTL, not the policy's 5 m
  const json j = json::parse(ReadFile(box.work() / "x/explain.json"));
  CHECK(j["key"] == 503);
  CHECK(j["key_name"] == "config:3");
  // The same key by number.
  const CommandResult n = box.Run({"explain", classes, "--key", "503"});
  CHECK(n.out == r.out);
  // user's entries live 2 s (the class's TTL): its hottest key expires within the run.
  CHECK(box.Run({"explain", classes, "--key", "user:0", "--around", "first-expiry"}).exit_code ==
        0);
}

TEST_CASE("a CLASS:N key that names no key is bad input", "[app][cli][explain]") {
  Sandbox box;
  const std::string classes = kData + "/cli_classes.json";
  ExpectInputError(box, box.Run({"explain", classes, "--key", "admin:3"}),
                   {"--key \"admin:3\"", "no key class \"admin\"", "user, config, session"});
  ExpectInputError(box, box.Run({"explain", classes, "--key", "config:5"}),
                   {"--key \"config:5\"", "class config has keys config:0 to config:4"});
  ExpectInputError(box, box.Run({"explain", classes, "--key", "config:x"}), {"config:0 to"});
  ExpectInputError(box, box.Run({"explain", classes, "--key", "user"}),
                   {"expected a key number or CLASS:N"});
  ExpectInputError(box, box.Run({"explain", kTiny, "--key", "user:3"}),
                   {"cli-tiny has no key classes"});
}

}  // namespace cachelab
