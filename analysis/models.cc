#include "analysis/models.h"

#include <stdexcept>

namespace cachelab {

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

double TtlHitRatioNoReset(double rate, double ttl_s) {
  const double rt = rate * ttl_s;
  return rt / (1.0 + rt);
}

}  // namespace cachelab
