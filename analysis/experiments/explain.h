// `cachelab explain`: the life of one key as a text sequence diagram. Runs the
// scenario with a KeyTrace (sim/metrics/key_trace.h) and prints one line per
// recorded event: the time, the request and instance, a column per actor
// (each application instance, then cache, db, channel, worker, ...) with an
// arrow from the instance to the actor it talked to, and what happened in the
// model's words ("GET miss", "SELECT returned v3 after 41 ms", "read answered
// v3 (hit) STALE: latest is v4"). A summary ends the output: requests, DB
// loads, the most loads in flight at once (a stampede), stale and failed answers.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "analysis/scenario/scenario.h"
#include "policies/run.h"

namespace cachelab {

struct ExplainOptions {
  Key key = 0;
  std::string from;    // a duration ("3590s", "1h"); empty: 0
  std::string to;      // empty: the scenario's duration
  size_t limit = 200;  // events printed at most; the summary counts all of them
  // Instead of from/to: the window of `window` around the key's first
  // moment of this kind (a twentieth of it before, a quarter for first-stale
  // whose load began earlier), found by a first run over the whole scenario:
  //   first-expiry    the first cache miss after an entry of the key was stored
  //                   (it expired, or was evicted or deleted)
  //   first-stampede  the first time two or more loads of the key run at once
  //   first-stale     the first read answered with an older version than the latest
  std::string around;
  std::string window;  // a duration; empty: 1s
};

struct ExplainResult {
  Key key = 0;
  Time from, to;
  KeyTrace trace{0, Time::Zero(), Time::Zero()};
  RunResult run;
};

// Checks the key (an existing key, or a missing one when the workload has
// missing_fraction > 0) and the window against the scenario, then runs it.
// Throws InputError naming --key, --from, --to or --around (also when the
// key never shows that moment in the run).
ExplainResult RunExplain(const Scenario& scenario, const ExplainOptions& options);

// The diagram, the legend and the summary.
std::string FormatExplain(const Scenario& scenario, const ExplainResult& r, size_t limit);

// What the summary line counts, over every recorded event (shown or not).
struct ExplainSummary {
  uint64_t events = 0;
  uint64_t requests = 0;  // distinct requests that touched the key
  uint64_t reads = 0, writes = 0, hits = 0;
  uint64_t db_loads = 0;              // SELECTs issued for the key
  uint64_t max_concurrent_loads = 0;  // most of them in flight at once (> 2: a stampede)
  uint64_t stale = 0, failed = 0;     // answers
};
ExplainSummary SummarizeExplain(const std::vector<TraceEvent>& events);

// explain.json: the diagram as data, the first `limit` events exactly as
// FormatExplain prints them (same order and texts; results/README.md):
// {"scenario", "seed", "key", "from_s", "to_s", "actors": [column names],
//  "events": [{"at_s", "request" (null: background), "instance" (null: not an
//  instance), "actor", "column" (index into actors where it is drawn),
//  "text", "stale"}], "events_total", "truncated", "summary": ExplainSummary}.
nlohmann::json ExplainToJson(const Scenario& scenario, const ExplainResult& r, size_t limit);
// explain.json into `dir`, atomically (WriteFolderAtomically); throws
// std::runtime_error when the folder cannot be written.
void WriteExplainOutputs(const std::string& dir, const Scenario& scenario, const ExplainResult& r,
                         size_t limit);

}  // namespace cachelab
