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
//  - M/G/c by Allen-Cunneen: A. O. Allen, "Probability, Statistics, and
//    Queueing Theory with Computer Science Applications", 2nd ed., Academic
//    Press 1990, section 6.4 (the GI/G/c approximation credited to Allen and
//    Cunneen); W. Whitt, "Approximations for the GI/G/m queue", Production and
//    Operations Management 2(2), 1993, eq. (2.24) (same formula, its accuracy).
//  - FIFO and RANDOM as TTL caches without reset (deterministic and
//    exponential timers): Fricker, Robert, Roberts (above) and V. Martina,
//    M. Garetto, E. Leonardi, "A unified approach to the performance analysis
//    of caching systems", INFOCOM 2014 (Table I).
//  - LRU with a TTL, entries of several sizes, timers of several kinds: the
//    TTL-cache approach of N. C. Fofack, P. Nain, G. Neglia, D. Towsley,
//    "Analysis of TTL-based cache networks", VALUETOOLS 2012, and M. Dehghan,
//    L. Massoulie, D. Towsley, D. Menasche, Y. C. Tay, "A utility optimization
//    approach to network cache design", INFOCOM 2016 (per-key timers, one
//    characteristic time fixed by the capacity, in bytes with sizes).
//  - The renewal function's asymptote (delayed renewal process): W. Feller,
//    "An Introduction to Probability Theory and Its Applications" vol. 2,
//    XI.3; or S. Ross, "Stochastic Processes", 2nd ed., Prop. 3.4.3 and
//    exercise 3.14.
#pragma once

#include <cstdint>
#include <limits>
#include <span>
#include <vector>

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

// M/G/c (Poisson arrivals, any service distribution with squared coefficient
// of variation `service_cv2` = Var(S) / E[S]^2, c servers, FIFO, no
// abandonment) by the Allen-Cunneen approximation:
//     Wq(M/G/c) ~= Wq(M/M/c) * (1 + cv^2) / 2,
// the M/M/c wait from Erlang C at the same lambda and mean service, and the
// arrival's cv^2 = 1 (Poisson). Exact for cv^2 = 1 (M/M/c) and for c = 1 (the
// Pollaczek-Khinchine formula); within a few percent for c > 1 and cv^2 <= 1
// at moderate to heavy load (Whitt 1993). prob_wait stays Erlang C's (the
// approximation only scales the wait). For percentiles the wait of a query
// that waits is taken as exponential with the mean mean_wait_s / prob_wait
// (exact for M/M/c, an assumption otherwise): P(Wq > t) = prob_wait e^{-t /
// conditional_wait_s}. cv^2 of the common service distributions: constant 0,
// exponential 1, lognormal e^{sigma^2} - 1 (LognormalCv2), uniform on [a, b]
// (b - a)^2 / (3 (a + b)^2). Throws like ErlangCQueue, and on cv2 < 0.
struct MgcWait {
  double prob_wait = 0;
  double mean_wait_s = 0;         // over all arrivals
  double conditional_wait_s = 0;  // mean wait of an arrival that waits
  double utilization = 0;
};
MgcWait AllenCunneenWait(uint32_t c, double lambda, double mean_service_s, double service_cv2);
// e^{sigma^2} - 1: the squared coefficient of variation of a lognormal whose
// log has standard deviation sigma.
double LognormalCv2(double sigma);

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

// ---- One model for LRU, FIFO and RANDOM with TTLs, writes and sizes -----------
//
// Every key is a TTL cache of its own (Fofack et al., Dehghan et al.): an
// entry filled at time 0 lives until D = min(TTL, eviction timer, the first
// write that removes it), and the eviction timers of all keys share one
// characteristic time tau fixed by the capacity. Keys are read at Poisson
// rate r and written at Poisson rate w, independently.
//
// Eviction timers (Che; Fricker et al.; Martina et al.):
//   LRU     the entry is evicted when tau passes without a read: the timer is
//           the time Z until the first gap of length tau in the reads after
//           the fill. Z >= tau and E[Z] = (e^{r tau} - 1) / r (the classic
//           waiting time for a gap in a Poisson process). Z is taken as tau
//           plus an exponential with the remaining mean E[Z] - tau: exact at
//           both ends (r tau -> 0: Z = tau; r tau -> inf: Z's tail is
//           exponential) and exact in mean, so with no TTL and no writes the
//           key's hit probability is Che's 1 - e^{-r tau} exactly.
//   FIFO    the entry is evicted tau after its fill (a TTL without reset).
//   RANDOM  the entry is evicted after an exponential time of mean tau.
// Redis' sampled LRU (allkeys-lru) is modelled as LRU: with Redis' default of
// 5 samples and a pool of 16 candidates its hit ratio is within about 0.01 of
// exact LRU on Zipf traffic (redis.io, "Approximated LRU algorithm").
//
// Writes: kNone (write-around: the entry is left alone), kDelete (the entry
// is removed: invalidate-on-write), kUpdate (the entry is set to the new
// value: write-through; its TTL and LRU position restart).
//
// Per key, by renewal-reward over the cycles that start at a fill:
//   E[D] = int_0^TTL P(timer > t) e^{-w t} dt          (w = 0 for kNone)
//   kNone, kDelete: the next fill is the next read after D, so
//       h = r E[D] / (1 + r E[D])   (hits per cycle r E[D] by Wald's identity)
//   kUpdate: a write before D refills at once (probability w E[D]); else the
//       entry is absent until the next read or write (mean 1 / (r + w)):
//       h = E[D] / (E[D] + (1 - w E[D]) / (r + w))
// With a fill delay d (the load's time) every cycle begins with d more of
// absence, during which r d more reads miss: the absence after a removal is
// 1/r + d (kNone, kDelete) or 1/(r + w) + d r / (r + w) (kUpdate), and h is
// the share of time cached, E[D] / (E[D] + absence).
// h is both the hit ratio of the key's reads and the share of time it is
// cached (PASTA), so the cache holds sum_i h_i entries and sum_i s_i h_i
// bytes; tau solves that against the capacity (items or bytes, the one that
// binds first). Limits: no TTL and no writes gives Che (LRU) and
// rT / (1 + rT) (FIFO, RANDOM); tau = inf gives the TTL cache without reset.
// Instant refill is assumed (a miss fills the entry at once).
enum class ModelEviction { kLru, kFifo, kRandom };
enum class ModelWrites { kNone, kDelete, kUpdate };

struct EntryRule {
  ModelEviction eviction = ModelEviction::kLru;
  double tau_s = std::numeric_limits<double>::infinity();  // eviction timer; inf: never evicted
  double ttl_s = std::numeric_limits<double>::infinity();  // inf: never expires
  ModelWrites writes = ModelWrites::kNone;
  // Time from a miss until its fill is in the cache (the DB load): reads in
  // between miss too, each loading the row again. 0: instant refill.
  double fill_delay_s = 0;
};

// E[D] above, in seconds (+inf when the entry is never removed).
double EntryMeanLifetime(double read_rate, double write_rate, const EntryRule& rule);
// The key's stationary hit probability h above (1 when E[D] is infinite, 0
// when the key is never read).
double KeyHitProbability(double read_rate, double write_rate, const EntryRule& rule);

// Expected misses of one key in [0, t] from an empty cache, given its
// stationary hit probability h and read rate r. The misses form a delayed
// renewal process: the first read (at an exponential time of mean 1/r) misses;
// after each miss the key stays cached for Dbar and the next read after that
// misses, Dbar = 1 / (r (1 - h)) - 1/r so that the long-run miss rate is
// r (1 - h). Dbar is taken as constant (exact for a TTL cache without writes,
// where D = TTL):
//     M(t) = sum_{k >= 1} P(Gamma(k, r) <= t - (k - 1) Dbar),
// summed term by term while t / (Dbar + 1/r) <= 60, beyond that by the
// renewal function's asymptote (t - 1/r) / mu + 1/2 + 1 / (2 r^2 mu^2),
// mu = Dbar + 1/r. Before the first Dbar this is 1 - e^{-rt}: an LRU cache
// filling from empty has the characteristic time min(t, tau) (the occupancy
// with tau = t stays below the capacity until t = tau), which the formula
// reproduces for t <= tau.
double KeyMissesFromEmpty(double read_rate, double hit_probability, double t_s);

// A keyspace under the IRM: Zipf(alpha) over `keys` keys (alpha 0: uniform),
// reads and writes spread over the keys by the same popularity, `charges`
// the bytes each key takes in the cache when cached (value + entry overhead),
// by popularity rank (empty: every key takes 1 byte, capacities in objects).
// Sums over the keys are exact for the 2^17 most popular ranks; beyond them
// the integral of the header's opening note, with the mean charge of those
// ranks (exact in expectation when sizes are drawn independently of rank, as
// the synthetic workload draws them).
struct CacheModelInput {
  uint64_t keys = 1;
  double alpha = 0;
  std::vector<double> charges;           // bytes per key by rank, or empty
  double read_rate = 0, write_rate = 0;  // per second, all keys together
  EntryRule rule;                        // tau_s is solved for, its value here ignored
  double capacity_bytes = std::numeric_limits<double>::infinity();
  double capacity_items = std::numeric_limits<double>::infinity();
};
struct CacheModel {
  double tau_s = std::numeric_limits<double>::infinity();  // inf: the capacity does not bind
  bool capacity_binds = false;
  double hit_ratio = 0;         // stationary, sum_i p_i h_i
  double items = 0, bytes = 0;  // expected cached entries and bytes
};
// Solves tau (TOMS 748 in log tau) and the stationary hit ratio. Throws
// std::invalid_argument on keys == 0, a negative alpha or rate.
CacheModel SolveCacheModel(const CacheModelInput& in);
// The hit ratio of the reads in [from_s, to_s) of a run that starts with an
// empty cache at 0: 1 - sum_i (M_i(to) - M_i(from)) / (reads in the window),
// M_i = KeyMissesFromEmpty with the model's stationary h_i.
double CacheWindowHitRatio(const CacheModelInput& in, const CacheModel& model, double from_s,
                           double to_s);

}  // namespace cachelab
