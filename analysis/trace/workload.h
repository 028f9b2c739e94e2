// A trace as the timed world's workload: its timestamps drive arrivals, its
// keys become the model's keys, its ops reads and writes, its sizes value
// sizes. Built by the scenario loader from `workload.trace`.
//
//  - Keys: the world needs a dense key space (one database row per key), so a
//    first pass over the trace maps each distinct trace key to a dense id in
//    order of first sight (0, 1, 2, ...) and records its row size: the largest
//    size the trace gives the key (a traced get that missed may report a
//    value size of 0), at least 1 byte. The map stays in memory for the runs
//    (it grows with the distinct keys, not with the trace); the requests
//    themselves are streamed again by every run.
//  - Ops: kGet -> a read; kSet -> a write installing the record's size (or a
//    dropped record with reads_only, for look-aside traces whose sets are the
//    fills after misses, which the world's read policy already does); kDelete
//    -> dropped (the world has no delete request; its write path invalidates).
//  - Time: a request at trace time t arrives at (t - t0) * time_scale seconds,
//    t0 the trace's first timestamp. Traces with one-second timestamps put
//    hundreds of requests on the same instant, which no real server sees: the
//    n requests sharing a timestamp t are spread evenly and deterministically
//    over [t, t + w), w = min(1 trace unit, the gap to the next timestamp), the
//    i-th (0-based) at t + w * i / n. Arrivals are then at least 1 ns apart.
//    A timestamp below an earlier one counts as equal to it (a few
//    out-of-order records in a sorted trace must not travel back in time).
//    Memory for the spreading: the largest group of equal timestamps.
//  - Hot keys: the first pass also counts the reads of every dense key; the
//    kHotKeys most-read keys (ties by the lower key) are the run's hot keys
//    (TraceWorkloadConfig::hottest).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "analysis/trace/reader.h"
#include "sim/model/config.h"

namespace cachelab {

struct TraceWorkloadSpec {
  std::string path;
  TraceFormat format = TraceFormat::kOracle;
  CsvColumns csv;           // format csv only; a time column is required
  double time_scale = 1.0;  // simulated seconds per trace time unit, > 0
  bool reads_only = false;  // drop the trace's writes
};

// What the first pass found.
struct TraceWorkloadStats {
  uint64_t keys = 0;      // distinct keys of the requests the world serves
  uint64_t reads = 0;     // requests the world will serve as reads
  uint64_t writes = 0;    // ... and as writes
  uint64_t skipped = 0;   // deletes, and writes with reads_only
  double first_time = 0;  // trace time units
  double last_time = 0;
};

// Reads the whole trace once (a malformed trace throws InputError naming the
// file and the line or record; a trace with no request to serve is an error
// too). `stats`, when given, receives what the pass found.
std::shared_ptr<const TraceWorkloadConfig> PrepareTraceWorkload(
    const TraceWorkloadSpec& spec, TraceWorkloadStats* stats = nullptr);

}  // namespace cachelab
