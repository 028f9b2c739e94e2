// The miss-ratio curve of LRU for a trace file: the engine of `cachelab mrc`.
//
// One streaming pass over the trace (the readers of analysis/trace/) feeds
// every get request to an ExactMrc or a ShardsMrc (analysis/replay/mrc.h); a delete
// takes the key out of the stack, as a cache would. Units: objects with
// ignore_size, else bytes (each request weighs its size in the stack).
//
// Cache sizes are resolved after the pass, since the histogram answers any
// size: absolute sizes as given; fractions of the working set ("0.1") and
// `points` (sizes W/N, 2W/N, ..., W) use the working set W measured by the
// same pass: the cold-miss weight, i.e. the unique objects (or their bytes at
// first sight). Exact for the exact method; an estimate (sampled cold weight
// divided by the rate) for SHARDS.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "analysis/replay/replay.h"
#include "analysis/trace/reader.h"

namespace cachelab {

enum class MrcMethod { kExact, kShards };

struct MrcSpec {
  std::string trace;
  TraceFormat format = TraceFormat::kOracle;
  CsvColumns csv;
  bool ignore_size = false;
  MrcMethod method = MrcMethod::kExact;
  double rate = 0.01;                // shards fixed rate, (0, 1]
  uint64_t max_keys = 0;             // > 0: shards fixed size with this many sampled keys
  std::vector<CacheSizeSpec> sizes;  // empty: `points` evenly spaced sizes
  uint64_t points = 100;
};

struct MrcCurve {
  std::vector<uint64_t> cache_sizes;  // objects with ignore_size, else bytes; as given
  std::vector<double> miss_ratios;
  uint64_t requests = 0;
  double working_set = 0;  // objects or bytes; an estimate for SHARDS
};

// Throws InputError for bad options, bad sizes or a malformed trace.
MrcCurve RunMrc(const MrcSpec& spec);

}  // namespace cachelab
