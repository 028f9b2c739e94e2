#include "sim/core/frame_pool.h"

#include <memory>
#include <new>
#include <vector>

#include "sim/core/sanitizers.h"

namespace cachelab::frame_pool {
namespace {

// 16 bytes: frames are multiples of 8, and a coarser granule is memory each
// waiting request holds for nothing (an overloaded queue holds millions).
constexpr std::size_t kGranule = 16;
constexpr std::size_t kClasses = 256;  // up to 4 KiB
constexpr std::size_t kSlabBytes = 64 * 1024;

struct FreeNode {
  FreeNode* next;
};

struct Pool {
  FreeNode* free[kClasses] = {};
  std::vector<std::unique_ptr<std::byte[]>> slabs;
  std::size_t live = 0;

  void Refill(std::size_t cls) {
    const std::size_t size = (cls + 1) * kGranule;
    auto slab = std::make_unique<std::byte[]>(kSlabBytes);
    const std::size_t count = kSlabBytes / size;
    for (std::size_t i = 0; i < count; ++i) {
      auto* node = reinterpret_cast<FreeNode*>(slab.get() + i * size);
      node->next = free[cls];
      free[cls] = node;
    }
    slabs.push_back(std::move(slab));
  }
};

thread_local Pool pool;

}  // namespace

void* Allocate(std::size_t bytes) {
  ++pool.live;
#if !CACHELAB_ASAN
  const std::size_t cls = (bytes + kGranule - 1) / kGranule - 1;
  if (cls < kClasses) {
    if (pool.free[cls] == nullptr) pool.Refill(cls);
    FreeNode* node = pool.free[cls];
    pool.free[cls] = node->next;
    return node;
  }
#endif
  return ::operator new(bytes);
}

void Free(void* p, std::size_t bytes) noexcept {
  --pool.live;
#if !CACHELAB_ASAN
  const std::size_t cls = (bytes + kGranule - 1) / kGranule - 1;
  if (cls < kClasses) {
    auto* node = static_cast<FreeNode*>(p);
    node->next = pool.free[cls];
    pool.free[cls] = node;
    return;
  }
#endif
  ::operator delete(p, bytes);
}

std::size_t LiveFrames() {
  return pool.live;
}

}  // namespace cachelab::frame_pool
