// Stampede measurement: per key, a load episode lasts
// while at least one database load of that key is in flight. A stampede is an
// episode in which loads overlapped; its size is the episode's peak number of
// concurrent loads.
//
// Contract:
//  - LoadStarted(key) / LoadFinished(key) bracket one load. LoadFinished on a
//    key with no load in flight is a logic error (std::logic_error).
//  - duplicate_loads(): loads started while another load of the same key was
//    in flight (an episode with L loads contributes L - 1, whatever its peak).
//  - episodes(): episodes whose peak exceeded 1, counted the moment a second
//    load overlaps, so an episode still open at the end of a run is included.
//  - max_concurrent(): the largest peak so far, open episodes included
//    (0 if no load ever started, 1 if loads never overlapped).
//  - size_counts()[k]: finished episodes whose peak was k (index 0 is always
//    0; index 1 counts episodes of a single load). When in_flight() == 0,
//    the entries k >= 2 sum to episodes().
//  - in_flight(): loads in flight over all keys.
//  - Memory is proportional to the keys with a load in flight: a key's state
//    is dropped when its episode ends.
#pragma once

#include <boost/unordered/unordered_flat_map.hpp>
#include <cstdint>
#include <vector>

namespace cachelab {

class StampedeTracker {
 public:
  void LoadStarted(uint64_t key);
  void LoadFinished(uint64_t key);

  uint64_t duplicate_loads() const { return duplicate_loads_; }
  uint64_t episodes() const { return episodes_; }
  uint64_t max_concurrent() const { return max_concurrent_; }
  const std::vector<uint64_t>& size_counts() const { return size_counts_; }
  uint64_t in_flight() const { return in_flight_; }
  // Keys with at least one load in flight (the tracker's memory footprint).
  size_t keys_in_flight() const { return episodes_by_key_.size(); }

 private:
  struct Episode {
    uint32_t in_flight = 0;
    uint32_t peak = 0;
  };
  boost::unordered_flat_map<uint64_t, Episode> episodes_by_key_;
  std::vector<uint64_t> size_counts_;
  uint64_t duplicate_loads_ = 0;
  uint64_t episodes_ = 0;
  uint64_t max_concurrent_ = 0;
  uint64_t in_flight_ = 0;
};

}  // namespace cachelab
