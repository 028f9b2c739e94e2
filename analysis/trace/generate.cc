#include "analysis/trace/generate.h"

#include <boost/unordered/unordered_flat_map.hpp>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <system_error>

#include "sim/core/cancel.h"

namespace cachelab {

namespace {

// MurmurHash3's fmix64: a bijection of 64-bit words (xorshifts and odd
// multiplies are invertible), so scrambled ids stay distinct.
uint64_t Fmix64(uint64_t k) {
  k ^= k >> 33;
  k *= 0xff51afd7ed558ccdull;
  k ^= k >> 33;
  k *= 0xc4ceb9fe1a85ec53ull;
  k ^= k >> 33;
  return k;
}

template <class T>
void PutLe(unsigned char* out, T v) {
  for (size_t i = 0; i < sizeof(T); ++i) out[i] = static_cast<unsigned char>(v >> (8 * i));
}

template <class T>
T GetLe(const unsigned char* in) {
  T v = 0;
  for (size_t i = 0; i < sizeof(T); ++i) v |= static_cast<T>(in[i]) << (8 * i);
  return v;
}

}  // namespace

void EncodeOracleRecord(const OracleRecord& r, unsigned char* out) {
  PutLe<uint32_t>(out, r.time);
  PutLe<uint64_t>(out + 4, r.id);
  PutLe<uint32_t>(out + 12, r.size);
  PutLe<uint64_t>(out + 16, static_cast<uint64_t>(r.next_access));
}

OracleRecord DecodeOracleRecord(const unsigned char* in) {
  OracleRecord r;
  r.time = GetLe<uint32_t>(in);
  r.id = GetLe<uint64_t>(in + 4);
  r.size = GetLe<uint32_t>(in + 12);
  r.next_access = static_cast<int64_t>(GetLe<uint64_t>(in + 16));
  return r;
}

TraceGenerator::TraceGenerator(const TraceGenConfig& config)
    : config_(config),
      zipf_(config.keys, config.alpha),  // validates keys >= 1 and alpha >= 0
      rng_(MakeStream(config.seed, "trace_gen.keys")) {
  if (config.min_size > config.max_size) {
    throw std::invalid_argument("trace generator: min_size > max_size");
  }
  if (config.requests_per_second == 0) {
    throw std::invalid_argument("trace generator: requests_per_second must be > 0");
  }
}

uint64_t TraceGenerator::IdOfRank(uint64_t rank) const {
  return config_.scramble_ids ? Fmix64(rank ^ Fmix64(config_.seed)) : rank;
}

uint32_t TraceGenerator::SizeOf(uint64_t id) const {
  if (config_.min_size == config_.max_size) return config_.min_size;
  const uint64_t span = uint64_t{config_.max_size} - config_.min_size + 1;
  return config_.min_size +
         static_cast<uint32_t>(Fmix64(id + Fmix64(config_.seed ^ 0x5a5a5a5aull)) % span);
}

OracleRecord TraceGenerator::Next() {
  OracleRecord r;
  r.time = static_cast<uint32_t>(index_ / config_.requests_per_second);
  r.id = IdOfRank(zipf_(rng_));
  r.size = SizeOf(r.id);
  r.next_access = -1;
  ++index_;
  return r;
}

void FillNextAccess(std::vector<OracleRecord>& records) {
  boost::unordered_flat_map<uint64_t, int64_t> next;
  for (size_t i = records.size(); i-- > 0;) {
    auto [it, inserted] = next.try_emplace(records[i].id, 0);
    records[i].next_access = inserted ? -1 : it->second;
    it->second = static_cast<int64_t>(i) + 1;  // vtime is 1-based
  }
}

void PatchNextAccess(const std::string& path) {
  std::fstream file(path, std::ios::in | std::ios::out | std::ios::binary);
  if (!file) throw std::runtime_error("cannot open trace " + path);
  file.seekg(0, std::ios::end);
  const auto bytes = static_cast<uint64_t>(file.tellg());
  if (bytes % kOracleRecordBytes != 0) {
    throw std::runtime_error("trace " + path + " is not a whole number of 24-byte records");
  }
  const uint64_t n = bytes / kOracleRecordBytes;
  constexpr uint64_t kChunk = 1 << 16;  // records per chunk (1.5 MiB)
  std::vector<unsigned char> buf(kChunk * kOracleRecordBytes);
  boost::unordered_flat_map<uint64_t, int64_t> next;
  for (uint64_t end = n; end > 0;) {
    const uint64_t begin = end > kChunk ? end - kChunk : 0;
    const auto len = static_cast<std::streamsize>((end - begin) * kOracleRecordBytes);
    const auto offset = static_cast<std::streamoff>(begin * kOracleRecordBytes);
    file.seekg(offset);
    file.read(reinterpret_cast<char*>(buf.data()), len);
    if (!file) throw std::runtime_error("read error in trace " + path);
    for (uint64_t i = end; i-- > begin;) {
      unsigned char* rec = buf.data() + (i - begin) * kOracleRecordBytes;
      const uint64_t id = GetLe<uint64_t>(rec + 4);
      auto [it, inserted] = next.try_emplace(id, 0);
      PutLe<uint64_t>(rec + 16, static_cast<uint64_t>(inserted ? int64_t{-1} : it->second));
      it->second = static_cast<int64_t>(i) + 1;
    }
    file.seekp(offset);
    file.write(reinterpret_cast<const char*>(buf.data()), len);
    if (!file) throw std::runtime_error("write error in trace " + path);
    end = begin;
  }
  file.flush();
  if (!file) throw std::runtime_error("write error in trace " + path);
}

uint64_t WriteOracleGeneralTrace(const TraceGenConfig& config, const std::string& path) {
  TraceGenerator gen(config);
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    if (!out) throw std::runtime_error("cannot create trace " + path);
    constexpr size_t kChunk = 1 << 16;
    std::vector<unsigned char> buf(kChunk * kOracleRecordBytes);
    for (uint64_t done = 0; done < config.requests;) {
      if (cancel::Requested()) {  // between chunks: Ctrl-C leaves no half trace
        out.close();
        std::error_code ec;
        std::filesystem::remove(path, ec);
        throw Interrupted();
      }
      const uint64_t count = std::min<uint64_t>(kChunk, config.requests - done);
      for (uint64_t i = 0; i < count; ++i) {
        EncodeOracleRecord(gen.Next(), buf.data() + i * kOracleRecordBytes);
      }
      out.write(reinterpret_cast<const char*>(buf.data()),
                static_cast<std::streamsize>(count * kOracleRecordBytes));
      if (!out) throw std::runtime_error("write error in trace " + path);
      done += count;
    }
  }
  PatchNextAccess(path);
  return config.requests;
}

}  // namespace cachelab
