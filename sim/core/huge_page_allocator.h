// An allocator for large random-access arrays (hash tables, node pools, the
// database's rows, the ledger's counters): when `huge` is set, blocks of
// 1 MiB or more are rounded up to whole 2 MiB pages, aligned to them and
// marked for transparent huge pages (madvise, Linux); other blocks come from
// operator new as usual, so a small array costs nothing extra and a large one
// at most one partly used 2 MiB page.
//
// Why: a request touches a random slot and a random node in arrays of
// several MiB; with 4 KiB pages nearly every such access also misses the
// TLB, and the page walk delays (or cancels) the prefetches that the replay
// loop and the world's requests drawn ahead rely on. One 2 MiB page covers
// 512 small ones.
// Where THP is "never", madvise is refused and nothing changes but the
// alignment; results never depend on it. The cost: a block is rounded up to
// whole 2 MiB pages, which are resident once touched.
#pragma once

#include <cstddef>
#include <cstdlib>
#include <new>
#include <type_traits>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace cachelab {

inline constexpr size_t kHugePage = size_t{2} << 20;

template <class T>
struct HugePageAllocator {
  using value_type = T;

  using propagate_on_container_move_assignment = std::true_type;
  using propagate_on_container_swap = std::true_type;

  explicit HugePageAllocator(bool use_huge = false) : huge(use_huge) {}
  template <class U>
  explicit HugePageAllocator(const HugePageAllocator<U>& other) : huge(other.huge) {}

  T* allocate(size_t n) {
    const size_t bytes = n * sizeof(T);
    if (!Huge(bytes)) return static_cast<T*>(::operator new(bytes));
    const size_t rounded = (bytes + kHugePage - 1) / kHugePage * kHugePage;
    void* p = std::aligned_alloc(kHugePage, rounded);
    if (p == nullptr) throw std::bad_alloc();
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    madvise(p, rounded, MADV_HUGEPAGE);  // advice only: failure changes nothing
#endif
    return static_cast<T*>(p);
  }

  void deallocate(T* p, size_t n) {
    if (!Huge(n * sizeof(T))) {
      ::operator delete(p);
    } else {
      std::free(p);
    }
  }

  template <class U>
  bool operator==(const HugePageAllocator<U>& other) const {
    return huge == other.huge;
  }

  bool huge = false;

 private:
  bool Huge(size_t bytes) const {
    return huge && bytes >= kHugePage / 2;
  }
};

}  // namespace cachelab
