// `cachelab twin`: the simulator checked against the real system it models.
// Calibrates the servers, runs the scenario live, runs the simulation of the
// calibrated scenario with the same seed (the same requests), and sets the
// two side by side.
//
// Contract:
//  - The simulated twin is the scenario with /cache/rtt, /database/read,
//    /database/write and /cache/entry_overhead replaced by the calibration
//    (analysis/live/calibrate.h). With emulated DB service (pg_sleep), the
//    live query costs PostgreSQL's own time plus the scenario's draw, so the
//    twin's service time is their sum, as a lognormal with the sum's mean and
//    variance (exact in the first two moments).
//  - Each row compares one figure. Judged rows state their tolerance:
//      hit ratio                   |live - simulated| <= 0.02
//      DB queries                  |live - simulated| <= 10% of simulated
//      max concurrent loads        when the simulation predicts overlapping
//                                  loads of one key (> 1), live shows them
//                                  too; when it predicts none, with lock or
//                                  lease live must show none either (a write's
//                                  delete hands a lease on, so the simulation
//                                  may predict overlap under a lease)
//      stale reads, lost writes    both zero, or both above zero
//    The other rows (latency, peak DB queue, stale age, duplicate loads) are
//    shown with their difference and not judged: the simulator's latency has
//    no client CPU, scheduler or GC in it.
//  - The result folder is compare-shaped (compare.json with variants
//    `world=simulated` and `world=live`, per-variant time series), so
//    `cachelab report` overlays the two; plus twin.json (the table and the
//    calibration) and scenario.calibrated.json.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "analysis/live/calibrate.h"
#include "analysis/live/live_world.h"
#include "analysis/scenario/scenario.h"
#include "sim/metrics/summary.h"

namespace cachelab::live {

struct TwinOptions {
  LiveOptions live;
  CalibrateOptions calibrate;
};

struct TwinRow {
  std::string metric;
  double simulated = 0, live = 0;
  std::string tolerance;  // empty: not judged
  bool ok = true;
};

struct TwinResult {
  Calibration calibration;
  Scenario calibrated;
  RunResult simulated, live;
  std::vector<TwinRow> rows;
  bool all_ok() const;
};

// The rows of two summaries of a scenario whose guard is `guard` (exposed
// for tests).
std::vector<TwinRow> CompareTwins(const Summary& simulated, const Summary& live,
                                  const std::string& guard);

// `scenario` with the calibration applied (see the contract).
Scenario CalibratedScenario(const Scenario& scenario, const Calibration& c, bool emulated_db);

TwinResult RunTwin(const Scenario& scenario, const TwinOptions& options);

std::string FormatTwinTable(const TwinResult& t);
// The output folder's files, as (name, content).
std::vector<std::pair<std::string, std::string>> TwinFiles(const Scenario& scenario,
                                                           const TwinResult& t);

}  // namespace cachelab::live
