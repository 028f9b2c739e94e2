// Scenario loading: units, defaults, the canonical resolved form, --set
// overrides, and one-line errors that name the file (or the override) and the
// exact JSON pointer for every class of bad input.
#include "analysis/scenario/scenario.h"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "analysis/common/errors.h"
#include "tests/support/input_error.h"

namespace cachelab {
namespace {

using test::ErrorOf;

using nlohmann::json;

// A small valid scenario that the error tables below break one field at a time.
json BaseScenario() {
  return json::parse(R"({
    "name": "t",
    "duration": "10s",
    "workload": {"rate": {"kind": "constant", "rps": 100}},
    "cache": {"capacity": "1MiB", "active_expiry": {"interval": "1s"}, "rtt": "1ms"},
    "database": {"connections": 4},
    "policies": {
      "read": {"name": "cache-aside", "params": {"ttl": "5m"}},
      "write": "invalidate-on-write"
    }
  })");
}

std::string Names(Role role) {
  std::string out;
  for (const auto& n : PolicyNames(role)) out += (out.empty() ? "" : ", ") + n;
  return out;
}

// A scratch folder for file-based tests, removed at the end of the test.
struct TempDir {
  std::filesystem::path path = std::filesystem::temp_directory_path() /
                               ("cachelab-scenario-test-" + std::to_string(::getpid()));
  TempDir() { std::filesystem::create_directories(path); }
  ~TempDir() { std::filesystem::remove_all(path); }
  std::string Write(const std::string& name, const std::string& text) const {
    const auto file = path / name;
    std::ofstream(file) << text;
    return file.string();
  }
};

// ---- Units ---------------------------------------------------------------------

TEST_CASE("durations take units and parse exactly", "[analysis][scenario]") {
  const std::vector<std::pair<std::string, int64_t>> cases = {
      {"250ns", 250},
      {"250us", 250'000},
      {"5ms", 5'000'000},
      {"1.5s", 1'500'000'000},
      {"0.3ms", 300'000},
      {"5m", 300'000'000'000},
      {"1h", 3'600'000'000'000},
      {"1h30m", 5'400'000'000'000},
      {"2m0.5s", 120'500'000'000},
      {"0", 0},
      {"0s", 0},
  };
  for (const auto& [text, nanos] : cases) {
    CAPTURE(text);
    CHECK(ParseDuration(text, "here").nanos() == nanos);
  }
}

TEST_CASE("malformed durations are rejected, echoing the input", "[analysis][scenario]") {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"5", R"(here: must be a duration with a unit (ns, us, ms, s, m, h) such as "5ms", got "5")"},
      {"", R"(here: must be a duration such as "250us", "1.5s" or "1h30m", got "")"},
      {"5 ms", R"(here: must be a duration such as "250us", "1.5s" or "1h30m", got "5 ms")"},
      {"5sec", R"(here: must be a duration such as "250us", "1.5s" or "1h30m", got "5sec")"},
      {"1.s", R"(here: must be a duration such as "250us", "1.5s" or "1h30m", got "1.s")"},
      {".5s", R"(here: must be a duration such as "250us", "1.5s" or "1h30m", got ".5s")"},
      {"1h30", R"(here: must be a duration such as "250us", "1.5s" or "1h30m", got "1h30")"},
      {"5MS", R"(here: must be a duration such as "250us", "1.5s" or "1h30m", got "5MS")"},
      {"-5ms", R"(here: must be >= 0, got "-5ms")"},
      {"999999999h", R"(here: must be a duration of at most 10 years (87600h), got "999999999h")"},
      {"87601h", R"(here: must be a duration of at most 10 years (87600h), got "87601h")"},
  };
  for (const auto& [text, message] : cases) {
    CAPTURE(text);
    CHECK(ErrorOf([&] { ParseDuration(text, "here"); }) == message);
  }
}

TEST_CASE("sizes take binary and decimal units and bare integers are bytes",
          "[analysis][scenario]") {
  const std::vector<std::pair<std::string, uint64_t>> cases = {
      {"512", 512},          {"0", 0},
      {"512B", 512},         {"4KiB", 4096},
      {"1.5MiB", 1'572'864}, {"2GiB", 2ull << 30},
      {"1TiB", 1ull << 40},  {"1KB", 1000},
      {"10MB", 10'000'000},  {"1.5KB", 1500},
  };
  for (const auto& [text, bytes] : cases) {
    CAPTURE(text);
    CHECK(ParseSize(text, "here") == bytes);
  }
  const std::string expected = R"(must be a size such as "512B", "4KiB", "1.5MiB" or "10MB", got )";
  for (const std::string bad : {"", "1.5", "4kib", "KiB", "4 KiB", "4KiBs", "1e3"}) {
    CAPTURE(bad);
    CHECK(ErrorOf([&] { ParseSize(bad, "here"); }) == "here: " + expected + json(bad).dump());
  }
  CHECK(ErrorOf([] { ParseSize("-1KiB", "here"); }) == R"(here: must be >= 0, got "-1KiB")");
}

TEST_CASE("canonical renderings are the shortest exact unit and parse back",
          "[analysis][scenario]") {
  CHECK(FormatDuration(Duration::Nanos(0)) == "0");
  CHECK(FormatDuration(Duration::Seconds(3600)) == "1h");
  CHECK(FormatDuration(Duration::Seconds(5400)) == "90m");
  CHECK(FormatDuration(Duration::Millis(1500)) == "1500ms");
  CHECK(FormatDuration(Duration::Micros(300)) == "300us");
  CHECK(FormatDuration(Duration::Nanos(1)) == "1ns");
  CHECK(FormatSize(0) == "0B");
  CHECK(FormatSize(2048) == "2KiB");
  CHECK(FormatSize(1000) == "1KB");
  CHECK(FormatSize(1500) == "1500B");
  CHECK(FormatSize(10'000'000) == "10MB");
  CHECK(FormatSize(256ull << 20) == "256MiB");
  for (int64_t ns : {int64_t{1}, int64_t{999}, int64_t{1'000'001}, int64_t{61'000'000'000},
                     int64_t{7'200'000'000'001}}) {
    CHECK(ParseDuration(FormatDuration(Duration::Nanos(ns)), "").nanos() == ns);
  }
  for (uint64_t b :
       {uint64_t{1}, uint64_t{1023}, uint64_t{1025}, uint64_t{3} << 30, uint64_t{123'456'789}}) {
    CHECK(ParseSize(FormatSize(b), "") == b);
  }
}

// ---- Loading -------------------------------------------------------------------

TEST_CASE("the default scenario loads with the values of scenarios/default.json",
          "[analysis][scenario]") {
  const Scenario s = LoadDefaultScenario();
  CHECK(s.source == "<default>");
  CHECK(s.name == "user-lookup");
  CHECK(s.world.name == "user-lookup");
  CHECK_FALSE(s.description.empty());
  CHECK(s.world.seed == 42);
  CHECK(s.world.duration == Duration::Seconds(65 * 60));

  const WorkloadConfig& w = s.world.workload;
  CHECK(w.rate.kind == RateProfileConfig::Kind::kConstant);
  CHECK(w.rate.rps == 2000);
  CHECK(w.keys == 100'000);
  CHECK(w.popularity == WorkloadConfig::Popularity::kZipf);
  CHECK(w.zipf_alpha == 1.0);
  CHECK(w.write_fraction == 0);
  CHECK(w.value_size.kind == DistributionConfig::Kind::kLognormal);
  CHECK(w.value_size.mean == 2048);
  CHECK(w.value_size.sigma == 0.5);
  CHECK(s.world.instances.count == 4);

  const CacheConfig& c = s.world.cache;
  CHECK(c.enabled);
  CHECK(c.capacity_bytes == 256ull << 20);
  CHECK(c.max_items == 0);
  CHECK(c.memory.entry_overhead == 64);
  CHECK(c.memory.kind == MemoryModelConfig::Kind::kFlat);
  CHECK(c.rtt.kind == DistributionConfig::Kind::kLognormal);
  CHECK(c.rtt.mean == 300'000);
  CHECK(c.rtt.sigma == 0.3);
  CHECK(c.timeout == Duration::Millis(50));
  CHECK(c.active_expiry_interval == Duration::Millis(100));
  CHECK(c.active_expiry_limit == 10'000);
  CHECK(c.faults.empty());

  const DatabaseConfig& db = s.world.database;
  CHECK(db.connections == 32);
  // A pool's patience and a bound on waiting queries unless the scenario says otherwise.
  CHECK(db.queue_timeout == Duration::Seconds(30));
  CHECK(db.queue_limit == 10'000);
  CHECK(db.cores == 0);
  CHECK(db.read_service.mean == 40e6);
  CHECK(db.write_service.mean == 15e6);
  CHECK(s.world.metrics.interval == Duration::Seconds(5));

  CHECK(s.stack.read.name == "cache-aside");
  CHECK(s.stack.read.params.GetDuration("ttl") == Duration::Seconds(3600));
  CHECK(s.stack.write.name == "invalidate-on-write");
  CHECK(s.stack.eviction.name == "lru");
  CHECK(s.resolved["policies"]["read"] ==
        json::parse(R"({"name":"cache-aside","params":{"negative_ttl":"0","ttl":"1h"}})"));
  CHECK(s.resolved["cache"]["eviction"] == json::parse(R"({"name":"lru","params":{}})"));
}

TEST_CASE("a minimal scenario gets every default, in canonical form", "[analysis][scenario]") {
  const Scenario s = LoadScenarioText(R"({
    "name": "m", "duration": "1s",
    "workload": {"rate": {"kind": "constant", "rps": 1}},
    "cache": {"capacity": "1MiB"}
  })",
                                      "m.json");
  const json expected = json::parse(R"({
    "name": "m", "description": "", "seed": 1, "duration": "1s",
    "workload": {
      "rate": {"kind": "constant", "rps": 1},
      "keys": {"count": 100000, "popularity": "zipf", "alpha": 1},
      "write_fraction": 0, "missing_fraction": 0, "row_creations_per_s": 0,
      "value_size": {"kind": "constant", "value": "1KiB"}
    },
    "instances": {"count": 1, "serialization": {"per_kib": "0", "cached_fraction": 1.0}},
    "cache": {
      "enabled": true, "capacity": "1MiB", "max_items": 0, "entry_overhead": "64B",
      "memory": {"model": "flat", "key_bytes": 24, "fragmentation": 1, "ram": "0B"},
      "node_type": "",
      "eviction": {"name": "lru", "params": {}},
      "rtt": {"kind": "lognormal", "mean": "300us", "sigma": 0.3},
      "timeout": "50ms",
      "active_expiry": {"interval": "100ms", "limit": 10000},
      "faults": [],
      "cluster": {"nodes": 1, "sharding": "hash-slots", "virtual_nodes": 160,
                  "replicas": {"count": 0, "lag": {"kind": "constant", "value": "0"},
                               "read_from": "primary", "failover_after": "15s"}},
      "cpu": {"per_op": "0", "per_kib": "0"},
      "network": {"bandwidth_mbit": 0}
    },
    "database": {
      "pool": "global", "connections": 16, "cores": 0, "queue_timeout": "30s", "queue_limit": 10000,
      "read": {"kind": "lognormal", "mean": "5ms", "sigma": 0.5},
      "write": {"kind": "lognormal", "mean": "10ms", "sigma": 0.5},
      "replicas": {"count": 0, "connections": 16, "lag": {"kind": "constant", "value": "0"},
                   "read_your_writes": "0"},
      "network": {"bandwidth_mbit": 0}
    },
    "policies": {
      "read": {"name": "cache-aside", "params": {"negative_ttl": "0", "ttl": "1h"}},
      "write": {"name": "invalidate-on-write", "params": {}},
      "invalidation": {"name": "ttl", "params": {}},
      "guard": {"name": "none", "params": {}},
      "l1": {"name": "none", "params": {}},
      "warming": {"name": "none", "params": {}},
      "degradation": {"name": "fallback", "params": {"breaker_open": "0"}}
    },
    "metrics": {"interval": "10s", "warmup": "0", "windows": []},
    "alerts": [],
    "cost": {"currency": "USD", "cache_node_per_hour": 0, "database_per_hour": 0,
             "replica_per_hour": 0, "network_per_gib": 0, "node_types": {}}
  })");
  CHECK(s.resolved == expected);
  CHECK(s.world.seed == 1);
  CHECK(s.world.workload.value_size.kind == DistributionConfig::Kind::kConstant);
  CHECK(s.world.workload.value_size.mean == 1024);
  CHECK(s.world.database.read_service.mean == 5e6);
  CHECK(s.world.database.write_service.mean == 10e6);
  CHECK(s.stack.write.params.values().empty());
}

TEST_CASE("every variant loads, and resolved loads back to itself", "[analysis][scenario]") {
  const std::vector<std::pair<std::string, std::string>> variants = {
      {"/workload/rate", R"({"kind": "steps", "steps": [{"at": "0", "rps": 10},
                                                         {"at": "1.5s", "rps": 0},
                                                         {"at": "1h", "rps": 2.5}]})"},
      {"/workload/rate",
       R"({"kind": "ramp", "from_rps": 0, "to_rps": 100, "start": "10s", "end": "1m"})"},
      {"/workload/value_size", R"("4KiB")"},
      {"/workload/value_size", "100"},
      {"/workload/value_size", R"({"kind": "uniform", "min": "1KB", "max": "1.5MiB"})"},
      {"/workload/value_size", R"({"kind": "exponential", "mean": 512})"},
      {"/cache/rtt", R"({"kind": "constant", "value": "0"})"},
      {"/cache/rtt", R"({"kind": "uniform", "min": "100us", "max": "1ms"})"},
      {"/database/read", R"({"kind": "exponential", "mean": "2.5ms"})"},
      {"/cache/faults", R"([{"kind": "down", "start": "5m", "duration": "30s"}])"},
      {"/cache/faults", R"([{"kind": "flush", "start": "5m", "node": "all"}])"},
      {"/cache/cluster", R"({"nodes": 3, "sharding": "consistent-hashing"})"},
      {"/cache/cpu", R"({"per_op": "10us", "per_kib": "1us"})"},
      {"/database/replicas",
       R"({"count": 2, "lag": {"kind": "exponential", "mean": "200ms"}, "read_your_writes": "2s"})"},
      {"/database/pool", R"("per_instance")"},
      {"/cache/eviction", R"({"name": "lru"})"},
      {"/workload/keys", R"({"popularity": "uniform"})"},
      {"/cache/enabled", "false"},
      {"/seed", "1e3"},
  };
  for (const auto& [pointer, value] : variants) {
    CAPTURE(pointer, value);
    json doc = BaseScenario();
    doc[json::json_pointer(pointer)] = json::parse(value);
    const Scenario first = LoadScenarioText(doc.dump(), "v.json");
    const Scenario second = LoadScenarioText(first.resolved.dump(2), "resolved.json");
    CHECK(second.resolved == first.resolved);
  }
  const Scenario d = LoadDefaultScenario();
  CHECK(LoadScenarioText(d.resolved.dump(), "r.json").resolved == d.resolved);
}

TEST_CASE("variants fill the config structs", "[analysis][scenario]") {
  json doc = BaseScenario();
  doc["workload"]["rate"] = json::parse(
      R"({"kind": "steps", "steps": [{"at": "0", "rps": 10}, {"at": "1.5s", "rps": 0}]})");
  doc["workload"]["value_size"] =
      json::parse(R"({"kind": "uniform", "min": "1KiB", "max": "3KiB"})");
  doc["cache"]["faults"] = json::parse(R"([{"kind": "down", "start": "5m", "duration": "30s"}])");
  doc["database"]["write"] = "7ms";
  Scenario s = LoadScenarioText(doc.dump(), "v.json");
  const auto& rate = s.world.workload.rate;
  REQUIRE(rate.steps.size() == 2);
  CHECK(rate.kind == RateProfileConfig::Kind::kSteps);
  CHECK(rate.steps[1].at == Duration::Millis(1500));
  CHECK(rate.steps[1].rps == 0);
  const auto& vs = s.world.workload.value_size;
  CHECK(vs.kind == DistributionConfig::Kind::kUniform);
  CHECK(vs.min == 1024);
  CHECK(vs.max == 3072);
  CHECK(vs.mean == 2048);
  REQUIRE(s.world.cache.faults.size() == 1);
  CHECK(s.world.cache.faults[0].start == Duration::Seconds(300));
  CHECK(s.world.cache.faults[0].duration == Duration::Seconds(30));
  CHECK(s.world.database.write_service.kind == DistributionConfig::Kind::kConstant);
  CHECK(s.world.database.write_service.mean == 7e6);
  CHECK(s.resolved["database"]["write"] == json::parse(R"({"kind":"constant","value":"7ms"})"));

  doc["workload"]["rate"] =
      json::parse(R"({"kind": "ramp", "from_rps": 5, "to_rps": 0, "start": "0", "end": "1m"})");
  s = LoadScenarioText(doc.dump(), "v.json");
  CHECK(s.world.workload.rate.kind == RateProfileConfig::Kind::kRamp);
  CHECK(s.world.workload.rate.from_rps == 5);
  CHECK(s.world.workload.rate.ramp_end == Duration::Seconds(60));
}

// ---- Bad input -------------------------------------------------------------------

TEST_CASE("a missing file and invalid JSON name the file", "[analysis][scenario]") {
  CHECK(ErrorOf([] {
          LoadScenarioFile("/nonexistent/x.json");
        }).rfind("/nonexistent/x.json: cannot open file", 0) == 0);

  TempDir dir;
  CHECK(ErrorOf([&] { LoadScenarioFile(dir.path.string()); }) ==
        dir.path.string() + ": cannot open file (it is a directory)");

  const std::string bad = dir.Write("bad.json", "{\n  \"name\": \"x\",\n  \"duration\": 5s\n}\n");
  const std::string msg = ErrorOf([&] { LoadScenarioFile(bad); });
  CHECK(msg.rfind(bad + ": invalid JSON at line 3, column ", 0) == 0);
  CHECK(msg.find("invalid literal") != std::string::npos);
  CHECK(msg.find('\n') == std::string::npos);

  CHECK(ErrorOf([] {
          LoadScenarioText("", "empty.json");
        }).rfind("empty.json: invalid JSON at line 1, column 1: ", 0) == 0);
  // A number no double holds names the literal; a huge token is cut.
  CHECK(ErrorOf([] { LoadScenarioText(R"({"seed": -1e400})", "big.json"); }) ==
        "big.json: invalid JSON: number overflow parsing '-1e400' (numbers must fit a double)");
  std::string huge = R"({"seed": )";
  huge.append(10000, '7');
  huge.append("e999}");
  const std::string long_token = ErrorOf([&] { LoadScenarioText(huge, "huge.json"); });
  CHECK(long_token.size() < 200);
  CHECK(long_token.find("(10004 characters)") != std::string::npos);
  CHECK(ErrorOf([] { LoadScenarioText("[1, 2]", "a.json"); }) ==
        "a.json: the scenario must be a JSON object, got an array");
  CHECK(ErrorOf([] {
          LoadScenarioText(R"({"name": "a", "cache": {"capacity": 1, "capacity": 2}})", "dup.json");
        }) == "dup.json: /cache/capacity: duplicate field, got it twice");
  CHECK(ErrorOf([] {
          LoadScenarioText(
              R"({"cache": {"faults": [{"kind": "down"}, [1, {}], {"a": 1, "a": 2}]}})",
              "dup.json");
        }) == "dup.json: /cache/faults/2/a: duplicate field, got it twice");

  // A valid file loads through the same path, and names itself as the source.
  const std::string good = dir.Write("good.json", BaseScenario().dump());
  CHECK(LoadScenarioFile(good).source == good);
}

struct BadField {
  const char* what;
  const char* pointer;
  const char* value;    // JSON text; nullptr removes the field
  std::string message;  // the whole expected message, after "x.json: "
};

TEST_CASE("every bad field is an InputError naming the file and the JSON pointer",
          "[analysis][scenario]") {
  const std::string top_fields =
      "name, description, seed, duration, workload, instances, cache, database, policies, metrics, "
      "alerts, cost";
  const std::string cache_fields =
      "enabled, capacity, node_type, max_items, entry_overhead, memory, eviction, rtt, timeout, "
      "active_expiry, "
      "faults, "
      "cluster, cpu, network";
  const std::string long_name = R"({"name": ")" + std::string(20000, 'x') + R"("})";
  const std::vector<BadField> cases = {
      // unknown keys, at the top and deep down
      {"unknown top-level key", "/foo", "1", "/foo: unknown field; valid fields are " + top_fields},
      {"misspelt cache field", "/cache/capcity", R"("1GiB")",
       "/cache/capcity: unknown field; valid fields are " + cache_fields},
      {"unknown deep key", "/cache/active_expiry/foo", "1",
       "/cache/active_expiry/foo: unknown field; valid fields are interval, limit"},
      {"field of another distribution kind", "/cache/rtt",
       R"({"kind": "exponential", "mean": "1ms", "sigma": 1})",
       "/cache/rtt/sigma: unknown field; valid fields are kind, mean"},
      {"unknown step field", "/workload/rate",
       R"({"kind": "steps", "steps": [{"at": "0", "rps": 1, "until": "5s"}]})",
       "/workload/rate/steps/0/until: unknown field; valid fields are at, rps"},
      // wrong JSON types
      {"capacity of the wrong type", "/cache/capacity", "true",
       R"(/cache/capacity: must be a size such as "4KiB" or a whole number of bytes, got true)"},
      {"connections as a string", "/database/connections", R"("16")",
       R"(/database/connections: must be an integer, got "16")"},
      {"fractional connections", "/database/connections", "1.5",
       "/database/connections: must be an integer, got 1.5"},
      {"duration as a bare number", "/duration", "60",
       R"(/duration: must be a duration string with a unit, such as "250ms" or "0s" (a bare number has no unit), got 60)"},
      {"duration without unit", "/duration", R"("60")",
       R"(/duration: must be a duration with a unit (ns, us, ms, s, m, h), got "60")"},
      {"cache not an object", "/cache", R"("big")", R"(/cache: must be an object, got "big")"},
      {"enabled as a string", "/cache/enabled", R"("yes")",
       R"(/cache/enabled: must be true or false, got "yes")"},
      {"rps as a string", "/workload/rate/rps", R"("100")",
       R"(/workload/rate/rps: must be a number, got "100")"},
      {"null description", "/description", "null", "/description: must be a string, got null"},
      {"policy as a number", "/policies/write", "3",
       R"(/policies/write: must be a write policy name or an object {"name": ..., "params": {...}}, got 3)"},
      // ranges
      {"zero capacity", "/cache/capacity", R"("0B")", R"(/cache/capacity: must be > 0, got "0B")"},
      {"negative capacity", "/cache/capacity", R"("-5MiB")",
       R"(/cache/capacity: must be > 0, got "-5MiB")"},
      {"negative capacity in bytes", "/cache/capacity", "-5",
       "/cache/capacity: must be > 0, got -5"},
      {"zero rate", "/workload/rate/rps", "0", "/workload/rate/rps: must be > 0, got 0"},
      {"negative rate", "/workload/rate/rps", "-10", "/workload/rate/rps: must be > 0, got -10"},
      {"zero connections", "/database/connections", "0",
       "/database/connections: must be an integer > 0, got 0"},
      {"too many instances", "/instances/count", "5000000000",
       "/instances/count: must be an integer <= 4294967295, got 5000000000"},
      {"zero duration", "/duration", R"("0")", R"(/duration: must be > 0, got "0")"},
      {"negative seed", "/seed", "-1", "/seed: must be a non-negative integer, got -1"},
      // bounds that keep a run within 64-bit time, bytes and the samplers' domains
      {"rate beyond 1 ns between arrivals", "/workload/rate/rps", "2000000000",
       "/workload/rate/rps: must be at most 1e9 requests per second (arrivals are >= 1 ns "
       "apart), got 2000000000"},
      {"more keys than a double counts", "/workload/keys/count", "9223372036854775807",
       "/workload/keys/count: must be an integer <= 9007199254740992, got 9223372036854775807"},
      {"an RTT of a century", "/cache/rtt", R"("876000h")",
       R"(/cache/rtt: must be a duration of at most 10 years (87600h), got "876000h")"},
      {"a capacity beyond a petabyte", "/cache/capacity", R"("2048TiB")",
       R"(/cache/capacity: must be a size of at most 1PiB, got "2048TiB")"},
      {"a capacity beyond a petabyte in bytes", "/cache/capacity", "1125899906842625",
       "/cache/capacity: must be a size of at most 1PiB, got 1125899906842625"},
      {"a 20,000-character policy name is cut", "/policies/read", long_name.c_str(),
       "/policies/read/name: unknown read policy \"" + std::string(77, 'x') +
           "...\" (20000 characters); valid names are cache-aside, read-through"},
      {"write fraction above 1", "/workload/write_fraction", "1.5",
       "/workload/write_fraction: must be a fraction between 0 and 1, got 1.5"},
      {"negative alpha", "/workload/keys/alpha", "-1",
       "/workload/keys/alpha: must be >= 0, got -1"},
      {"unknown popularity", "/workload/keys/popularity", R"("pareto")",
       R"(/workload/keys/popularity: must be "zipf", "uniform" or "lru-stack", got "pareto")"},
      {"zero value size", "/workload/value_size", R"("0B")",
       R"(/workload/value_size: must be > 0, got "0B")"},
      {"negative sigma", "/cache/rtt", R"({"kind": "lognormal", "mean": "1ms", "sigma": -1})",
       "/cache/rtt/sigma: must be >= 0, got -1"},
      // Found by fuzzing: a sigma of 1e308 drew NaN service times.
      {"huge sigma", "/database/read", R"({"kind": "lognormal", "mean": "60ms", "sigma": 1e308})",
       "/database/read/sigma: must be at most 10, got 1e+308"},
      {"uniform max below min", "/database/read",
       R"({"kind": "uniform", "min": "5ms", "max": "1ms"})",
       R"(/database/read/max: must be >= min ("5ms"), got "1ms")"},
      {"unknown distribution kind", "/database/read", R"({"kind": "normal", "mean": "1ms"})",
       R"(/database/read/kind: must be "constant", "exponential", "lognormal" or "uniform", got "normal")"},
      {"zero metrics interval", "/metrics/interval", R"("0")",
       R"(/metrics/interval: must be > 0, got "0")"},
      {"bad name", "/name", R"("a b")",
       R"(/name: must be a non-empty name of letters, digits, '.', '_' and '-', got "a b")"},
      {"zero expiry limit", "/cache/active_expiry/limit", "0",
       "/cache/active_expiry/limit: must be an integer > 0, got 0"},
      // rate profiles
      {"first step not at 0", "/workload/rate",
       R"({"kind": "steps", "steps": [{"at": "1s", "rps": 5}]})",
       R"(/workload/rate/steps/0/at: the first step must be at "0", got "1s")"},
      {"steps out of order", "/workload/rate",
       R"({"kind": "steps", "steps": [{"at": "0", "rps": 5}, {"at": "2s", "rps": 1}, {"at": "2000ms", "rps": 1}]})",
       R"(/workload/rate/steps/2/at: must be later than the previous step ("2s"), got "2000ms")"},
      {"all steps idle", "/workload/rate", R"({"kind": "steps", "steps": [{"at": "0", "rps": 0}]})",
       "/workload/rate/steps: some step must have rps > 0, got all 0"},
      {"no steps", "/workload/rate", R"({"kind": "steps", "steps": []})",
       R"(/workload/rate/steps: must be a non-empty array of {"at": "0", "rps": 100} steps, got an array)"},
      {"ramp ending before it starts", "/workload/rate",
       R"({"kind": "ramp", "from_rps": 1, "to_rps": 2, "start": "1m", "end": "30s"})",
       R"(/workload/rate/end: must be later than start ("1m"), got "30s")"},
      {"idle ramp", "/workload/rate",
       R"({"kind": "ramp", "from_rps": 0, "to_rps": 0, "start": "0", "end": "30s"})",
       "/workload/rate: from_rps or to_rps must be > 0, got both 0"},
      {"unknown rate kind", "/workload/rate/kind", R"("diurnal")",
       R"(/workload/rate/kind: must be "constant", "steps" or "ramp", got "diurnal")"},
      // faults
      {"unknown fault kind", "/cache/faults",
       R"([{"kind": "crash", "start": "0", "duration": "1s"}])",
       R"(/cache/faults/0/kind: must be "down", "slow", "flush" or "restart", got "crash")"},
      {"empty fault window", "/cache/faults",
       R"([{"kind": "down", "start": "0", "duration": "0"}])",
       R"(/cache/faults/0/duration: must be > 0, got "0")"},
      {"faults not an array", "/cache/faults", "{}",
       R"(/cache/faults: must be an array of {"kind": ..., "start": ..., ...}, got an object)"},
      // required fields
      {"missing capacity", "/cache/capacity", nullptr,
       R"(/cache/capacity: required field is missing (expected a size such as "256MiB"))"},
      {"missing name", "/name", nullptr,
       R"(/name: required field is missing (expected a name such as "user-lookup"))"},
      {"missing fault start", "/cache/faults", R"([{"kind": "down", "duration": "1s"}])",
       "/cache/faults/0/start: required field is missing (expected a duration)"},
      // policies
      {"unknown read policy", "/policies/read/name", R"("cache-asid")",
       R"(/policies/read/name: unknown read policy "cache-asid"; valid names are )" +
           Names(Role::kRead)},
      {"unknown write policy (shorthand)", "/policies/write", R"("write-sideways")",
       R"(/policies/write: unknown write policy "write-sideways"; valid names are )" +
           Names(Role::kWrite)},
      {"unknown eviction policy", "/cache/eviction", R"("lfu-ish")",
       R"(/cache/eviction: unknown eviction policy "lfu-ish"; valid names are )" +
           Names(Role::kEviction)},
      {"unknown policy parameter", "/policies/read/params/tll", R"("5m")",
       "/policies/read/params/tll: unknown parameter of cache-aside; valid parameters are ttl, "
       "negative_ttl"},
      {"parameter of a policy without any", "/policies/write",
       R"({"name": "invalidate-on-write", "params": {"delay": "1s"}})",
       "/policies/write/params/delay: unknown parameter; invalidate-on-write has no parameters"},
      {"parameter of the wrong type", "/policies/read/params/ttl", "300",
       R"(/policies/read/params/ttl: must be a duration string with a unit, such as "250ms" or "0s" (a bare number has no unit), got 300)"},
      {"parameter out of bounds", "/policies/read/params/ttl", R"("-1s")",
       R"(/policies/read/params/ttl: must be >= 0, got "-1s")"},
      {"params not an object", "/policies/read/params", "[]",
       "/policies/read/params: must be an object, got an array"},
      {"unknown field of a policy choice", "/policies/read/param", "{}",
       "/policies/read/param: unknown field; valid fields are name, params"},
      // measurement windows (the base scenario runs 10s)
      {"warmup off the interval grid", "/metrics", R"({"interval": "1s", "warmup": "1500ms"})",
       R"(/metrics/warmup: must be a multiple of /metrics/interval (1s), got "1500ms")"},
      {"warmup as long as the run", "/metrics", R"({"interval": "1s", "warmup": "10s"})",
       R"(/metrics/warmup: must be shorter than /duration (10s), got "10s")"},
      {"window past the end", "/metrics",
       R"({"interval": "1s", "windows": [{"name": "late", "from": "5s", "to": "20s"}]})",
       R"(/metrics/windows/0/to: must be at most /duration (10s), got "20s")"},
      {"window ending before it starts", "/metrics",
       R"({"interval": "1s", "windows": [{"name": "w", "from": "5s", "to": "2s"}]})",
       R"(/metrics/windows/0/to: must be after from (5s), got "2s")"},
      {"window edge off the grid", "/metrics",
       R"({"interval": "1s", "windows": [{"name": "w", "from": "500ms", "to": "2s"}]})",
       R"(/metrics/windows/0/from: must be a multiple of /metrics/interval (1s), got "500ms")"},
      {"window named like a summary section", "/metrics",
       R"({"interval": "1s", "windows": [{"name": "db", "from": "0s", "to": "2s"}]})",
       R"(/metrics/windows/0/name: must differ from the other windows' names and from summary.json's sections (db is taken), got "db")"},
      {"window named steady beside a warmup", "/metrics",
       R"({"interval": "1s", "warmup": "1s", "windows": [{"name": "steady", "from": "0s", "to": "2s"}]})",
       R"(/metrics/windows/0/name: must differ from the other windows' names and from summary.json's sections (steady is taken), got "steady")"},
      {"window name with a dot", "/metrics",
       R"({"interval": "1s", "windows": [{"name": "a.b", "from": "0s", "to": "2s"}]})",
       R"(/metrics/windows/0/name: must be a name of lower-case letters, digits and '_', got "a.b")"},
      // cache clusters
      {"no nodes", "/cache/cluster", R"({"nodes": 0})",
       "/cache/cluster/nodes: must be an integer > 0, got 0"},
      {"more nodes than Redis Cluster advises", "/cache/cluster", R"({"nodes": 1001})",
       "/cache/cluster/nodes: must be an integer <= 1000, got 1001"},
      {"unknown sharding", "/cache/cluster", R"({"nodes": 3, "sharding": "modulo"})",
       R"(/cache/cluster/sharding: must be "hash-slots" or "consistent-hashing", got "modulo")"},
      {"unknown cluster field", "/cache/cluster", R"({"shards": 1})",
       "/cache/cluster/shards: unknown field; valid fields are nodes, sharding, virtual_nodes, "
       "replicas"},
      {"replicas as a number", "/cache/cluster", R"({"replicas": 1})",
       "/cache/cluster/replicas: must be an object, got 1"},
      {"more servers than a cluster has", "/cache/cluster",
       R"({"nodes": 500, "replicas": {"count": 2}})",
       "/cache/cluster/replicas/count: must be an integer <= 1, got 2"},
      {"unknown read_from", "/cache/cluster",
       R"({"nodes": 2, "replicas": {"read_from": "nearest"}})",
       R"(/cache/cluster/replicas/read_from: must be "primary", "replicas" or "any", got "nearest")"},
      {"failover at once", "/cache/cluster",
       R"({"replicas": {"count": 1, "failover_after": "0s"}})",
       R"(/cache/cluster/replicas/failover_after: must be > 0, got "0s")"},
      {"negative CPU time", "/cache/cpu", R"({"per_op": "-1us"})",
       R"(/cache/cpu/per_op: must be >= 0, got "-1us")"},
      {"a fault on a node past the last", "/cache/faults",
       R"([{"kind": "down", "start": "1s", "duration": "1s", "node": 1}])",
       "/cache/faults/0/node: must be an integer <= 0, got 1"},
      {"a fault's node named otherwise", "/cache/faults",
       R"([{"kind": "flush", "start": "1s", "node": "some"}])",
       R"(/cache/faults/0/node: must be "all" or a node's index from 0 to 0, got "some")"},
      // cache memory
      {"an unknown memory model", "/cache/memory", R"({"model": "memcached"})",
       R"(/cache/memory/model: must be "flat" (value + entry_overhead) or "redis", got "memcached")"},
      {"fragmentation below 1", "/cache/memory", R"({"model": "redis", "fragmentation": 0.9})",
       "/cache/memory/fragmentation: must be a number from 1 to 100 (RSS / used memory), got 0.9"},
      {"an empty key name", "/cache/memory", R"({"model": "redis", "key_bytes": 0})",
       "/cache/memory/key_bytes: must be an integer > 0, got 0"},
      {"a flat overhead beside the redis model", "/cache",
       R"({"capacity": "1MiB", "entry_overhead": "32B", "memory": {"model": "redis"}})",
       R"(/cache/entry_overhead: to be left out with /cache/memory/model "redis", which computes each entry's overhead, got "32B")"},
      {"too many replicas", "/database/replicas", R"({"count": 65})",
       "/database/replicas/count: must be an integer <= 64, got 65"},
      {"a negative replication lag", "/database/replicas", R"({"count": 1, "lag": "-1s"})",
       R"(/database/replicas/lag: must be >= 0, got "-1s")"},
      {"a negative database bandwidth", "/database/network", R"({"bandwidth_mbit": -1})",
       "/database/network/bandwidth_mbit: must be a number of megabits per second from 0 to "
       "10,000,000, got -1"},
      {"a database link field that does not exist", "/database/network", R"({"latency": "1ms"})",
       "/database/network/latency: unknown field; valid fields are bandwidth_mbit"},
      // per-instance pools
      {"an unknown pool scope", "/database/pool", R"("per_thread")",
       R"(/database/pool: must be "global" (one pool for every instance) or "per_instance" (a pool of `connections` in each application instance), got "per_thread")"},
      {"a pool scope that is not a string", "/database/pool", "4",
       "/database/pool: must be a string, got 4"},
      {"window named like the pools section", "/metrics",
       R"({"interval": "1s", "windows": [{"name": "pools", "from": "0s", "to": "2s"}]})",
       R"(/metrics/windows/0/name: must differ from the other windows' names and from summary.json's sections (pools is taken), got "pools")"},
      {"window named like the cluster section", "/metrics",
       R"({"interval": "1s", "windows": [{"name": "cluster", "from": "0s", "to": "2s"}]})",
       R"(/metrics/windows/0/name: must differ from the other windows' names and from summary.json's sections (cluster is taken), got "cluster")"},
      {"windows not an array", "/metrics/windows", "{}",
       R"(/metrics/windows: must be an array of {"name": ..., "from": ..., "to": ...}, got an object)"},
  };
  for (const BadField& c : cases) {
    CAPTURE(c.what);
    json doc = BaseScenario();
    const json::json_pointer ptr(c.pointer);
    if (c.value == nullptr) {
      doc[ptr.parent_pointer()].erase(ptr.back());
    } else {
      doc[ptr] = json::parse(c.value);
    }
    CHECK(ErrorOf([&] { LoadScenarioText(doc.dump(), "x.json"); }) == "x.json: " + c.message);
  }
}

TEST_CASE("per-instance pools load, and their bounds over the instances name the pointer",
          "[analysis][scenario]") {
  json doc = BaseScenario();
  doc["instances"] = {{"count", 4}};
  doc["database"]["pool"] = "per_instance";
  const Scenario s = LoadScenarioText(doc.dump(), "x.json");
  CHECK(s.world.database.pool == DatabaseConfig::PoolScope::kPerInstance);
  CHECK(s.world.database.connections == 4);
  CHECK(DatabasePools(s.world) == 4);
  CHECK(s.resolved["database"]["pool"] == "per_instance");
  CHECK(DatabasePools(LoadScenarioText(BaseScenario().dump(), "x.json").world) == 1);

  doc["database"]["connections"] = 2'000'000'000;
  CHECK(ErrorOf([&] { LoadScenarioText(doc.dump(), "x.json"); }) ==
        "x.json: /database/connections: must be at most 1073741823 per pool with per_instance "
        "pools (times /instances/count, 4, connections in all), got 2000000000");
  doc["database"]["connections"] = 4;
  doc["instances"]["count"] = 10'001;
  CHECK(ErrorOf([&] { LoadScenarioText(doc.dump(), "x.json"); }) ==
        "x.json: /database/pool: must be \"global\" with more than 10,000 instances "
        "(/instances/count is 10001), got \"per_instance\"");
}

TEST_CASE("lru-stack popularity and empirical sizes load, and bad tables name the JSON pointer",
          "[analysis][scenario]") {
  json doc = BaseScenario();
  doc["workload"]["keys"] = json::parse(
      R"({"count": 100, "popularity": "lru-stack", "cold": 0.25, "depths": [1, "2KiB", 4096]})");
  doc["workload"]["value_size"] =
      json::parse(R"({"kind": "empirical", "values": ["512B", 65536], "weights": [3, 1]})");
  const Scenario s = LoadScenarioText(doc.dump(), "x.json");
  const WorkloadConfig& w = s.world.workload;
  CHECK(w.popularity == WorkloadConfig::Popularity::kLruStack);
  CHECK(w.stack_cold == 0.25);
  CHECK(w.stack_depths == std::vector<double>{1, 2048, 4096});
  CHECK(w.size_values == std::vector<uint32_t>{512, 65536});
  CHECK(w.size_weights == std::vector<double>{3, 1});
  CHECK(w.value_size.mean == Approx((3 * 512 + 65536) / 4.0));
  CHECK(s.resolved["workload"]["value_size"]["values"] == json::parse(R"(["512B", "64KiB"])"));

  struct Bad {
    const char* pointer;
    const char* value;
    const char* message;
  };
  const Bad cases[] = {
      {"/workload/keys/depths", R"([1])",
       "/workload/keys/depths: must be an array of at least 2 non-decreasing sizes (depth "
       "quantiles), got an array"},
      {"/workload/keys/depths/2", "100",
       R"(/workload/keys/depths/2: must be >= the depth before it ("2KiB"), got 100)"},
      {"/workload/keys/depths/0", "0", "/workload/keys/depths/0: must be > 0, got 0"},
      {"/workload/keys/cold", "1.5",
       "/workload/keys/cold: must be a fraction between 0 and 1, got 1.5"},
      {"/workload/keys/alpha", "1", "/workload/keys/alpha: is for zipf only, got 1"},
      {"/workload/value_size/weights", "[1]",
       "/workload/value_size/weights: must be an array of numbers > 0, one per value (2), got "
       "an array"},
      {"/workload/value_size/weights/1", "0", "/workload/value_size/weights/1: must be > 0, got 0"},
      {"/workload/value_size/values/0", R"("0B")",
       R"(/workload/value_size/values/0: must be > 0, got "0B")"},
      {"/workload/value_size/values", "[]",
       R"(/workload/value_size/values: must be a non-empty array of sizes such as ["512B", "64KiB"], got an array)"},
  };
  for (const Bad& c : cases) {
    CAPTURE(c.pointer);
    json bad = doc;
    bad[json::json_pointer(c.pointer)] = json::parse(c.value);
    CHECK(ErrorOf([&] { LoadScenarioText(bad.dump(), "x.json"); }) ==
          std::string("x.json: ") + c.message);
  }
  json zipf_cold = BaseScenario();
  zipf_cold["workload"]["keys"]["cold"] = 0.5;
  CHECK(ErrorOf([&] { LoadScenarioText(zipf_cold.dump(), "x.json"); }) ==
        "x.json: /workload/keys/cold: is for lru-stack only, got 0.5");

  // Rows created outside the application are drawn among the missing rows.
  json creations = BaseScenario();
  creations["workload"]["row_creations_per_s"] = 2;
  CHECK(ErrorOf([&] { LoadScenarioText(creations.dump(), "x.json"); })
            .rfind("x.json: /workload/row_creations_per_s: creates missing rows, so it needs "
                   "missing_fraction > 0",
                   0) == 0);
  creations["workload"]["missing_fraction"] = 0.1;
  CHECK(LoadScenarioText(creations.dump(), "x.json").world.workload.row_creations_per_s == 2);
  creations["workload"]["keys"] =
      json::parse(R"({"count": 10, "popularity": "lru-stack", "cold": 0.1, "depths": [1, 2]})");
  CHECK(ErrorOf([&] {
          LoadScenarioText(creations.dump(), "x.json");
        }).rfind("x.json: /workload/row_creations_per_s: needs zipf or uniform popularity", 0) ==
        0);
}

TEST_CASE("key classes load with the workload-wide means, and bad ones name the JSON pointer",
          "[analysis][scenario][classes]") {
  json doc = BaseScenario();
  doc["workload"] = json::parse(R"({"rate": {"kind": "constant", "rps": 100}, "classes": [
      {"name": "user", "share": 3, "keys": {"count": 1000}, "write_fraction": 0.1,
       "value_size": "2KiB", "ttl": "10m",
       "database": {"read": {"kind": "constant", "value": "40ms"}}},
      {"name": "config", "share": 1, "keys": {"count": 10, "popularity": "uniform"},
       "missing_fraction": 0.5, "value_size": "1KiB"}]})");
  const Scenario s = LoadScenarioText(doc.dump(), "x.json");
  const WorkloadConfig& w = s.world.workload;
  REQUIRE(w.classes.size() == 2);
  CHECK(w.keys == 1010);
  CHECK(w.write_fraction == Approx(0.075));            // 3/4 x 0.1
  CHECK(w.missing_fraction == Approx(0.125 / 0.925));  // config's missing reads among all reads
  CHECK(w.value_size.mean == Approx((1000 * 2048 + 10 * 1024) / 1010.0));
  CHECK(w.classes[0].ttl == Duration::Seconds(600));
  CHECK(w.classes[1].ttl == Duration());
  REQUIRE(w.classes[0].db_read);
  CHECK(w.classes[0].db_read->mean == 40e6);
  CHECK_FALSE(w.classes[1].db_read);
  // The database carries the classes' service times, and the resolved scenario shows the
  // effective ones (config's are the database's) and loads back to itself.
  CHECK(s.world.database.class_read.size() == 2);
  CHECK(s.world.database.classes.Of(1005) == 1);
  CHECK(s.world.database.classes.Of(1010 + 3) == 0);  // user:3's missing row
  CHECK(s.resolved["workload"]["classes"][1]["database"]["read"] == s.resolved["database"]["read"]);
  CHECK(LoadScenarioText(s.resolved.dump(), "r.json").resolved == s.resolved);
  CHECK(s.world.database.class_api == std::vector<std::shared_ptr<const ApiConfig>>(2));

  // A class served by an external API: its resolved form shows the API (the
  // burst defaulting to one second's calls) and no database times.
  json api = doc;
  api["workload"]["classes"][1]["api"] = json::parse(
      R"({"latency": {"kind": "constant", "value": "120ms"}, "rate_limit": {"per_s": 7.5}})");
  const Scenario a = LoadScenarioText(api.dump(), "x.json");
  REQUIRE(a.world.database.class_api.size() == 2);
  CHECK_FALSE(a.world.database.class_api[0]);
  REQUIRE(a.world.database.class_api[1]);
  CHECK(a.world.database.class_api[1]->latency.mean == 120e6);
  CHECK(a.world.database.class_api[1]->rate_limit == 7.5);
  CHECK(a.world.database.class_api[1]->burst == 8);
  CHECK(a.world.database.class_api[1]->error_fraction == 0);
  const json& resolved = a.resolved["workload"]["classes"][1];
  CHECK_FALSE(resolved.contains("database"));
  CHECK(resolved["api"]["rate_limit"]["burst"] == 8);
  CHECK(LoadScenarioText(a.resolved.dump(), "r.json").resolved == a.resolved);

  const std::string base = R"({"name": "user", "share": 1, "keys": {"count": 10}})";
  const std::vector<std::pair<std::string, std::string>> bad = {
      {R"({"rate": {"kind": "constant", "rps": 1}, "classes": []})",
       "/workload/classes: must be an array of 1 to 64 key classes"},
      {R"({"rate": {"kind": "constant", "rps": 1}, "keys": {"count": 5}, "classes": [)" + base +
           "]}",
       "/workload/keys: is set per key class when workload.classes is given"},
      {R"({"rate": {"kind": "constant", "rps": 1}, "classes": [)" + base + "," + base + "]}",
       "/workload/classes/1/name: names another class already"},
      {R"({"rate": {"kind": "constant", "rps": 1}, "classes": [{"name": "User:1", "share": 1, "keys": {"count": 1}}]})",
       "/workload/classes/0/name: must be 1 to 32 of a-z, 0-9, '_' and '-'"},
      {R"({"rate": {"kind": "constant", "rps": 1}, "classes": [{"name": "a", "share": 0, "keys": {"count": 1}}]})",
       "/workload/classes/0/share: must be > 0"},
      {R"({"rate": {"kind": "constant", "rps": 1}, "classes": [{"name": "a", "share": 1, "keys": {"count": 0}}]})",
       "/workload/classes/0/keys/count: must be an integer > 0"},
      {R"({"rate": {"kind": "constant", "rps": 1}, "classes": [{"name": "a", "share": 1, "keys": {"count": 1, "popularity": "lru-stack"}}]})",
       R"(/workload/classes/0/keys/popularity: must be "zipf" or "uniform")"},
      {R"({"rate": {"kind": "constant", "rps": 1}, "classes": [{"name": "a", "share": 1, "keys": {"count": 1}, "tll": "1m"}]})",
       "/workload/classes/0/tll: unknown field"},
      {R"({"rate": {"kind": "constant", "rps": 1}, "classes": [{"name": "a", "share": 1, "keys": {"count": 1}, "database": {"read": "-1ms"}}]})",
       "/workload/classes/0/database/read"},
      {R"({"rate": {"kind": "constant", "rps": 1}, "classes": [{"name": "a", "share": 1, "keys": {"count": 1}, "key": {"rows_per_key": 0}}]})",
       "/workload/classes/0/key/rows_per_key: must be an integer > 0"},
      {R"({"rate": {"kind": "constant", "rps": 1}, "classes": [{"name": "a", "share": 1, "keys": {"count": 1}, "key": {"rows_per_key": 257}}]})",
       "/workload/classes/0/key/rows_per_key: must be an integer <= 256"},
      {R"({"rate": {"kind": "constant", "rps": 1}, "classes": [{"name": "a", "share": 1, "keys": {"count": 1}, "key": {"namespace": "no"}}]})",
       "/workload/classes/0/key/namespace"},
      {R"({"rate": {"kind": "constant", "rps": 1}, "classes": [{"name": "a", "share": 1, "keys": {"count": 1}, "key": {"prefix": "a"}}]})",
       "/workload/classes/0/key/prefix: unknown field"},
      {R"({"rate": {"kind": "constant", "rps": 1}, "classes": [{"name": "a", "share": 1, "keys": {"count": 1}, "key": "a:{id}"}]})",
       "/workload/classes/0/key"},
      {R"({"rate": {"kind": "constant", "rps": 1}, "classes": [{"name": "a", "share": 1, "keys": {"count": 9007199254740992}, "key": {"namespace": false}}]})",
       "/workload/classes/0/keys/count: makes the classes' keys (and their missing rows) more than "
       "2^46"},
      {R"({"rate": {"kind": "constant", "rps": 1}, "classes": [{"name": "a", "share": 1, "keys": {"count": 1}, "api": {"latency": "1ms", "rate_limit": {"per_s": 0}}}]})",
       "/workload/classes/0/api/rate_limit/per_s: must be > 0"},
      {R"({"rate": {"kind": "constant", "rps": 1}, "classes": [{"name": "a", "share": 1, "keys": {"count": 1}, "api": {"latency": "1ms", "rate_limit": {"per_s": 5, "burst": 0.5}}}]})",
       "/workload/classes/0/api/rate_limit/burst: must be at least 1 (one call)"},
      {R"({"rate": {"kind": "constant", "rps": 1}, "classes": [{"name": "a", "share": 1, "keys": {"count": 1}, "api": {"rate_limit": {"per_s": 5}}}]})",
       "/workload/classes/0/api/latency: required field is missing"},
      {R"({"rate": {"kind": "constant", "rps": 1}, "classes": [{"name": "a", "share": 1, "keys": {"count": 1}, "api": {"latency": "1ms"}, "database": {}}]})",
       "/workload/classes/0/api: is a class's backend instead of \"database\": give one of the "
       "two"},
      {R"({"rate": {"kind": "constant", "rps": 1}, "classes": [{"name": "a", "share": 1, "keys": {"count": 1}, "write_fraction": 0.1, "api": {"latency": "1ms"}}]})",
       "/workload/classes/0/write_fraction: must be 0 for a class served by an external API"},
      {R"({"rate": {"kind": "constant", "rps": 1}, "classes": [{"name": "a", "share": 1, "keys": {"count": 1}, "api": {"latency": "1ms", "error_fraction": 1.5}}]})",
       "/workload/classes/0/api/error_fraction: must be"},
      {R"({"rate": {"kind": "constant", "rps": 1}, "classes": [{"name": "a", "share": 1, "keys": {"count": 1}, "row_creations_per_s": 2}]})",
       "/workload/classes/0/row_creations_per_s: creates missing rows, so it needs "
       "missing_fraction > 0"},
      {R"({"rate": {"kind": "constant", "rps": 1}, "classes": [{"name": "a", "share": 1, "keys": {"count": 1}, "missing_fraction": 0.1, "row_creations_per_s": -1}]})",
       "/workload/classes/0/row_creations_per_s: must be >= 0"},
      {R"({"rate": {"kind": "constant", "rps": 1}, "row_creations_per_s": 1, "classes": [)" + base +
           "]}",
       "/workload/row_creations_per_s: is set per key class when workload.classes is given"},
      {R"({"rate": {"kind": "constant", "rps": 1}, "classes": [{"name": "a", "share": 1, "keys": {"count": 1}, "cached": "no"}]})",
       "/workload/classes/0/cached: must be true or false"},
  };
  for (const auto& [workload, message] : bad) {
    CAPTURE(workload);
    json d = BaseScenario();
    d["workload"] = json::parse(workload);
    const std::string error = ErrorOf([&] { LoadScenarioText(d.dump(), "x.json"); });
    CHECK(error.rfind("x.json: " + message, 0) == 0);
  }
}

// ---- Overrides ---------------------------------------------------------------------

TEST_CASE("ParseOverride splits at the first '=' and rejects malformed text",
          "[analysis][scenario]") {
  const Override ov = ParseOverride("/description=a=b");
  CHECK(ov.pointer == "/description");
  CHECK(ov.value == "a=b");
  CHECK(ParseOverride("/description=").value.empty());

  const std::vector<std::pair<std::string, std::string>> bad = {
      {"/cache/capacity", "--set /cache/capacity: expected /json/pointer=value, got no '='"},
      {"=1GiB", "--set =1GiB: expected /json/pointer=value, got an empty pointer"},
      {"cache/capacity=1GiB",
       R"(--set cache/capacity=1GiB: expected a JSON pointer starting with '/' such as /cache/capacity, got "cache/capacity")"},
  };
  for (const auto& [text, message] : bad) {
    CAPTURE(text);
    CHECK(ErrorOf([&] { ParseOverride(text); }) == message);
  }
}

Scenario LoadDefaultWith(const std::vector<std::string>& sets) {
  std::vector<Override> overrides;
  for (const auto& s : sets) overrides.push_back(ParseOverride(s));
  return LoadDefaultScenario(overrides);
}

TEST_CASE("overrides replace fields, add optional ones and index arrays", "[analysis][scenario]") {
  SECTION("unquoted strings, numbers and JSON values") {
    const Scenario s = LoadDefaultWith({"/cache/capacity=1GiB", "/database/connections=8",
                                        R"(/workload/rate={"kind":"constant","rps":50})",
                                        R"(/description="quoted")"});
    CHECK(s.world.cache.capacity_bytes == 1ull << 30);
    CHECK(s.world.database.connections == 8);
    CHECK(s.world.workload.rate.rps == 50);
    CHECK(s.description == "quoted");
    CHECK(s.resolved["cache"]["capacity"] == "1GiB");
  }
  SECTION("an optional field absent from the file, with parents created") {
    const Scenario s = LoadDefaultWith({"/cache/max_items=1000", "/cache/active_expiry/limit=5"});
    CHECK(s.world.cache.max_items == 1000);
    CHECK(s.world.cache.active_expiry_limit == 5);
    CHECK(s.world.cache.active_expiry_interval == Duration::Millis(100));
  }
  SECTION("array elements by index, appended with the next index or -") {
    const Scenario s = LoadDefaultWith({
        R"(/cache/faults/0={"kind":"down","start":"10s","duration":"5s"})",
        "/cache/faults/0/duration=1m",
        R"(/cache/faults/-={"kind":"down","start":"20m","duration":"1s"})",
    });
    REQUIRE(s.world.cache.faults.size() == 2);
    CHECK(s.world.cache.faults[0].duration == Duration::Seconds(60));
    CHECK(s.world.cache.faults[1].start == Duration::Seconds(1200));
  }
  SECTION("policy parameters, also inside a shorthand choice") {
    CHECK(LoadDefaultWith({"/policies/read/params/ttl=5m"}).stack.read.params.GetDuration("ttl") ==
          Duration::Seconds(300));
    const Scenario s = LoadScenarioText(
        BaseScenario().dump(), "b.json",
        {ParseOverride("/cache/eviction/name=lru"), ParseOverride("/cache/rtt/value=2ms")});
    CHECK(s.resolved["cache"]["eviction"] == json::parse(R"({"name":"lru","params":{}})"));
    CHECK(s.world.cache.rtt.mean == 2e6);
  }
  SECTION("later overrides win") {
    CHECK(LoadDefaultWith({"/seed=1", "/seed=7"}).world.seed == 7);
  }
}

TEST_CASE("bad overrides name the override and the pointer", "[analysis][scenario]") {
  const std::string cache_fields =
      "enabled, capacity, node_type, max_items, entry_overhead, memory, eviction, rtt, timeout, "
      "active_expiry, "
      "faults, "
      "cluster, cpu, network";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"/cache/capcity=1GiB",
       "--set /cache/capcity=1GiB: unknown field; valid fields are " + cache_fields},
      {"/cachee/capacity=1GiB",
       "--set /cachee/capacity=1GiB: /cachee: unknown field; valid fields are name, description, "
       "seed, duration, workload, instances, cache, database, policies, metrics, alerts, cost"},
      {"/cache/active_expiry/foo=1",
       "--set /cache/active_expiry/foo=1: unknown field; valid fields are interval, limit"},
      {"/database/connections=0", "--set /database/connections=0: must be an integer > 0, got 0"},
      // Found by fuzzing: the created parent's index was taken for this level's,
      // padding an array to 40 million elements (1.4 GB) before the error.
      {"/x/0/40404400={}",
       "--set /x/0/40404400={}: /x/0: expected an index <= 0 (the array has 0 elements), got "
       "40404400"},
      {"/cache/capacity=-5MiB", R"(--set /cache/capacity=-5MiB: must be > 0, got "-5MiB")"},
      {"/cache/timeout=0",
       R"(--set /cache/timeout=0: must be a duration string with a unit, such as "250ms" or "0s" (a bare number has no unit), got 0)"},
      {"/policies/read/name=cache-asid",
       R"(--set /policies/read/name=cache-asid: unknown read policy "cache-asid"; valid names are )" +
           Names(Role::kRead)},
      {"/policies/read/params/tll=5m",
       "--set /policies/read/params/tll=5m: unknown parameter of cache-aside; valid parameters "
       "are ttl, negative_ttl"},
      {R"(/cache/faults/0={"kind":"down","start":"1s"})",
       R"(--set /cache/faults/0={"kind":"down","start":"1s"}: /cache/faults/0/duration: required field is missing (expected a duration > 0))"},
      {"/cache/capacity/x=1",
       R"(--set /cache/capacity/x=1: /cache/capacity: expected an object or array to set a field inside, got "256MiB")"},
      {"/cache/faults/3=1",
       "--set /cache/faults/3=1: /cache/faults: expected an index <= 0 (the array has 0 "
       "elements), got 3"},
      {"/cache/faults/x=1",
       R"(--set /cache/faults/x=1: /cache/faults: must be an array of {"kind": ..., "start": ..., ...}, got an object)"},
      {"/cache/a~2b=1",
       R"(--set /cache/a~2b=1: expected a JSON pointer ('~' must be written ~0 and '/' inside a name ~1), got "/cache/a~2b")"},
  };
  for (const auto& [text, message] : cases) {
    CAPTURE(text);
    CHECK(ErrorOf([&] { LoadDefaultWith({text}); }) == message);
  }
  // Indexing an existing array.
  const std::string fault = R"(/cache/faults/0={"kind":"down","start":"1s","duration":"1s"})";
  CHECK(
      ErrorOf([&] {
        LoadDefaultWith({fault, "/cache/faults/x=1"});
      }) ==
      R"(--set /cache/faults/x=1: /cache/faults: expected an array index (0, 1, ... or - to append), got "x")");
  CHECK(
      ErrorOf([&] {
        LoadDefaultWith({fault, "/cache/faults/01=1"});
      }) ==
      R"(--set /cache/faults/01=1: /cache/faults: expected an array index (0, 1, ... or - to append), got "01")");
  CHECK(
      ErrorOf([&] {
        LoadDefaultWith({fault, "/cache/faults/0/kind=crash"});
      }) ==
      R"(--set /cache/faults/0/kind=crash: must be "down", "slow", "flush" or "restart", got "crash")");
}

// An error in the file itself is still blamed on the file when overrides are present.
TEST_CASE("errors outside what an override set name the file", "[analysis][scenario]") {
  json doc = BaseScenario();
  doc["database"]["connections"] = 0;
  CHECK(ErrorOf([&] {
          LoadScenarioText(doc.dump(), "x.json", {ParseOverride("/cache/capacity=2MiB")});
        }) == "x.json: /database/connections: must be an integer > 0, got 0");
}

// ---- Params ------------------------------------------------------------------------------

TEST_CASE("Params::WithDefaults fills every declared name and rejects undeclared ones",
          "[analysis][scenario]") {
  const std::vector<ParamSpec> specs = {
      {"ttl", ParamType::kDuration, Duration::Seconds(60), "time to live"},
      {"beta", ParamType::kDouble, 1.0, "XFetch beta", ParamBound::kPositive},
  };
  Params given;
  given.Set("beta", 2.5);
  const Params p = Params::WithDefaults(specs, given);
  CHECK(p.GetDuration("ttl") == Duration::Seconds(60));
  CHECK(p.GetDouble("beta") == 2.5);
  CHECK(p.values().size() == 2);

  Params unknown;
  unknown.Set("gamma", 1.0);
  CHECK_THROWS_AS(Params::WithDefaults(specs, unknown), std::logic_error);
  Params mistyped;
  mistyped.Set("ttl", int64_t{5});
  CHECK_THROWS_AS(Params::WithDefaults(specs, mistyped), std::logic_error);
  CHECK(std::string(ParamTypeName(ParamType::kBytes)) == "bytes");
  CHECK(std::string(ParamTypeName(ParamType::kDuration)) == "duration");
}

}  // namespace
}  // namespace cachelab
