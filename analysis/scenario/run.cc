#include "analysis/scenario/run.h"

#include <fmt/format.h>

#include <string>

#include "analysis/common/errors.h"
#include "analysis/common/memory_guard.h"
#include "analysis/scenario/budget.h"
#include "sim/core/cancel.h"

namespace cachelab {

RunResult RunScenario(const Scenario& scenario, const RunOptions& options) {
  cancel::ThrowIfRequested();  // a queued run of an interrupted command never starts
  RunOptions o = options;
  if (o.stop.abort == nullptr) o.stop.abort = memory_guard::Flag();
  if (o.stop.max_events == 0)
    o.stop.max_events = RunawayEventLimit(EstimateRun(scenario), scenario);
  RunResult r;
  try {
    r = RunSimulation(scenario.world, scenario.stack, o);
  } catch (const EventLimitError& e) {
    // Bad input (settings that make the run loop), not a bug: exit 2.
    // A wait is three events (a GET, a lock try, a sleep): are they most of the run?
    const bool guards = e.guard_waits * 3 > e.events / 2;
    const std::string basis =
        options.stop.max_events == 0
            ? fmt::format("{} per estimated request", kRunawayEventsPerRequest)
            : std::string("the limit its caller set");
    throw InputError(fmt::format(
        "{}: the run stepped {} events for {} requests, more than the {} it may ({}): far more "
        "work than its requests explain, so it was stopped and nothing is written; {}",
        scenario.source, e.events, e.requests, e.limit, basis,
        guards ? fmt::format("stampede-guard waiters slept {} times (/policies/guard/params: "
                             "max_retries x retry_interval far longer than the database takes to "
                             "load the key); lower max_retries or raise retry_interval",
                             e.guard_waits)
               : "look for retries or polling with no bound"));
  }
  cancel::ThrowIfRequested();  // a result finished while interrupting is not returned either
  memory_guard::ThrowIfTripped(
      fmt::format("scenario '{}' (seed {}) ended its arrivals: {}", scenario.name,
                  scenario.world.seed, r.stopped_early.empty() ? "at its end" : r.stopped_early));
  // The rows after the arrivals stop hold only the drain of requests still in
  // flight (mostly slow misses): no dashboard would alert on that tail.
  const double end_s = scenario.world.duration.seconds();
  std::vector<IntervalRow> rows;
  for (const IntervalRow& row : r.timeseries) {
    if (row.time_s < end_s) rows.push_back(row);
  }
  r.summary.alerts = EvaluateAlerts(scenario.alerts, rows);
  const WorldConfig& w = scenario.world;
  r.summary.cost = MonthlyCost(scenario.cost, w.cache.enabled ? w.cache.cluster.servers() : 0,
                               w.database.replicas.count, r.summary);
  return r;
}

}  // namespace cachelab
