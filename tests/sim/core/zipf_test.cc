#include "sim/core/zipf.h"

#include <algorithm>
#include <boost/math/constants/constants.hpp>
#include <boost/math/distributions/chi_squared.hpp>
#include <boost/math/special_functions/digamma.hpp>
#include <boost/math/special_functions/zeta.hpp>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <vector>

#include "sim/core/random.h"

namespace cachelab {
namespace {

constexpr uint64_t kBillion = 1'000'000'000;

// H(r, s) = sum_{k=1..r} k^-s, computed independently of the code under test:
// directly (long double) for r <= 1e4, beyond that from the Riemann zeta
// function, H(r, s) = zeta(s) + r^(1-s)/(1-s) + r^-s/2 - s r^(-s-1)/12
//                      + s(s+1)(s+2) r^(-s-3)/720 - ...
// (valid for every s != 1 by analytic continuation), and for s = 1 from
// H(r, 1) = digamma(r + 1) + Euler's gamma.
class ReferenceHarmonic {
 public:
  explicit ReferenceHarmonic(double s) : s_(s), prefix_(kDirect + 1, 0) {
    long double sum = 0;
    for (uint64_t k = 1; k <= kDirect; ++k) {
      sum += std::pow(static_cast<long double>(k), -static_cast<long double>(s));
      prefix_[k] = sum;
    }
  }
  long double operator()(uint64_t r) const {
    if (r <= kDirect) return prefix_[r];
    const double x = static_cast<double>(r);
    if (s_ == 1) {
      return boost::math::digamma(x + 1) + boost::math::constants::euler<double>();
    }
    const long double lx = x;
    const long double s = s_;
    return boost::math::zeta(s_) + std::pow(lx, 1 - s) / (1 - s) + std::pow(lx, -s) / 2 -
           s * std::pow(lx, -s - 1) / 12 + s * (s + 1) * (s + 2) * std::pow(lx, -s - 3) / 720;
  }

 private:
  static constexpr uint64_t kDirect = 10'000;
  double s_;
  std::vector<long double> prefix_;
};

// Draws `draws` ranks and runs Pearson's chi-square test against the exact
// pmf over bins: single ranks first, then geometrically growing ranges up to
// n, merged until every bin expects at least 5 draws. Fails above the 0.999
// quantile (a fixed seed makes the outcome deterministic). Also checks every
// draw is in [0, n).
void CheckGoodnessOfFit(uint64_t n, double alpha, uint64_t seed, int draws = 200'000) {
  INFO("n = " << n << ", alpha = " << alpha);
  const ReferenceHarmonic ref(alpha);
  const long double total = ref(n);

  std::vector<uint64_t> fine = {0};
  while (fine.back() < n) {
    const uint64_t lo = fine.back();
    fine.push_back(std::min(n, std::max(lo + 1, static_cast<uint64_t>(lo * 1.15))));
  }
  // Bin [lo, hi) holds 1-based ranks lo+1 .. hi: mass (H(hi) - H(lo)) / H(n).
  std::vector<uint64_t> edges = {0};
  std::vector<double> expected;
  double pending = 0;
  for (size_t i = 1; i < fine.size(); ++i) {
    pending += draws * static_cast<double>((ref(fine[i]) - ref(fine[i - 1])) / total);
    if (pending >= 5) {
      edges.push_back(fine[i]);
      expected.push_back(pending);
      pending = 0;
    }
  }
  if (pending > 0) {  // a light tail joins the last bin
    edges.back() = n;
    expected.back() += pending;
  }
  REQUIRE(expected.size() >= 2);

  const ZipfSampler zipf(n, alpha);
  RandomEngine rng = MakeStream(seed, "zipf.test");
  std::vector<double> observed(expected.size(), 0);
  uint64_t out_of_range = 0;
  for (int i = 0; i < draws; ++i) {
    const uint64_t r = zipf(rng);
    if (r >= n) {
      ++out_of_range;
      continue;
    }
    const auto bin = std::upper_bound(edges.begin(), edges.end(), r) - edges.begin() - 1;
    observed[static_cast<size_t>(bin)] += 1;
  }
  CHECK(out_of_range == 0);

  double chi2 = 0;
  for (size_t b = 0; b < expected.size(); ++b) {
    chi2 += (observed[b] - expected[b]) * (observed[b] - expected[b]) / expected[b];
  }
  const double df = static_cast<double>(expected.size() - 1);
  const double critical = boost::math::quantile(boost::math::chi_squared(df), 0.999);
  INFO("chi2 = " << chi2 << " with " << df << " degrees of freedom, critical " << critical);
  CHECK(chi2 < critical);
}

TEST_CASE("ranks fit the exact Zipf pmf (chi-square, n = 1000)", "[sim][core][zipf]") {
  CheckGoodnessOfFit(1000, 0.0, 1);
  CheckGoodnessOfFit(1000, 0.8, 2);
  CheckGoodnessOfFit(1000, 1.0, 3);
  CheckGoodnessOfFit(1000, 1.2, 4);
  CheckGoodnessOfFit(1000, 3.0, 5);
}

TEST_CASE("ranks fit the exact Zipf pmf (chi-square, n = 1e9)", "[sim][core][zipf]") {
  CheckGoodnessOfFit(kBillion, 0.0, 6);
  CheckGoodnessOfFit(kBillion, 0.8, 7);
  CheckGoodnessOfFit(kBillion, 1.0, 8);
  CheckGoodnessOfFit(kBillion, 1.2, 9);
}

TEST_CASE("tiny key spaces and alpha next to 1 fit too", "[sim][core][zipf]") {
  CheckGoodnessOfFit(2, 1.0, 10, 50'000);
  CheckGoodnessOfFit(3, 0.5, 11, 50'000);
  // expm1/log1p keep H and its inverse continuous through alpha = 1.
  CheckGoodnessOfFit(10'000, 1 - 1e-9, 12, 100'000);
  CheckGoodnessOfFit(10'000, 1 + 1e-9, 13, 100'000);
}

TEST_CASE("a single key is always rank 0", "[sim][core][zipf]") {
  for (double alpha : {0.0, 1.0, 2.0}) {
    const ZipfSampler zipf(1, alpha);
    RandomEngine rng = MakeStream(14, "zipf.single");
    for (int i = 0; i < 1000; ++i) REQUIRE(zipf(rng) == 0);
    CHECK(zipf.Probability(0) == 1.0);
    CHECK(zipf.Probability(1) == 0.0);
  }
}

TEST_CASE("the pmf uses the exact generalized harmonic number", "[sim][core][zipf]") {
  // 1/P(0) = H(n, alpha). Past 1e6 ranks the code switches to Euler-Maclaurin;
  // the reference uses zeta/digamma, a different route to the same number.
  for (uint64_t n : {uint64_t{1000}, uint64_t{1'000'001}, kBillion, uint64_t{1} << 53}) {
    for (double alpha : {0.0, 0.8, 1.0, 2.0}) {
      INFO("n = " << n << ", alpha = " << alpha);
      const ZipfSampler zipf(n, alpha);
      const double h = static_cast<double>(ReferenceHarmonic(alpha)(n));
      CHECK(1 / zipf.Probability(0) == Approx(h).epsilon(1e-11));
      // P(k) / P(0) = (k + 1)^-alpha exactly, wherever k is.
      for (uint64_t k : {uint64_t{1}, n / 2, n - 1}) {
        if (k == 0 || k >= n) continue;
        CHECK(zipf.Probability(k) / zipf.Probability(0) ==
              Approx(std::pow(static_cast<double>(k + 1), -alpha)).epsilon(1e-12));
      }
      CHECK(zipf.Probability(n) == 0.0);
    }
  }
}

TEST_CASE("the pmf sums to 1", "[sim][core][zipf]") {
  for (double alpha : {0.0, 0.8, 1.0, 1.2, 4.0}) {
    const ZipfSampler zipf(50'000, alpha);
    double sum = 0;
    for (uint64_t k = 0; k < 50'000; ++k) sum += zipf.Probability(k);
    CHECK(sum == Approx(1.0).epsilon(1e-12));
  }
}

TEST_CASE("the mean rank matches theory", "[sim][core][zipf]") {
  // With 1-based K: E[K] = H(n, a-1) / H(n, a) and E[K^2] = H(n, a-2) / H(n, a);
  // the rank is K - 1. The sample mean must be within 5 standard errors.
  constexpr int kDraws = 100'000;
  for (double alpha : {0.0, 0.8, 1.0, 1.2}) {
    for (uint64_t n : {uint64_t{1000}, kBillion}) {
      INFO("n = " << n << ", alpha = " << alpha);
      const long double h0 = ReferenceHarmonic(alpha)(n);
      const long double mean_k = ReferenceHarmonic(alpha - 1)(n) / h0;
      const long double var = ReferenceHarmonic(alpha - 2)(n) / h0 - mean_k * mean_k;
      const ZipfSampler zipf(n, alpha);
      RandomEngine rng = MakeStream(15, "zipf.mean");
      long double sum = 0;
      for (int i = 0; i < kDraws; ++i) sum += static_cast<long double>(zipf(rng));
      const double sample_mean = static_cast<double>(sum / kDraws);
      const double theory = static_cast<double>(mean_k - 1);
      const double se = std::sqrt(static_cast<double>(var) / kDraws);
      INFO("sample mean " << sample_mean << ", theory " << theory << ", SE " << se);
      CHECK(std::abs(sample_mean - theory) < 5 * se);
    }
  }
}

TEST_CASE("a draw costs a bounded number of uniforms for every alpha", "[sim][core][zipf]") {
  // Rejection-inversion's hat is tight: the expected number of uniforms per
  // rank is below 1.05 for any alpha; check the average stays under 1.1.
  constexpr int kDraws = 10'000;
  for (double alpha : {0.0, 0.5, 1.0, 2.0, 5.0, 20.0}) {
    const ZipfSampler zipf(100'000, alpha);
    RandomEngine rng = MakeStream(16, "zipf.cost");
    RandomEngine replay = rng;
    for (int i = 0; i < kDraws; ++i) (void)zipf(rng);
    uint64_t uniforms = 0;
    while (!(replay == rng)) {
      replay();
      ++uniforms;
    }
    INFO("alpha = " << alpha << ": " << uniforms << " uniforms for " << kDraws << " ranks");
    CHECK(uniforms < kDraws * 1.1);
  }
}

TEST_CASE("the same engine state gives the same ranks", "[sim][core][zipf]") {
  const ZipfSampler zipf(kBillion, 0.99);
  RandomEngine a = MakeStream(17, "keys");
  RandomEngine b = MakeStream(17, "keys");
  for (int i = 0; i < 1000; ++i) REQUIRE(zipf(a) == zipf(b));
}

TEST_CASE("invalid parameters are rejected", "[sim][core][zipf]") {
  CHECK_THROWS_AS(ZipfSampler(0, 1.0), std::invalid_argument);
  CHECK_THROWS_AS(ZipfSampler((uint64_t{1} << 53) + 1, 1.0), std::invalid_argument);
  CHECK_THROWS_AS(ZipfSampler(10, -0.1), std::invalid_argument);
  CHECK_THROWS_AS(ZipfSampler(10, std::nan("")), std::invalid_argument);
  CHECK_THROWS_AS(ZipfSampler(10, INFINITY), std::invalid_argument);
}

}  // namespace
}  // namespace cachelab
