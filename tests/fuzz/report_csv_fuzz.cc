// Fuzz target: the report's timeseries.csv reader and its interval merging.
// Input: one byte choosing the run's end and the merge factor, then the CSV.
#include <string>

#include "analysis/report/report.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace cachelab;
  fuzz::Bytes in(data, size);
  const uint8_t options = in.Take();
  const std::string text(in.Rest());
  static const double kEnds[] = {0, 1, 60, 1e12};
  return fuzz::Expect([&] {
    const TimeSeries ts = ParseTimeSeriesCsv(text, "<fuzz>", kEnds[options & 3]);
    MergeIntervals(ts, 1 + (options >> 2) % 5);
  });
}
