// The yardstick the eviction issue names (plain_lru.h), as a whole program:
// an LRU replay of an oracleGeneral trace, the whole file memory-mapped.
// bench/replay_whole.sh runs it beside `cachelab replay` on the same trace,
// so cachelab's speed is always shown against what this machine does with
// the simplest loop, at the same moment.
//
// Usage: cachelab_plain_lru TRACE CAPACITY_OBJECTS
// Prints "requests misses miss_ratio"; exit 2 on bad input.
#include "bench/yardstick/plain_lru.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string_view>

namespace {

constexpr size_t kRecord = 24;  // uint32 time, uint64 id, uint32 size, int64 next access
constexpr uint64_t kMaxObjects = ~uint32_t{0};  // PlainLruMisses' handles are 32-bit

int Fail(const char* what, const char* detail) {
  std::fprintf(stderr, "cachelab_plain_lru: %s: %s\n", what, detail);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) return Fail("usage", "cachelab_plain_lru TRACE CAPACITY_OBJECTS");
  uint64_t capacity = 0;
  const std::string_view cap_text(argv[2]);
  const auto [end, ec] = std::from_chars(cap_text.begin(), cap_text.end(), capacity);
  if (ec != std::errc() || end != cap_text.end() || capacity == 0 || capacity >= kMaxObjects) {
    return Fail(argv[2], "expected a positive number of objects");
  }
  const int fd = open(argv[1], O_RDONLY);
  if (fd < 0) return Fail(argv[1], std::strerror(errno));
  struct stat st {};
  if (fstat(fd, &st) != 0) return Fail(argv[1], std::strerror(errno));
  const auto bytes = static_cast<size_t>(st.st_size);
  if (bytes == 0 || bytes % kRecord != 0) {
    return Fail(argv[1], "expected a non-empty oracleGeneral trace (24-byte records)");
  }
  void* map = mmap(nullptr, bytes, PROT_READ, MAP_PRIVATE, fd, 0);
  if (map == MAP_FAILED) return Fail(argv[1], std::strerror(errno));
  madvise(map, bytes, MADV_SEQUENTIAL);
  const auto* data = static_cast<const unsigned char*>(map);

  const size_t requests = bytes / kRecord;
  const uint64_t misses = cachelab::yardstick::PlainLruMisses(requests, capacity, [&](size_t i) {
    uint64_t key;
    std::memcpy(&key, data + i * kRecord + 4, sizeof key);
    return key;
  });
  std::printf("%zu %llu %.4f\n", requests, static_cast<unsigned long long>(misses),
              static_cast<double>(misses) / static_cast<double>(requests));
  munmap(map, bytes);
  close(fd);
  return 0;
}
