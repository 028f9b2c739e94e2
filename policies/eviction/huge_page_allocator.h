// An allocator for the replay's large random-access arrays (the index, node
// pools): blocks of 1 MiB or more are rounded up to whole 2 MiB pages,
// aligned to them and marked for transparent huge pages (madvise, Linux);
// smaller ones come from operator new as usual.
//
// Why: a replay touches a random slot and a random node per request in
// arrays of several MiB; with 4 KiB pages nearly every such access also
// misses the TLB, and the page walk delays (or cancels) the prefetches the
// replay loop relies on (replayer.h). One 2 MiB page covers 512 small ones.
// Where THP is "never", madvise is refused and nothing changes but the
// alignment; results never depend on it. The cost: a block is rounded up to
// whole 2 MiB pages, which are resident once touched.
#pragma once

#include <cstddef>
#include <cstdlib>
#include <new>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace cachelab::eviction {

inline constexpr size_t kHugePage = size_t{2} << 20;

template <class T>
struct HugePageAllocator {
  using value_type = T;

  HugePageAllocator() = default;
  template <class U>
  explicit HugePageAllocator(const HugePageAllocator<U>&) {}

  T* allocate(size_t n) {
    const size_t bytes = n * sizeof(T);
    if (bytes < kHugePage / 2) return static_cast<T*>(::operator new(bytes));
    const size_t rounded = (bytes + kHugePage - 1) / kHugePage * kHugePage;
    void* p = std::aligned_alloc(kHugePage, rounded);
    if (p == nullptr) throw std::bad_alloc();
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    madvise(p, rounded, MADV_HUGEPAGE);  // advice only: failure changes nothing
#endif
    return static_cast<T*>(p);
  }

  void deallocate(T* p, size_t n) {
    if (n * sizeof(T) < kHugePage / 2) {
      ::operator delete(p);
    } else {
      std::free(p);
    }
  }

  template <class U>
  bool operator==(const HugePageAllocator<U>&) const {
    return true;
  }
};

}  // namespace cachelab::eviction
