// Open-loop synthetic traffic: Poisson arrivals whose rate follows a profile,
// keys drawn by popularity, a read/write mix, reads of keys with no row, and
// a value size per key.
//
// Each random choice has its own named stream (arrivals, keys, ops, sizes),
// so every policy variant run on the same seed sees the same requests at the
// same times: the basis of fair comparisons.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "sim/core/random.h"
#include "sim/core/time.h"
#include "sim/core/zipf.h"
#include "sim/model/config.h"
#include "sim/model/lru_stack.h"

namespace cachelab {

struct Request {
  Time at;
  Key key;
  bool write;
  uint32_t size = 0;  // a write's new value size; 0 = the row's current size
};

// Requests from somewhere else than the synthetic generator (a trace).
class RequestSource {
 public:
  virtual ~RequestSource() = default;
  // The next request, strictly after the previous one; nullopt at the end.
  virtual std::optional<Request> Next() = 0;
};

class Workload {
 public:
  Workload(const WorkloadConfig& config, Duration duration, uint64_t seed);

  // The next request strictly after the previous one, or nullopt once the
  // workload's duration is over. Non-homogeneous Poisson arrivals by thinning
  // (Lewis & Shedler 1979) against the profile's largest rate; with a trace,
  // the trace's next request (until the trace or the duration ends).
  std::optional<Request> Next();

  // The next row created outside the application (row_creations_per_s of
  // the workload or its classes): a write of a missing row's key (>= keys)
  // with the row's size, at Poisson times strictly after the previous one;
  // nullopt once the duration is over or without creations. Its own streams
  // ("creations"), so the requests are the same with or without them.
  std::optional<Request> NextCreation();

  // Rate of the profile at time t, requests per second.
  double RateAt(Time t) const;

  // Value size of each existing key, drawn once from the `sizes` stream (a
  // trace's own sizes with a trace).
  const std::vector<uint32_t>& sizes() const { return sizes_; }

  // The `n` keys the workload requests most, hottest first (fewer when it has
  // fewer keys). Zipf: ranks are keys and probabilities fall with the rank,
  // so keys 0..n-1. Uniform (or Zipf alpha 0): every key is equally likely;
  // keys 0..n-1 by convention. Trace: its most-read keys (TraceWorkloadConfig).
  // LRU stack: no key is hot by id; keys 0..n-1 by convention.
  std::vector<Key> HottestKeys(size_t n) const;

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
  std::unique_ptr<RequestSource> source_;  // a trace, when configured
  // Popularity kLruStack: the recency stack, and its own stream for the
  // initial order ("keys.stack"), so the other streams are the same as Zipf's.
  std::unique_ptr<LruStack> stack_;
  Key StackKey();
  // Key classes: cumulative shares (summing to 1), each class's key sampler.
  std::vector<double> class_cumulative_;
  std::vector<ZipfSampler> class_keys_;
  KeyClassMap class_map_;
  Request ClassRequest(Time at);
  // Row creations: their total rate, per class the cumulative share of it.
  double creation_rate_ = 0;
  std::vector<double> creation_cumulative_;
  RandomEngine creations_;
  Time last_creation_;
};

}  // namespace cachelab
