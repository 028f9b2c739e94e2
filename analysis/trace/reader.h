// Streaming trace readers for `cachelab replay`: each reads a trace file in
// chunks into ReplayRequests, so memory does not grow with the trace length.
// A file whose name ends in ".zst" is decompressed on the fly (Boost.Iostreams).
//
// Formats:
//  - oracle: libCacheSim's oracleGeneral binary, 24-byte little-endian records
//    `u32 time, u64 object id, u32 size, i64 next access` (the index of the
//    next request for the object; negative = never again).
//  - csv: one request per line; columns chosen by a mapping (CsvColumns).
//    Keys are unsigned integers, or any other text (hashed to 64 bits).
//  - twitter: Twitter's cache traces (github.com/twitter/cache-trace, Yang et
//    al., OSDI 2020): no header, exactly 7 columns `timestamp,anonymized
//    key,key size,value size,client id,operation,TTL`, timestamps in seconds.
//    Keys are hashed to 64 bits (HashTraceKey in input.h, which documents
//    collisions); size = key size + value size. Ops: get, gets -> kGet; set,
//    add, replace, cas, append, prepend, incr, decr -> kSet; delete ->
//    kDelete (case-insensitive). `cachelab replay` counts only the gets as
//    requests (a set is not a lookup; entries keep the size they were
//    inserted with, each get carries its own size), deletes remove the entry.
//
// Every reader fills ReplayRequest::time with the record's timestamp (oracle:
// the u32 time; csv: the time column if mapped; twitter: the timestamp), in
// the trace's own unit.
// Malformed input throws InputError naming the file and the record (oracle,
// 1-based) or line (csv and twitter, 1-based): a short record, a bad number,
// a missing column (twitter: a column count other than 7), an unknown op, a
// truncated or corrupt zstd frame.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "policies/eviction/replayer.h"

namespace cachelab {

enum class TraceFormat { kOracle, kCsv, kTwitter };

// The formats by the names scenarios (/workload/trace/format) and --format use.
struct TraceFormatName {
  std::string_view name;
  TraceFormat format;
};
inline constexpr TraceFormatName kTraceFormatNames[] = {{"oracle", TraceFormat::kOracle},
                                                        {"csv", TraceFormat::kCsv},
                                                        {"twitter", TraceFormat::kTwitter}};
// nullopt for a name that is not a format.
std::optional<TraceFormat> TraceFormatFromName(std::string_view name);
// The names for messages: "oracle", "csv" or "twitter" (quoted).
std::string TraceFormatNameList();

// Which CSV column holds what: a header name, or a 1-based column number.
// Empty = absent (only `key` is required). Without a size column every
// object has size 1; without an op column every line is a get. Ops: get,
// gets, read, r (kGet, a request); set, add, replace, cas, append, prepend,
// incr, decr, write, w (kSet; replay counts it as a request: the object is
// written into the cache on a miss); delete, del, d (kDelete: removes the
// object, not counted). Case-insensitive.
struct CsvColumns {
  std::string time;
  std::string key = "key";
  std::string size;
  std::string op;
  bool header = true;  // the first line names the columns (and is skipped)
  char delimiter = ',';
};

class TraceReader {
 public:
  virtual ~TraceReader() = default;
  // Appends up to `max` requests to `out` (cleared first); returns how many.
  // 0 means the trace is exhausted.
  virtual size_t Read(std::vector<ReplayRequest>* out, size_t max) = 0;
  // Whether requests carry next-access times (Belady needs them).
  virtual bool has_next_access() const = 0;
};

std::unique_ptr<TraceReader> OpenTrace(const std::string& path, TraceFormat format,
                                       const CsvColumns& columns = {});

}  // namespace cachelab
