// The yardstick the eviction issue names, as a whole program: the plainest
// fast LRU replay of an oracleGeneral trace (the whole file memory-mapped, a
// flat hash map from key to node, an intrusive list over a node array, no
// prefetching, object count only). bench/replay_whole.sh runs it beside
// `cachelab replay` on the same trace, so cachelab's speed is always shown
// against what this machine does with the simplest loop, at the same moment.
//
// Usage: cachelab_plain_lru TRACE CAPACITY_OBJECTS
// Prints "requests misses miss_ratio"; exit 2 on bad input.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/unordered/unordered_flat_map.hpp>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string_view>
#include <vector>

namespace {

constexpr size_t kRecord = 24;  // uint32 time, uint64 id, uint32 size, int64 next access
constexpr uint32_t kNil = ~uint32_t{0};

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
  if (ec != std::errc() || end != cap_text.end() || capacity == 0 || capacity >= kNil) {
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

  struct Node {
    uint64_t key;
    uint32_t prev, next;
  };
  boost::unordered_flat_map<uint64_t, uint32_t> index;
  index.reserve(capacity);
  std::vector<Node> nodes;
  nodes.reserve(capacity);
  uint32_t head = kNil, tail = kNil;
  auto unlink = [&](uint32_t h) {
    const Node& x = nodes[h];
    (x.prev != kNil ? nodes[x.prev].next : head) = x.next;
    (x.next != kNil ? nodes[x.next].prev : tail) = x.prev;
  };
  auto push_front = [&](uint32_t h) {
    nodes[h].prev = kNil;
    nodes[h].next = head;
    (head != kNil ? nodes[head].prev : tail) = h;
    head = h;
  };
  const size_t requests = bytes / kRecord;
  uint64_t misses = 0;
  for (size_t i = 0; i < requests; ++i) {
    uint64_t key;
    std::memcpy(&key, data + i * kRecord + 4, sizeof key);
    if (auto it = index.find(key); it != index.end()) {
      if (it->second != head) {
        unlink(it->second);
        push_front(it->second);
      }
      continue;
    }
    ++misses;
    uint32_t h;
    if (nodes.size() < capacity) {
      h = static_cast<uint32_t>(nodes.size());
      nodes.push_back(Node{key, kNil, kNil});
    } else {
      h = tail;
      unlink(h);
      index.erase(nodes[h].key);
      nodes[h].key = key;
    }
    push_front(h);
    index.emplace(key, h);
  }
  std::printf("%zu %llu %.4f\n", requests, static_cast<unsigned long long>(misses),
              static_cast<double>(misses) / static_cast<double>(requests));
  munmap(map, bytes);
  close(fd);
  return 0;
}
