// A vector of reusable records addressed by 32-bit index, for state that an
// event or a suspended coroutine refers to by number (DB queries, waiters).
// Each record carries a generation, bumped on every Acquire, so an event
// scheduled for an earlier use of the slot can tell it is stale: pass Ref(i),
// (index, generation) packed in 64 bits, as the event's argument, and check
// Current(ref) when it fires.
//
// Contract: indices stay valid until Release; references returned by
// operator[] are invalidated by Acquire (the vector may grow).
#pragma once

#include <cstdint>
#include <vector>

namespace cachelab {

// The index part of a Ref().
inline uint32_t SlotIndex(uint64_t ref) {
  return static_cast<uint32_t>(ref);
}

template <typename T>
class SlotPool {
 public:
  struct Slot {
    T value{};
    uint32_t generation = 0;
  };

  // A fresh slot (its value reset to T{}), with a new generation.
  uint32_t Acquire() {
    uint32_t i;
    if (!free_.empty()) {
      i = free_.back();
      free_.pop_back();
    } else {
      i = static_cast<uint32_t>(slots_.size());
      slots_.emplace_back();
    }
    Slot& s = slots_[i];
    s.value = T{};
    ++s.generation;
    return i;
  }
  void Release(uint32_t i) { free_.push_back(i); }

  T& operator[](uint32_t i) { return slots_[i].value; }
  const T& operator[](uint32_t i) const { return slots_[i].value; }
  // Marks every earlier (index, generation) pack of slot i stale.
  void Invalidate(uint32_t i) { ++slots_[i].generation; }
  size_t in_use() const { return slots_.size() - free_.size(); }

  // Slot i in its current use.
  uint64_t Ref(uint32_t i) const { return (static_cast<uint64_t>(slots_[i].generation) << 32) | i; }
  // True when `ref` names its slot's current use.
  bool Current(uint64_t ref) const {
    return slots_[SlotIndex(ref)].generation == static_cast<uint32_t>(ref >> 32);
  }

 private:
  std::vector<Slot> slots_;
  std::vector<uint32_t> free_;
};

}  // namespace cachelab
