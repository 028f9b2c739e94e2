// Trace replay: every (policy, cache size) pair over one trace, reporting
// requests, misses and missed bytes. The engine of `cachelab replay`.
//
// The trace is streamed in chunks of requests; each worker thread reads it on
// its own and feeds its share of the pairs (pair i goes to worker i mod N),
// so memory does not grow with the trace and results do not depend on the
// thread count. Random and sampled policies draw from fixed seeds.
//
// Cache sizes: an absolute count of objects ("4897"), bytes ("19MiB"), or a
// fraction of the working set ("0.1": of the unique objects with ignore_size,
// else of their bytes, each object counted with the size it first appears
// with; truncated to an integer). A fraction costs one extra pass over the
// trace. libCacheSim rounds byte fractions down to whole MiB; cachelab does
// not.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "analysis/trace/reader.h"
#include "policies/eviction/replayer.h"

namespace cachelab {

struct CacheSizeSpec {
  std::string text;       // as given, for messages
  uint64_t absolute = 0;  // when fraction == 0
  double fraction = 0;    // in (0, 1], of the working set
  bool in_bytes = false;  // given with a unit ("19MiB")
};

// Throws InputError naming `text` when it is none of the forms above.
CacheSizeSpec ParseCacheSize(std::string_view text);

struct ReplaySpec {
  std::string trace;
  TraceFormat format = TraceFormat::kOracle;
  CsvColumns csv;
  std::vector<std::string> policies;  // registry names, eviction role
  std::vector<CacheSizeSpec> sizes;
  bool ignore_size = false;
  unsigned threads = 1;
};

struct ReplayRow {
  std::string policy;
  uint64_t cache_size = 0;  // objects with ignore_size, else bytes
  ReplayCounts counts;
  double miss_ratio() const {
    return counts.requests == 0 ? 0 : static_cast<double>(counts.misses) / counts.requests;
  }
  double byte_miss_ratio() const {
    return counts.bytes == 0 ? 0 : static_cast<double>(counts.miss_bytes) / counts.bytes;
  }
};

struct WorkingSet {
  uint64_t objects = 0;
  uint64_t bytes = 0;
};

// One pass over the trace.
WorkingSet MeasureWorkingSet(const std::string& trace, TraceFormat format, const CsvColumns& csv);

// Reads the trace and does nothing else (`cachelab replay --read-only`): the
// reader's share of a replay's time. Returns the number of get requests.
uint64_t ReadTraceOnly(const std::string& trace, TraceFormat format, const CsvColumns& csv);

// Rows in the order policies x sizes (policy-major). Throws InputError for an
// unknown policy, a bad size, an offline policy on a trace without next-access
// times, or a malformed trace; the replayers' invariants are checked at the end
// (a failure there is a bug: std::logic_error).
std::vector<ReplayRow> RunReplay(const ReplaySpec& spec);

}  // namespace cachelab
