#include "analysis/models/analytic.h"

#include <algorithm>
#include <boost/math/quadrature/gauss_kronrod.hpp>
#include <boost/math/special_functions/gamma.hpp>
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

// ---- Allen-Cunneen ------------------------------------------------------------

MgcWait AllenCunneenWait(uint32_t c, double lambda, double mean_service_s, double service_cv2) {
  if (!(service_cv2 >= 0) || !std::isfinite(service_cv2)) {
    throw std::invalid_argument("Allen-Cunneen: the service's cv^2 must be finite and >= 0");
  }
  const ErlangC mmc = DbConnectionWait(c, lambda, mean_service_s);
  const double factor = (1 + service_cv2) / 2;
  MgcWait r;
  r.prob_wait = mmc.prob_wait;
  r.mean_wait_s = mmc.mean_wait_s * factor;
  r.conditional_wait_s = mmc.prob_wait > 0 ? r.mean_wait_s / mmc.prob_wait : 0;
  r.utilization = mmc.utilization;
  return r;
}

double LognormalCv2(double sigma) {
  return std::expm1(sigma * sigma);
}

// ---- The per-key TTL-cache model ------------------------------------------------

namespace {

// int_0^len e^{-k t} dt for k >= 0, len possibly infinite.
double ExpIntegral(double k, double len) {
  if (!(len > 0)) return 0;
  if (std::isinf(len)) return k > 0 ? 1 / k : kInf;
  if (k * len < 1e-12) return len;
  return -std::expm1(-k * len) / k;
}

}  // namespace

double EntryMeanLifetime(double read_rate, double write_rate, const EntryRule& rule) {
  const double w = rule.writes == ModelWrites::kNone ? 0 : write_rate;
  const double ttl = rule.ttl_s > 0 ? rule.ttl_s : kInf;
  const double tau = rule.tau_s;
  if (!(tau > 0)) return 0;
  if (std::isinf(tau)) return ExpIntegral(w, ttl);
  switch (rule.eviction) {
    case ModelEviction::kFifo:
      return ExpIntegral(w, std::min(ttl, tau));
    case ModelEviction::kRandom:
      return ExpIntegral(w + 1 / tau, ttl);
    case ModelEviction::kLru: {
      const double head = ExpIntegral(w, std::min(ttl, tau));
      if (!(ttl > tau)) return head;
      // Z - tau: exponential with mean E[Z] - tau = (e^{r tau} - 1 - r tau) / r.
      const double x = read_rate * tau;
      if (x > 700) return head + std::exp(-w * tau) * ExpIntegral(w, ttl - tau);
      const double rest_mean = read_rate > 0 ? (std::expm1(x) - x) / read_rate : 0;
      if (!(rest_mean > 0)) return head;
      return head + std::exp(-w * tau) * ExpIntegral(w + 1 / rest_mean, ttl - tau);
    }
  }
  return 0;
}

double KeyHitProbability(double read_rate, double write_rate, const EntryRule& rule) {
  if (!(read_rate > 0)) return 0;
  const double d = EntryMeanLifetime(read_rate, write_rate, rule);
  if (std::isinf(d)) return 1;
  const double delay = std::max(0.0, rule.fill_delay_s);
  double absent = 1 / read_rate + delay;
  if (rule.writes == ModelWrites::kUpdate && write_rate > 0) {
    const double total = read_rate + write_rate;
    absent = std::max(0.0, 1 - write_rate * d) * (1 + delay * read_rate) / total;
  }
  return d / (d + absent);
}

double KeyMissesFromEmpty(double read_rate, double hit_probability, double t_s) {
  const double r = read_rate;
  if (!(r > 0) || !(t_s > 0)) return 0;
  if (!(hit_probability < 1)) return -std::expm1(-r * t_s);
  const double mu = 1 / (r * (1 - hit_probability));  // mean time between misses
  const double dbar = std::max(0.0, mu - 1 / r);
  if (t_s / mu > 60) return (t_s - 1 / r) / mu + 0.5 + 1 / (2 * r * r * mu * mu);
  double m = 0;
  for (uint64_t k = 1;; ++k) {
    const double x = t_s - static_cast<double>(k - 1) * dbar;
    if (!(x > 0)) break;
    const double term = boost::math::gamma_p(static_cast<double>(k), r * x);
    m += term;
    if (term < 1e-13) break;
  }
  return m;
}

namespace {

// A Zipf keyspace with a charge per key: the head rank by rank, the tail as
// an integral with the tail's mean charge (header).
class ChargedKeys {
 public:
  ChargedKeys(uint64_t keys, double alpha, const std::vector<double>& charges)
      : sampler_(keys, alpha) {
    head_.resize(std::min(keys, kExactRanks));
    charge_.assign(head_.size(), 1.0);
    for (uint64_t k = 0; k < head_.size(); ++k) {
      head_[k] = sampler_.Probability(k);
      if (k < charges.size()) charge_[k] = charges[k];
    }
    if (charges.size() > head_.size()) {
      double sum = 0;
      for (size_t k = head_.size(); k < charges.size(); ++k) sum += charges[k];
      tail_charge_ = sum / static_cast<double>(charges.size() - head_.size());
    }
  }

  // sum over all ranks of g(p_rank, charge_rank).
  template <class G>
  double Sum(const G& g) const {
    double sum = 0;
    for (size_t k = head_.size(); k-- > 0;) sum += g(head_[k], charge_[k]);
    const uint64_t n = sampler_.n();
    if (n <= head_.size()) return sum;
    const double p1 = head_[0], alpha = sampler_.alpha(), c = tail_charge_;
    const auto integrand = [&](double u) { return g(p1 * std::exp(-alpha * u), c) * std::exp(u); };
    const double a = std::log(static_cast<double>(head_.size()) + 0.5);
    const double b = std::log(static_cast<double>(n) + 0.5);
    return sum + boost::math::quadrature::gauss_kronrod<double, 61>::integrate(integrand, a, b, 15,
                                                                               1e-12);
  }

 private:
  ZipfSampler sampler_;
  std::vector<double> head_, charge_;
  double tail_charge_ = 1.0;
};

void CheckCacheInput(const CacheModelInput& in) {
  if (in.keys == 0) throw std::invalid_argument("cache model: no keys");
  if (!(in.alpha >= 0) || !std::isfinite(in.alpha)) {
    throw std::invalid_argument("cache model: alpha must be finite and >= 0");
  }
  if (!(in.read_rate >= 0) || !(in.write_rate >= 0) || !std::isfinite(in.read_rate) ||
      !std::isfinite(in.write_rate)) {
    throw std::invalid_argument("cache model: rates must be finite and >= 0");
  }
}

}  // namespace

CacheModel SolveCacheModel(const CacheModelInput& in) {
  CheckCacheInput(in);
  const ChargedKeys keys(in.keys, in.alpha, in.charges);
  const auto occupancy = [&](double tau, bool bytes) {
    EntryRule rule = in.rule;
    rule.tau_s = tau;
    return keys.Sum([&](double p, double charge) {
      const double h = KeyHitProbability(in.read_rate * p, in.write_rate * p, rule);
      return bytes ? h * charge : h;
    });
  };
  CacheModel m;
  double tau = kInf;
  for (const bool bytes : {false, true}) {
    const double cap = bytes ? in.capacity_bytes : in.capacity_items;
    if (std::isinf(cap) || occupancy(kInf, bytes) <= cap) continue;
    if (!(cap > 0)) {
      tau = 0;
      continue;
    }
    // occupancy(tau) rises from 0 to occupancy(inf) > cap: bracket in log tau.
    const auto excess = [&](double u) { return occupancy(std::exp(u), bytes) - cap; };
    double lo = std::log(1e-9), hi = std::log(1e9);
    if (excess(lo) >= 0) {
      tau = std::min(tau, 1e-9);
      continue;
    }
    while (excess(hi) < 0 && hi < 700) hi += 10;
    boost::math::tools::eps_tolerance<double> tolerance(40);
    boost::uintmax_t iterations = 200;
    const auto [a, b] = boost::math::tools::toms748_solve(excess, lo, hi, tolerance, iterations);
    tau = std::min(tau, std::exp((a + b) / 2));
  }
  m.tau_s = tau;
  m.capacity_binds = !std::isinf(tau);
  EntryRule rule = in.rule;
  rule.tau_s = tau;
  m.hit_ratio = keys.Sum([&](double p, double) {
    return p * KeyHitProbability(in.read_rate * p, in.write_rate * p, rule);
  });
  m.items = keys.Sum([&](double p, double) {
    return KeyHitProbability(in.read_rate * p, in.write_rate * p, rule);
  });
  m.bytes = keys.Sum([&](double p, double charge) {
    return charge * KeyHitProbability(in.read_rate * p, in.write_rate * p, rule);
  });
  return m;
}

double CacheWindowHitRatio(const CacheModelInput& in, const CacheModel& model, double from_s,
                           double to_s) {
  CheckCacheInput(in);
  if (!(to_s > from_s) || !(in.read_rate > 0)) return model.hit_ratio;
  const ChargedKeys keys(in.keys, in.alpha, {});
  EntryRule rule = in.rule;
  rule.tau_s = model.tau_s;
  const double misses = keys.Sum([&](double p, double) {
    const double r = in.read_rate * p;
    const double h = KeyHitProbability(r, in.write_rate * p, rule);
    return KeyMissesFromEmpty(r, h, to_s) - KeyMissesFromEmpty(r, h, from_s);
  });
  return 1 - misses / (in.read_rate * (to_s - from_s));
}

}  // namespace cachelab
