// Draws from a DistributionConfig (a duration in ns or a size in bytes) with
// Boost.Random distributions, whose output is specified across platforms.
#pragma once

#include <algorithm>
#include <boost/random/exponential_distribution.hpp>
#include <boost/random/lognormal_distribution.hpp>
#include <boost/random/uniform_real_distribution.hpp>
#include <variant>

#include "sim/core/random.h"
#include "sim/core/time.h"
#include "sim/model/config.h"

namespace cachelab {

// The mean of a distribution: the constant, the mean (exponential,
// lognormal), or the midpoint (uniform).
inline double DistributionMean(const DistributionConfig& d) {
  return d.kind == DistributionConfig::Kind::kUniform ? (d.min + d.max) / 2 : d.mean;
}

class Sampler {
 public:
  explicit Sampler(const DistributionConfig& c);

  // A non-negative draw in the config's unit.
  double operator()(RandomEngine& rng) {
    switch (kind_) {
      case DistributionConfig::Kind::kConstant:
        return constant_;
      case DistributionConfig::Kind::kExponential:
        return exponential_(rng);
      case DistributionConfig::Kind::kLognormal:
        return lognormal_(rng);
      case DistributionConfig::Kind::kUniform:
        return uniform_(rng);
    }
    return constant_;
  }
  // Capped at kLongestDuration: a lognormal of large sigma has rare draws
  // beyond 64-bit nanoseconds, which would wrap to a negative delay.
  Duration DrawDuration(RandomEngine& rng) {
    return Duration::FromSecondsF(std::min((*this)(rng), kMaxDraw) * 1e-9);
  }
  static constexpr double kMaxDraw = static_cast<double>(kLongestDuration.nanos());
  bool is_constant() const { return kind_ == DistributionConfig::Kind::kConstant; }

 private:
  DistributionConfig::Kind kind_;
  double constant_ = 0;
  boost::random::exponential_distribution<double> exponential_;
  boost::random::lognormal_distribution<double> lognormal_;
  boost::random::uniform_real_distribution<double> uniform_;
};

}  // namespace cachelab
