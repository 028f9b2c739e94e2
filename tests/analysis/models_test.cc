#include "analysis/models.h"

#include <catch2/catch.hpp>
#include <stdexcept>

using namespace cachelab;

TEST_CASE("Erlang C reduces to M/M/1 with one server", "[analysis][models]") {
  // M/M/1: P(wait) = rho, Wq = rho / (mu - lambda).
  const double lambda = 8, mu = 10;
  const ErlangC r = ErlangCQueue(1, lambda, mu);
  CHECK(r.prob_wait == Approx(0.8));
  CHECK(r.mean_wait_s == Approx(0.8 / 2.0));
}

TEST_CASE("Erlang C matches the closed form for two servers", "[analysis][models]") {
  // M/M/2: P(wait) = 2 rho^2 / (1 + rho), with rho = lambda / (2 mu).
  const double lambda = 16, mu = 10, rho = 0.8;
  const ErlangC r = ErlangCQueue(2, lambda, mu);
  CHECK(r.prob_wait == Approx(2 * rho * rho / (1 + rho)));
  CHECK(r.mean_wait_s == Approx(r.prob_wait / (2 * mu - lambda)));
  CHECK(r.utilization == Approx(rho));
}

TEST_CASE("Erlang C rejects unstable and meaningless queues", "[analysis][models]") {
  CHECK_THROWS_AS(ErlangCQueue(2, 20, 10), std::invalid_argument);
  CHECK_THROWS_AS(ErlangCQueue(0, 1, 10), std::invalid_argument);
  CHECK_THROWS_AS(ErlangCQueue(2, 1, 0), std::invalid_argument);
}

TEST_CASE("TTL hit ratio without reset is rT / (1 + rT)", "[analysis][models]") {
  CHECK(TtlHitRatioNoReset(10, 0.1) == Approx(0.5));
  CHECK(TtlHitRatioNoReset(100, 0.1) == Approx(10.0 / 11.0));
  CHECK(TtlHitRatioNoReset(5, 0) == 0);
}
