// The truth about every key: its latest *acknowledged* version and when each
// version was acknowledged (DESIGN.md section 4). Staleness is measured
// against this, not against the database, because for write-behind the
// caller's acknowledgement precedes the database commit.
//
// Contract: existing keys 0..keys-1 start at version 1, acknowledged at time 0;
// other keys (rows that do not exist) are at version 0 and are never written.
// Acknowledge() must be called with versions in increasing order per key.
#pragma once

#include <cstdint>
#include <vector>

#include <boost/unordered/unordered_flat_map.hpp>

#include "sim/core/time.h"
#include "sim/model/config.h"

namespace cachelab {

class VersionLedger {
 public:
  explicit VersionLedger(uint64_t keys) : acked_(keys, 1) {}

  uint64_t acked(Key k) const { return k < acked_.size() ? acked_[k] : 0; }

  void Acknowledge(Key k, uint64_t version, Time at) {
    auto& times = ack_times_[k];
    // Versions skipped by an out-of-order acknowledgement share its time.
    while (acked_[k] < version) {
      times.push_back(at);
      ++acked_[k];
    }
  }

  // When `version` (>= 2) of `k` was acknowledged; version 1 counts as time 0.
  Time AckTime(Key k, uint64_t version) const {
    if (version <= 1) return Time::Zero();
    auto it = ack_times_.find(k);
    return it->second[version - 2];
  }

 private:
  std::vector<uint64_t> acked_;
  boost::unordered_flat_map<Key, std::vector<Time>> ack_times_;  // only keys ever written
};

}  // namespace cachelab
