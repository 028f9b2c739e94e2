// What an entry costs in the cache's memory: the flat model, jemalloc's size
// classes and Redis 7.0's layout of a string key (sim/model/memory_model.h).
// tests/analysis/live/redis_memory_test.cc holds the same figures against a
// real redis-server.
#include "sim/model/memory_model.h"

#include <catch2/catch.hpp>

using namespace cachelab;

namespace {

EntryCharge Redis(uint32_t key_bytes, bool cluster = false) {
  MemoryModelConfig c;
  c.kind = MemoryModelConfig::Kind::kRedis;
  c.key_bytes = key_bytes;
  c.cluster_enabled = cluster;
  return EntryCharge(c);
}

}  // namespace

TEST_CASE("jemalloc rounds to 8, to multiples of 16 up to 128, then to four classes per doubling",
          "[sim][memory]") {
  CHECK(JemallocSize(0) == 0);
  CHECK(JemallocSize(1) == 8);
  CHECK(JemallocSize(8) == 8);
  CHECK(JemallocSize(9) == 16);
  CHECK(JemallocSize(24) == 32);
  CHECK(JemallocSize(65) == 80);
  CHECK(JemallocSize(128) == 128);
  CHECK(JemallocSize(129) == 160);
  CHECK(JemallocSize(257) == 320);
  CHECK(JemallocSize(1006) == 1024);
  CHECK(JemallocSize(14337) == 16384);  // the first large class
  CHECK(JemallocSize(16385) == 20480);
  CHECK(JemallocSize(uint64_t{1} << 30) == uint64_t{1} << 30);
  // Every class is at least the request and wastes under a quarter above 128 B.
  for (uint64_t n = 1; n < 200'000; n += 7) {
    const uint64_t c = JemallocSize(n);
    REQUIRE(c >= n);
    if (n > 128) REQUIRE(static_cast<double>(c - n) < 0.25 * static_cast<double>(n));
    REQUIRE(JemallocSize(c) == c);  // a class is its own class
  }
}

TEST_CASE("the flat model charges the value plus the overhead, TTL or not", "[sim][memory]") {
  const EntryCharge flat = EntryCharge::Flat(64);
  CHECK(flat(100, false) == 164);
  CHECK(flat(100, true) == 164);
  CHECK(EntryCharge()(0, false) == 64);  // the default overhead
}

TEST_CASE("redis: a 24-character key costs dict entry 32 + bucket 8 + key sds 32, then the value",
          "[sim][memory]") {
  const EntryCharge r = Redis(24);
  // embstr up to 44 bytes: robj + sds header + value + 0 in one allocation.
  CHECK(r(10, false) == 72 + 32);
  CHECK(r(44, false) == 72 + 64);
  // raw from 45 bytes: a 16-byte robj and the sds apart.
  CHECK(r(45, false) == 72 + 16 + 64);
  CHECK(r(100, false) == 72 + 16 + 112);
  // A TTL adds the expires dict's entry and bucket.
  CHECK(r(100, true) == 72 + 16 + 112 + 40);
  // sds headers: 5 bytes from 256, so 1,000 bytes take 1,006 -> the 1,024 class.
  CHECK(r(1000, false) == 72 + 16 + 1024);
  CHECK(r(20000, false) == 72 + 16 + 20480);
}

TEST_CASE("redis: keys from 32 characters take a 3-byte header, cluster mode 16 more per entry",
          "[sim][memory]") {
  CHECK(Redis(31)(10, false) == 32 + 8 + 48 + 32);  // 1 + 31 + 1 = 33 -> 48
  CHECK(Redis(40)(10, false) == 32 + 8 + 48 + 32);  // 3 + 40 + 1 = 44 -> 48
  CHECK(Redis(45)(10, false) == 32 + 8 + 64 + 32);  // 49 -> 64
  // A dictEntry of 40 bytes lands in the 48 class.
  CHECK(Redis(24, true)(10, false) == Redis(24)(10, false) + 16);
}
