#include "sim/model/memory_model.h"

#include <bit>

namespace cachelab {

namespace {

// Redis 7.0's structures (src/dict.h, src/server.h, src/sds.h) on 64 bits.
constexpr uint64_t kDictEntry = 24;
constexpr uint64_t kClusterEntryLinks = 16;  // clusterDictEntryMetadata: prev, next
constexpr uint64_t kBucket = 8;
constexpr uint64_t kRobj = 16;
constexpr uint32_t kEmbstrLimit = 44;  // OBJ_ENCODING_EMBSTR_SIZE_LIMIT

// sdsReqType's header bytes for a string of `len` bytes (sdshdr5 below 32).
uint64_t SdsHeader(uint64_t len, bool allow_type5) {
  if (allow_type5 && len < 32) return 1;
  if (len < 256) return 3;
  if (len < 65536) return 5;
  if (len < (uint64_t{1} << 32)) return 9;
  return 17;
}

}  // namespace

uint64_t JemallocSize(uint64_t n) {
  if (n == 0) return 0;
  if (n <= 8) return 8;
  if (n <= 128) return (n + 15) & ~uint64_t{15};
  // (2^k, 2^(k+1)] is cut into four classes of 2^(k-2) bytes.
  const int k = 63 - std::countl_zero(n - 1);
  const uint64_t step = uint64_t{1} << (k - 2);
  return (n + step - 1) & ~(step - 1);
}

EntryCharge::EntryCharge(const MemoryModelConfig& config)
    : redis_(config.kind == MemoryModelConfig::Kind::kRedis) {
  if (!redis_) {
    fixed_ = config.entry_overhead;
    return;
  }
  const uint64_t entry = kDictEntry + (config.cluster_enabled ? kClusterEntryLinks : 0);
  // Keys are copied with sdsdup, which may pick the 1-byte sdshdr5.
  const uint64_t key = JemallocSize(SdsHeader(config.key_bytes, true) + config.key_bytes + 1);
  fixed_ = JemallocSize(entry) + kBucket + key;
  ttl_ = JemallocSize(kDictEntry) + kBucket;
}

uint64_t EntryCharge::RedisValue(uint32_t value_bytes) {
  if (value_bytes <= kEmbstrLimit) return JemallocSize(kRobj + 3 + value_bytes + 1);
  return JemallocSize(kRobj) + JemallocSize(SdsHeader(value_bytes, false) + value_bytes + 1);
}

}  // namespace cachelab
