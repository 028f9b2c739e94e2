// Fuzz target: the CSV trace reader with a column map, and a replay of what it
// reads (tests/fuzz/trace_fuzz.h). Input: one byte choosing the column map
// (header or not, delimiter, which columns by name or number), two option
// bytes (policy, cache size), then the file's bytes.
#include <string>

#include "tests/fuzz/trace_fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace cachelab;
  fuzz::Bytes in(data, size);
  const uint8_t map = in.Take();
  CsvColumns csv;
  csv.header = (map & 1) != 0;
  static const char kDelimiters[] = {',', ';', '\t', ' '};
  csv.delimiter = kDelimiters[(map >> 1) & 3];
  // With a header, columns by the names make_corpus.py's seeds use; without,
  // by number (a number beyond the line's columns is the reader's error).
  if (csv.header) {
    csv.key = "key";
    if (map & 0x08) csv.time = "time";
    if (map & 0x10) csv.size = "size";
    if (map & 0x20) csv.op = "op";
  } else {
    // Single characters (GCC 12 warns, wrongly, on short literals here: -Wrestrict).
    csv.key = std::string(1, (map & 0x40) ? '2' : '1');
    if (map & 0x08) csv.time = std::string(1, (map & 0x40) ? '1' : '3');
    if (map & 0x10) csv.size = std::string(1, '3');
    if (map & 0x20) csv.op = std::string(1, (map & 0x80) ? '9' : '4');
  }
  return fuzz::FuzzTrace(in, TraceFormat::kCsv, "t.csv", csv);
}
