#include "sim/core/keyed_wait.h"

namespace cachelab {

void KeyedWait::Enqueue(uint64_t key, Duration timeout, WakeReason* reason,
                        std::coroutine_handle<> h) {
  const uint32_t slot = slots_.Acquire();
  slots_[slot] = Waiter{h, reason, key, true};
  waiters_[key].push_back(slot);
  if (timeout >= Duration()) {
    sim_.ScheduleAfter(timeout, &KeyedWait::OnTimeout, this, slots_.Ref(slot));
  }
}

// Marks the waiter woken and schedules its resumption now; the slot is freed
// when the resumption runs, so a stale timeout sees a new generation.
void KeyedWait::Wake(uint32_t slot, WakeReason reason) {
  Waiter& w = slots_[slot];
  w.active = false;
  *w.reason = reason;
  sim_.Schedule(sim_.now(), &KeyedWait::OnWake, this, slot);
}

void KeyedWait::OnWake(void* self, uint64_t arg) {
  auto* kw = static_cast<KeyedWait*>(self);
  const auto slot = static_cast<uint32_t>(arg);
  auto h = kw->slots_[slot].handle;  // not const: resume() is non-const in older libc++
  kw->slots_.Invalidate(slot);       // a pending timeout of this wait is now stale
  kw->slots_.Release(slot);
  h.resume();
}

void KeyedWait::OnTimeout(void* self, uint64_t arg) {
  auto* kw = static_cast<KeyedWait*>(self);
  const uint32_t slot = SlotIndex(arg);
  if (!kw->slots_.Current(arg) || !kw->slots_[slot].active) return;
  auto it = kw->waiters_.find(kw->slots_[slot].key);
  auto& list = it->second;
  for (size_t i = 0; i < list.size(); ++i) {
    if (list[i] == slot) {
      list.erase(list.begin() + static_cast<std::ptrdiff_t>(i));
      break;
    }
  }
  if (list.empty()) kw->waiters_.erase(it);
  kw->Wake(slot, WakeReason::kTimeout);
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
