// The body the trace fuzz targets share: the bytes as a trace file in one
// format, replayed with an eviction policy and cache size the first input
// bytes choose, so both the reader and what consumes its records (sizes,
// next-access times, deletes) see the damaged data.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "analysis/replay/replay.h"
#include "analysis/trace/reader.h"
#include "policies/registry.h"
#include "tests/fuzz/fuzz_support.h"

namespace cachelab::fuzz {

// `file_name` decides compression (".zst"); `csv` is used for kCsv only.
inline int FuzzTrace(Bytes in, TraceFormat format, const std::string& file_name,
                     const CsvColumns& csv = {}) {
  static const std::vector<std::string> policies = PolicyNames(Role::kEviction);
  const uint8_t policy = in.Take();
  const uint8_t size = in.Take();
  const std::string path = WriteScratch(file_name, in.Rest());
  return Expect([&] {
    ReplaySpec spec;
    spec.trace = path;
    spec.format = format;
    spec.csv = csv;
    spec.policies = {policies[policy % policies.size()]};
    // Fractions of the working set, absolute object counts and bytes.
    static const char* const kSizes[] = {"0.1", "0.5", "1", "3", "100", "1KiB", "64KiB"};
    spec.sizes = {ParseCacheSize(kSizes[size % std::size(kSizes)])};
    spec.ignore_size = (size & 0x80) != 0;
    RunReplay(spec);
  });
}

}  // namespace cachelab::fuzz
