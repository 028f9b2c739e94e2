// Analytical models that the simulator is checked against and that planners
// can use directly. Each function states its assumptions.
//
// Common ground for the cache models: the independent reference model (IRM).
// Requests arrive as a Poisson process; each is for key i with a fixed
// probability p_i, independently of every other request, so key i alone is
// requested at Poisson rate r_i = rate * p_i. A miss refills the entry
// instantly (no time between the miss and the fill). "Zipf(alpha) over N
// keys" means p_i = i^-alpha / H(N, alpha) for ranks i = 1..N, the pmf of
// sim/core/zipf.h that the synthetic workload draws from; alpha = 0 is uniform.
//
// Sums over the keys of a Zipf population are exact for the 2^17 most popular
// ranks; the remaining ranks, whose probabilities change slowly from one rank
// to the next, are summed as the integral of the same function over
// [K + 1/2, N + 1/2] (the midpoint rule; Gauss-Kronrod quadrature in log
// rank). The error is a few units in the last place of the results, so N up
// to 10^7 and beyond costs about as much as N = 2^17.
//
// Sources:
//  - Che's approximation: H. Che, Y. Tung, Z. Wang, "Hierarchical Web caching
//    systems: modeling, design and experimental results", IEEE JSAC 20(7),
//    2002.
//  - TTL caches and Che as a TTL cache with reset: C. Fricker, P. Robert,
//    J. Roberts, "A versatile and accurate approximation for LRU cache
//    performance", ITC 24, 2012.
//  - TTL without reset, rT / (1 + rT) by a renewal argument: J. Jung,
//    A. W. Berger, H. Balakrishnan, "Modeling TTL-based Internet caches",
//    INFOCOM 2003.
//  - Erlang's C formula: A. K. Erlang, 1917; any queueing text, e.g.
//    Kleinrock, Queueing Systems vol. 1, section 3.5 (M/M/m).
#pragma once

#include <cstdint>
#include <span>

namespace cachelab {

// ---- Queueing: the database's connection pool --------------------------------

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

// The database of a scenario as an M/M/c queue: `connections` servers, each
// serving one query at a time for a mean of `mean_service_s` seconds, queries
// arriving at `query_rate` per second. Assumes what ErlangCQueue assumes:
// Poisson query arrivals (true when every read misses; cache misses are only
// approximately Poisson), EXPONENTIAL service times (a lognormal or constant
// service gives other waits: for M/G/c the wait grows roughly with
// (1 + cv^2) / 2, cv the service's coefficient of variation), no queue
// timeout. mean_wait_s is the mean wait for a connection over all queries,
// what Summary::db.mean_wait_ms measures. Throws like ErlangCQueue.
ErlangC DbConnectionWait(uint32_t connections, double query_rate, double mean_service_s);

// ---- LRU: Che's approximation ----------------------------------------------

// An LRU cache of `capacity` objects (all of one size) under the IRM. Che's
// approximation: an object stays in the cache for the characteristic time T
// after its last request, the same T for every object, so key i is in the
// cache with probability 1 - exp(-p_i T) and T is fixed by filling the cache
// exactly in expectation:
//     sum_i (1 - exp(-p_i T)) = capacity.
// T is in units of requests (all keys together): divide by the request rate
// for seconds. The hit ratio is sum_i p_i (1 - exp(-p_i T)). Accurate to
// about 0.01 for Zipf popularity over many keys (Fricker et al. explain why:
// the cache content is a sum of many nearly independent indicators).
struct CheResult {
  double characteristic_time = 0;  // T in requests; +infinity when everything fits
  double hit_ratio = 0;
};
// Zipf(alpha) over `keys` keys (keys >= 1, alpha >= 0 and finite; else
// std::invalid_argument). capacity >= keys gives T = inf and hit ratio 1;
// capacity <= 0 gives T = 0 and hit ratio 0. T is solved by bracketing and
// TOMS 748 (Boost.Math) to a relative error near 1e-13.
CheResult CheLruZipf(uint64_t keys, double alpha, double capacity);
// Any popularity: `weights` are per-key request rates or probabilities
// (normalised here, so a fitted trace's request counts will do), non-negative
// and not all zero (else std::invalid_argument). Keys with weight 0 are
// never requested and never cached. capacity >= the number of positive
// weights gives hit ratio 1.
CheResult CheLru(std::span<const double> weights, double capacity);
// The probability that a key of request probability p is in the cache (and so
// the hit ratio of its requests): 1 - exp(-p T).
double CheKeyHitRatio(double p, double characteristic_time);

// ---- TTL caches --------------------------------------------------------------

// Hit ratio of one key read at Poisson rate `rate` (per second) in a TTL cache
// whose entries live `ttl_s` seconds from the fill (a hit does not extend the
// TTL) and are refilled on the next miss, instantly: each cycle is one miss
// followed by a Poisson(rate * ttl) number of hits, so h = rT / (1 + rT).
double TtlHitRatioNoReset(double rate, double ttl_s);

// The same with the TTL restarted on every hit (sliding expiration): a request
// hits exactly when the previous request of the key came less than T before,
// and Poisson gaps are exponential, so h = P(gap < T) = 1 - exp(-rT).
// (This is Che's per-key formula: LRU behaves as a TTL cache with reset.)
double TtlHitRatioWithReset(double rate, double ttl_s);

// A population of keys under the IRM at `read_rate` reads per second in
// total, no capacity limit: key i is read at read_rate * p_i and the hit
// ratio is sum_i p_i h(read_rate * p_i, ttl_s), h one of the two above.
// By PASTA (Poisson arrivals see time averages) h_i is also the fraction of
// time key i is cached, so the expected number of live entries is
// sum_i h_i: TtlOccupancy*. If that is well below the cache's capacity, the
// capacity does not bind and these hit ratios apply to the capacity-limited
// cache too. ttl_s <= 0 means "never expires": hit ratio 1 (steady state).
struct TtlAggregate {
  double hit_ratio = 0;
  double occupancy = 0;  // expected live entries
};
TtlAggregate TtlCacheZipf(uint64_t keys, double alpha, double read_rate, double ttl_s, bool reset);
TtlAggregate TtlCache(std::span<const double> weights, double read_rate, double ttl_s, bool reset);

// ---- Staleness under a TTL without invalidation ---------------------------

// One key, read at Poisson rate r and written at an independent Poisson rate
// w; cache-aside with a TTL of T from the fill (no reset on hit) and NO
// invalidation on write (write-around, or any write path that leaves the
// cache alone), instant refill on a miss. A hit is stale when the key was
// written since its entry was filled.
//
// Derivation. Cut time into renewal cycles at the misses: a cycle starts with
// a miss at time 0 that fills the entry with the then-current value; the
// entry serves hits during [0, T); the first read after T misses and starts
// the next cycle. Reads are Poisson, so the hits of a cycle fall at the
// points of a rate-r Poisson process on (0, T): the expected number of hits
// at age in [t, t + dt) is r dt, i.e. the age of a hit is uniform on [0, T).
// Writes are independent of reads, so a hit at age t is stale with
// probability P(a write in (0, t)) = 1 - exp(-w t). By the renewal-reward
// theorem the long-run fraction of stale hits is the ratio of expectations
// per cycle:
//     P(stale | hit) = (r int_0^T (1 - e^{-wt}) dt) / (r T)
//                    = 1 - (1 - exp(-wT)) / (wT).
// It does not depend on r. Over all reads, with h = rT / (1 + rT):
//     stale reads / reads = h * P(stale | hit).
// Limits: w -> 0 gives 0; wT -> inf gives 1 (almost every hit is old).
// `write_rate` = 0 gives 0. ttl_s must be > 0 (no expiry: every entry ends
// up stale), else std::invalid_argument.
double TtlStaleGivenHit(double write_rate, double ttl_s);

// A population under the IRM: reads at `read_rate` and writes at
// `write_rate` in total, both spread over the keys by the same popularity p
// (as the synthetic workload does), no capacity limit. Per key the single-key
// formulas above; aggregated:
//     hit_ratio      = sum_i p_i h_i
//     stale_fraction = sum_i p_i h_i P_i(stale | hit)     (of all reads)
//     stale_given_hit = stale_fraction / hit_ratio
struct TtlStaleness {
  double hit_ratio = 0;
  double stale_given_hit = 0;
  double stale_fraction = 0;
};
TtlStaleness TtlStalenessZipf(uint64_t keys, double alpha, double read_rate, double write_rate,
                              double ttl_s);
TtlStaleness TtlStalenessOf(std::span<const double> weights, double read_rate, double write_rate,
                            double ttl_s);

}  // namespace cachelab
