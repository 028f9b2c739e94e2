// A hash table keyed by 64-bit keys whose slot for a key is computable, and
// so prefetchable, before the key is looked up: open addressing with linear
// probing over one array of caller-defined slots. The trace replay's index
// (policies/eviction/replayer.h: key -> node handle, 12-byte slots) and the
// timed cache's store (sim/model/store.h: key -> entry, stored inline) are
// both this table. Both are bound by memory latency, one random slot per
// request in tables far larger than the L2 cache; knowing the slot early lets
// the caller prefetch it while it works on earlier requests.
//
// The table's length is any number (a key's home slot is its hash scaled into
// the length by one multiplication, Lemire's "fastrange"), so Reserve can size
// it to about twice the expected keys: a lookup then probes ~1.5 slots when
// the key is there and ~2.5 when it is not, where a power-of-two table filled
// to between 3/8 and 7/8 costs up to 4.5 and 32 respectively, or twice the
// memory. Tables of 1 MiB and more lie in huge pages (huge_page_allocator.h),
// whose TLB reach the random lookups need; Reserve fits the length to whole
// pages. Growth beyond that doubles at 3/4 full.
//
// Contract:
//  - Slot is a trivially copyable struct with `uint64_t key() const`, `bool used()
//    const`, and a default (value-initialised) state that is unused; a slot
//    the table hands out as inserted is the caller's to fill, and must then
//    be used() with the key it was inserted under.
//  - Deletion shifts the following slots back (no tombstones), so a Slot* is
//    valid only until the next insertion or erasure.
//  - ForEach visits the slots in table order: a function of the live keys,
//    the table's length and, among keys that share a cluster, the order they
//    were inserted in (deterministic, like everything else here). Erasing a
//    key leaves the table as if it had never been inserted.
#pragma once

#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <utility>
#include <vector>

#include "sim/core/huge_page_allocator.h"

namespace cachelab {

template <class Slot>
class OpenTable {
  static_assert(std::is_trivially_copyable_v<Slot>);

 public:
  OpenTable() { Resize(1024); }

  // Sizes the table for `n` keys at once, so a table that fills up never
  // pays for, or holds two copies during, a doubling: load 1/2 when full, or,
  // in huge pages, the whole pages that hold the keys at a load of at most
  // 0.6 (one page fewer than load 1/2 may need), else those of load 1/2.
  void Reserve(size_t n) {
    size_t want = 2 * n;
    if (want * sizeof(Slot) >= kHugePage / 2) {
      const size_t per_page = kHugePage / sizeof(Slot);
      const size_t down = want / per_page * per_page;
      want = down * 3 >= n * 5 ? down : (want / per_page + 1) * per_page;
    }
    if (want > slots_.size()) Resize(want);
  }

  // Starts loading the cache lines a lookup of `key` reads first.
  void Prefetch(uint64_t key) const {
    const Slot* s = &slots_[Home(key)];
    __builtin_prefetch(s);
    if constexpr (sizeof(Slot) > 16) {
      __builtin_prefetch(reinterpret_cast<const char*>(s) + sizeof(Slot) - 1);
    }
  }

  Slot* Find(uint64_t key) {
    for (size_t i = Home(key);; i = Next(i)) {
      Slot& s = slots_[i];
      if (!s.used()) return nullptr;
      if (s.key() == key) return &s;
    }
  }
  const Slot* Find(uint64_t key) const { return const_cast<OpenTable*>(this)->Find(key); }

  // The key must be absent. Returns the slot it now occupies.
  Slot* Insert(const Slot& slot) {
    Grow();
    size_t i = Home(slot.key());
    while (slots_[i].used()) i = Next(i);
    slots_[i] = slot;
    ++size_;
    return &slots_[i];
  }

  // The key's slot; when absent, `fresh` (whose key() is `key`) is inserted
  // and `inserted` says so. One probe where Find, then Insert, would take two.
  Slot* FindOrInsert(uint64_t key, const Slot& fresh, bool& inserted) {
    Grow();
    for (size_t i = Home(key);; i = Next(i)) {
      Slot& s = slots_[i];
      if (!s.used()) {
        s = fresh;
        ++size_;
        inserted = true;
        return &s;
      }
      if (s.key() == key) {
        inserted = false;
        return &s;
      }
    }
  }

  void Erase(Slot* slot) {
    size_t hole = static_cast<size_t>(slot - slots_.data());
    // Move back every following member of the cluster whose home is not
    // between the hole and its own position (cyclically).
    for (size_t i = Next(hole); slots_[i].used(); i = Next(i)) {
      const size_t home = Home(slots_[i].key());
      const bool stays = hole <= i ? (hole < home && home <= i) : (hole < home || home <= i);
      if (stays) continue;
      slots_[hole] = slots_[i];
      hole = i;
    }
    slots_[hole] = Slot{};
    --size_;
  }

  // Empties the table, keeping its length.
  void Clear() {
    for (Slot& s : slots_) s = Slot{};
    size_ = 0;
  }

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  template <class F>
  void ForEach(F f) const {
    for (const Slot& s : slots_) {
      if (s.used()) f(s);
    }
  }

 private:
  __extension__ typedef unsigned __int128 Wide;  // NOLINT(modernize-use-using)

  size_t Home(uint64_t key) const {
    key ^= key >> 33;
    key *= 0xff51afd7ed558ccdull;
    key ^= key >> 33;
    return static_cast<size_t>((Wide{key} * slots_.size()) >> 64);
  }
  size_t Next(size_t i) const { return i + 1 == slots_.size() ? 0 : i + 1; }

  void Grow() {
    if ((size_ + 1) * 4 > slots_.size() * 3) Resize(slots_.size() * 2);
  }

  void Resize(size_t n) {
    Slots old = std::exchange(slots_, Slots(n, Slot{}, Alloc(true)));
    size_ = 0;
    for (const Slot& s : old) {
      if (s.used()) Insert(s);
    }
  }

  using Alloc = HugePageAllocator<Slot>;
  using Slots = std::vector<Slot, Alloc>;
  Slots slots_;
  size_t size_ = 0;
};

}  // namespace cachelab
