#include "sim/core/random.h"

#include <bit>
#include <boost/unordered/unordered_flat_set.hpp>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

namespace cachelab {
namespace {

std::vector<uint64_t> Draw(RandomEngine rng, int n) {
  std::vector<uint64_t> out(static_cast<size_t>(n));
  for (auto& v : out) v = rng();
  return out;
}

// Pearson correlation of Uniform01 draws from two engines, pairwise.
double Correlation(RandomEngine a, RandomEngine b, int n) {
  double sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0;
  for (int i = 0; i < n; ++i) {
    const double x = Uniform01(a), y = Uniform01(b);
    sa += x;
    sb += y;
    saa += x * x;
    sbb += y * y;
    sab += x * y;
  }
  const double cov = sab / n - (sa / n) * (sb / n);
  return cov / std::sqrt((saa / n - (sa / n) * (sa / n)) * (sbb / n - (sb / n) * (sb / n)));
}

TEST_CASE("the same seed and name give the same sequence", "[sim][core][random]") {
  CHECK(StreamSeed(42, "arrivals") == StreamSeed(42, "arrivals"));
  CHECK(Draw(MakeStream(42, "arrivals"), 1000) == Draw(MakeStream(42, "arrivals"), 1000));
}

TEST_CASE("different names or seeds give different sequences", "[sim][core][random]") {
  const auto base = Draw(MakeStream(42, "arrivals"), 100);
  CHECK(Draw(MakeStream(42, "keys"), 100) != base);
  CHECK(Draw(MakeStream(43, "arrivals"), 100) != base);
  CHECK(Draw(MakeStream(42, "arrivalt"), 100) != base);   // one character apart
  CHECK(Draw(MakeStream(42, "arrivals."), 100) != base);  // a prefix
  CHECK(Draw(MakeStream(42, ""), 100) != base);
}

TEST_CASE("stream seeds do not collide across many names and seeds", "[sim][core][random]") {
  // 20k random 64-bit values collide with probability ~1e-11: any collision is a defect.
  boost::unordered_flat_set<uint64_t> seen;
  for (int i = 0; i < 10'000; ++i) seen.insert(StreamSeed(7, "policy." + std::to_string(i)));
  for (uint64_t s = 0; s < 10'000; ++s) seen.insert(StreamSeed(s, "keys"));
  CHECK(seen.size() == 20'000);
}

TEST_CASE("drawing from one stream never shifts another", "[sim][core][random]") {
  RandomEngine keys_alone = MakeStream(5, "keys");
  RandomEngine arrivals = MakeStream(5, "arrivals");
  RandomEngine keys = MakeStream(5, "keys");
  std::vector<uint64_t> interleaved;
  for (int i = 0; i < 100; ++i) {
    for (int j = 0; j < i % 3; ++j) arrivals();
    interleaved.push_back(keys());
  }
  CHECK(interleaved == Draw(keys_alone, 100));
}

TEST_CASE("one flipped input bit changes about half of the stream seed's bits",
          "[sim][core][random]") {
  // For a well-mixed seed each output bit flips with probability 1/2: the mean
  // Hamming distance over n pairs is 32 with standard error 4/sqrt(n).
  double total = 0;
  int pairs = 0;
  for (uint64_t seed = 0; seed < 100; ++seed) {
    for (int bit = 0; bit < 64; ++bit) {
      const uint64_t a = StreamSeed(seed, "db.service");
      const uint64_t b = StreamSeed(seed ^ (uint64_t{1} << bit), "db.service");
      total += std::popcount(a ^ b);
      ++pairs;
    }
  }
  CHECK(total / pairs == Approx(32).margin(10 * 4 / std::sqrt(pairs)));

  total = 0;
  pairs = 0;
  for (uint64_t seed = 0; seed < 200; ++seed) {
    std::string name = "cache.rtt";
    for (size_t pos = 0; pos < name.size(); ++pos) {
      std::string other = name;
      other[pos] ^= 1;
      total += std::popcount(StreamSeed(seed, name) ^ StreamSeed(seed, other));
      ++pairs;
    }
  }
  CHECK(total / pairs == Approx(32).margin(10 * 4 / std::sqrt(pairs)));
}

TEST_CASE("streams of different names, and of adjacent seeds, are uncorrelated",
          "[sim][core][random]") {
  // Under independence the sample correlation has standard error 1/sqrt(n).
  constexpr int kN = 100'000;
  const double bound = 5 / std::sqrt(kN);
  CHECK(std::abs(Correlation(MakeStream(1, "arrivals"), MakeStream(1, "keys"), kN)) < bound);
  CHECK(std::abs(Correlation(MakeStream(1, "keys"), MakeStream(2, "keys"), kN)) < bound);
  CHECK(std::abs(Correlation(MakeStream(0, "a"), MakeStream(0, "b"), kN)) < bound);
}

TEST_CASE(
    "Uniform01 lies in the half-open unit interval on a 2^-53 grid with mean 1/2 and variance 1/12",
    "[sim][core][random]") {
  constexpr int kN = 1'000'000;
  RandomEngine rng = MakeStream(3, "uniform");
  double sum = 0, sum_sq = 0;
  int out_of_range = 0, off_grid = 0;
  for (int i = 0; i < kN; ++i) {
    const double u = Uniform01(rng);
    if (!(u >= 0 && u < 1)) ++out_of_range;
    const double scaled = u * 9007199254740992.0;  // 2^53: exact for doubles in [0, 1)
    if (scaled != std::floor(scaled)) ++off_grid;
    sum += u;
    sum_sq += u * u;
  }
  CHECK(out_of_range == 0);
  CHECK(off_grid == 0);
  const double mean = sum / kN;
  const double var = sum_sq / kN - mean * mean;
  // Standard errors: sqrt(1/12 / n) for the mean, sqrt(1/180 / n) for the variance.
  CHECK(mean == Approx(0.5).margin(5 * std::sqrt(1.0 / 12 / kN)));
  CHECK(var == Approx(1.0 / 12).margin(5 * std::sqrt(1.0 / 180 / kN)));
}

}  // namespace
}  // namespace cachelab
