// Twitter's cache-trace format: what the reader makes of each column, and how
// it rejects malformed lines (an InputError naming the file and the line).
// The fixtures in tests/data are hand-written lines in that format.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "analysis/common/errors.h"
#include "analysis/trace/input.h"
#include "analysis/trace/reader.h"

namespace cachelab {
namespace {

const std::string kData = CACHELAB_TEST_DATA;
using Op = ReplayRequest::Op;

std::vector<ReplayRequest> ReadAll(const std::string& path) {
  auto reader = OpenTrace(path, TraceFormat::kTwitter);
  std::vector<ReplayRequest> all, chunk;
  while (reader->Read(&chunk, 5) > 0) all.insert(all.end(), chunk.begin(), chunk.end());
  return all;
}

std::string ErrorOf(const std::string& path) {
  try {
    ReadAll(path);
  } catch (const InputError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST_CASE("twitter: timestamp, hashed key, key plus value size, op class", "[analysis][trace]") {
  const auto r = ReadAll(kData + "/twitter_small.csv");
  REQUIRE(r.size() == 12);
  CHECK(r[0].time == 0);
  CHECK(r[11].time == 5);
  CHECK(r[0].key == HashTraceKey("k:alpha"));
  CHECK(r[2].key == r[0].key);  // the same key text, the same id
  CHECK(r[1].key != r[0].key);
  CHECK(r[0].size == 7 + 100);
  CHECK(r[4].size == 7);  // a get that reports no value
  CHECK(r[0].op == Op::kGet);
  CHECK(r[2].op == Op::kGet);                             // gets
  for (int i : {3, 5, 8, 9}) CHECK(r[i].op == Op::kSet);  // set, add, incr, replace
  CHECK(r[6].op == Op::kDelete);
  CHECK_FALSE(OpenTrace(kData + "/twitter_small.csv", TraceFormat::kTwitter)->has_next_access());
}

TEST_CASE("the key hash spreads similar keys and is stable", "[analysis][trace]") {
  // Keys differing in one character land far apart (no shared high bits),
  // and the empty key and a one-byte key differ.
  const uint64_t a = HashTraceKey("user:1000"), b = HashTraceKey("user:1001");
  CHECK(a != b);
  CHECK(__builtin_popcountll(a ^ b) > 16);
  CHECK(HashTraceKey("") != HashTraceKey("a"));
  CHECK(HashTraceKey("k:alpha") == HashTraceKey(std::string("k:alpha")));
}

TEST_CASE("twitter errors name the file and the line", "[analysis][trace]") {
  {
    const std::string p = kData + "/twitter_bad_columns.csv";
    const std::string e = ErrorOf(p);
    CHECK(e.find(p + ": line 2") != std::string::npos);
    CHECK(e.find("6 columns, expected 7") != std::string::npos);
  }
  {
    const std::string p = kData + "/twitter_bad_number.csv";
    const std::string e = ErrorOf(p);
    CHECK(e.find(p + ": line 2") != std::string::npos);
    CHECK(e.find("bad value size \"2O0\"") != std::string::npos);
  }
  {
    const std::string p = kData + "/twitter_bad_op.csv";
    const std::string e = ErrorOf(p);
    CHECK(e.find(p + ": line 2") != std::string::npos);
    CHECK(e.find("unknown op \"fetch\"") != std::string::npos);
  }
}

}  // namespace
}  // namespace cachelab
