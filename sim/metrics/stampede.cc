#include "sim/metrics/stampede.h"

#include <stdexcept>
#include <string>

namespace cachelab {

void StampedeTracker::LoadStarted(uint64_t key) {
  Episode& e = episodes_by_key_[key];
  if (e.in_flight > 0) {
    ++duplicate_loads_;
    if (e.peak == 1) ++episodes_;  // the episode just became a stampede
  }
  ++e.in_flight;
  ++in_flight_;
  if (e.in_flight > e.peak) {
    e.peak = e.in_flight;
    if (e.peak > max_concurrent_) max_concurrent_ = e.peak;
  }
}

void StampedeTracker::LoadFinished(uint64_t key) {
  auto it = episodes_by_key_.find(key);
  if (it == episodes_by_key_.end()) {
    throw std::logic_error("stampede tracker: load of key " + std::to_string(key) +
                           " finished but none was in flight");
  }
  Episode& e = it->second;
  --in_flight_;
  if (--e.in_flight > 0) return;
  if (size_counts_.size() <= e.peak) size_counts_.resize(e.peak + 1, 0);
  ++size_counts_[e.peak];
  episodes_by_key_.erase(it);
}

}  // namespace cachelab
