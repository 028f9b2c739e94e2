#include "analysis/trace/generate.h"

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

using namespace cachelab;

namespace {

std::string TempPath(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("cachelab_trace_gen_" + name)).string();
}

std::vector<OracleRecord> ReadTrace(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::vector<unsigned char> bytes((std::istreambuf_iterator<char>(in)), {});
  std::vector<OracleRecord> out;
  for (size_t off = 0; off + kOracleRecordBytes <= bytes.size(); off += kOracleRecordBytes) {
    out.push_back(DecodeOracleRecord(bytes.data() + off));
  }
  return out;
}

}  // namespace

TEST_CASE("An oracleGeneral record is 24 little-endian bytes", "[analysis][trace_gen]") {
  const OracleRecord r{0x01020304u, 0x1112131415161718ull, 0x21222324u, -1};
  unsigned char b[kOracleRecordBytes];
  EncodeOracleRecord(r, b);
  CHECK(b[0] == 0x04);
  CHECK(b[3] == 0x01);
  CHECK(b[4] == 0x18);
  CHECK(b[11] == 0x11);
  CHECK(b[12] == 0x24);
  for (int i = 16; i < 24; ++i) CHECK(b[i] == 0xff);  // -1
  const OracleRecord back = DecodeOracleRecord(b);
  CHECK(back.time == r.time);
  CHECK(back.id == r.id);
  CHECK(back.size == r.size);
  CHECK(back.next_access == -1);
}

TEST_CASE("A generated trace has N records whose next_access matches a re-scan",
          "[analysis][trace_gen]") {
  // 150k records span three 64k-record chunks of the backward pass.
  TraceGenConfig cfg{.requests = 150'000,
                     .keys = 5'000,
                     .alpha = 0.9,
                     .seed = 7,
                     .min_size = 100,
                     .max_size = 2000,
                     .requests_per_second = 1000};
  const std::string path = TempPath("rescan.bin");
  CHECK(WriteOracleGeneralTrace(cfg, path) == cfg.requests);
  CHECK(std::filesystem::file_size(path) == cfg.requests * 24);
  const auto recs = ReadTrace(path);
  REQUIRE(recs.size() == cfg.requests);

  // Forward re-scan: the previous request of each id must point at this one
  // (1-based vtime), and the last request of each id says -1.
  std::unordered_map<uint64_t, size_t> last;
  std::unordered_map<uint64_t, uint32_t> size_of;
  size_t bad_links = 0, bad_sizes = 0;
  for (size_t i = 0; i < recs.size(); ++i) {
    auto it = last.find(recs[i].id);
    if (it != last.end() && recs[it->second].next_access != static_cast<int64_t>(i) + 1) {
      ++bad_links;
    }
    last[recs[i].id] = i;
    auto [s, fresh] = size_of.try_emplace(recs[i].id, recs[i].size);
    if (!fresh && s->second != recs[i].size) ++bad_sizes;
    if (recs[i].size < 100 || recs[i].size > 2000) ++bad_sizes;
    CHECK(recs[i].time == i / 1000);
  }
  size_t bad_tails = 0;
  for (const auto& [id, i] : last) bad_tails += recs[i].next_access != -1;
  CHECK(bad_links == 0);
  CHECK(bad_tails == 0);
  CHECK(bad_sizes == 0);  // one size per key, within bounds
  CHECK(size_of.size() > 1);

  // The file equals the in-memory generator plus FillNextAccess.
  TraceGenerator gen(cfg);
  std::vector<OracleRecord> mem(cfg.requests);
  for (auto& r : mem) r = gen.Next();
  FillNextAccess(mem);
  size_t mismatches = 0;
  for (size_t i = 0; i < mem.size(); ++i) {
    mismatches += mem[i].id != recs[i].id || mem[i].next_access != recs[i].next_access ||
                  mem[i].size != recs[i].size;
  }
  CHECK(mismatches == 0);
  std::remove(path.c_str());
}

TEST_CASE("Generated ids follow the Zipf popularity", "[analysis][trace_gen]") {
  for (const bool scramble : {false, true}) {
    TraceGenConfig cfg{
        .requests = 400'000, .keys = 1'000, .alpha = 1.0, .seed = 3, .scramble_ids = scramble};
    TraceGenerator gen(cfg);
    std::unordered_map<uint64_t, uint64_t> count;
    for (uint64_t i = 0; i < cfg.requests; ++i) ++count[gen.Next().id];
    for (uint64_t rank : {0, 1, 9}) {
      const double p = gen.zipf().Probability(rank);
      const double n = static_cast<double>(cfg.requests);
      const double sigma = std::sqrt(n * p * (1 - p));
      const double seen = static_cast<double>(count[gen.IdOfRank(rank)]);
      INFO("scramble " << scramble << " rank " << rank << " expected " << n * p << " seen "
                       << seen);
      CHECK(std::abs(seen - n * p) < 5 * sigma);
    }
    if (scramble) CHECK(gen.IdOfRank(0) != 0);
  }
}

TEST_CASE("The generator is deterministic in its seed", "[analysis][trace_gen]") {
  TraceGenConfig cfg{.requests = 10'000, .keys = 100, .alpha = 0.8, .seed = 5};
  TraceGenerator a(cfg), b(cfg);
  cfg.seed = 6;
  TraceGenerator c(cfg);
  size_t same_ab = 0, same_ac = 0;
  for (int i = 0; i < 10'000; ++i) {
    const uint64_t ia = a.Next().id;
    same_ab += ia == b.Next().id;
    same_ac += ia == c.Next().id;
  }
  CHECK(same_ab == 10'000);
  CHECK(same_ac < 10'000);
}

TEST_CASE("The generator rejects meaningless configurations", "[analysis][trace_gen]") {
  CHECK_THROWS_AS(TraceGenerator(TraceGenConfig{.keys = 0}), std::invalid_argument);
  CHECK_THROWS_AS(TraceGenerator(TraceGenConfig{.alpha = -1}), std::invalid_argument);
  CHECK_THROWS_AS(TraceGenerator(TraceGenConfig{.min_size = 10, .max_size = 5}),
                  std::invalid_argument);
  CHECK_THROWS_AS(TraceGenerator(TraceGenConfig{.requests_per_second = 0}), std::invalid_argument);
}
