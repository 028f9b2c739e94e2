// Zipf key popularity: rank k in [0, n) is drawn with probability
// P(k) = (k + 1)^-alpha / H(n, alpha), where H(n, alpha) = sum_{i=1..n} i^-alpha
// is the generalized harmonic number. Rank 0 is the most popular key.
//
// Sampling is rejection-inversion: W. Hörmann and G. Derflinger,
// "Rejection-inversion to generate variates from monotone discrete
// distributions", ACM TOMACS 6(3):169-184, 1996. In 1-based ranks, the hat
// h(x) = x^-alpha has the integral H(x) = (x^(1-alpha) - 1) / (1 - alpha)
// (log x at alpha = 1). A uniform u on [H(1.5) - h(1), H(n + 0.5)] is mapped
// back through H^-1 to x and rounded to k; u is accepted when it lies in the
// part of k's interval [H(k + 0.5) - h(k), H(k + 0.5)], which has exactly the
// length h(k), so accepted ranks have probability proportional to h(k). The
// interval of k = 1 is accepted whole, and a squeeze accepts most other draws
// without evaluating H. The expected number of uniforms per draw is bounded
// by a small constant for every n and alpha: O(1) time, no tables.
//
// H and H^-1 are written with expm1/log1p so alpha = 1 and alpha near 1 need
// no special case and lose no precision.
//
// Contract:
//  - n in [1, 2^53] (ranks stay exact in a double), alpha >= 0 and finite;
//    otherwise std::invalid_argument. alpha = 0 is uniform.
//  - operator()(rng) returns a rank in [0, n), drawing uniforms with
//    Uniform01 (random.h); the sequence is a pure function of the engine state.
//  - Probability(rank) is the exact pmf (0 outside [0, n)). H(n, alpha) is
//    computed once in the constructor: the first 1e6 terms are summed exactly
//    (compensated), a longer tail is the Euler-Maclaurin formula (integral,
//    endpoint and two derivative corrections; the error is far below double
//    precision at that distance). Construction costs O(min(n, 1e6)).
#pragma once

#include <cmath>
#include <cstdint>

#include "sim/core/random.h"

namespace cachelab {

class ZipfSampler {
 public:
  ZipfSampler(uint64_t n, double alpha);

  template <class URNG>
  uint64_t operator()(URNG& rng) const {
    for (;;) {
      const double u = h_integral_n_ + Uniform01(rng) * (h_integral_x1_ - h_integral_n_);
      const double x = HIntegralInverse(u);
      double k = std::floor(x + 0.5);
      // Rounding can step just outside [1, n] (and x may overflow to inf).
      if (k < 1) {
        k = 1;
      } else if (!(k <= n_double_)) {
        k = n_double_;
      }
      if (k - x <= squeeze_ || u >= HIntegral(k + 0.5) - Hat(k)) {
        return static_cast<uint64_t>(k) - 1;
      }
    }
  }

  double Probability(uint64_t rank) const;

  uint64_t n() const { return n_; }
  double alpha() const { return alpha_; }

 private:
  // h(x) = x^-alpha, its integral H(x) from 1 to x, and H^-1.
  double Hat(double x) const { return std::exp(-alpha_ * std::log(x)); }
  double HIntegral(double x) const {
    const double log_x = std::log(x);
    return log_x * Expm1OverX(one_minus_alpha_ * log_x);
  }
  double HIntegralInverse(double y) const { return std::exp(y * Log1pOverX(one_minus_alpha_ * y)); }
  // expm1(t)/t and log1p(t)/t, continuous at t = 0 (where they equal 1);
  // near 0 a short Taylor series avoids 0/0 and cancellation.
  static double Expm1OverX(double t) {
    if (std::abs(t) < 1e-5) return 1 + t / 2 * (1 + t / 3 * (1 + t / 4));
    return std::expm1(t) / t;
  }
  static double Log1pOverX(double t) {
    if (std::abs(t) < 1e-5) return 1 - t * (0.5 - t * (1.0 / 3 - t / 4));
    return std::log1p(t) / t;
  }

  uint64_t n_;
  double n_double_;
  double alpha_;
  double one_minus_alpha_;
  double h_integral_x1_;  // H(1.5) - h(1): the lower end of u
  double h_integral_n_;   // H(n + 0.5): the upper end of u
  double squeeze_;        // accept at once when k - x <= squeeze_
  double harmonic_;       // H(n, alpha)
};

}  // namespace cachelab
