#include "sim/model/store.h"

#include <algorithm>

namespace cachelab {

Store::Store(uint64_t capacity_bytes, uint64_t max_items, EntryCharge charge,
             std::unique_ptr<EvictionPolicy> eviction)
    : capacity_bytes_(capacity_bytes),
      max_items_(max_items),
      charge_(charge),
      eviction_(std::move(eviction)),
      deferring_(eviction_->OrderIsLastAccess()) {
  eviction_->SetCapacity(capacity_bytes_);
}

void Store::ReplayAccesses() {
  std::vector<std::pair<uint32_t, EvictionPolicy::Handle>> order;
  order.reserve(map_.size());
  map_.ForEach([&](const Slot& s) { order.emplace_back(s.entry.accessed, s.entry.handle); });
  std::sort(order.begin(), order.end());
  for (const auto& [stamp, handle] : order) eviction_->Touch(handle);
  deferring_ = false;
}

void Store::Remove(Slot* slot) {
  if (!slot->entry.value.used) ++unused_removed_;
  bytes_ -= Charge(slot->entry.value, slot->entry.expires != Time::Max());
  eviction_->Erase(slot->entry.handle);
  map_.Erase(slot);
}

Store::Entry* Store::Live(Key k, Time now) {
  Slot* slot = map_.Find(k);
  if (slot == nullptr) return nullptr;
  if (slot->entry.expires <= now) {
    const Time expires = slot->entry.expires;
    Remove(slot);
    CountExpiration(k, expires);
    return nullptr;
  }
  return &slot->entry;
}

const Store::Entry* Store::Peek(Key k, Time now) {
  return Live(k, now);
}

const Store::Entry* Store::Get(Key k, Time now) {
  Entry* e = Live(k, now);
  if (e == nullptr) return nullptr;
  e->value.used = true;
  if (deferring_) {
    Stamp(*e);
  } else {
    eviction_->Touch(e->handle);
  }
  return e;
}

void Store::EvictOne() {
  if (deferring_) ReplayAccesses();  // the victim depends on the true order
  const Key victim = eviction_->Victim();
  if (on_evict_ != nullptr) on_evict_(on_evict_ctx_, victim);
  Remove(map_.Find(victim));
  ++evictions_;
}

bool Store::MakeRoom(Key k, uint64_t need) {
  if (!eviction_->Admit(k, need) || need > capacity_bytes_) return false;
  while (bytes_ + need > capacity_bytes_ || (max_items_ != 0 && map_.size() >= max_items_)) {
    EvictOne();
  }
  return true;
}

bool Store::Set(Key k, const Value& v, Duration ttl, Time now) {
  return Insert(k, v, ttl, now, false);
}

bool Store::Insert(Key k, Value v, Duration ttl, Time now, bool used) {
  if (Slot* old = map_.Find(k)) Remove(old);
  v.used = used;
  const Time expires = ttl > Duration() ? now + ttl : Time::Max();
  const uint64_t need = Charge(v, expires != Time::Max());
  if (!MakeRoom(k, need)) return false;
  const auto handle = eviction_->Insert(k, need);
  if (expires != Time::Max()) eviction_->SetExpiry(handle, expires);
  Entry& e = map_.Insert(Slot{k, Entry{v, expires, handle}})->entry;
  if (deferring_) Stamp(e);
  bytes_ += need;
  while (eviction_->WantsEviction() && !map_.empty()) EvictOne();
  if (active_expiry_ && expires != Time::Max()) {
    expiry_.Push(ExpiryRecord{expires.nanos(), next_seq_++, k});
  }
  peak_bytes_ = std::max(peak_bytes_, bytes_);
  peak_items_ = std::max<uint64_t>(peak_items_, map_.size());
  if (!used) ++stored_;
  return true;
}

bool Store::SetIfAbsent(Key k, const Value& v, Duration ttl, Time now) {
  if (Peek(k, now) != nullptr) return false;
  return Insert(k, v, ttl, now, true);
}

bool Store::Delete(Key k, Time now) {
  Slot* slot = map_.Find(k);
  if (slot == nullptr) return false;
  const Time expires = slot->entry.expires;
  const bool live = expires > now;
  Remove(slot);
  if (!live) CountExpiration(k, expires);
  return live;
}

uint64_t Store::ActiveExpire(Time now, uint64_t limit) {
  // Due records are taken in batches, and every batch's slots are prefetched
  // before the first is looked up. A batch holds at most as many records as
  // may still be removed, so exactly the records the one-at-a-time loop
  // would take are taken (stale ones do not count toward the limit).
  constexpr uint64_t kBatch = 32;
  ExpiryRecord batch[kBatch];
  uint64_t removed = 0;
  while (removed < limit) {
    uint64_t n = 0;
    while (n < std::min(kBatch, limit - removed) && !expiry_.empty() &&
           expiry_.Top().expires <= now.nanos()) {
      batch[n] = expiry_.Top();
      expiry_.Pop();
      map_.Prefetch(batch[n++].key);
    }
    if (n == 0) break;
    for (uint64_t i = 0; i < n; ++i) {
      const ExpiryRecord& r = batch[i];
      Slot* slot = map_.Find(r.key);
      if (slot == nullptr || slot->entry.expires.nanos() != r.expires) continue;  // stale record
      Remove(slot);
      CountExpiration(r.key, Time::FromNanos(r.expires));
      ++removed;
    }
  }
  return removed;
}

void Store::WatchExpiries(const std::vector<Key>& keys, Key ignored_bits, uint64_t limit) {
  watched_.clear();
  for (Key k : keys) watched_.push_back(WatchedKey{k, {}, false});
  watch_mask_ = ~ignored_bits;
  watch_limit_ = limit;
}

// Off the hit path: only expirations get here, and only when keys are watched.
void Store::RecordWatched(Key k, Time expires) {
  const Key base = k & watch_mask_;
  for (WatchedKey& w : watched_) {
    if (w.key != base) continue;
    if (w.expiries.size() < watch_limit_) {
      w.expiries.push_back(expires);
    } else {
      w.truncated = true;
    }
    return;
  }
}

uint64_t Store::UnusedResident() const {
  uint64_t n = 0;
  map_.ForEach([&](const Slot& s) { n += s.entry.value.used ? 0 : 1; });
  return n;
}

void Store::Flush() {
  unused_removed_ += UnusedResident();
  map_.ForEach([&](const Slot& s) { eviction_->Erase(s.entry.handle); });
  map_.Clear();
  bytes_ = 0;
  expiry_.Clear();
}

}  // namespace cachelab
