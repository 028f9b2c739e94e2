#include "sim/core/keyed_wait.h"

namespace cachelab {

namespace {
uint64_t Pack(uint32_t slot, uint32_t generation) {
  return (static_cast<uint64_t>(generation) << 32) | slot;
}
}  // namespace

void KeyedWait::Enqueue(Awaiter* a, std::coroutine_handle<> h) {
  uint32_t slot;
  if (!free_slots_.empty()) {
    slot = free_slots_.back();
    free_slots_.pop_back();
  } else {
    slot = static_cast<uint32_t>(slots_.size());
    slots_.emplace_back();
  }
  Slot& s = slots_[slot];
  s.handle = h;
  s.awaiter = a;
  s.active = true;
  ++s.generation;
  waiters_[a->key_].push_back(slot);
  if (a->timeout_ >= Duration()) {
    sim_.ScheduleAfter(a->timeout_, &KeyedWait::OnTimeout, this, Pack(slot, s.generation));
  }
}

// Marks the slot woken and schedules its resumption now; the slot is freed
// when the resumption runs, so a stale timeout sees a new generation.
void KeyedWait::Wake(uint32_t slot, WakeReason reason) {
  Slot& s = slots_[slot];
  s.active = false;
  s.awaiter->reason_ = reason;
  sim_.Schedule(sim_.now(), &KeyedWait::OnWake, this, Pack(slot, s.generation));
}

void KeyedWait::OnWake(void* self, uint64_t arg) {
  auto* w = static_cast<KeyedWait*>(self);
  const auto slot = static_cast<uint32_t>(arg);
  Slot& s = w->slots_[slot];
  auto h = s.handle;
  s.handle = {};
  s.awaiter = nullptr;
  ++s.generation;  // invalidates a pending timeout of this wait
  w->free_slots_.push_back(slot);
  h.resume();
}

void KeyedWait::OnTimeout(void* self, uint64_t arg) {
  auto* w = static_cast<KeyedWait*>(self);
  const auto slot = static_cast<uint32_t>(arg);
  const auto generation = static_cast<uint32_t>(arg >> 32);
  Slot& s = w->slots_[slot];
  if (!s.active || s.generation != generation) return;
  auto it = w->waiters_.find(s.awaiter->key_);
  auto& list = it->second;
  for (size_t i = 0; i < list.size(); ++i) {
    if (list[i] == slot) {
      list.erase(list.begin() + static_cast<std::ptrdiff_t>(i));
      break;
    }
  }
  if (list.empty()) w->waiters_.erase(it);
  w->Wake(slot, WakeReason::kTimeout);
}

size_t KeyedWait::NotifyAll(uint64_t key) {
  auto it = waiters_.find(key);
  if (it == waiters_.end()) return 0;
  std::vector<uint32_t> list = std::move(it->second);
  waiters_.erase(it);
  for (uint32_t slot : list) Wake(slot, WakeReason::kNotified);
  return list.size();
}

size_t KeyedWait::Waiting(uint64_t key) const {
  auto it = waiters_.find(key);
  return it == waiters_.end() ? 0 : it->second.size();
}

}  // namespace cachelab
