// Alert rules over the time series (analysis/scenario/alerts.h): when they fire and
// resolve, how undefined intervals are treated, and, end to end, that a
// hit-ratio alert pages at the default scenario's mass expiry.
#include "analysis/scenario/alerts.h"

#include <fmt/format.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <vector>

#include "analysis/scenario/run.h"
#include "analysis/scenario/scenario.h"

using namespace cachelab;

namespace {

// Rows one second apart with the given hit ratios; a negative ratio makes an
// interval without reads.
std::vector<IntervalRow> HitRatioRows(const std::vector<double>& ratios) {
  std::vector<IntervalRow> rows;
  for (size_t i = 0; i < ratios.size(); ++i) {
    IntervalRow r;
    r.time_s = static_cast<double>(i);
    if (ratios[i] >= 0) {
      r.hits = static_cast<uint64_t>(ratios[i] * 100);
      r.misses = 100 - r.hits;
      r.reads = r.requests = 100;
      r.hit_ratio = ratios[i];
    }
    rows.push_back(r);
  }
  return rows;
}

AlertRule Rule(const char* metric, AlertRule::Op op, double threshold) {
  return AlertRule{"test", metric, op, threshold};
}

}  // namespace

TEST_CASE("an alert fires where its rule begins to hold and resolves where it stops",
          "[analysis][alerts]") {
  const auto rows = HitRatioRows({0.95, 0.80, 0.85, 0.95, 0.97, 0.50, 0.99});
  const auto alerts = EvaluateAlerts({Rule("hit_ratio", AlertRule::Op::kLess, 0.9)}, rows);
  REQUIRE(alerts.size() == 1);
  CHECK(alerts[0].rule == "hit_ratio < 0.9");
  CHECK(alerts[0].fired_at_s == std::vector<double>{1, 5});
  CHECK(alerts[0].resolved_at_s == std::vector<double>{3, 6});
  CHECK(alerts[0].intervals_firing == 3);
}

TEST_CASE("an alert still firing at the end has no resolution", "[analysis][alerts]") {
  const auto alerts = EvaluateAlerts({Rule("hit_ratio", AlertRule::Op::kLessEqual, 0.5)},
                                     HitRatioRows({0.5, 0.4, 0.3}));
  CHECK(alerts[0].fired_at_s == std::vector<double>{0});
  CHECK(alerts[0].resolved_at_s.empty());
  CHECK(alerts[0].intervals_firing == 3);
}

TEST_CASE("the hit ratio of an interval without reads neither fires nor resolves",
          "[analysis][alerts]") {
  // Firing, then an empty interval (hit_ratio 0 there, but undefined), then
  // firing again: one episode, not two; and an empty interval alone never fires.
  const auto rows = HitRatioRows({0.95, 0.5, -1, 0.5, 0.95, -1, 0.95});
  const auto alerts = EvaluateAlerts({Rule("hit_ratio", AlertRule::Op::kLess, 0.9)}, rows);
  CHECK(alerts[0].fired_at_s == std::vector<double>{1});
  CHECK(alerts[0].resolved_at_s == std::vector<double>{4});
  CHECK(alerts[0].intervals_firing == 2);
}

TEST_CASE("count rules compare the interval's count and hold in empty intervals",
          "[analysis][alerts]") {
  std::vector<IntervalRow> rows(4);
  for (size_t i = 0; i < rows.size(); ++i) rows[i].time_s = 10.0 * static_cast<double>(i);
  rows[1].evictions = 500;
  rows[2].evictions = 1000;
  const auto alerts = EvaluateAlerts({Rule("evictions", AlertRule::Op::kGreaterEqual, 500),
                                      Rule("requests", AlertRule::Op::kLess, 1)},
                                     rows);
  REQUIRE(alerts.size() == 2);
  CHECK(alerts[0].fired_at_s == std::vector<double>{10});
  CHECK(alerts[0].resolved_at_s == std::vector<double>{30});
  CHECK(alerts[1].intervals_firing == 4);  // no requests at all: a count of 0 is defined
}

TEST_CASE("a hit-ratio alert fires at the default scenario's mass expiry",
          "[analysis][alerts][scenario]") {
  // The default scenario with a 60 s TTL instead of 1 h: the keys loaded
  // during the cold start (the hottest ones, while the DB works off its
  // backlog) expire together from t = 60 s on (3600 s in the real scenario),
  // and the hit ratio, about 0.85 by then, drops below the threshold.
  const Duration ttl = Duration::Seconds(60);
  const Scenario s = LoadDefaultScenario({
      {"/policies/read/params/ttl", "60s"},
      {"/duration", "75s"},
      {"/metrics/interval", "1s"},
      {"/alerts", R"([{"name": "hit ratio low", "metric": "hit_ratio", "op": "<",
                       "threshold": 0.82}])"},
  });
  const RunResult r = RunScenario(s);
  REQUIRE(r.summary.alerts.size() == 1);
  const Summary::Alert& a = r.summary.alerts[0];
  // The cold start pages at once and resolves while the cache fills ...
  REQUIRE(!a.fired_at_s.empty());
  CHECK(a.fired_at_s.front() == 0);
  REQUIRE(!a.resolved_at_s.empty());
  CHECK(a.resolved_at_s.front() < ttl.seconds());
  // ... and it pages again one TTL later, when the cold start's keys expire
  // (a firing means the interval before did not hold).
  const bool at_expiry = std::any_of(a.fired_at_s.begin(), a.fired_at_s.end(), [&](double t) {
    return t >= ttl.seconds() && t < ttl.seconds() + 2;
  });
  INFO("fired at " << fmt::format("{}", fmt::join(a.fired_at_s, ", ")));
  CHECK(at_expiry);
}
