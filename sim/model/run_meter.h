// What every world measures the same way, whether it is simulated (World) or
// live (analysis/live/): request counts by cache outcome, end-to-end latency,
// stale reads against the version ledger, the per-interval rows of the time
// series, and the summary's sections built from the world's own counters.
//
// Contract:
//  - Requests are counted when they complete, with their outcome, so every
//    row satisfies reads = hits + misses + errors.
//  - A read is stale when it answers an existing row older than the latest
//    acknowledged version; its age runs from the acknowledgement of the next
//    version (VersionLedger::AckTime) to the answer. A read answered with
//    another key's copy (KeySpelling::Wrong) is wrong instead, never stale.
//  - Row(end, totals) closes the interval that started at the previous
//    Row's end (time 0 for the first) with the world's cumulative `totals`.
//  - Measure(metrics, duration) names the parts of the run measured apart
//    (Summary::peak, Summary::windows). A row counts toward a window when it
//    lies inside it, toward the peak when it starts at or after the warmup
//    and ends by `duration`; the loader puts window edges on row edges.
#pragma once

#include <cstdint>
#include <vector>

#include "sim/core/time.h"
#include "sim/metrics/histogram.h"
#include "sim/metrics/stampede.h"
#include "sim/metrics/summary.h"
#include "sim/model/config.h"
#include "sim/model/key_spelling.h"
#include "sim/model/ledger.h"
#include "sim/model/roles.h"
#include "sim/model/value.h"

namespace cachelab {

struct DatabaseStats;

// A world's cumulative figures at one moment, for a time-series row.
struct WorldTotals {
  uint64_t db_queries = 0;
  double db_busy_ns = 0;
  uint32_t db_connections = 1;
  uint64_t db_interval_peak_queue = 0;     // largest queue since the previous row
  uint64_t db_started = 0, db_queued = 0;  // DatabaseStats::started, ::queued
  int64_t db_wait_ns = 0;                  // DatabaseStats::wait_ns_total
  uint64_t evictions = 0, expirations = 0;
  uint64_t cache_bytes = 0, cache_items = 0;  // now
  uint64_t duplicate_loads = 0;
};

class RunMeter {
 public:
  // Before the first request.
  void Measure(const MetricsConfig& metrics, Duration duration);
  // Before the first request, with key classes: count per class too.
  void Classes(const WorkloadConfig& w);
  // A read answered at `now`; returns whether it was stale.
  bool Read(const ReadOutcome& out, Key key, const VersionLedger& ledger, Time now);
  void Write(bool ok, Key key);
  // End-to-end latency of a finished read (`read`) or write of `key`.
  void Latency(int64_t ns, bool read, Key key) {
    latency_.Record(ns);
    (read ? read_latency_ : write_latency_).Record(ns);
    interval_latency_.Record(ns);
    if (read && !class_latency_.empty()) class_latency_[class_map_.Of(key)].Record(ns);
  }
  // Closes the current interval at `end` and returns its row.
  IntervalRow Row(Time end, const WorldTotals& totals);
  Time interval_start() const { return mark_.start; }

  // The summary's requests, cache outcome counts and hit ratio, latency,
  // staleness, peak and windows sections.
  void FillSummary(Summary& s) const;

 private:
  struct Counters {
    uint64_t requests = 0, reads = 0, writes = 0, failed = 0;
    uint64_t hits = 0, misses = 0, errors = 0;
    uint64_t successful_reads = 0, stale_reads = 0, wrong_reads = 0;
    double stale_age_ms_sum = 0, stale_age_ms_max = 0;
  };
  Counters counters_;
  LatencyHistogram latency_, read_latency_, write_latency_;
  LatencyHistogram interval_latency_;
  // Cumulative counts at the start of the current interval.
  struct Mark {
    Time start;
    Counters counters;
    WorldTotals totals;
  } mark_;

  // What a window has gathered from the rows inside it.
  struct WindowSums {
    Summary::Window w;
    Time from, to;
    uint64_t successful_reads = 0, db_started = 0, db_queued = 0;
    int64_t db_wait_ns = 0;
    double db_busy_ns = 0, span_ns = 0;
    uint32_t db_connections = 1;
    LatencyHistogram latency;
  };
  std::vector<WindowSums> windows_;
  KeyClassMap class_map_;
  KeySpelling spelling_;
  std::vector<Summary::KeyClass> classes_;
  std::vector<LatencyHistogram> class_latency_;  // reads, per class
  Summary::Peak peak_;
  Time peak_from_;
  Time peak_to_ = Time::Max();
};

// The summary's database section from the database's statistics over a run
// that ended at `end`; `connections`: all its pools' together.
void FillDatabaseSummary(Summary& s, const DatabaseStats& db, uint32_t connections, Time end);
// Summary::Db::link from a limited link's counts.
Summary::Db::Link DatabaseLinkSummary(const DatabaseStats& db, Time end);
// Queries per second the database serves at most: min(connections x pools,
// cores) / mean service time over `reads` and `writes` (reads alone before
// any query); 0 when queries take no time.
double DatabaseCapacityQps(const DatabaseConfig& db, uint32_t pools, uint64_t reads,
                           uint64_t writes);
// The database's capacity, offered load and verdict (Summary::Db), for a
// simulated run whose arrivals lasted `duration`; after FillDatabaseSummary
// and RunMeter::FillSummary (the verdict reads the peak interval).
void FillDatabaseVerdict(Summary& s, const DatabaseConfig& db, uint32_t pools, Duration duration);
// The stampede section.
void FillStampedeSummary(Summary& s, const StampedeTracker& stampede);
// The policy stack's counters: writes, l1, guard (but the lease counts, which
// the cache server keeps), invalidation, degradation, warming.
void FillPolicySummary(Summary& s, const PolicyStats& p);

}  // namespace cachelab
