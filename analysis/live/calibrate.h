// `cachelab calibrate`: measures a real Redis and PostgreSQL at low load and
// fits the scenario's distributions to them, so the simulator models the
// servers `cachelab live` will meet.
//
// Contract:
//  - Measured one operation at a time (no queueing), after a warm-up, with
//    the live world's own clients and statements (analysis/live/): the Redis
//    round trip is the live port's GET (value and remaining TTL, one script)
//    of a present key; the PostgreSQL read and write service times are the
//    pool's SELECT and UPDATE of random rows of a table of its own, from the
//    moment the query is sent to its result, as the pool counts busy time.
//  - Each sample set is fitted with constant (the mean), exponential (the
//    mean) and lognormal (mu and sigma of ln x, maximum likelihood); the model
//    with the smallest Kolmogorov-Smirnov distance to the sample wins. Every
//    candidate's distance is reported.
//  - Redis' memory per entry beyond the value (key, dictionary entry, object
//    header, allocator rounding) is measured from used_memory before and
//    after storing `entries` values of the scenario's sizes, under keys as
//    long as the live world's, for /cache/entry_overhead.
//  - Servers: private throw-away ones unless URLs are given (then only the
//    calibration's own keys and table are touched, and removed).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "sim/model/config.h"

namespace cachelab::live {

struct CalibrateOptions {
  std::string redis_url, postgres_url;  // empty: private servers
  uint32_t samples = 2000;              // per measured operation, after the warm-up
  uint32_t warmup = 200;
  uint32_t value_size = 1024;  // bytes of the values and rows measured
  uint64_t rows = 10'000;      // rows of the measured table
  uint32_t entries = 20'000;   // values stored to measure Redis' per-entry memory
  // Their sizes, cycled (the scenario's per-key sizes: allocator rounding
  // depends on them); empty: value_size each.
  std::vector<uint32_t> entry_sizes;
  bool verbose = true;
};

struct FitCandidate {
  std::string model;  // "constant", "exponential", "lognormal"
  double ks = 0;
  DistributionConfig dist;
};

struct ServiceFit {
  std::string what;                // "redis rtt", "postgres read", "postgres write"
  std::vector<double> samples_ns;  // sorted
  double mean_ns = 0, p50_ns = 0, p99_ns = 0;
  std::vector<FitCandidate> candidates;  // in the order above
  size_t best = 0;                       // index into candidates
  const DistributionConfig& dist() const { return candidates[best].dist; }
};

struct Calibration {
  std::string redis_version, postgres_version;
  ServiceFit redis_rtt, db_read, db_write;
  uint64_t entry_overhead = 0;  // bytes per Redis entry beyond the value
  uint32_t value_size = 0;
};

// Fits `samples_ns` (any order; at least 2) as the contract says.
ServiceFit FitService(std::string what, std::vector<double> samples_ns);

// Measures and fits. Throws InputError for servers that cannot be reached or
// used, as `cachelab live` does.
Calibration Calibrate(const CalibrateOptions& options);

// `scenario` (a scenario's JSON, e.g. Scenario::resolved) with /cache/rtt,
// /database/read, /database/write and /cache/entry_overhead set from `c`.
nlohmann::json ApplyCalibration(nlohmann::json scenario, const Calibration& c);

// The fits as a table for the terminal.
std::string FormatCalibration(const Calibration& c);
// {"redis_rtt": {...}, ...} for --json and twin's folder.
nlohmann::json CalibrationToJson(const Calibration& c);

}  // namespace cachelab::live
