// The eviction interface the cache Store drives. Implementations live in
// policies/eviction/ (one file each) and are chosen by registry name.
//
// Contract (checked by the shared conformance suite):
//  - Insert(key, bytes) registers a newly stored entry and returns a handle the
//    store keeps with the entry; handles are only valid until Erase.
//  - Touch(handle) records a hit on the entry.
//  - Victim() names a resident key to evict next, without removing it; the
//    store then removes the entry and calls Erase. Only called when at least
//    one entry is resident.
//  - Erase(handle) forgets the entry (eviction, delete, expiry or overwrite).
//  - size() is the number of resident entries the policy tracks; it always
//    equals the store's item count.
#pragma once

#include <cstdint>
#include <string>

#include "sim/model/config.h"

namespace cachelab {

class EvictionPolicy {
 public:
  using Handle = uint32_t;
  virtual ~EvictionPolicy() = default;
  virtual Handle Insert(Key key, uint64_t bytes) = 0;
  virtual void Touch(Handle h) = 0;
  virtual Key Victim() = 0;
  virtual void Erase(Handle h) = 0;
  virtual uint64_t size() const = 0;
  // Internal consistency check for tests; returns an empty string when sound.
  virtual std::string CheckInvariants() const { return {}; }
};

}  // namespace cachelab
