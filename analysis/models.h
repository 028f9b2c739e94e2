// Analytical models that the simulator is checked against and that planners
// can use directly. Each function states its assumptions.
#pragma once

#include <cstdint>

namespace cachelab {

// M/M/c queue (Poisson arrivals at `lambda` per second, exponential service at
// `mu` per second per server, `c` servers, FIFO, infinite queue), stable only
// when lambda < c * mu.
struct ErlangC {
  double prob_wait = 0;    // probability an arrival waits (Erlang's C formula)
  double mean_wait_s = 0;  // mean time in queue, over all arrivals (Wq)
  double utilization = 0;  // lambda / (c * mu)
};
// Computed through the Erlang-B recursion, stable for large c.
// Throws std::invalid_argument when unstable or a parameter is not positive.
ErlangC ErlangCQueue(uint32_t c, double lambda, double mu);

// Hit ratio of one key read at Poisson rate `rate` (per second) in a TTL cache
// whose entries live `ttl_s` seconds from the fill (a hit does not extend the
// TTL) and are refilled on the next miss, instantly: each cycle is one miss
// followed by a Poisson(rate * ttl) number of hits, so h = rT / (1 + rT).
double TtlHitRatioNoReset(double rate, double ttl_s);

}  // namespace cachelab
