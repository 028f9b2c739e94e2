// Fuzz target: the trace reader for oracleGeneral records in a zstd stream (the decoder's error
// paths: truncated and corrupt frames), and a replay of what it reads (tests/fuzz/trace_fuzz.h).
// Input: two option bytes (policy, cache size), then the file's bytes.
#include "tests/fuzz/trace_fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return cachelab::fuzz::FuzzTrace({data, size}, cachelab::TraceFormat::kOracle, "t.bin.zst");
}
