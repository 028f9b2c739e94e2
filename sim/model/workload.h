// Open-loop synthetic traffic: Poisson arrivals whose rate follows a profile,
// keys drawn by popularity, a read/write mix, reads of keys with no row, and
// a value size per key.
//
// Each random choice has its own named stream (arrivals, keys, ops, sizes),
// so every policy variant run on the same seed sees the same requests at the
// same times: the basis of fair comparisons.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "sim/core/random.h"
#include "sim/core/time.h"
#include "sim/core/zipf.h"
#include "sim/model/config.h"

namespace cachelab {

struct Request {
  Time at;
  Key key;
  bool write;
};

class Workload {
 public:
  Workload(const WorkloadConfig& config, Duration duration, uint64_t seed);

  // The next request strictly after the previous one, or nullopt once the
  // workload's duration is over. Non-homogeneous Poisson arrivals by thinning
  // (Lewis & Shedler 1979) against the profile's largest rate.
  std::optional<Request> Next();

  // Rate of the profile at time t, requests per second.
  double RateAt(Time t) const;

  // Value size of each existing key, drawn once from the `sizes` stream.
  const std::vector<uint32_t>& sizes() const { return sizes_; }

 private:
  WorkloadConfig config_;
  Time end_;
  double max_rate_;
  Time last_;
  ZipfSampler popularity_;
  RandomEngine arrivals_;
  RandomEngine thinning_;
  RandomEngine keys_;
  RandomEngine ops_;
  std::vector<uint32_t> sizes_;
};

}  // namespace cachelab
