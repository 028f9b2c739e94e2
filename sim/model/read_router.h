// Where an application read of a row goes when the database has read
// replicas (ReplicaConfig, sim/model/config.h): to the replicas in turn,
// except reads of API-backed classes (the primary calls the API) and, with
// read_your_writes, an instance's reads of a key it wrote less than that long
// ago, which go to the primary.
//
// Contract: deterministic (a round-robin counter, no randomness), so equal
// runs route equally; without replicas every read goes to the primary.
#pragma once

#include <boost/unordered/unordered_flat_map.hpp>
#include <cstdint>
#include <memory>
#include <vector>

#include "sim/model/database.h"

namespace cachelab {

class ReadRouter {
 public:
  ReadRouter(const DatabaseConfig& config, Database& primary,
             std::vector<std::unique_ptr<Database>>& replicas, uint32_t instances)
      : config_(config), primary_(primary), replicas_(replicas), recent_(instances) {}

  Database& For(uint32_t instance, Key k, Time now) {
    if (replicas_.empty()) return primary_;
    if (!config_.class_api.empty() && config_.class_api[config_.classes.Of(k)]) return primary_;
    if (config_.replicas.read_your_writes > Duration()) {
      const auto& mine = recent_[instance % recent_.size()];
      const auto it = mine.find(k);
      if (it != mine.end() && now - it->second < config_.replicas.read_your_writes) {
        ++pinned_;
        return primary_;
      }
    }
    ++replica_reads_;
    return *replicas_[next_++ % replicas_.size()];
  }

  // `instance` wrote `k` at `now` (its reads of k stay on the primary for a while).
  void Wrote(uint32_t instance, Key k, Time now) {
    if (replicas_.empty() || config_.replicas.read_your_writes <= Duration()) return;
    recent_[instance % recent_.size()][k] = now;
  }

  uint64_t replica_reads() const { return replica_reads_; }
  uint64_t pinned_reads() const { return pinned_; }  // sent to the primary by read_your_writes

 private:
  const DatabaseConfig& config_;
  Database& primary_;
  std::vector<std::unique_ptr<Database>>& replicas_;
  // Per instance: when it last wrote each key (kept for the run: a bounded
  // window would need expiry events for no change in routing).
  std::vector<boost::unordered_flat_map<Key, Time>> recent_;
  uint64_t next_ = 0;
  uint64_t replica_reads_ = 0, pinned_ = 0;
};

}  // namespace cachelab
