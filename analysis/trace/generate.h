// Synthetic request traces in libCacheSim's oracleGeneral binary format, for
// benchmarks and MRC experiments (`cachelab gen-trace`).
//
// Record (24 bytes, little-endian, no padding):
//   u32 time         seconds since the trace start
//   u64 id           object id
//   u32 size         object size in bytes
//   i64 next_access  1-based index ("virtual time") of the next request to the
//                    same id, -1 if there is none. This is what libCacheSim's
//                    traceConv writes: request i (0-based) has vtime i + 1.
//
// Workload: N requests, each for the key of rank r ~ Zipf(alpha) over K keys
// (sim/core/zipf.h, stream "trace_gen.keys" of the seed); rank r has id r, or
// a bijective 64-bit scramble of r when scramble_ids is set (so popularity is
// not visible in the id order). Sizes are fixed, or per key uniform in
// [min_size, max_size] drawn from a hash of (seed, id): a key keeps one size,
// no table needed. Time advances by 1 s every requests_per_second requests.
//
// next_access needs the future. WriteOracleGeneralTrace writes the records
// front to back with next_access = -1, then walks the file back to front in
// chunks, keeping a map id -> vtime of its nearest later request, and patches
// each chunk in place. Memory is O(K) + one chunk, whatever N is; I/O is three
// sequential passes (write, read, rewrite).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sim/core/random.h"
#include "sim/core/zipf.h"

namespace cachelab {

struct OracleRecord {
  uint32_t time = 0;
  uint64_t id = 0;
  uint32_t size = 0;
  int64_t next_access = -1;
};

inline constexpr size_t kOracleRecordBytes = 24;

void EncodeOracleRecord(const OracleRecord& r, unsigned char* out);
OracleRecord DecodeOracleRecord(const unsigned char* in);

struct TraceGenConfig {
  uint64_t requests = 1'000'000;
  uint64_t keys = 100'000;
  double alpha = 1.0;
  uint64_t seed = 1;
  uint32_t min_size = 4096;  // min_size == max_size: every object has that size
  uint32_t max_size = 4096;
  uint64_t requests_per_second = 1000;  // > 0
  bool scramble_ids = false;
};

// Produces the request sequence (next_access left at -1), deterministic in the
// config. Validates the config (std::invalid_argument).
class TraceGenerator {
 public:
  explicit TraceGenerator(const TraceGenConfig& config);
  OracleRecord Next();
  uint64_t IdOfRank(uint64_t rank) const;
  uint32_t SizeOf(uint64_t id) const;
  const ZipfSampler& zipf() const { return zipf_; }

 private:
  TraceGenConfig config_;
  ZipfSampler zipf_;
  RandomEngine rng_;
  uint64_t index_ = 0;
};

// Fills next_access of an in-memory sequence (backward pass, O(distinct ids)).
void FillNextAccess(std::vector<OracleRecord>& records);

// Rewrites the next_access fields of an oracleGeneral file in place from its
// ids (the backward chunked pass described above). Throws std::runtime_error
// on I/O errors or a size that is not a multiple of 24.
void PatchNextAccess(const std::string& path);

// Generates the trace into `path` (overwritten). Returns the record count.
// When cancellation is requested (sim/core/cancel.h) while the records are
// written, removes the unfinished file and throws Interrupted.
uint64_t WriteOracleGeneralTrace(const TraceGenConfig& config, const std::string& path);

}  // namespace cachelab
