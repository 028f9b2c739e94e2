#include "analysis/models/analytic.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <span>
#include <stdexcept>
#include <vector>

#include "analysis/trace/generate.h"
#include "policies/registry.h"
#include "sim/core/random.h"
#include "sim/core/zipf.h"

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

// ---- Che's approximation -----------------------------------------------------

namespace {

// Zipf weights (rank + 1)^-alpha, unnormalised: CheLru normalises them.
std::vector<double> ZipfWeights(uint64_t n, double alpha) {
  std::vector<double> w(n);
  for (uint64_t k = 0; k < n; ++k) w[k] = std::pow(static_cast<double>(k + 1), -alpha);
  return w;
}

// Exponential variate of the given rate from the engine.
double Exp(RandomEngine& rng, double rate) {
  return -std::log(1 - Uniform01(rng)) / rate;
}

// LRU hit ratio of one eviction-only replay of an in-memory IRM Zipf trace,
// counted after a warm-up of `warmup` requests (the cold misses of the
// empty cache are not part of the steady state Che describes).
double ReplayLruHitRatio(uint64_t keys, double alpha, uint64_t capacity, uint64_t warmup,
                         uint64_t measured) {
  const PolicyInfo* lru = FindPolicy(Role::kEviction, "lru");
  REQUIRE(lru != nullptr);
  auto replayer = lru->make_replayer(Params::WithDefaults(lru->params),
                                     ReplayConfig{.capacity = capacity, .ignore_size = true});
  TraceGenerator gen(TraceGenConfig{.requests = warmup + measured, .keys = keys, .alpha = alpha});
  std::vector<ReplayRequest> chunk(1 << 16);
  auto feed = [&](uint64_t count) {
    while (count > 0) {
      const size_t m = static_cast<size_t>(std::min<uint64_t>(count, chunk.size()));
      for (size_t i = 0; i < m; ++i) {
        const OracleRecord r = gen.Next();
        chunk[i] = ReplayRequest{.key = r.id, .size = r.size};
      }
      replayer->Run(std::span<const ReplayRequest>(chunk.data(), m));
      count -= m;
    }
  };
  feed(warmup);
  const ReplayCounts before = replayer->counts();
  feed(measured);
  const ReplayCounts after = replayer->counts();
  REQUIRE(replayer->CheckInvariants().empty());
  const double misses = static_cast<double>(after.misses - before.misses);
  return 1 - misses / static_cast<double>(after.requests - before.requests);
}

}  // namespace

TEST_CASE("Che for uniform popularity gives hit ratio C / N", "[analysis][models][che]") {
  // N (1 - e^{-T/N}) = C makes every key's hit probability C / N.
  CHECK(CheLruZipf(1000, 0.0, 250).hit_ratio == Approx(0.25).epsilon(1e-10));
  // Past the exactly summed head: the tail integral holds the uniform case exactly too.
  const CheResult big = CheLruZipf(500'000, 0.0, 50'000);
  CHECK(big.hit_ratio == Approx(0.1).epsilon(1e-10));
  CHECK(big.characteristic_time == Approx(-500'000 * std::log(0.9)).epsilon(1e-9));
  const std::vector<double> equal(400, 3.0);
  CHECK(CheLru(equal, 100).hit_ratio == Approx(0.25).epsilon(1e-10));
}

TEST_CASE("Che's hit ratio and characteristic time grow with the capacity",
          "[analysis][models][che]") {
  for (double alpha : {0.0, 0.6, 1.0, 1.4}) {
    double last_h = 0, last_t = 0;
    for (double c : {1.0, 10.0, 100.0, 1000.0, 10'000.0, 50'000.0, 99'000.0}) {
      const CheResult r = CheLruZipf(100'000, alpha, c);
      INFO("alpha " << alpha << " capacity " << c);
      CHECK(r.hit_ratio > last_h);
      CHECK(r.characteristic_time > last_t);
      CHECK(r.hit_ratio < 1);
      last_h = r.hit_ratio;
      last_t = r.characteristic_time;
    }
  }
}

TEST_CASE("Che over a Zipf population equals Che over its explicit popularity vector",
          "[analysis][models][che]") {
  // 300k keys: the Zipf path sums 2^17 ranks and integrates the rest.
  for (double alpha : {0.5, 0.8, 1.0, 1.2}) {
    const std::vector<double> w = ZipfWeights(300'000, alpha);
    for (double c : {100.0, 30'000.0, 200'000.0}) {
      INFO("alpha " << alpha << " capacity " << c);
      const CheResult a = CheLruZipf(300'000, alpha, c);
      const CheResult b = CheLru(w, c);
      CHECK(a.characteristic_time == Approx(b.characteristic_time).epsilon(1e-8));
      CHECK(a.hit_ratio == Approx(b.hit_ratio).epsilon(1e-8));
    }
  }
}

TEST_CASE("Che's characteristic time fills the cache for 10 million Zipf keys",
          "[analysis][models][che]") {
  // The fixed point checked by an independent pass over every key.
  const uint64_t n = 10'000'000;
  const double c = 1'000'000;
  const ZipfSampler zipf(n, 1.0);
  const CheResult r = CheLruZipf(n, 1.0, c);
  double occupancy = 0, hit = 0;
  for (uint64_t k = 0; k < n; ++k) {
    const double p = zipf.Probability(k);
    occupancy += CheKeyHitRatio(p, r.characteristic_time);
    hit += p * CheKeyHitRatio(p, r.characteristic_time);
  }
  CHECK(occupancy == Approx(c).epsilon(1e-7));
  CHECK(r.hit_ratio == Approx(hit).epsilon(1e-7));
}

TEST_CASE("Che's edge cases: everything fits, nothing fits, bad popularity",
          "[analysis][models][che]") {
  CHECK(CheLruZipf(1000, 0.9, 1000).hit_ratio == 1);
  CHECK(std::isinf(CheLruZipf(1000, 0.9, 5000).characteristic_time));
  CHECK(CheLruZipf(1000, 0.9, 0).hit_ratio == 0);
  // Keys of weight 0 are never requested: 2 live keys fit in 2 slots.
  const std::vector<double> w{0, 5, 0, 1};
  CHECK(CheLru(w, 2).hit_ratio == 1);
  CHECK(CheKeyHitRatio(0.5, std::numeric_limits<double>::infinity()) == 1);
  CHECK_THROWS_AS(CheLru(std::vector<double>{0, 0}, 1), std::invalid_argument);
  CHECK_THROWS_AS(CheLru(std::vector<double>{1, -1}, 1), std::invalid_argument);
  CHECK_THROWS_AS(CheLruZipf(0, 1.0, 1), std::invalid_argument);
  CHECK_THROWS_AS(CheLruZipf(10, -1.0, 1), std::invalid_argument);
}

TEST_CASE("Che predicts an LRU replay of a Zipf trace over 100k keys within 0.02",
          "[analysis][models][che]") {
  // IRM trace of analysis/trace/generate.h through the replay kernel's LRU, 10 %
  // and 1 % of the keys cached, hit ratio after a 1M-request warm-up.
  for (double alpha : {0.8, 1.0}) {
    for (uint64_t capacity : {1'000u, 10'000u}) {
      const double simulated = ReplayLruHitRatio(100'000, alpha, capacity, 1'000'000, 2'000'000);
      const double che = CheLruZipf(100'000, alpha, static_cast<double>(capacity)).hit_ratio;
      INFO("alpha " << alpha << " capacity " << capacity << ": Che " << che << ", replay "
                    << simulated);
      CHECK(std::abs(simulated - che) < 0.02);
    }
  }
}

TEST_CASE("Che is a TTL cache with reset whose TTL fills the cache", "[analysis][models][che]") {
  // Fricker, Robert & Roberts: LRU = TTL-with-reset at T_C. At request rate 1,
  // the TTL model at T_C holds exactly C entries and has Che's hit ratio.
  const CheResult che = CheLruZipf(200'000, 0.9, 5'000);
  const TtlAggregate ttl = TtlCacheZipf(200'000, 0.9, 1.0, che.characteristic_time, true);
  CHECK(ttl.occupancy == Approx(5'000).epsilon(1e-9));
  CHECK(ttl.hit_ratio == Approx(che.hit_ratio).epsilon(1e-9));
}

// ---- TTL caches --------------------------------------------------------------

TEST_CASE("TTL hit ratio with reset is 1 - exp(-rT)", "[analysis][models][ttl]") {
  CHECK(TtlHitRatioWithReset(10, 0.1) == Approx(1 - std::exp(-1.0)));
  CHECK(TtlHitRatioWithReset(5, 0) == 0);
  // Extending the TTL on hits can only help.
  for (double rt : {0.01, 0.5, 1.0, 3.0, 20.0}) {
    CHECK(TtlHitRatioWithReset(rt, 1) > TtlHitRatioNoReset(rt, 1));
  }
}

TEST_CASE("TTL hit ratios match a Monte Carlo of one key's Poisson reads",
          "[analysis][models][ttl]") {
  // The engine has no sliding expiration, so both TTL flavours are checked
  // against this direct simulation of one key: Poisson reads at rate r, an
  // entry filled on a miss and living T from the fill (no reset) or from the
  // last hit (reset).
  RandomEngine rng = MakeStream(11, "ttl-monte-carlo");
  const double r = 4, ttl = 0.3;  // rT = 1.2
  const int n = 1'000'000;
  double t = 0, expires_no_reset = -1, expires_reset = -1;
  int hits_no_reset = 0, hits_reset = 0;
  for (int i = 0; i < n; ++i) {
    t += Exp(rng, r);
    if (t < expires_no_reset) {
      ++hits_no_reset;
    } else {
      expires_no_reset = t + ttl;
    }
    if (t < expires_reset) ++hits_reset;
    expires_reset = t + ttl;  // a hit extends, a miss fills: either way T from now
  }
  // The standard error is about 0.0005 at n = 1M (hits within a cycle correlate a little).
  CHECK(hits_no_reset / double(n) == Approx(TtlHitRatioNoReset(r, ttl)).margin(0.004));
  CHECK(hits_reset / double(n) == Approx(TtlHitRatioWithReset(r, ttl)).margin(0.004));
}

TEST_CASE("TTL aggregates weight each key's hit ratio by its popularity",
          "[analysis][models][ttl]") {
  const std::vector<double> w = ZipfWeights(250'000, 0.9);
  for (bool reset : {false, true}) {
    const TtlAggregate zipf = TtlCacheZipf(250'000, 0.9, 5000, 30, reset);
    const TtlAggregate vec = TtlCache(w, 5000, 30, reset);
    CHECK(zipf.hit_ratio == Approx(vec.hit_ratio).epsilon(1e-8));
    CHECK(zipf.occupancy == Approx(vec.occupancy).epsilon(1e-8));
  }
  // One key: the aggregate is the single-key formula; no TTL means always cached.
  CHECK(TtlCache(std::vector<double>{1}, 7, 0.5, false).hit_ratio ==
        Approx(TtlHitRatioNoReset(7, 0.5)));
  CHECK(TtlCacheZipf(100, 1.0, 10, 0, false).hit_ratio == 1);
  CHECK(TtlCacheZipf(100, 1.0, 10, 0, false).occupancy == 100);
}

// ---- Staleness -----------------------------------------------------------------

TEST_CASE("Stale-hit probability: limits and continuity", "[analysis][models][staleness]") {
  CHECK(TtlStaleGivenHit(0, 10) == 0);
  CHECK(TtlStaleGivenHit(1e-9, 10) == Approx(1e-8 / 2).epsilon(1e-6));  // wT / 2 for small wT
  CHECK(TtlStaleGivenHit(1000, 10) == Approx(1 - 1e-4).epsilon(1e-12));
  CHECK(TtlStaleGivenHit(1, 1) == Approx(std::exp(-1.0)));  // 1 - (1 - 1/e) = 1/e
  // The series and the closed form agree where they meet.
  CHECK(TtlStaleGivenHit(0.99999e-4, 1) == Approx(TtlStaleGivenHit(1.00001e-4, 1)).epsilon(1e-4));
  double last = 0;
  for (double w : {0.001, 0.01, 0.1, 1.0, 10.0}) {
    CHECK(TtlStaleGivenHit(w, 2) > last);
    last = TtlStaleGivenHit(w, 2);
  }
  CHECK_THROWS_AS(TtlStaleGivenHit(1, 0), std::invalid_argument);
}

TEST_CASE("Stale reads match a Monte Carlo of one key's reads and writes",
          "[analysis][models][staleness]") {
  // Poisson reads (r) and writes (w), no-reset TTL, writes leave the cache
  // alone, refill instantly on a miss with the current version.
  RandomEngine rng = MakeStream(12, "staleness-monte-carlo");
  const double r = 20, w = 2, ttl = 0.5;  // rT = 10, wT = 1
  double next_read = Exp(rng, r), next_write = Exp(rng, w), expires = -1;
  uint64_t version = 0, cached = 0;
  int reads = 0, hits = 0, stale = 0;
  while (reads < 2'000'000) {
    if (next_write < next_read) {
      ++version;
      next_write += Exp(rng, w);
      continue;
    }
    ++reads;
    if (next_read < expires) {
      ++hits;
      if (cached != version) ++stale;
    } else {
      cached = version;
      expires = next_read + ttl;
    }
    next_read += Exp(rng, r);
  }
  const TtlStaleness m = TtlStalenessOf(std::vector<double>{1}, r, w, ttl);
  CHECK(m.hit_ratio == Approx(10.0 / 11));
  CHECK(m.stale_given_hit == Approx(std::exp(-1.0)));
  CHECK(stale / double(hits) == Approx(m.stale_given_hit).margin(0.005));
  CHECK(stale / double(reads) == Approx(m.stale_fraction).margin(0.005));
}

TEST_CASE("Staleness over a Zipf population equals its explicit vector",
          "[analysis][models][staleness]") {
  const std::vector<double> w = ZipfWeights(200'000, 1.0);
  const TtlStaleness a = TtlStalenessZipf(200'000, 1.0, 2000, 100, 60);
  const TtlStaleness b = TtlStalenessOf(w, 2000, 100, 60);
  CHECK(a.hit_ratio == Approx(b.hit_ratio).epsilon(1e-8));
  CHECK(a.stale_fraction == Approx(b.stale_fraction).epsilon(1e-8));
  CHECK(a.stale_given_hit == Approx(a.stale_fraction / a.hit_ratio));
  CHECK(a.stale_given_hit > 0);
  CHECK(a.stale_given_hit < 1);
}

// ---- The database ----------------------------------------------------------

TEST_CASE("The DB wait model is Erlang C with mu = 1 / mean service time", "[analysis][models]") {
  const ErlangC db = DbConnectionWait(8, 150, 0.05);  // 7.5 Erlangs on 8 connections
  const ErlangC q = ErlangCQueue(8, 150, 20);
  CHECK(db.prob_wait == Approx(q.prob_wait));
  CHECK(db.mean_wait_s == Approx(q.mean_wait_s));
  CHECK(db.utilization == Approx(7.5 / 8));
  CHECK_THROWS_AS(DbConnectionWait(8, 150, 0), std::invalid_argument);
}

// ---- Allen-Cunneen, the per-key TTL-cache model, the cold start -------------------

TEST_CASE("Allen-Cunneen is Erlang C for exponential service", "[analysis][models][mgc]") {
  const ErlangC mmc = ErlangCQueue(8, 680, 100);
  const MgcWait ac = AllenCunneenWait(8, 680, 0.01, 1.0);
  CHECK(ac.mean_wait_s == Approx(mmc.mean_wait_s));
  CHECK(ac.prob_wait == Approx(mmc.prob_wait));
  CHECK(ac.conditional_wait_s == Approx(mmc.mean_wait_s / mmc.prob_wait));
}

TEST_CASE("Allen-Cunneen is Pollaczek-Khinchine for one server", "[analysis][models][mgc]") {
  // M/D/1: Wq = rho / (2 mu (1 - rho)); M/G/1 with lognormal service:
  // Wq = lambda E[S^2] / (2 (1 - rho)).
  const double lambda = 80, s = 0.01, rho = 0.8;
  CHECK(AllenCunneenWait(1, lambda, s, 0).mean_wait_s == Approx(rho * s / (2 * (1 - rho))));
  const double cv2 = LognormalCv2(0.5);
  CHECK(cv2 == Approx(std::exp(0.25) - 1));
  CHECK(AllenCunneenWait(1, lambda, s, cv2).mean_wait_s ==
        Approx(lambda * s * s * (1 + cv2) / (2 * (1 - rho))));
  CHECK_THROWS_AS(AllenCunneenWait(1, lambda, s, -1), std::invalid_argument);
}

TEST_CASE("The per-key model reduces to Che, to the TTL cache and to FIFO/RANDOM at the limits",
          "[analysis][models][ttl_capacity]") {
  const double r = 3, tau = 0.7, ttl = 0.4;
  const double inf = std::numeric_limits<double>::infinity();
  // LRU without a TTL: Che's 1 - e^{-r tau}.
  CHECK(KeyHitProbability(r, 0, {ModelEviction::kLru, tau, inf, ModelWrites::kNone}) ==
        Approx(CheKeyHitRatio(r, tau)));
  // No capacity limit: the TTL cache without reset, whatever the eviction.
  for (ModelEviction e : {ModelEviction::kLru, ModelEviction::kFifo, ModelEviction::kRandom}) {
    CHECK(KeyHitProbability(r, 0, {e, inf, ttl, ModelWrites::kNone}) ==
          Approx(TtlHitRatioNoReset(r, ttl)));
  }
  // FIFO and RANDOM without a TTL: r T / (1 + r T) (Fricker et al.; Gelenbe).
  CHECK(KeyHitProbability(r, 0, {ModelEviction::kFifo, tau, inf, ModelWrites::kNone}) ==
        Approx(TtlHitRatioNoReset(r, tau)));
  CHECK(KeyHitProbability(r, 0, {ModelEviction::kRandom, tau, inf, ModelWrites::kNone}) ==
        Approx(TtlHitRatioNoReset(r, tau)));
  // A TTL below the LRU timer's minimum tau binds alone.
  CHECK(KeyHitProbability(r, 0, {ModelEviction::kLru, 1.0, 0.5, ModelWrites::kNone}) ==
        Approx(TtlHitRatioNoReset(r, 0.5)));
  // Both bind: below each alone.
  const double both = KeyHitProbability(r, 0, {ModelEviction::kLru, tau, 2.0, ModelWrites::kNone});
  CHECK(both < CheKeyHitRatio(r, tau));
  CHECK(both < TtlHitRatioNoReset(r, 2.0));
  CHECK(both > CheKeyHitRatio(r, tau) * 0.9);
}

TEST_CASE("Writes that delete entries shorten their life, writes that update them keep them",
          "[analysis][models][writes]") {
  const double r = 5, w = 1, ttl = 2;
  const double inf = std::numeric_limits<double>::infinity();
  // Delete, no capacity limit: E[D] = (1 - e^{-w T}) / w, h = r E[D] / (1 + r E[D]).
  const double d = -std::expm1(-w * ttl) / w;
  CHECK(KeyHitProbability(r, w, {ModelEviction::kLru, inf, ttl, ModelWrites::kDelete}) ==
        Approx(r * d / (1 + r * d)));
  // Write-around leaves the TTL cache alone.
  CHECK(KeyHitProbability(r, w, {ModelEviction::kLru, inf, ttl, ModelWrites::kNone}) ==
        Approx(TtlHitRatioNoReset(r, ttl)));
  // Update: a write refills, so the key is absent only after an expiry that
  // no write preceded, until the next read or write.
  const double update =
      KeyHitProbability(r, w, {ModelEviction::kLru, inf, ttl, ModelWrites::kUpdate});
  CHECK(update == Approx(d / (d + (1 - w * d) / (r + w))));
  CHECK(update > TtlHitRatioNoReset(r, ttl));
}

TEST_CASE("Che in bytes with equal sizes is Che in objects", "[analysis][models][bytes]") {
  CacheModelInput in;
  in.keys = 5000;
  in.alpha = 0.9;
  in.read_rate = 1000;
  in.charges.assign(in.keys, 2112.0);
  in.capacity_bytes = 800 * 2112.0;
  const CacheModel bytes = SolveCacheModel(in);
  REQUIRE(bytes.capacity_binds);
  CHECK(bytes.hit_ratio == Approx(CheLruZipf(5000, 0.9, 800).hit_ratio).epsilon(1e-6));
  CHECK(bytes.tau_s * in.read_rate ==
        Approx(CheLruZipf(5000, 0.9, 800).characteristic_time).epsilon(1e-6));
  CHECK(bytes.bytes == Approx(in.capacity_bytes).epsilon(1e-6));
  // Sizes that vary: the bytes still fill the capacity, and a cache holding
  // the popular keys' large values holds fewer of them.
  for (uint64_t k = 0; k < 100; ++k) in.charges[k] = 20000;
  const CacheModel varied = SolveCacheModel(in);
  CHECK(varied.bytes == Approx(in.capacity_bytes).epsilon(1e-6));
  CHECK(varied.hit_ratio < bytes.hit_ratio);
  // The item limit binds when it is the smaller capacity.
  in.charges.assign(in.keys, 2112.0);
  in.capacity_items = 300;
  CHECK(SolveCacheModel(in).items == Approx(300).epsilon(1e-6));
}

TEST_CASE("Misses from an empty cache: the first read, then the renewal rate",
          "[analysis][models][cold_start]") {
  // Never evicted: only the first read misses.
  CHECK(KeyMissesFromEmpty(2, 1.0, 3) == Approx(-std::expm1(-6.0)));
  // A TTL cache (D = TTL exactly): before one TTL has passed, only the first
  // read; the second miss needs the first read, a TTL, and another read.
  const double r = 4, ttl = 1, h = TtlHitRatioNoReset(r, ttl);
  CHECK(KeyMissesFromEmpty(r, h, 0.9) == Approx(-std::expm1(-r * 0.9)));
  // P(Gamma(2, r) <= t - T): the second term, by its closed form.
  const double x = r * (1.5 - ttl);
  CHECK(KeyMissesFromEmpty(r, h, 1.5) ==
        Approx(-std::expm1(-r * 1.5) + 1 - std::exp(-x) * (1 + x)));
  // Long runs: the stationary miss rate r (1 - h).
  const double long_run = KeyMissesFromEmpty(r, h, 1000) - KeyMissesFromEmpty(r, h, 900);
  CHECK(long_run == Approx(100 * r * (1 - h)).epsilon(1e-3));
}

TEST_CASE("LRU with a TTL: the per-key model against a simulated single key",
          "[analysis][models][ttl_capacity]") {
  // One key read at Poisson rate r; the entry leaves when tau passes with no
  // read (LRU's timer) or TTL after its fill; the next read refills it.
  const double r = 2, tau = 0.6, ttl = 1.5;
  RandomEngine rng(11);
  double t = 0, filled = -1, last = -1;
  uint64_t hits = 0, reads = 0;
  for (int i = 0; i < 400000; ++i) {
    t += Exp(rng, r);
    const bool cached = filled >= 0 && t - last < tau && t - filled < ttl;
    ++reads;
    if (cached) {
      ++hits;
    } else {
      filled = t;
    }
    last = t;
  }
  const double simulated = static_cast<double>(hits) / static_cast<double>(reads);
  const double model = KeyHitProbability(r, 0, {ModelEviction::kLru, tau, ttl, ModelWrites::kNone});
  INFO("simulated " << simulated << " model " << model);
  // The LRU timer's shifted-exponential shape is an approximation: 0.677
  // against 0.666 here, r tau near 1 being its worst region.
  CHECK(model == Approx(simulated).margin(0.02));
}
