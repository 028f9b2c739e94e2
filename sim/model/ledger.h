// The truth about every key: its latest *acknowledged* version and when each
// version was acknowledged. Staleness is measured
// against this, not against the database, because for write-behind the
// caller's acknowledgement precedes the database commit.
//
// Contract: existing keys 0..keys-1 start at version 1, acknowledged at time 0;
// other keys (rows that do not exist) are at version 0 until Create() makes
// them version 1, acknowledged then; they are never written after.
// Acknowledge() must be called with versions in increasing order per key.
//
// acked() runs on every read: it reads one per-key counter of acknowledged
// writes (4 bytes a key, allocated at the first write, in huge pages, and
// prefetched by the world for requests drawn ahead); the acknowledgement
// times, needed only for a stale answer's age, live in a map of the keys
// ever written. A run without writes holds neither.
#pragma once

#include <boost/unordered/unordered_flat_map.hpp>
#include <cstdint>
#include <stdexcept>
#include <vector>

#include "sim/core/huge_page_allocator.h"
#include "sim/core/time.h"
#include "sim/model/config.h"

namespace cachelab {

class VersionLedger {
 public:
  explicit VersionLedger(uint64_t keys) : keys_(keys) {}

  uint64_t acked(Key k) const {
    if (k >= keys_) return created_.empty() ? 0 : created_.count(k);
    return writes_.empty() ? 1 : 1 + uint64_t{writes_[k]};
  }
  // Starts loading what acked(k) reads; changes nothing.
  void Prefetch(Key k) const {
    if (!writes_.empty() && k < keys_) __builtin_prefetch(&writes_[k]);
  }

  void Acknowledge(Key k, uint64_t version, Time at) {
    if (k >= keys_) throw std::logic_error("acknowledged a write of a key without a row");
    if (writes_.empty()) {
      writes_ = Counts(HugePageAllocator<uint32_t>(true));
      writes_.resize(keys_);
    }
    auto& times = written_[k];
    // Versions skipped by an out-of-order acknowledgement share its time.
    while (1 + times.size() < version) times.push_back(at);
    writes_[k] = static_cast<uint32_t>(times.size());
  }

  // A row without one (k >= keys) created at `at` (at most once per key).
  void Create(Key k, Time at) {
    if (k < keys_) throw std::logic_error("created a row that exists");
    created_.emplace(k, at);
  }
  bool Created(Key k) const { return k >= keys_ && created_.contains(k); }

  // When `version` (>= 2) of `k` was acknowledged; version 1 counts as time 0
  // (a created row's: its creation).
  Time AckTime(Key k, uint64_t version) const {
    if (version == 1 && k >= keys_) return created_.at(k);
    if (version <= 1) return Time::Zero();
    return written_.at(k)[version - 2];
  }

 private:
  uint64_t keys_;
  // Acknowledged writes of every key (= acked - 1); empty until the first.
  using Counts = std::vector<uint32_t, HugePageAllocator<uint32_t>>;
  Counts writes_;
  // Acknowledgement times of versions 2, 3, ... of every key ever written.
  boost::unordered_flat_map<Key, std::vector<Time>> written_;
  boost::unordered_flat_map<Key, Time> created_;  // rows created during the run
};

}  // namespace cachelab
