// The conformance suite of the request-path roles: every module the registry
// holds for read, write, invalidation, guard, l1, warming and degradation
// (eviction has its own suite, eviction/conformance_test.cc) is generated
// from AllPolicies(), so a new module is covered without editing this file.
// Each runs with its default parameters on top of a stack that is otherwise
// StackConfig's default (cache-aside with a 1 s TTL, so entries keep expiring).
//
// What every module must do:
//  - conserve requests and database loads (the laws in CheckConservation);
//  - give the same summary for the same seed;
//  - load through the scenario loader with its defaults, and have every bad
//    parameter refused as an InputError naming its JSON pointer (the CLI
//    turns that into exit 2);
//  - in a cache outage, obey the degradation rule;
//  - leave no process suspended when the run ends (no live coroutine frame).
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "analysis/outputs/run_outputs.h"
#include "analysis/scenario/scenario.h"
#include "policies/run.h"
#include "policies/stack.h"
#include "sim/core/frame_pool.h"
#include "tests/support/cli.h"
#include "tests/support/scenario_errors.h"
#include "tests/support/world.h"

using namespace cachelab;
using namespace cachelab::test;

namespace {

struct Module {
  Role role;
  std::string name;
};

// Every module of every role but eviction, in registry order.
std::vector<Module> Modules() {
  std::vector<Module> out;
  for (const PolicyInfo& info : AllPolicies()) {
    if (info.role != Role::kEviction) out.push_back({info.role, info.name});
  }
  return out;
}

std::string Label(const Module& m) {
  return std::string(RoleName(m.role)) + " " + m.name;
}

// The stack: cache-aside with a 1 s TTL, `m` with its defaults in its role,
// StackConfig's default elsewhere. For the read role the module's own TTL
// default applies.
StackConfig StackWith(const Module& m) {
  return TestStack(Duration::Seconds(1)).Use(m.role, m.name);
}

constexpr uint64_t kCapacity = 256 << 10;

// A busy, failing world, small enough to run every module in a few ms:
// 1,000 Zipf keys of 1,000 bytes (about 1 MiB with the entry overhead) in a
// 256 KiB cache, so entries are evicted; 3 instances; 5 % writes and 2 % reads
// of missing keys; random round trips and service times; the cache down from
// 1.5 s to 2.5 s and flushed at 3 s (which also triggers warming modules
// that warm after a flush).
WorldConfig BusyWorld() {
  WorldConfig w = TestWorld("conformance", 21)
                      .Lasting(Duration::Seconds(4))
                      .Rps(1500)
                      .Keys(1000)
                      .Zipf()
                      .Writes(0.05)
                      .Instances(3)
                      .CacheBytes(kCapacity)
                      .CacheDown(Duration::Millis(1500), Duration::Seconds(1));
  w.workload.missing_fraction = 0.02;
  w.cache.rtt = Exponential(0.3e6);
  w.cache.faults.push_back({FaultWindowConfig::Kind::kFlush, Duration::Seconds(3), Duration(), 1});
  w.database.read_service = Exponential(5e6);
  w.database.write_service = Exponential(2e6);
  w.metrics.interval = Duration::Seconds(1);
  return w;
}

// BusyWorld without writes: the degradation rule is about reads, and a write
// path that acknowledges at the cache (write-behind) fails its writes in an
// outage whatever the degradation role says; without writes every failure
// counted is a read's.
WorldConfig ReadOnlyOutageWorld() {
  WorldConfig w = BusyWorld();
  w.workload.write_fraction = 0;
  return w;
}

// RunSimulation, checking that every process it started has ended: no
// coroutine frame outlives the run (a suspended process would keep its frame
// from the pool, and under ASan its memory would also leak).
RunResult Run(const WorldConfig& w, const StackConfig& s) {
  const std::size_t frames = frame_pool::LiveFrames();
  RunResult r = RunSimulation(w, s);
  INFO("coroutine frames live before the run " << frames << ", after " << frame_pool::LiveFrames());
  CHECK(frame_pool::LiveFrames() == frames);
  return r;
}

// What `stack`'s degradation role does with a cache error.
DegradationRule RuleOf(const StackConfig& stack) {
  const PolicyInfo* info = FindPolicy(Role::kDegradation, stack.degradation.name);
  return info->make_degradation(Params::WithDefaults(info->params, stack.degradation.params));
}

// Whether `stack` warms the cache at all (the warming role's "none" builds no warmer).
bool Warms(const StackConfig& stack) {
  const PolicyInfo* info = FindPolicy(Role::kWarming, stack.warming.name);
  return info->make_warming(Params::WithDefaults(info->params, stack.warming.params)) != nullptr;
}

// The laws every run obeys, whatever the modules.
void CheckConservation(const Summary& s, const StackConfig& stack, uint64_t capacity) {
  INFO("reads " << s.requests.reads << " = hits " << s.cache.hits << " + misses " << s.cache.misses
                << " + errors " << s.cache.errors << "; DB reads " << s.db.reads << ", coalesced "
                << s.guard.coalesced_reads << ", early refreshes " << s.guard.early_refreshes
                << ", background refreshes " << s.guard.background_refreshes << ", keys warmed "
                << s.warming.keys_loaded << ", duplicate loads " << s.stampede.duplicate_loads);
  CHECK(s.requests.total == s.requests.reads + s.requests.writes);
  CHECK(s.requests.reads == s.cache.hits + s.cache.misses + s.cache.errors);
  CHECK(s.requests.failed <= s.requests.total);
  CHECK(s.db.queries == s.db.reads + s.db.writes);

  // Who reads the database: a read that missed loads the row, and so does
  // one that met a cache error if the degradation rule falls back to the DB,
  // unless it was coalesced onto a load in flight (single-flight); every
  // refresh a guard starts (early, XFetch, stale-while-revalidate,
  // background) is one load; the warmer loads the rest. Hits, L1 hits and
  // writes never read the DB.
  const uint64_t read_loads =
      s.cache.misses + (RuleOf(stack).fallback ? s.cache.errors : 0) - s.guard.coalesced_reads;
  const uint64_t refresh_loads = s.guard.early_refreshes + s.guard.background_refreshes;
  REQUIRE(s.db.reads >= read_loads + refresh_loads);
  const uint64_t warming_loads = s.db.reads - read_loads - refresh_loads;
  if (Warms(stack)) {
    // The warmer counts the keys it stored, not its loads: a load whose SET
    // failed (the cache was down) or came after a flush is not a key warmed.
    CHECK(warming_loads >= s.warming.keys_loaded);
  } else {
    CHECK(warming_loads == 0);
  }

  // Every DB read is a load of some key (StampedeTracker): a load opens an
  // episode of its key or overlaps one, and the run ends with no load in
  // flight, so loads = duplicates + episodes of every size.
  uint64_t episodes = 0;
  for (uint64_t n : s.stampede.size_counts) episodes += n;
  CHECK(s.db.reads == s.stampede.duplicate_loads + episodes);
  CHECK(s.stampede.duplicate_loads <= s.db.reads);

  CHECK(s.cache.peak_bytes <= capacity);
  CHECK(s.l1.hits <= s.cache.hits);
}

}  // namespace

TEST_CASE("every request-path policy module is in the registry with a summary",
          "[policies][conformance]") {
  for (Role role : kAllRoles) {
    if (role == Role::kEviction) continue;
    INFO(RoleName(role));
    // Each role offers a choice (and its default is registered).
    CHECK(PolicyNames(role).size() >= 2);
    CHECK(FindPolicy(role, StackConfig().Of(role).name) != nullptr);
  }
  for (const Module& m : Modules()) {
    INFO(Label(m));
    CHECK(!FindPolicy(m.role, m.name)->summary.empty());
  }
}

TEST_CASE("the conformance world has writes, a cache outage, evictions and expiries",
          "[policies][conformance]") {
  // With StackConfig's default modules and the 1 s TTL, so the modules below
  // are tried on a world where all of these happen.
  const WorldConfig w = BusyWorld();
  const Summary s = Run(w, TestStack(Duration::Seconds(1))).summary;
  CHECK(s.requests.writes > 0);
  CHECK(s.cache.errors > 0);
  CHECK(s.cache.evictions > 0);
  CHECK(s.cache.expirations > 0);
}

TEST_CASE("every request-path policy module conserves requests and DB loads",
          "[policies][conformance]") {
  const Module m = GENERATE(from_range(Modules()));
  INFO(Label(m));
  const WorldConfig w = BusyWorld();
  const StackConfig stack = StackWith(m);
  const Summary s = Run(w, stack).summary;
  REQUIRE(s.requests.writes > 0);
  REQUIRE(s.cache.errors > 0);     // the outage was met
  REQUIRE(s.cache.evictions > 0);  // the capacity was reached
  CheckConservation(s, stack, kCapacity);
}

TEST_CASE("every request-path policy module leaves no process suspended when the run ends",
          "[policies][conformance]") {
  // Background processes (write-behind's worker, background refresh,
  // warming, invalidation feeds) must end once the world stops, and no
  // reader may be left waiting on a lock, lease or flight: each would hold a
  // coroutine frame. Every run of this suite checks this (see Run); here it
  // is the claim, on the busy world with and without writes.
  const Module m = GENERATE(from_range(Modules()));
  INFO(Label(m));
  for (const WorldConfig& w : {BusyWorld(), ReadOnlyOutageWorld()}) {
    const std::size_t frames = frame_pool::LiveFrames();
    const Summary s = RunSimulation(w, StackWith(m)).summary;
    REQUIRE(s.requests.total > 0);
    CHECK(frame_pool::LiveFrames() == frames);
  }
}

TEST_CASE("every request-path policy module gives the same summary for the same seed",
          "[policies][conformance]") {
  const Module m = GENERATE(from_range(Modules()));
  INFO(Label(m));
  const WorldConfig w = BusyWorld();
  const Summary a = Run(w, StackWith(m)).summary;
  const Summary b = Run(w, StackWith(m)).summary;
  CHECK(SummaryToJson(a).dump() == SummaryToJson(b).dump());
  // And another seed gives other traffic, so equality above is not vacuous.
  WorldConfig other = w;
  other.seed += 1;
  const Summary c = Run(other, StackWith(m)).summary;
  CHECK(SummaryToJson(a).dump() != SummaryToJson(c).dump());
}

TEST_CASE("every request-path policy module obeys the degradation rule in a cache outage",
          "[policies][conformance][degradation]") {
  const Module m = GENERATE(from_range(Modules()));
  INFO(Label(m));
  const WorldConfig w = ReadOnlyOutageWorld();
  // The degradation modules are the rule itself: each runs once and must do
  // what its DegradationRule says. The other roles run under both rules.
  std::vector<std::string> rules;
  if (m.role == Role::kDegradation) {
    rules.push_back(m.name);
  } else {
    rules = PolicyNames(Role::kDegradation);
  }
  for (const std::string& rule_name : rules) {
    INFO("degradation " << rule_name);
    StackConfig stack = StackWith(m);
    stack.degradation = {rule_name, {}};
    const DegradationRule rule = RuleOf(stack);
    const Summary s = Run(w, stack).summary;
    INFO("cache errors " << s.cache.errors << ", failed reads " << s.requests.failed);
    REQUIRE(s.requests.writes == 0);
    REQUIRE(s.cache.errors > 0);
    CheckConservation(s, stack, kCapacity);
    if (rule.fallback) {
      // A cache error is read from the DB (which has no queue timeout here):
      // no read fails because of the cache.
      CHECK(s.requests.failed == 0);
    } else {
      // Exactly the reads that met a cache error fail.
      CHECK(s.requests.failed == s.cache.errors);
    }
  }
}

TEST_CASE("every request-path policy module loads with its defaults through the scenario loader",
          "[policies][conformance][scenario]") {
  const Module m = GENERATE(from_range(Modules()));
  INFO(Label(m));
  const PolicyInfo* info = FindPolicy(m.role, m.name);
  const std::string text = R"({
    "name": "defaults",
    "duration": "2s",
    "workload": {"rate": {"kind": "constant", "rps": 500}, "keys": {"count": 1000}},
    "cache": {"capacity": "1MiB", "rtt": "1ms"},
    "database": {"connections": 16},
    "policies": {")" + std::string(RoleName(m.role)) +
                           R"(": {"name": ")" + m.name + R"("}}})";
  const Scenario sc = LoadScenarioText(text, "x.json");
  CHECK(sc.stack.Of(m.role).name == m.name);
  // Every declared parameter is present, at its default.
  CHECK(sc.stack.Of(m.role).params.values() == Params::WithDefaults(info->params).values());
  const Summary s = Run(sc.world, sc.stack).summary;
  CHECK(s.requests.total > 0);
  CheckConservation(s, sc.stack, sc.world.cache.capacity_bytes);
}

TEST_CASE("every request-path policy module refuses bad parameters naming the JSON pointer",
          "[policies][conformance][scenario]") {
  const Module m = GENERATE(from_range(Modules()));
  INFO(Label(m));
  const PolicyInfo* info = FindPolicy(m.role, m.name);
  const std::string role = RoleName(m.role);
  auto error = [&](const std::string& params) {
    return PolicyInputError(role, R"({"name": ")" + m.name + R"(", "params": )" + params + "}");
  };
  // An unknown name, whether or not the module has parameters.
  const std::string unknown = error(R"({"no_such_param": 1})");
  CHECK(unknown.rfind("x.json: /policies/" + role + "/params/no_such_param: unknown parameter",
                      0) == 0);
  // A module without parameters has no wrong type to give: the unknown name
  // above is its only bad parameter, and the message says it takes none.
  if (info->params.empty()) CHECK(unknown.find("has no parameters") != std::string::npos);
  // A value of the wrong type for each declared parameter.
  for (const ParamSpec& spec : info->params) {
    std::string wrong;
    switch (spec.type) {
      case ParamType::kDuration:
      case ParamType::kBytes:
        wrong = "true";
        break;
      case ParamType::kDouble:
        wrong = R"("many")";
        break;
      case ParamType::kInt:
        wrong = "0.5";
        break;
      case ParamType::kBool:
        wrong = R"("yes")";
        break;
      case ParamType::kString:
        wrong = "7";
        break;
    }
    INFO(spec.name << " (" << ParamTypeName(spec.type) << ") = " << wrong);
    const std::string message = error("{\"" + spec.name + "\": " + wrong + "}");
    CHECK(message.rfind("x.json: /policies/" + role + "/params/" + spec.name + ": must be ", 0) ==
          0);
    const std::string got = ", got " + wrong;
    CHECK(message.size() > got.size());
    CHECK(message.compare(message.size() - got.size(), got.size(), got) == 0);
  }
}

TEST_CASE("every request-path policy module's bad parameter makes `cachelab validate` exit 2",
          "[policies][conformance][scenario][cli]") {
  // The InputErrors above reach the user through the CLI: exit 2, one line
  // naming the pointer. Shown with an unknown parameter name, which every
  // module refuses (the wrong types take the same path).
  const Module m = GENERATE(from_range(Modules()));
  INFO(Label(m));
  const std::string role = RoleName(m.role);
  Sandbox box;
  const CommandResult r =
      box.Run({"validate", std::string(CACHELAB_TEST_DATA) + "/cli_tiny.json", "--set",
               "/policies/" + role + R"(={"name": ")" + m.name + R"(", "params": {"bogus": 1}})"});
  ExpectInputError(box, r, {"/policies/" + role + "/params/bogus", "unknown parameter"});
}
