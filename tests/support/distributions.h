// Distribution configs for tests that build worlds by hand.
#pragma once

#include "sim/model/config.h"

namespace cachelab::test {

// Always `v` (nanoseconds or bytes).
inline DistributionConfig Constant(double v) {
  DistributionConfig d;
  d.kind = DistributionConfig::Kind::kConstant;
  d.mean = v;
  return d;
}

inline DistributionConfig Exponential(double mean) {
  DistributionConfig d;
  d.kind = DistributionConfig::Kind::kExponential;
  d.mean = mean;
  return d;
}

}  // namespace cachelab::test
