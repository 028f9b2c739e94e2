// A pool of reusable records addressed by 32-bit index, for state that an
// event or a suspended coroutine refers to by number (DB queries, waiters).
// Each record carries a generation, bumped on every Acquire, so an event
// scheduled for an earlier use of the slot can tell it is stale: pass Ref(i),
// (index, generation) packed in 64 bits, as the event's argument, and check
// Current(ref) when it fires.
//
// Contract: indices stay valid until Release, and so do references returned
// by operator[]: the records live in fixed chunks of 4096 that never move,
// so a pool of millions (an overloaded database's waiting queries) grows
// without copying itself or holding two copies at once.
#pragma once

#include <cstdint>
#include <memory>
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
      i = size_++;
      if ((i & kChunkMask) == 0) chunks_.push_back(std::make_unique<Slot[]>(kChunk));
    }
    Slot& s = At(i);
    s.value = T{};
    ++s.generation;
    return i;
  }
  void Release(uint32_t i) { free_.push_back(i); }

  T& operator[](uint32_t i) { return At(i).value; }
  const T& operator[](uint32_t i) const { return At(i).value; }
  // Marks every earlier (index, generation) pack of slot i stale.
  void Invalidate(uint32_t i) { ++At(i).generation; }
  size_t in_use() const { return size_ - free_.size(); }

  // Slot i in its current use.
  uint64_t Ref(uint32_t i) const { return (static_cast<uint64_t>(At(i).generation) << 32) | i; }
  // True when `ref` names its slot's current use.
  bool Current(uint64_t ref) const {
    return At(SlotIndex(ref)).generation == static_cast<uint32_t>(ref >> 32);
  }

 private:
  static constexpr uint32_t kChunkBits = 12, kChunk = 1u << kChunkBits, kChunkMask = kChunk - 1;
  Slot& At(uint32_t i) { return chunks_[i >> kChunkBits][i & kChunkMask]; }
  const Slot& At(uint32_t i) const { return chunks_[i >> kChunkBits][i & kChunkMask]; }

  std::vector<std::unique_ptr<Slot[]>> chunks_;
  uint32_t size_ = 0;  // records ever made
  std::vector<uint32_t> free_;
};

}  // namespace cachelab
