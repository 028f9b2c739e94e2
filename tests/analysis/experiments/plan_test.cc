// `cachelab plan` (analysis/experiments/plan.h): SLO grammar, the confidence-bound rule,
// and answers checked against theory (Erlang C for database connections) and
// against a sweep over the same candidates (cache capacity).
#include "analysis/experiments/plan.h"

#include <fmt/format.h>

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "analysis/common/errors.h"
#include "analysis/models/analytic.h"
#include "analysis/models/model_report.h"
#include "analysis/scenario/run.h"

namespace cachelab {
namespace {

const std::string kData = CACHELAB_TEST_DATA;

// plan_mmc.json (an M/M/c database: 300 queries a second of 10 ms, no cache)
// planned over its connections in `range` for `slo`, on two threads.
PlanSpec MmcConnections(const std::string& range, const std::string& slo) {
  PlanSpec spec;
  spec.scenario_path = kData + "/plan_mmc.json";
  spec.pointer = "/database/connections";
  spec.range = range;
  spec.slos = {ParseSlo(slo)};
  spec.threads = 2;
  return spec;
}

const MetricStats& Metric(const std::vector<MetricStats>& ms, const std::string& name) {
  for (const MetricStats& m : ms) {
    if (m.name == name) return m;
  }
  FAIL("no metric " << name);
  return ms.front();
}

}  // namespace

TEST_CASE("SLOs parse as metric, comparison and number", "[analysis][plan]") {
  const Slo a = ParseSlo("latency_ms.p99<=10");
  CHECK(a.metric == "latency_ms.p99");
  CHECK(a.op == Slo::Op::kLessEqual);
  CHECK(a.threshold == 10);
  CHECK(ParseSlo("cache.hit_ratio >= 0.9").op == Slo::Op::kGreaterEqual);
  CHECK(ParseSlo("cache.hit_ratio >= 0.9").threshold == 0.9);
  CHECK(ParseSlo("db.utilization<0.7").op == Slo::Op::kLess);
  CHECK(ParseSlo("requests.total>1e3").op == Slo::Op::kGreater);
  CHECK(ParseSlo("requests.total>1e3").threshold == 1000);
  for (const char* bad : {"latency_ms.p99", "<=10", "latency_ms.p99<=", "latency_ms.p99<=ten",
                          "latency_ms.p99=<10"}) {
    INFO(bad);
    CHECK_THROWS_AS(ParseSlo(bad), InputError);
    CHECK_THROWS_WITH(ParseSlo(bad), Catch::Contains(std::string("--slo ") + bad));
  }
}

TEST_CASE("an SLO on an unknown metric lists the closest names", "[analysis][plan]") {
  CHECK_NOTHROW(CheckSloMetrics({ParseSlo("db.mean_wait_ms<=1"), ParseSlo("l1.hit_ratio>=0")}));
  CHECK_THROWS_WITH(
      CheckSloMetrics({ParseSlo("db.mean_wait<=1")}),
      Catch::Contains("unknown metric db.mean_wait") && Catch::Contains("db.mean_wait_ms"));
  CHECK_THROWS_WITH(CheckSloMetrics({ParseSlo("latency.p99<=1")}),
                    Catch::Contains("latency_ms.p99"));
  // Strings and arrays are not metrics.
  CHECK_THROWS_AS(CheckSloMetrics({ParseSlo("scenario<=1")}), InputError);
  CHECK_THROWS_AS(CheckSloMetrics({ParseSlo("stampede.size_counts<=1")}), InputError);
}

TEST_CASE("an SLO may name a window of the scenario or the worst interval, and says which",
          "[analysis][plan][windows]") {
  MetricsConfig m;
  m.interval = Duration::Seconds(10);
  m.warmup = Duration::Seconds(600);
  m.windows = {{"expiry_wave", Duration::Seconds(3600), Duration::Seconds(3720)}};
  const std::vector<std::string> names = SummaryMetricNames(m);
  const Slo steady = ParseSlo("steady.db.utilization<0.6");
  const Slo wave = ParseSlo("expiry_wave.latency_ms.p99<25");
  const Slo peak = ParseSlo("peak.latency_ms.p99<25");
  const Slo whole = ParseSlo("db.utilization<0.6");
  CHECK_NOTHROW(CheckSloMetrics({steady, wave, peak, whole}, names));
  // Without the scenario's windows, only the worst interval and the whole run exist.
  CHECK_THROWS_WITH(CheckSloMetrics({steady}), Catch::Contains("unknown metric steady"));
  CHECK_NOTHROW(CheckSloMetrics({peak}));
  CHECK_THROWS_AS(CheckSloMetrics({ParseSlo("expiry_wave.db.utilisation<1")}, names), InputError);
  const Duration hour = Duration::Seconds(3600);
  CHECK(SloWindow(steady, m, hour) == "window steady (10m to 1h)");
  CHECK(SloWindow(wave, m, hour) == "window expiry_wave (1h to 62m)");
  CHECK(SloWindow(peak, m, hour) == "worst interval from 10m (after the warmup)");
  CHECK(SloWindow(whole, m, hour) == "whole run, warmup included");
  CHECK(SloWindow(whole, MetricsConfig{}, hour) == "whole run");
}

TEST_CASE("an SLO is met at the pessimistic end of the interval", "[analysis][plan]") {
  const MetricStats m{"x", 10, 1, std::nullopt};  // interval [9, 11]
  CHECK(SloMet(ParseSlo("x<=11"), m));
  CHECK_FALSE(SloMet(ParseSlo("x<=10.5"), m));
  CHECK_FALSE(SloMet(ParseSlo("x<11"), m));
  CHECK(SloMet(ParseSlo("x>=9"), m));
  CHECK_FALSE(SloMet(ParseSlo("x>=9.5"), m));
  CHECK_FALSE(SloMet(ParseSlo("x>9"), m));
}

TEST_CASE("plan finds the connections Erlang C says an M/M/c database needs",
          "[analysis][plan][theory]") {
  // plan_mmc.json: Poisson 300/s, exponential 10 ms queries, no cache. The
  // threshold sits between Erlang C's Wq at 5 (1.18 ms) and 6 (0.33 ms)
  // connections, a factor ~2 from each, so noise cannot move the answer.
  const double threshold_ms = 0.6;
  PlanSpec spec = MmcConnections("1..16", "db.mean_wait_ms<=0.6");
  const PlanResult r = RunPlan(spec);
  const int c = std::stoi(r.probes[r.answer].value);
  INFO("answer " << c);
  CHECK(ErlangCQueue(c, 300, 100).mean_wait_s * 1e3 <= threshold_ms);
  CHECK(ErlangCQueue(c - 1, 300, 100).mean_wait_s * 1e3 > threshold_ms);
  REQUIRE(r.below.has_value());
  CHECK(std::stoi(r.probes[*r.below].value) == c - 1);
  CHECK_FALSE(r.probes[*r.below].meets);
  CHECK(r.probes[r.answer].meets);
  // The simulated waits agree with the theory at the answer, within the interval's order.
  const MetricStats& at = r.probes[r.answer].slo_metrics[0];
  CHECK(at.mean == Approx(ErlangCQueue(c, 300, 100).mean_wait_s * 1e3).epsilon(0.3));
  // Bisection over 16 candidates: the two ends, then at most 4 halvings.
  CHECK(r.probes.size() <= 6);
  CHECK(r.runs == r.probes.size() * kDefaultReplications);
}

TEST_CASE("a probe whose database cannot keep up stops early and fails every SLO",
          "[analysis][plan][stop]") {
  // plan_mmc.json: 300 queries a second of 10 ms: 2 connections or fewer
  // cannot keep up (offered load 1.5 or more), whatever the SLO.
  PlanSpec spec = MmcConnections("1..8", "latency_ms.p99<100");
  size_t calls = 0;
  spec.progress = [&](size_t done, size_t at_most, const std::string&) {
    CHECK(done == calls++);
    CHECK(at_most == 5);  // both ends, then 3 halvings of 8 candidates
  };
  const PlanResult r = RunPlan(spec);
  CHECK(calls == r.probes.size());
  CHECK(r.probes.size() <= 5);
  bool saw_unstable = false;
  for (const PlanProbe& p : r.probes) {
    INFO(p.value);
    const int c = std::stoi(p.value);
    // At 3 the offered load is 1 exactly: the noise of the arrivals decides.
    if (c >= 4) CHECK(p.stopped.empty());
    if (c <= 2) CHECK_FALSE(p.stopped.empty());
    if (!p.stopped.empty()) {
      saw_unstable = true;
      CHECK_FALSE(p.meets);
      CHECK(p.slo_metrics.empty());
    }
  }
  CHECK(saw_unstable);
  CHECK(std::stoi(r.probes[r.answer].value) == 4);
  const nlohmann::json j = PlanToJson(r);
  CHECK(j["probes"][1]["stopped"].get<std::string>().find("database unstable") == 0);
  CHECK(j["probes"][1]["metrics"]["latency_ms.p99"].is_null());
  CHECK(FormatPlan(r).find("unstable (stopped early)") != std::string::npos);
  // The same plan on one thread: the same probes, outcomes and figures.
  spec.threads = 1;
  spec.progress = nullptr;
  CHECK(PlanToJson(RunPlan(spec)) == j);
}

TEST_CASE("with an uncertain input the answer holds at every value of it",
          "[analysis][plan][uncertain]") {
  // The arrival rate known only within 250..350 queries a second: the answer
  // is what the worst rate needs (Erlang C: mean wait <= 0.6 ms takes 6
  // connections at 300/s and 7 at 350/s).
  PlanSpec spec = MmcConnections("1..16", "db.mean_wait_ms<=0.6");
  spec.uncertain = {ParseGrid("/workload/rate/rps=250,300,350", "--uncertain")};
  const PlanResult r = RunPlan(spec);
  CHECK(r.combinations == std::vector<std::string>{"/workload/rate/rps=250",
                                                   "/workload/rate/rps=300",
                                                   "/workload/rate/rps=350"});
  PlanSpec worst = spec;
  worst.uncertain.clear();
  worst.sets = {{"/workload/rate/rps", "350"}};
  const PlanResult at_worst = RunPlan(worst);
  CHECK(r.probes[r.answer].value == at_worst.probes[at_worst.answer].value);
  const PlanProbe& a = r.probes[r.answer];
  REQUIRE(a.worst_at.size() == 1);
  CHECK(a.worst_at[0] == "/workload/rate/rps=350");
  CHECK(a.slo_metrics[0].mean == at_worst.probes[at_worst.answer].slo_metrics[0].mean);
  // Each probe that ran to the end ran every combination.
  size_t runs = 0;
  for (const PlanProbe& p : r.probes) runs += p.stopped.empty() ? 3 * 5 : 0;
  CHECK(r.runs >= runs);
  const nlohmann::json j = PlanToJson(r);
  CHECK(j["uncertain"].size() == 3);
  CHECK(FormatPlan(r).find("(worst at /workload/rate/rps=350)") != std::string::npos);

  spec.uncertain = {ParseGrid("/database/connections=2,3", "--uncertain")};
  CHECK_THROWS_AS(RunPlan(spec), InputError);
  CHECK_THROWS_WITH(ParseGrid("/workload/rate/rps", "--uncertain"),
                    Catch::Contains("--uncertain /workload/rate/rps"));
}

TEST_CASE("plan answers are the first value of a sweep over the same candidates that meets the SLO",
          "[analysis][plan]") {
  const std::string tiny = kData + "/cli_tiny.json";
  // The sweep: capacities 16KiB, 32KiB, ..., 256KiB, the same 5 seeds as plan.
  const SweepPlan sweep =
      MakeSweepPlan(tiny, {}, {ParseGrid("/cache/capacity=16KiB..256KiB:+16KiB")}, 5);
  REQUIRE(sweep.points.size() == 16);
  std::vector<size_t> all(16);
  for (size_t i = 0; i < 16; ++i) all[i] = i;
  const std::vector<PointResult> points = RunSweepPoints(sweep, all, 2);
  std::vector<double> lower;  // mean - ci95 of the hit ratio, what a >= SLO checks
  for (const PointResult& p : points) {
    const MetricStats& m = Metric(p.metrics, "cache.hit_ratio");
    lower.push_back(m.mean - *m.ci95);
  }
  // A threshold between two middle points; the test needs the sweep to cross it once.
  const double threshold = (lower[6] + lower[7]) / 2;
  REQUIRE(lower[6] < lower[7]);
  for (size_t i = 0; i < 16; ++i) {
    INFO("point " << i << " lower bound " << lower[i]);
    REQUIRE((lower[i] >= threshold) == (i >= 7));
  }

  PlanSpec spec;
  spec.scenario_path = tiny;
  spec.pointer = "/cache/capacity";
  spec.range = "16KiB..256KiB";
  spec.step = "16KiB";
  spec.slos = {ParseSlo(fmt::format("cache.hit_ratio>={:.17g}", threshold))};
  const PlanResult r = RunPlan(spec);
  CHECK(r.probes[r.answer].value == sweep.points[7].values[0].value);
  REQUIRE(r.below.has_value());
  CHECK(r.probes[*r.below].value == sweep.points[6].values[0].value);
  // Same seeds, same scenario: the plan's numbers are the sweep's.
  CHECK(r.probes[r.answer].slo_metrics[0].mean ==
        Metric(points[7].metrics, "cache.hit_ratio").mean);
}

TEST_CASE("plan outcomes at the ends of the range", "[analysis][plan]") {
  PlanSpec spec;
  spec.scenario_path = kData + "/plan_mmc.json";
  spec.pointer = "/database/connections";
  spec.replications = 2;
  SECTION("the lower end meeting every SLO is the answer") {
    spec.range = "10..12";
    spec.slos = {ParseSlo("db.mean_wait_ms<=0.6")};
    const PlanResult r = RunPlan(spec);
    CHECK(r.probes[r.answer].value == "10");
    CHECK_FALSE(r.below.has_value());
  }
  SECTION("no value in range meeting the SLOs is bad input naming --range") {
    spec.range = "3..5";
    spec.slos = {ParseSlo("db.mean_wait_ms<=0.6")};
    CHECK_THROWS_WITH(RunPlan(spec), Catch::Contains("--range 3..5") &&
                                         Catch::Contains("no value in the range") &&
                                         Catch::Contains("db.mean_wait_ms<=0.6"));
  }
  SECTION("a parameter where larger is worse is reported as not monotone") {
    spec.sets = {{"/database/connections", "4"}};
    spec.pointer = "/workload/rate/rps";
    spec.range = "50..350";
    spec.slos = {ParseSlo("db.mean_wait_ms<=0.6")};
    CHECK_THROWS_WITH(RunPlan(spec), Catch::Contains("not monotone") && Catch::Contains("50") &&
                                         Catch::Contains("350"));
  }
  SECTION("one replication cannot bound anything") {
    spec.range = "1..8";
    spec.replications = 1;
    spec.slos = {ParseSlo("db.mean_wait_ms<=0.6")};
    CHECK_THROWS_WITH(RunPlan(spec), Catch::Contains("--replications"));
  }
}

}  // namespace cachelab

namespace cachelab {
namespace {

// scenarios/planning/user-profile.json scaled to run in a second: 100k keys
// at 1,500 req/s over 2 instances, a cache they all fit in, a 3-minute TTL
// so the keys loaded in the
// cold start expire together at about 3 minutes, a 2-minute warmup.
std::vector<Override> SmallUserProfile(const std::string& duration) {
  return {{"/duration", duration},
          {"/workload/keys/count", "100000"},
          {"/workload/rate/rps", "1500"},
          {"/instances/count", "2"},
          {"/cache/capacity", "1GiB"},
          {"/policies/read/params/ttl", "3m"},
          {"/metrics/warmup", "2m"},
          {"/metrics/windows", R"([{"name": "before_wave", "from": "2m30s", "to": "3m"},
                                   {"name": "expiry_wave", "from": "3m", "to": "4m"}])"}};
}

const std::string kUserProfile =
    std::string(CACHELAB_SOURCE_DIR) + "/scenarios/planning/user-profile.json";

TEST_CASE("plan on steady-state utilization agrees with a long run and not with the cold start",
          "[analysis][plan][windows]") {
  PlanSpec spec;
  spec.scenario_path = kUserProfile;
  spec.sets = SmallUserProfile("6m");
  spec.pointer = "/database/connections";
  spec.range = "1..12";
  spec.replications = 2;
  spec.threads = 2;
  spec.slos = {ParseSlo("steady.db.utilization<0.6")};
  const PlanResult steady = RunPlan(spec);
  const int c = std::stoi(steady.probes[steady.answer].value);
  // The whole run's utilization counts the cold start, when every read
  // misses: it asks for more connections than the steady state needs.
  spec.slos = {ParseSlo("db.utilization<0.6")};
  const PlanResult whole = RunPlan(spec);
  const int whole_c = std::stoi(whole.probes[whole.answer].value);
  INFO("steady answer " << c << ", whole-run answer " << whole_c);
  CHECK(whole_c > c);

  // One run two and a half times as long at the answer and one step below: its steady
  // state is what the plan measured over its shorter runs.
  const auto long_run = [&](int connections) {
    std::vector<Override> sets = SmallUserProfile("15m");
    sets.push_back({"/database/connections", std::to_string(connections)});
    const Scenario s = LoadScenarioFile(kUserProfile, sets);
    const RunResult r = RunScenario(s);
    for (const Summary::Window& w : r.summary.windows) {
      if (w.name == "steady") return w.db_utilization;
    }
    FAIL("no steady window");
    return 0.0;
  };
  const double at = long_run(c), below = long_run(c - 1);
  INFO("long run: steady utilization " << at << " at " << c << ", " << below << " at " << c - 1);
  CHECK(at < 0.6);
  CHECK(below > 0.55);
  CHECK(steady.probes[steady.answer].slo_metrics[0].mean == Approx(at).epsilon(0.05));
}

TEST_CASE("the worst interval after the warmup is the expiry wave of the cold start's keys",
          "[analysis][plan][windows]") {
  const Scenario s = LoadScenarioFile(kUserProfile, SmallUserProfile("6m"));
  const Summary r = RunScenario(s).summary;
  // The keys loaded during the cold start expire 3 minutes later and are
  // loaded again as they are next read: the worst interval is in that minute.
  CHECK(r.peak.db_utilization_at_s >= 180);
  CHECK(r.peak.db_utilization_at_s < 240);
  CHECK(r.peak.min_hit_ratio_at_s >= 180);
  CHECK(r.peak.min_hit_ratio_at_s < 240);
  const auto window = [&](const std::string& name) {
    for (const Summary::Window& w : r.windows) {
      if (w.name == name) return w;
    }
    FAIL("no window " << name);
    throw;
  };
  const Summary::Window before = window("before_wave"), wave = window("expiry_wave");
  CHECK(wave.db_utilization > 1.4 * before.db_utilization);
  CHECK(wave.hit_ratio < before.hit_ratio);
  // The steady state averages the wave in: a peak SLO sees more than it.
  CHECK(r.peak.db_utilization > window("steady").db_utilization);
}

}  // namespace
}  // namespace cachelab

namespace cachelab {
namespace {

// The analytic model as `cachelab plan` gives it to the search
// (app/experiment_commands.cc): `cachelab model`'s predictions.
std::vector<PlanModelRow> AnalyticModel(const Scenario& s) {
  std::vector<PlanModelRow> rows;
  for (const ModelRow& r : PredictScenario(s).rows) rows.push_back({r.quantity, r.model, r.note});
  return rows;
}

// A model that is wrong on purpose: the database's mean wait is 0 from
// `enough` connections on and 100 ms below, so its answer is `enough`.
PlanModel WaitsBelow(int enough) {
  return [enough](const Scenario& s) {
    const bool ok = static_cast<int>(s.world.database.connections) >= enough;
    return std::vector<PlanModelRow>{{"DB mean wait (ms)", ok ? 0.0 : 100.0, "test model"}};
  };
}

PlanResult WithModel(PlanSpec spec, PlanModel model) {
  spec.model = std::move(model);
  return RunPlan(spec);
}

PlanResult Bisection(PlanSpec spec) {
  spec.model = AnalyticModel;
  spec.model_start = false;  // --no-model-start
  return RunPlan(spec);
}

const std::string& AnswerOf(const PlanResult& r) {
  return r.probes[r.answer].value;
}

std::string BelowOf(const PlanResult& r) {
  return r.below ? r.probes[*r.below].value : std::string("none");
}

// The message of the InputError RunPlan throws for `spec`.
std::string PlanError(const PlanSpec& spec) {
  try {
    RunPlan(spec);
  } catch (const InputError& e) {
    return e.what();
  }
  FAIL("no InputError");
  return {};
}

// cli_tiny.json (1000 Zipf keys, whole-run hit ratio from a cold start) over
// cache capacities 16KiB, 32KiB, ..., 1MiB.
PlanSpec TinyCapacity(const std::string& slo) {
  PlanSpec spec;
  spec.scenario_path = kData + "/cli_tiny.json";
  spec.pointer = "/cache/capacity";
  spec.range = "16KiB..1MiB";
  spec.step = "16KiB";
  spec.slos = {ParseSlo(slo)};
  spec.threads = 2;
  return spec;
}

}  // namespace

TEST_CASE("the model's prediction for an SLO is the row of its metric, in any window",
          "[analysis][plan][model-start]") {
  CHECK(ModelQuantityOf("cache.hit_ratio") == "hit ratio");
  CHECK(ModelQuantityOf("steady.cache.hit_ratio") == "hit ratio");
  CHECK(ModelQuantityOf("steady.db.utilization") == "DB utilization");
  CHECK(ModelQuantityOf("expiry_wave.latency_ms.p99") == "latency p99 (ms)");
  CHECK(ModelQuantityOf("peak.latency_ms.p99") == "latency p99 (ms)");
  CHECK(ModelQuantityOf("peak.db.utilization") == "DB utilization");
  CHECK(ModelQuantityOf("db.mean_wait_ms") == "DB mean wait (ms)");
  CHECK(ModelQuantityOf("latency_ms.p999").empty());
  CHECK(ModelQuantityOf("requests.failed").empty());
  CHECK(ModelQuantityOf("peak.latency_ms.p99_at_s").empty());
}

TEST_CASE("starting from the model's answer gives bisection's answer in fewer probes",
          "[analysis][plan][model-start]") {
  SECTION("connections of an M/M/c database") {
    const PlanSpec spec = MmcConnections("1..16", "db.mean_wait_ms<=0.6");
    const PlanResult bisection = Bisection(spec);
    const PlanResult model = WithModel(spec, AnalyticModel);
    CHECK(AnswerOf(model) == AnswerOf(bisection));
    CHECK(BelowOf(model) == BelowOf(bisection));
    CHECK(model.probes.size() < bisection.probes.size());
    CHECK(model.runs < bisection.runs);
    // Erlang C is the model: it names 6 (0.33 ms; 1.18 ms at 5), so the
    // answer and the value below it are the only probes, run at once.
    CHECK(model.model_start.value == "6");
    REQUIRE(model.model_start.predicted.size() == 1);
    CHECK(model.model_start.predicted[0] == Approx(ErlangCQueue(6, 300, 100).mean_wait_s * 1e3));
    CHECK(model.probes.size() == 2);
    CHECK(FormatPlan(model).find("search started at the model's answer 6 (model: "
                                 "db.mean_wait_ms 0.3305 at 6)") != std::string::npos);
    CHECK(bisection.model_start.value.empty());
    CHECK(bisection.model_start.reason == "--no-model-start");
    CHECK(FormatPlan(bisection).find("bisection from the ends of the range (model start not "
                                     "used: --no-model-start)") != std::string::npos);
  }
  SECTION("cache capacity for a hit ratio") {
    const PlanSpec spec = TinyCapacity("cache.hit_ratio>=0.5");
    const PlanResult bisection = Bisection(spec);
    const PlanResult model = WithModel(spec, AnalyticModel);
    INFO("model start " << model.model_start.value << ", answer " << AnswerOf(model));
    CHECK(AnswerOf(model) == AnswerOf(bisection));
    CHECK(BelowOf(model) == BelowOf(bisection));
    CHECK_FALSE(model.model_start.value.empty());
    CHECK(model.probes.size() < bisection.probes.size());
    // The same seeds at the same value: the same figures whichever search found it.
    CHECK(model.probes[model.answer].slo_metrics[0].mean ==
          bisection.probes[bisection.answer].slo_metrics[0].mean);
  }
  SECTION("the lower end meeting every SLO") {
    PlanSpec spec = MmcConnections("10..12", "db.mean_wait_ms<=0.6");
    spec.replications = 2;
    const PlanResult bisection = Bisection(spec);
    const PlanResult model = WithModel(spec, AnalyticModel);
    CHECK(AnswerOf(model) == "10");
    CHECK(AnswerOf(bisection) == "10");
    CHECK_FALSE(model.below.has_value());
    CHECK_FALSE(bisection.below.has_value());
    CHECK(model.model_start.value == "10");
    CHECK(model.probes.size() == 1);  // nothing below lo; bisection probes hi too
    CHECK(bisection.probes.size() == 2);
  }
}

TEST_CASE("a plan from the model's answer does not depend on the thread count",
          "[analysis][plan][model-start]") {
  SECTION("capacity") {
    PlanSpec spec = TinyCapacity("cache.hit_ratio>=0.55");
    spec.model = AnalyticModel;
    const nlohmann::json two = PlanToJson(RunPlan(spec));
    spec.threads = 1;
    CHECK(PlanToJson(RunPlan(spec)) == two);
    CHECK_FALSE(two["model_start"]["value"].is_null());
  }
  SECTION("connections, with probes stopped early") {
    // 2 connections cannot serve 300 queries of 10 ms a second: a model
    // naming 3 starts with a pair (3 and 2) whose second probe stops early
    // beside one that runs on.
    PlanSpec spec = MmcConnections("1..8", "latency_ms.p99<100");
    spec.model = [](const Scenario& s) {
      const bool ok = s.world.database.connections >= 3;
      return std::vector<PlanModelRow>{{"latency p99 (ms)", ok ? 50.0 : 500.0, "test model"}};
    };
    const nlohmann::json two = PlanToJson(RunPlan(spec));
    REQUIRE(two["model_start"]["value"] == 3);
    REQUIRE(two["probes"].size() >= 2);
    CHECK(two["probes"][1]["value"] == 2);
    CHECK(two["probes"][1]["stopped"].is_string());
    CHECK(two["answer"] == 4);
    for (unsigned threads : {1u, 3u}) {
      spec.threads = threads;
      CHECK(PlanToJson(RunPlan(spec)) == two);
    }
  }
}

TEST_CASE("a wrong model start still finds bisection's answer by galloping",
          "[analysis][plan][model-start]") {
  // Bisection answers 6 (below 5) for this plan; the test model names
  // `start` whatever the truth.
  const PlanSpec spec = MmcConnections("1..16", "db.mean_wait_ms<=0.6");
  const PlanResult bisection = Bisection(spec);
  REQUIRE(AnswerOf(bisection) == "6");
  REQUIRE(BelowOf(bisection) == "5");
  for (int start : {1, 2, 3, 7, 9, 15, 16}) {
    INFO("model start " << start);
    PlanSpec s = spec;
    s.model = WaitsBelow(start);
    size_t calls = 0, last_at_most = SIZE_MAX;
    s.progress = [&](size_t done, size_t at_most, const std::string&) {
      CHECK(done == calls++);
      CHECK(at_most <= last_at_most);  // never grows
      last_at_most = at_most;
    };
    const PlanResult r = RunPlan(s);
    CHECK(r.model_start.value == std::to_string(start));
    CHECK(AnswerOf(r) == "6");
    CHECK(BelowOf(r) == "5");
    CHECK(calls == r.probes.size());
    CHECK(last_at_most >= r.probes.size());  // an upper bound
    CHECK(r.probes[0].value == std::to_string(start));
    // Every probe agrees with the answer (the parameter is monotone here).
    for (const PlanProbe& p : r.probes) CHECK(p.meets == (std::stoi(p.value) >= 6));
  }
}

TEST_CASE("with the model start the plans that fail fail as they do without it",
          "[analysis][plan][model-start]") {
  PlanSpec spec;
  spec.scenario_path = kData + "/plan_mmc.json";
  spec.pointer = "/database/connections";
  spec.replications = 2;
  spec.slos = {ParseSlo("db.mean_wait_ms<=0.6")};
  SECTION("no value in the range meets the SLOs") {
    spec.range = "3..5";
    const std::string expected = PlanError(spec);  // no model: bisection
    CHECK_THAT(expected, Catch::Contains("no value in the range meets the SLOs"));
    // The model sees it too (1.18 ms at 5) and leaves the search to bisection.
    PlanSpec with = spec;
    with.model = AnalyticModel;
    CHECK(PlanError(with) == expected);
    // A model that is wrong starts at lo and gallops up to hi.
    with.model = WaitsBelow(1);
    CHECK(PlanError(with) == expected);
    with.model = WaitsBelow(4);
    CHECK(PlanError(with) == expected);
  }
  SECTION("a parameter where larger is worse is not monotone") {
    spec.sets = {{"/database/connections", "4"}};
    spec.pointer = "/workload/rate/rps";
    spec.range = "50..350";
    spec.step = "25";
    const std::string expected = PlanError(spec);
    CHECK_THAT(expected, Catch::Contains("not monotone"));
    PlanSpec with = spec;
    with.model = AnalyticModel;
    CHECK(PlanError(with) == expected);
    // A model claiming that rates from 200 on meet: 200 fails, the gallop
    // up reaches 350, which fails, and 50 meets.
    with.model = [](const Scenario& s) {
      const bool ok = s.world.workload.rate.rps >= 200;
      return std::vector<PlanModelRow>{{"DB mean wait (ms)", ok ? 0.0 : 100.0, "test model"}};
    };
    CHECK(PlanError(with) == expected);
  }
  SECTION("a model that cannot tell leaves the search to bisection, saying why") {
    spec.range = "1..16";
    spec.slos = {ParseSlo("latency_ms.p999<=100")};
    PlanSpec with = spec;
    with.model = AnalyticModel;
    const PlanResult r = RunPlan(with);
    CHECK(r.model_start.value.empty());
    CHECK(r.model_start.reason == "the model does not predict latency_ms.p999");
    CHECK(PlanToJson(r)["model_start"]["not_used"] == r.model_start.reason);
    CHECK(r.probes[0].value == "16");  // hi first, as bisection does
    with.slos = {ParseSlo("db.mean_wait_ms<=0.6")};
    with.model = [](const Scenario&) -> std::vector<PlanModelRow> {
      throw std::runtime_error("no such model");
    };
    const PlanResult thrown = RunPlan(with);
    CHECK_THAT(thrown.model_start.reason, Catch::Contains("no such model"));
    spec.slos = with.slos;
    CHECK(PlanToJson(thrown)["probes"] == PlanToJson(RunPlan(spec))["probes"]);
  }
}

}  // namespace cachelab
