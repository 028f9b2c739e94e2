// The redis memory model (sim/model/memory_model.h) against a real
// redis-server: the growth of INFO's used_memory per key, for 65,536 keys
// (the main dict's table then holds exactly one bucket per key), equals the
// model's charge to the byte for values on either side of every encoding
// and header boundary, with and without a TTL. Exits 77 (skipped) where
// redis-server is not installed.
#include <hiredis/hiredis.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include "analysis/live/redis_server.h"
#include "sim/model/memory_model.h"
#include "tests/support/live_servers.h"

using namespace cachelab;
using namespace cachelab::live;

namespace {

struct ContextFree {
  void operator()(redisContext* c) const { redisFree(c); }
};
using Context = std::unique_ptr<redisContext, ContextFree>;

std::string Command(redisContext* c, const std::string& text) {
  auto* reply = static_cast<redisReply*>(redisCommand(c, text.c_str()));
  REQUIRE(reply != nullptr);
  std::string out = reply->str != nullptr ? std::string(reply->str, reply->len) : "";
  freeReplyObject(reply);
  return out;
}

uint64_t InfoField(const std::string& info, const std::string& name) {
  const std::string field = "\n" + name + ":";
  const size_t at = info.find(field);
  REQUIRE(at != std::string::npos);
  return std::stoull(info.substr(at + field.size()));
}

uint64_t UsedMemory(redisContext* c) {
  return InfoField(Command(c, "INFO memory"), "used_memory");
}

Context Connect(const std::string& socket) {
  Context c(redisConnectUnix(socket.c_str()));
  REQUIRE(c != nullptr);
  REQUIRE(c->err == 0);
  return c;
}

// Stores `n` keys of `key_bytes` characters with `value_bytes`-byte values
// and returns used_memory's growth per key, read through `meter`. The keys
// go through a connection of their own, closed before the second reading:
// a connection that carried a pipeline keeps a query buffer of its size
// until Redis's cron shrinks it, at its own pace, so measuring through it
// (or subtracting mem_clients_normal, which that cron also updates) was off
// by up to 3 B per key on a loaded machine. `meter` only ever sends INFO.
double BytesPerKey(redisContext* meter, const std::string& socket, uint32_t n, uint32_t key_bytes,
                   uint32_t value_bytes, bool ttl) {
  Command(meter, "FLUSHALL SYNC");
  const uint64_t before = UsedMemory(meter);
  {
    Context c = Connect(socket);
    const std::string value(value_bytes, 'v');
    for (uint32_t i = 0; i < n; ++i) {
      std::string key = std::to_string(i);
      key.insert(0, key_bytes - key.size(), 'k');
      if (ttl) {
        redisAppendCommand(c.get(), "SET %b %b EX 100000", key.data(), key.size(), value.data(),
                           value.size());
      } else {
        redisAppendCommand(c.get(), "SET %b %b", key.data(), key.size(), value.data(),
                           value.size());
      }
    }
    for (uint32_t i = 0; i < n; ++i) {
      void* reply = nullptr;
      REQUIRE(redisGetReply(c.get(), &reply) == REDIS_OK);
      const auto* r = static_cast<redisReply*>(reply);
      const bool stored = r->type == REDIS_REPLY_STATUS;
      if (!stored) INFO("SET answered " << std::string(r->str, r->len));
      freeReplyObject(reply);
      REQUIRE(stored);
    }
  }
  // Redis frees a closed client in its event loop: wait until only `meter` is left.
  for (int i = 0; InfoField(Command(meter, "INFO clients"), "connected_clients") > 1; ++i) {
    REQUIRE(i < 500);
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return static_cast<double>(UsedMemory(meter) - before) / n;
}

}  // namespace

TEST_CASE("redis memory model: used_memory per key of a real Redis 7 equals the model's charge",
          "[live][memory]") {
  PrivateRedisOptions options;
  options.program = test::RequireProgram("redis-server", {"/usr/bin"});
  PrivateRedis redis(options);
  redis.Start();
  Context c = Connect(redis.socket_path());
  // Debian's redis-server allocates with jemalloc, whose classes the model has.
  REQUIRE(Command(c.get(), "INFO memory").find("mem_allocator:jemalloc") != std::string::npos);

  constexpr uint32_t kKeys = 65'536;
  struct Case {
    uint32_t key_bytes, value_bytes;
    bool ttl;
  };
  // Either side of embstr's 44 bytes, of sds' 256-byte header step, a
  // large jemalloc class, long keys (3-byte sds header), and TTLs.
  const Case cases[] = {{24, 10, false},   {24, 44, false},  {24, 45, false},
                        {24, 100, true},   {24, 255, false}, {24, 256, false},
                        {40, 1000, false}, {24, 5000, true}, {24, 20000, false}};
  for (const Case& k : cases) {
    MemoryModelConfig m;
    m.kind = MemoryModelConfig::Kind::kRedis;
    m.key_bytes = k.key_bytes;
    const double model = static_cast<double>(EntryCharge(m)(k.value_bytes, k.ttl));
    const double real =
        BytesPerKey(c.get(), redis.socket_path(), kKeys, k.key_bytes, k.value_bytes, k.ttl);
    INFO("key " << k.key_bytes << " B, value " << k.value_bytes << " B, ttl " << k.ttl << ": real "
                << real << " B per key, model " << model);
    // What else moves used_memory around the load stays under 2 B per key
    // (130 KB over 65,536 keys).
    CHECK(real >= model - 0.5);
    CHECK(real <= model + 2);
  }
}

TEST_CASE("redis memory model: a cluster-enabled Redis 7 costs 16 B more per key, as modelled",
          "[live][memory]") {
  PrivateRedisOptions options;
  options.program = test::RequireProgram("redis-server", {"/usr/bin"});
  // The cluster bus listens on port + 10000 unless told otherwise: 10000 for
  // a unix-socket-only server, which a second such server would collide on.
  options.config = {{"cluster-enabled", "yes"}, {"cluster-port", std::to_string(test::FreePort())}};
  PrivateRedis redis(options);
  redis.Start();
  Context c = Connect(redis.socket_path());
  // One node owning every slot takes every key.
  REQUIRE(Command(c.get(), "CLUSTER ADDSLOTSRANGE 0 16383") == "OK");
  // The node serves keys once it sees its cluster as ok (a few ms).
  for (int i = 0; i < 500; ++i) {
    if (Command(c.get(), "CLUSTER INFO").find("cluster_state:ok") != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  MemoryModelConfig m;
  m.kind = MemoryModelConfig::Kind::kRedis;
  m.cluster_enabled = true;
  for (const uint32_t value_bytes : {10u, 100u}) {
    const double model = static_cast<double>(EntryCharge(m)(value_bytes, false));
    const double real =
        BytesPerKey(c.get(), redis.socket_path(), 65'536, m.key_bytes, value_bytes, false);
    INFO("value " << value_bytes << " B: real " << real << " B per key, model " << model);
    CHECK(real >= model - 0.5);
    CHECK(real <= model + 2);
  }
}
