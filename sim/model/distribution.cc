#include "sim/model/distribution.h"

#include <cmath>

namespace cachelab {

namespace {
// Boost's lognormal takes the mean and spread of ln(X); scenarios give E[X],
// which is what capacity planners know, so mu = ln(E[X]) - sigma^2 / 2.
boost::random::lognormal_distribution<double> LognormalWithMean(double mean, double sigma) {
  if (mean <= 0) return boost::random::lognormal_distribution<double>(-1e9, 0);
  return boost::random::lognormal_distribution<double>(std::log(mean) - sigma * sigma / 2, sigma);
}
}  // namespace

Sampler::Sampler(const DistributionConfig& c)
    : kind_(c.kind),
      constant_(c.mean),
      exponential_(c.mean > 0 ? 1.0 / c.mean : 1.0),
      lognormal_(LognormalWithMean(c.mean, c.sigma)),
      uniform_(c.min, c.max > c.min ? c.max : c.min + 1) {  // unused (constant) when max <= min
  // A zero-mean exponential is the constant 0 (exponential_distribution needs a positive rate).
  if (kind_ == DistributionConfig::Kind::kExponential && c.mean <= 0) {
    kind_ = DistributionConfig::Kind::kConstant;
    constant_ = 0;
  }
  if (kind_ == DistributionConfig::Kind::kUniform && !(c.max > c.min)) {
    kind_ = DistributionConfig::Kind::kConstant;
    constant_ = c.min;
  }
}

}  // namespace cachelab
