// The eviction interface the cache Store (timed simulation) and the trace
// replay engine (analysis/replay/replay.h) drive. Implementations live in
// policies/eviction/ (one file each) and are chosen by registry name.
//
// Contract (checked by the shared conformance suite, tests/policies/eviction/):
//  - Insert(key, bytes) registers a newly stored entry and returns a handle the
//    caller keeps with the entry; handles are only valid until Erase. `bytes`
//    is the entry's charge in the caller's unit (bytes, or 1 per object when a
//    replay ignores sizes); it never changes while the entry is resident.
//  - Touch(handle) records a hit on the entry.
//  - Victim() names a resident key to evict next, without removing it; the
//    caller then removes the entry and calls Erase on its handle right away.
//    Only called when at least one entry is resident. Victim() may reorganise
//    the policy's own structures (a CLOCK hand moves, S3-FIFO moves entries
//    from its small to its main queue); it never invalidates handles.
//  - Erase(handle) forgets the entry. An Erase of the handle whose key the
//    last Victim() named is an eviction, and a policy may remember the key in
//    a ghost list (ARC, 2Q, S3-FIFO, LIRS); any other Erase is a removal
//    (delete, expiry, overwrite) and leaves no history.
//  - size() is the number of resident entries the policy tracks; it always
//    equals the caller's item count.
//
// Optional hooks, each with a default that does nothing, so a simple policy
// (LRU) implements only the five calls above:
//  - SetCapacity(capacity) is called once, before the first Insert, with the
//    cache's capacity in the unit of Insert's bytes. Policies whose structure
//    depends on it (segment and ghost sizes, sketch width) size themselves.
//  - Admit(key, bytes) is called on every insertion attempt (a miss in a
//    replay, every Set in the store), before the evictions that make room,
//    also when the object will not fit at all. It is where a policy looks the
//    key up in its ghost lists (ARC adapts its target there, as libCacheSim
//    does in find). Returning false refuses the object: nothing is evicted
//    and Insert is not called.
//  - WantsEviction() is asked after each Insert: while it returns true the
//    caller evicts Victim() again. For policies whose segments have their own
//    limits (2Q's Am queue), beyond the cache's total capacity.
//  - SetNextAccess(handle, when) follows Insert and Touch when the caller
//    knows the entry's next access (an oracleGeneral trace: a request index,
//    kNeverAgain when there is none). Only offline policies (belady) use it;
//    their PolicyInfo says `offline`, and the scenario loader refuses them.
//  - SetExpiry(handle, expires) follows Insert when the entry has a TTL
//    (the store's Set with ttl > 0). Redis' volatile-ttl uses it.
//  - PrefetchNode(handle) is a hint that a Touch of the entry may come soon:
//    a policy whose Touch reads a per-entry node starts loading it. It must
//    change nothing (the timed store calls it for requests drawn ahead of
//    their arrival, which may never touch the entry).
//  - OrderIsLastAccess() says the policy's state is a function of the order
//    of its entries' last Insert-or-Touch alone (exact LRU). The timed store
//    may then defer Touch while it has room: it stamps each access in the
//    entry's own slot, and before the first eviction Touches every entry in
//    stamp order, which leaves the policy exactly as the eager calls would
//    have. A cache large enough never to evict never touches a node.
#pragma once

#include <cstdint>
#include <limits>
#include <string>

#include "sim/core/time.h"
#include "sim/model/config.h"

namespace cachelab {

class EvictionPolicy {
 public:
  using Handle = uint32_t;
  static constexpr int64_t kNeverAgain = std::numeric_limits<int64_t>::max();

  virtual ~EvictionPolicy() = default;
  virtual Handle Insert(Key key, uint64_t bytes) = 0;
  virtual void Touch(Handle h) = 0;
  virtual Key Victim() = 0;
  virtual void Erase(Handle h) = 0;
  virtual uint64_t size() const = 0;
  // Internal consistency check for tests; returns an empty string when sound.
  virtual std::string CheckInvariants() const { return {}; }

  // Optional hooks; see the contract above.
  virtual void SetCapacity(uint64_t /*capacity*/) {}
  virtual bool Admit(Key /*key*/, uint64_t /*bytes*/) { return true; }
  virtual bool WantsEviction() const { return false; }
  virtual void SetNextAccess(Handle /*h*/, int64_t /*when*/) {}
  virtual void SetExpiry(Handle /*h*/, Time /*expires*/) {}
  virtual void PrefetchNode(Handle /*h*/) const {}
  virtual bool OrderIsLastAccess() const { return false; }
};

}  // namespace cachelab
