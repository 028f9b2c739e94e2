// The cache server's memory: entries with a value, a size and an expiry time,
// bounded by bytes and (optionally) items, with an eviction policy choosing
// what to drop when a new entry does not fit.
//
// Contract:
//  - bytes() <= capacity_bytes and items() <= max_items (when set) after every
//    call; an entry charged more than the capacity is not admitted (Set
//    returns false and removes any previous entry for the key).
//  - An entry is charged what `charge` says for its value size and whether it
//    has a TTL (sim/model/memory_model.h: flat overhead, or Redis' layout).
//  - Expiry is lazy (an expired entry is removed when it is next looked up)
//    and active (ActiveExpire removes due entries in expiry order, like
//    Redis' expire cycle but exact). Either way it counts as an expiration,
//    never as an eviction.
//  - ttl <= 0 means the entry never expires.
//  - With a policy whose order is that of last accesses (LRU:
//    EvictionPolicy::OrderIsLastAccess), hits are stamped in the entry and
//    handed to the policy in one ordered pass before the first eviction;
//    what is evicted, and when, is exactly what eager Touch calls give.
//  - An entry stored by Set that leaves (evicted, expired, deleted, replaced,
//    flushed) without having served a Get is counted in unused_removed();
//    UnusedResident() counts those still stored. Entries of SetIfAbsent
//    (locks) are not data and never counted.
//  - Watched keys (WatchExpiries): every expiration of a watched key's entry
//    is recorded with the entry's expiry time (not the moment it was
//    noticed). Other keys pay one branch per expiration, nothing per hit.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "sim/core/open_table.h"
#include "sim/core/time.h"
#include "sim/model/eviction.h"
#include "sim/model/expiry_queue.h"
#include "sim/model/memory_model.h"
#include "sim/model/value.h"

namespace cachelab {

class Store {
 public:
  struct Entry {
    Value value;
    Time expires;
    EvictionPolicy::Handle handle;
    uint32_t accessed = 0;  // while Touch is deferred: the last access's stamp
  };
  // The table holds the entries inline (48 bytes with the key; the stamp fills what was padding),
  // so a lookup is one random slot, which Prefetch can start loading early.
  struct Slot {
    Key key_ = 0;
    Entry entry{{}, Time::FromNanos(kFree), 0};
    static constexpr int64_t kFree = INT64_MIN;  // no entry expires then
    Key key() const { return key_; }
    bool used() const { return entry.expires.nanos() != kFree; }
  };

  Store(uint64_t capacity_bytes, uint64_t max_items, EntryCharge charge,
        std::unique_ptr<EvictionPolicy> eviction);

  // The live entry for `k`, or nullptr (absent, or expired: then removed).
  // A hit is reported to the eviction policy. The pointer is valid until the
  // store next changes.
  const Entry* Get(Key k, Time now);
  // Start loading what a coming Get of `k` reads, in two stages: the slot,
  // then (once the slot is cached) the eviction policy's node for the entry
  // in it. Neither changes anything.
  void Prefetch(Key k) const { map_.Prefetch(k); }
  void PrefetchNode(Key k) const {
    if (deferring_) return;  // no node is read on a hit
    if (const Slot* s = map_.Find(k)) eviction_->PrefetchNode(s->entry.handle);
  }
  // Like Get but does not count as an access (no Touch).
  const Entry* Peek(Key k, Time now);
  // The entry of `k` if it is live at `now`; changes nothing (an expired
  // entry stays until it is next touched).
  const Entry* Find(Key k, Time now) const {
    const Slot* s = map_.Find(k);
    return s != nullptr && s->entry.expires > now ? &s->entry : nullptr;
  }
  // Stores (replacing any entry of `k`), evicting as needed.
  bool Set(Key k, const Value& v, Duration ttl, Time now);
  // Stores only when no live entry exists; false otherwise.
  bool SetIfAbsent(Key k, const Value& v, Duration ttl, Time now);
  // True when a live entry was removed; an expired one is removed as an
  // expiration and reported as absent.
  bool Delete(Key k, Time now);
  // Removes up to `limit` entries whose expiry is <= now; returns how many.
  uint64_t ActiveExpire(Time now, uint64_t limit);
  // Without active expiry nothing is queued for it (the queue would only grow).
  void set_active_expiry(bool on) { active_expiry_ = on; }
  // Drops every entry (not counted as evictions or expirations).
  void Flush();

  // Records the expirations of `keys` from now on, at most `limit` per key.
  // A cache key counts as watched key w when it equals w once the bits in
  // `ignored_bits` are cleared (a namespace generation, config.h).
  void WatchExpiries(const std::vector<Key>& keys, Key ignored_bits, uint64_t limit);
  struct WatchedKey {
    Key key;
    std::vector<Time> expiries;  // in the order they were counted
    bool truncated = false;      // an expiry beyond `limit` was not kept
  };
  const std::vector<WatchedKey>& watched() const { return watched_; }

  // Called with each evicted key, before its entry is removed (a primary
  // streams its evictions to its replicas as deletions). Null: none.
  using EvictionListener = void (*)(void* ctx, Key k);
  void set_eviction_listener(EvictionListener fn, void* ctx) {
    on_evict_ = fn;
    on_evict_ctx_ = ctx;
  }
  // Calls f(key, entry) for every entry that is live at `now`, in table order.
  template <class F>
  void ForEachLive(Time now, F f) const {
    map_.ForEach([&](const Slot& s) {
      if (s.entry.expires > now) f(s.key(), s.entry);
    });
  }

  uint64_t bytes() const { return bytes_; }
  uint64_t items() const { return map_.size(); }
  uint64_t peak_bytes() const { return peak_bytes_; }
  uint64_t peak_items() const { return peak_items_; }
  uint64_t evictions() const { return evictions_; }
  uint64_t expirations() const { return expirations_; }
  uint64_t stored() const { return stored_; }  // entries stored by Set
  uint64_t unused_removed() const { return unused_removed_; }
  uint64_t UnusedResident() const;
  uint64_t capacity_bytes() const { return capacity_bytes_; }
  const EvictionPolicy& eviction() const { return *eviction_; }
  uint64_t Charge(const Value& v, bool has_ttl) const { return charge_(v.size, has_ttl); }

 private:
  void Remove(Slot* slot);
  // Set, or SetIfAbsent's store with `used` true (not data: never counted).
  bool Insert(Key k, Value v, Duration ttl, Time now, bool used);
  // The live entry of `k` (an expired one is removed), or nullptr.
  Entry* Live(Key k, Time now);
  // While deferring_, a hit or an insertion stamps the entry instead of
  // calling Touch (EvictionPolicy::OrderIsLastAccess). ReplayAccesses ends
  // that: it Touches every entry in stamp order, once, before the first
  // eviction (or before the stamps would wrap).
  void Stamp(Entry& e) {
    e.accessed = ++stamp_;
    if (stamp_ == ~uint32_t{0}) ReplayAccesses();
  }
  void ReplayAccesses();
  // Asks the policy to admit `k` (Admit), then evicts until `need` fits.
  bool MakeRoom(Key k, uint64_t need);
  void EvictOne();
  // Counts the expiration of `k`'s entry that expired at `expires`.
  void CountExpiration(Key k, Time expires) {
    ++expirations_;
    if (!watched_.empty()) RecordWatched(k, expires);
  }
  void RecordWatched(Key k, Time expires);

  uint64_t capacity_bytes_;
  uint64_t max_items_;
  EntryCharge charge_;
  std::unique_ptr<EvictionPolicy> eviction_;
  OpenTable<Slot> map_;
  // A record is stale when its key's entry is gone or expires at another
  // time; an entry replaced by one with the same expiry is due all the same.
  ExpiryQueue expiry_;
  bool deferring_;
  uint32_t stamp_ = 0;
  uint64_t next_seq_ = 0;
  uint64_t stored_ = 0, unused_removed_ = 0;
  bool active_expiry_ = true;
  uint64_t bytes_ = 0;
  uint64_t peak_bytes_ = 0;
  uint64_t peak_items_ = 0;
  uint64_t evictions_ = 0;
  uint64_t expirations_ = 0;
  std::vector<WatchedKey> watched_;
  EvictionListener on_evict_ = nullptr;
  void* on_evict_ctx_ = nullptr;
  Key watch_mask_ = ~Key{0};
  uint64_t watch_limit_ = 0;
};

}  // namespace cachelab
