#include "analysis/models/analytic.h"

#include <algorithm>
#include <boost/math/quadrature/gauss_kronrod.hpp>
#include <boost/math/tools/roots.hpp>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <vector>

#include "sim/core/zipf.h"

namespace cachelab {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// Ranks summed term by term; beyond them the midpoint-rule integral (header).
constexpr uint64_t kExactRanks = uint64_t{1} << 17;

// A Zipf population's probabilities: the head as a table (the sums below are
// evaluated dozens of times while solving for Che's T), the tail as a formula.
class ZipfKeys {
 public:
  ZipfKeys(uint64_t keys, double alpha) : sampler_(keys, alpha) {
    head_.resize(std::min(keys, kExactRanks));
    for (uint64_t k = 0; k < head_.size(); ++k) head_[k] = sampler_.Probability(k);
  }

  double keys() const { return static_cast<double>(sampler_.n()); }

  // sum over all ranks of g(p_rank).
  template <class G>
  double Sum(const G& g) const {
    double sum = 0;
    // Least popular first: small terms are not lost against a large sum.
    for (size_t k = head_.size(); k-- > 0;) sum += g(head_[k]);
    const uint64_t n = sampler_.n();
    if (n <= head_.size()) return sum;
    // Ranks head+1..n (1-based) as the integral over [head + 1/2, n + 1/2] of
    // g(p(x)), p(x) = p_1 x^-alpha, in u = log x so the quadrature sees a
    // function of bounded variation whatever n is.
    const double p1 = head_[0], alpha = sampler_.alpha();
    const auto integrand = [&](double u) { return g(p1 * std::exp(-alpha * u)) * std::exp(u); };
    const double a = std::log(static_cast<double>(head_.size()) + 0.5);
    const double b = std::log(static_cast<double>(n) + 0.5);
    return sum + boost::math::quadrature::gauss_kronrod<double, 61>::integrate(integrand, a, b, 15,
                                                                               1e-13);
  }

 private:
  ZipfSampler sampler_;
  std::vector<double> head_;
};

// Arbitrary weights, normalised; zero weights are dropped.
class WeightedKeys {
 public:
  explicit WeightedKeys(std::span<const double> weights) {
    double total = 0;
    for (double w : weights) {
      if (!(w >= 0) || !std::isfinite(w)) {
        throw std::invalid_argument("popularity weights must be finite and >= 0");
      }
      total += w;
    }
    if (!(total > 0)) throw std::invalid_argument("popularity weights are all zero");
    for (double w : weights) {
      if (w > 0) p_.push_back(w / total);
    }
    std::sort(p_.begin(), p_.end());  // smallest first, as above
  }

  double keys() const { return static_cast<double>(p_.size()); }

  template <class G>
  double Sum(const G& g) const {
    double sum = 0;
    for (double p : p_) sum += g(p);
    return sum;
  }

 private:
  std::vector<double> p_;
};

template <class Keys>
CheResult SolveChe(const Keys& keys, double capacity) {
  if (!(capacity > 0)) return {0, 0};
  if (capacity >= keys.keys()) return {kInf, 1};
  const auto excess = [&](double t) {
    return keys.Sum([t](double p) { return -std::expm1(-p * t); }) - capacity;
  };
  // 1 - e^-x < x, so the occupancy at T = capacity is below the capacity;
  // doubling finds an upper end since the occupancy tends to keys > capacity.
  double lo = capacity, hi = 2 * capacity;
  while (excess(hi) < 0) {
    lo = hi;
    hi *= 2;
    // Only when capacity is within rounding of the key count.
    if (!std::isfinite(hi)) return {kInf, 1};
  }
  boost::math::tools::eps_tolerance<double> tolerance(std::numeric_limits<double>::digits - 8);
  boost::uintmax_t iterations = 200;
  const auto [a, b] = boost::math::tools::toms748_solve(excess, lo, hi, tolerance, iterations);
  const double t = (a + b) / 2;
  return {t, keys.Sum([t](double p) { return p * -std::expm1(-p * t); })};
}

void CheckTtlArgs(double read_rate) {
  if (!(read_rate >= 0) || !std::isfinite(read_rate)) {
    throw std::invalid_argument("TTL model: the read rate must be finite and >= 0");
  }
}

template <class Keys>
TtlAggregate SolveTtl(const Keys& keys, double read_rate, double ttl_s, bool reset) {
  CheckTtlArgs(read_rate);
  if (!(ttl_s > 0)) return {1, keys.keys()};
  const auto h = [=](double p) {
    return reset ? TtlHitRatioWithReset(read_rate * p, ttl_s)
                 : TtlHitRatioNoReset(read_rate * p, ttl_s);
  };
  return {keys.Sum([&](double p) { return p * h(p); }), keys.Sum(h)};
}

template <class Keys>
TtlStaleness SolveStaleness(const Keys& keys, double read_rate, double write_rate, double ttl_s) {
  CheckTtlArgs(read_rate);
  if (!(write_rate >= 0) || !std::isfinite(write_rate)) {
    throw std::invalid_argument("staleness model: the write rate must be finite and >= 0");
  }
  if (!(ttl_s > 0)) throw std::invalid_argument("staleness model: the TTL must be > 0");
  TtlStaleness s;
  s.hit_ratio = keys.Sum([&](double p) { return p * TtlHitRatioNoReset(read_rate * p, ttl_s); });
  s.stale_fraction = keys.Sum([&](double p) {
    return p * TtlHitRatioNoReset(read_rate * p, ttl_s) * TtlStaleGivenHit(write_rate * p, ttl_s);
  });
  s.stale_given_hit = s.hit_ratio > 0 ? s.stale_fraction / s.hit_ratio : 0;
  return s;
}

}  // namespace

ErlangC ErlangCQueue(uint32_t c, double lambda, double mu) {
  if (c == 0 || !(lambda > 0) || !(mu > 0)) {
    throw std::invalid_argument("Erlang C needs c > 0, lambda > 0 and mu > 0");
  }
  const double a = lambda / mu;  // offered load in Erlangs
  if (a >= c) throw std::invalid_argument("Erlang C: unstable queue (lambda >= c * mu)");
  // Erlang B by recursion: B(0) = 1, B(k) = a B(k-1) / (k + a B(k-1)).
  double b = 1.0;
  for (uint32_t k = 1; k <= c; ++k) b = a * b / (k + a * b);
  const double pw = c * b / (c - a * (1.0 - b));
  ErlangC r;
  r.prob_wait = pw;
  r.mean_wait_s = pw / (c * mu - lambda);
  r.utilization = a / c;
  return r;
}

ErlangC DbConnectionWait(uint32_t connections, double query_rate, double mean_service_s) {
  if (!(mean_service_s > 0)) {
    throw std::invalid_argument("Erlang C needs a positive mean service time");
  }
  return ErlangCQueue(connections, query_rate, 1.0 / mean_service_s);
}

CheResult CheLruZipf(uint64_t keys, double alpha, double capacity) {
  return SolveChe(ZipfKeys(keys, alpha), capacity);
}

CheResult CheLru(std::span<const double> weights, double capacity) {
  return SolveChe(WeightedKeys(weights), capacity);
}

double CheKeyHitRatio(double p, double characteristic_time) {
  if (std::isinf(characteristic_time)) return p > 0 ? 1 : 0;
  return -std::expm1(-p * characteristic_time);
}

double TtlHitRatioNoReset(double rate, double ttl_s) {
  const double rt = rate * ttl_s;
  return rt / (1.0 + rt);
}

double TtlHitRatioWithReset(double rate, double ttl_s) {
  return -std::expm1(-rate * ttl_s);
}

TtlAggregate TtlCacheZipf(uint64_t keys, double alpha, double read_rate, double ttl_s, bool reset) {
  return SolveTtl(ZipfKeys(keys, alpha), read_rate, ttl_s, reset);
}

TtlAggregate TtlCache(std::span<const double> weights, double read_rate, double ttl_s, bool reset) {
  return SolveTtl(WeightedKeys(weights), read_rate, ttl_s, reset);
}

double TtlStaleGivenHit(double write_rate, double ttl_s) {
  if (!(ttl_s > 0)) throw std::invalid_argument("staleness model: the TTL must be > 0");
  const double x = write_rate * ttl_s;
  // 1 + expm1(-x)/x cancels for small x; its series is x/2 - x^2/6 + x^3/24.
  if (x < 1e-4) return x / 2 - x * x / 6 + x * x * x / 24;
  return 1 + std::expm1(-x) / x;
}

TtlStaleness TtlStalenessZipf(uint64_t keys, double alpha, double read_rate, double write_rate,
                              double ttl_s) {
  return SolveStaleness(ZipfKeys(keys, alpha), read_rate, write_rate, ttl_s);
}

TtlStaleness TtlStalenessOf(std::span<const double> weights, double read_rate, double write_rate,
                            double ttl_s) {
  return SolveStaleness(WeightedKeys(weights), read_rate, write_rate, ttl_s);
}

}  // namespace cachelab
