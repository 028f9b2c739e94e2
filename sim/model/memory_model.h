// What a cache entry costs in the cache server's memory, the bytes counted
// against its capacity (Redis' maxmemory, Memcached's -m).
//
// Two models:
//  - flat: value bytes + a fixed overhead per entry (the default, 64 B).
//  - redis: what Redis 7.0 on 64-bit Linux with jemalloc 5 allocates for a
//    string key set by SET (with EX/PX when the entry has a TTL), as its
//    used_memory counts it (allocations at their jemalloc size class):
//      main dict entry          dictEntry, 24 B (40 B with cluster-enabled,
//                               whose slot-to-keys links add 16 B)
//      main dict bucket         8 B (the table at load factor 1; Redis grows it
//                               to the next power of two, so up to 16 B)
//      key                      sds: 1 B header below 32 chars, 3 B below 256,
//                               + the key + a terminating 0
//      value, <= 44 bytes       embstr: robj 16 B + sds header 3 B + value + 1
//                               in one allocation
//      value, > 44 bytes        raw: robj 16 B, and an sds of header (3 B below
//                               256, 5 B below 64 KiB, 9 B beyond) + value + 1
//      TTL                      a dictEntry (24 B) + a bucket (8 B) in the
//                               expires dict, sharing the key
//    Every allocation is rounded up to its jemalloc size class (JemallocSize).
//    Values are taken to be byte strings (serialized rows), never the integer
//    encoding.
//
// RSS: the allocator holds more than it hands out (fragmentation, freed pages
// not yet returned); Redis reports the ratio as mem_fragmentation_ratio. The
// resident size of a node holding B bytes is B x fragmentation; a node whose
// RAM is below that at its peak would swap or be killed by the OOM killer.
#pragma once

#include <cstdint>

namespace cachelab {

// The smallest jemalloc 5 size class (4 KiB pages, 16 B quantum) holding n
// bytes: 8; multiples of 16 up to 128; then four classes per doubling
// (160, 192, 224, 256, 320, ...), through the large classes. n = 0 gives 0.
uint64_t JemallocSize(uint64_t n);

struct MemoryModelConfig {
  enum class Kind { kFlat, kRedis };
  Kind kind = Kind::kFlat;
  uint64_t entry_overhead = 64;  // flat: bytes per entry on top of the value
  uint32_t key_bytes = 24;       // redis: length of a key's name ("user:profile:12345678")
  bool cluster_enabled = false;  // redis: cluster mode's per-key slot links
  double fragmentation = 1.0;    // RSS / used memory, >= 1
  uint64_t ram_bytes = 0;        // the node's RAM; 0 = not checked
};

// The bytes one entry is charged. Precomputes what does not depend on the
// value, so a charge is a few instructions.
class EntryCharge {
 public:
  EntryCharge() : EntryCharge(MemoryModelConfig{}) {}
  explicit EntryCharge(const MemoryModelConfig& config);
  // The flat model with `overhead` bytes per entry.
  static EntryCharge Flat(uint64_t overhead) {
    MemoryModelConfig c;
    c.entry_overhead = overhead;
    return EntryCharge(c);
  }

  uint64_t operator()(uint32_t value_bytes, bool has_ttl) const {
    if (!redis_) return value_bytes + fixed_;
    return fixed_ + (has_ttl ? ttl_ : 0) + RedisValue(value_bytes);
  }

 private:
  static uint64_t RedisValue(uint32_t value_bytes);

  bool redis_;
  uint64_t fixed_;    // flat: the overhead; redis: dict entry + bucket + key
  uint64_t ttl_ = 0;  // redis: the expires dict's entry + bucket
};

}  // namespace cachelab
