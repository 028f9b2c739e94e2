#include "sim/core/zipf.h"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace cachelab {

namespace {

constexpr uint64_t kMaxN = uint64_t{1} << 53;
constexpr uint64_t kExactTerms = 1'000'000;

// sum_{k=1..n} k^-alpha. Terms are added smallest first with Neumaier's
// compensation, so the exact part is accurate to a few ulps.
double GeneralizedHarmonic(uint64_t n, double alpha) {
  const uint64_t m = std::min(n, kExactTerms);
  double sum = 0, carry = 0;
  for (uint64_t k = m; k >= 1; --k) {
    const double term = std::pow(static_cast<double>(k), -alpha);
    const double t = sum + term;
    carry += std::abs(sum) >= term ? (sum - t) + term : (term - t) + sum;
    sum = t;
  }
  if (n == m) return sum + carry;

  // Euler-Maclaurin for f(x) = x^-alpha over [a, b]:
  //   sum_{k=a..b} f(k) = int_a^b f + (f(a) + f(b)) / 2
  //                       + (f'(b) - f'(a)) / 12 - (f'''(b) - f'''(a)) / 720 + R,
  // with |R| of order f^(5)(a) ~ a^-(alpha+5): below 1e-30 relative at a = 1e6.
  const double a = static_cast<double>(m + 1);
  const double b = static_cast<double>(n);
  const auto f = [alpha](double x) { return std::pow(x, -alpha); };
  const auto f1 = [alpha](double x) { return -alpha * std::pow(x, -alpha - 1); };
  const auto f3 = [alpha](double x) {
    return -alpha * (alpha + 1) * (alpha + 2) * std::pow(x, -alpha - 3);
  };
  // int_a^b x^-alpha dx = a^(1-alpha) * (e^((1-alpha) L) - 1) / (1-alpha), L = log(b/a),
  // written with expm1 so that alpha = 1 (the limit a^0 * L) needs no branch.
  const double log_ratio = std::log(b / a);
  const double t = (1 - alpha) * log_ratio;
  const double expm1_over_t = t == 0 ? 1 : std::expm1(t) / t;
  const double integral = std::pow(a, 1 - alpha) * log_ratio * expm1_over_t;
  const double tail = integral + (f(a) + f(b)) / 2 + (f1(b) - f1(a)) / 12 - (f3(b) - f3(a)) / 720;
  return sum + (tail + carry);
}

}  // namespace

ZipfSampler::ZipfSampler(uint64_t n, double alpha)
    : n_(n), n_double_(static_cast<double>(n)), alpha_(alpha), one_minus_alpha_(1 - alpha) {
  if (n < 1 || n > kMaxN) {
    throw std::invalid_argument("zipf: n must be in [1, 2^53], got " + std::to_string(n));
  }
  if (!(alpha >= 0) || !std::isfinite(alpha)) {
    throw std::invalid_argument("zipf: alpha must be finite and >= 0, got " +
                                std::to_string(alpha));
  }
  h_integral_x1_ = HIntegral(1.5) - 1;
  h_integral_n_ = HIntegral(n_double_ + 0.5);
  squeeze_ = 2 - HIntegralInverse(HIntegral(2.5) - Hat(2));
  harmonic_ = GeneralizedHarmonic(n, alpha);
}

double ZipfSampler::Probability(uint64_t rank) const {
  if (rank >= n_) return 0;
  return std::pow(static_cast<double>(rank + 1), -alpha_) / harmonic_;
}

}  // namespace cachelab
