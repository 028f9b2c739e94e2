// The truth about every key: its latest *acknowledged* version and when each
// version was acknowledged. Staleness is measured
// against this, not against the database, because for write-behind the
// caller's acknowledgement precedes the database commit.
//
// Contract: existing keys 0..keys-1 start at version 1, acknowledged at time 0;
// other keys (rows that do not exist) are at version 0 and are never written.
// Acknowledge() must be called with versions in increasing order per key.
//
// Only keys that were ever written take memory: acked() runs on every read,
// and a small map of written keys stays in cache where a per-key array of
// every key would cost a cache miss per read.
#pragma once

#include <boost/unordered/unordered_flat_map.hpp>
#include <cstdint>
#include <stdexcept>
#include <vector>

#include "sim/core/time.h"
#include "sim/model/config.h"

namespace cachelab {

class VersionLedger {
 public:
  explicit VersionLedger(uint64_t keys) : keys_(keys) {}

  uint64_t acked(Key k) const {
    if (k >= keys_) return 0;
    if (written_.empty()) return 1;
    auto it = written_.find(k);
    return it == written_.end() ? 1 : 1 + it->second.size();
  }

  void Acknowledge(Key k, uint64_t version, Time at) {
    if (k >= keys_) throw std::logic_error("acknowledged a write of a key without a row");
    auto& times = written_[k];
    // Versions skipped by an out-of-order acknowledgement share its time.
    while (1 + times.size() < version) times.push_back(at);
  }

  // When `version` (>= 2) of `k` was acknowledged; version 1 counts as time 0.
  Time AckTime(Key k, uint64_t version) const {
    if (version <= 1) return Time::Zero();
    return written_.at(k)[version - 2];
  }

 private:
  uint64_t keys_;
  // Acknowledgement times of versions 2, 3, ... of every key ever written.
  boost::unordered_flat_map<Key, std::vector<Time>> written_;
};

}  // namespace cachelab
