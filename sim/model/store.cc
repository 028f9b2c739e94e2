#include "sim/model/store.h"

#include <algorithm>

namespace cachelab {

Store::Store(uint64_t capacity_bytes, uint64_t max_items, uint64_t entry_overhead,
             std::unique_ptr<EvictionPolicy> eviction)
    : capacity_bytes_(capacity_bytes),
      max_items_(max_items),
      overhead_(entry_overhead),
      eviction_(std::move(eviction)) {
  eviction_->SetCapacity(capacity_bytes_);
}

void Store::Remove(boost::unordered_flat_map<Key, Entry>::iterator it) {
  bytes_ -= Charge(it->second.value);
  eviction_->Erase(it->second.handle);
  map_.erase(it);
}

const Store::Entry* Store::Peek(Key k, Time now) {
  auto it = map_.find(k);
  if (it == map_.end()) return nullptr;
  if (it->second.expires <= now) {
    const Time expires = it->second.expires;
    Remove(it);
    CountExpiration(k, expires);
    return nullptr;
  }
  return &it->second;
}

const Store::Entry* Store::Get(Key k, Time now) {
  const Entry* e = Peek(k, now);
  if (e != nullptr) eviction_->Touch(e->handle);
  return e;
}

void Store::EvictOne() {
  auto it = map_.find(eviction_->Victim());
  Remove(it);
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
  auto old = map_.find(k);
  if (old != map_.end()) Remove(old);
  const uint64_t need = Charge(v);
  if (!MakeRoom(k, need)) return false;
  const Time expires = ttl > Duration() ? now + ttl : Time::Max();
  const auto handle = eviction_->Insert(k, need);
  if (expires != Time::Max()) eviction_->SetExpiry(handle, expires);
  map_.emplace(k, Entry{v, expires, handle});
  bytes_ += need;
  while (eviction_->WantsEviction() && !map_.empty()) EvictOne();
  if (active_expiry_ && expires != Time::Max()) {
    expiry_.push(ExpiryRecord{expires.nanos(), next_seq_++, k});
  }
  peak_bytes_ = std::max(peak_bytes_, bytes_);
  peak_items_ = std::max<uint64_t>(peak_items_, map_.size());
  return true;
}

bool Store::SetIfAbsent(Key k, const Value& v, Duration ttl, Time now) {
  if (Peek(k, now) != nullptr) return false;
  return Set(k, v, ttl, now);
}

bool Store::Delete(Key k, Time now) {
  auto it = map_.find(k);
  if (it == map_.end()) return false;
  const Time expires = it->second.expires;
  const bool live = expires > now;
  Remove(it);
  if (!live) CountExpiration(k, expires);
  return live;
}

uint64_t Store::ActiveExpire(Time now, uint64_t limit) {
  uint64_t removed = 0;
  while (removed < limit && !expiry_.empty() && expiry_.top().expires <= now.nanos()) {
    const ExpiryRecord r = expiry_.top();
    expiry_.pop();
    auto it = map_.find(r.key);
    if (it == map_.end() || it->second.expires.nanos() != r.expires) continue;  // stale record
    Remove(it);
    CountExpiration(r.key, Time::FromNanos(r.expires));
    ++removed;
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

void Store::Flush() {
  for (const auto& [key, entry] : map_) eviction_->Erase(entry.handle);
  map_.clear();
  bytes_ = 0;
  expiry_ = {};
}

}  // namespace cachelab
