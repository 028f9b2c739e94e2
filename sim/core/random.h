// Named random streams. One scenario seed; every consumer (arrivals, keys,
// sizes, db.service, cache.rtt, policy-private streams, ...) gets its own
// engine seeded from (seed, name), so adding draws to one stream never shifts
// another. That is what makes `compare` fair: two policy variants see the
// same arrivals, keys and service times (common random numbers).
//
// Engines and distributions are Boost.Random's: unlike std:: distributions
// their output is specified, so a seed means the same run on every platform.
#pragma once

#include <boost/random/mersenne_twister.hpp>
#include <cstdint>
#include <string_view>

namespace cachelab {

using RandomEngine = boost::random::mt19937_64;

// 64-bit seed of stream `name` under scenario seed `seed` (FNV-1a of the name,
// mixed with the seed by SplitMix64). Stable across versions: part of the
// reproducibility contract.
uint64_t StreamSeed(uint64_t seed, std::string_view name);

inline RandomEngine MakeStream(uint64_t seed, std::string_view name) {
  return RandomEngine(StreamSeed(seed, name));
}

// A double in [0, 1) from 53 random bits.
inline double Uniform01(RandomEngine& rng) {
  return static_cast<double>(rng() >> 11) * (1.0 / 9007199254740992.0);
}

}  // namespace cachelab
