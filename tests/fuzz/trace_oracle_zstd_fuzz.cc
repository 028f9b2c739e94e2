// Fuzz target: the trace reader for oracleGeneral records in a zstd stream (the decoder's error
// paths: truncated and corrupt frames), and a replay of what it reads (tests/fuzz/trace_fuzz.h).
// Input: two option bytes (policy, cache size), then the file's bytes.
//
// A few hundred bytes of zstd can declare megabytes of output (a repeated
// block), and replaying a million records per input held this target at 88
// executions/s. Inputs that decode to more than kMaxDecoded bytes are turned
// away (return -1: libFuzzer keeps them out of the corpus) before the reader
// sees them; inputs that fail to decode are always run, since their error
// paths are the point.
#include <zstd.h>

#include <memory>
#include <vector>

#include "tests/fuzz/trace_fuzz.h"

namespace {

// 2,730 oracleGeneral records, as many as -max_len lets the plain target have.
constexpr size_t kMaxDecoded = 64 * 1024;

bool DecodesTooLarge(std::string_view z) {
  struct Free {
    void operator()(ZSTD_DCtx* c) const { ZSTD_freeDCtx(c); }
  };
  static const std::unique_ptr<ZSTD_DCtx, Free> ctx{ZSTD_createDCtx()};
  ZSTD_DCtx_reset(ctx.get(), ZSTD_reset_session_only);
  static std::vector<char> out(ZSTD_DStreamOutSize());
  ZSTD_inBuffer in{z.data(), z.size(), 0};
  size_t decoded = 0;
  while (true) {
    ZSTD_outBuffer o{out.data(), out.size(), 0};
    const size_t r = ZSTD_decompressStream(ctx.get(), &o, &in);
    if (ZSTD_isError(r)) return false;
    decoded += o.pos;
    if (decoded > kMaxDecoded) return true;
    // Done when the input is used up and the decoder has nothing buffered.
    if (in.pos == in.size && o.pos < o.size) return false;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 2 && DecodesTooLarge({reinterpret_cast<const char*>(data) + 2, size - 2})) return -1;
  return cachelab::fuzz::FuzzTrace({data, size}, cachelab::TraceFormat::kOracle, "t.bin.zst");
}
