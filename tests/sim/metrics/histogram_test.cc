#include "sim/metrics/histogram.h"

#include <algorithm>
#include <boost/random/lognormal_distribution.hpp>
#include <boost/random/uniform_int_distribution.hpp>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "sim/core/random.h"

namespace cachelab {
namespace {

constexpr int64_t kHour = int64_t{3600} * 1000'000'000;

// The order statistic the histogram approximates: rank ceil(q * n), at least 1.
int64_t ExactQuantile(const std::vector<int64_t>& sorted, double q) {
  auto rank = static_cast<size_t>(std::ceil(q * static_cast<double>(sorted.size())));
  rank = std::clamp<size_t>(rank, 1, sorted.size());
  return sorted[rank - 1];
}

const std::vector<double> kQs = {0,    1e-4, 1e-3, 0.01,  0.1,    0.25,    0.5,
                                 0.75, 0.9,  0.99, 0.999, 0.9999, 0.99999, 1.0};

// Checks every quantile of `h` against the exact order statistics of `samples`.
// The documented bound is 1/128 relative (one sub-bucket), tighter than 1%.
void CheckQuantiles(const LatencyHistogram& h, std::vector<int64_t> samples) {
  std::sort(samples.begin(), samples.end());
  for (double q : kQs) {
    const int64_t exact = ExactQuantile(samples, q);
    const int64_t got = h.Quantile(q);
    INFO("q = " << q << ", exact = " << exact << ", histogram = " << got);
    if (exact < 256) {
      CHECK(got == exact);
    } else {
      const double rel = std::abs(static_cast<double>(got - exact)) / static_cast<double>(exact);
      CHECK(rel <= 1.0 / 128);
      CHECK(rel <= 0.01);
    }
  }
}

LatencyHistogram Of(const std::vector<int64_t>& samples) {
  LatencyHistogram h;
  for (int64_t v : samples) h.Record(v);
  return h;
}

std::vector<int64_t> LognormalSamples(uint64_t seed, size_t n) {
  // Median 1 ms, sigma 3: about 1 ns .. 1 h within +-4.5 sigma.
  RandomEngine rng = MakeStream(seed, "histogram.lognormal");
  boost::random::lognormal_distribution<double> dist(std::log(1e6), 3.0);
  std::vector<int64_t> out(n);
  for (auto& v : out) v = std::clamp<int64_t>(std::llround(dist(rng)), 1, kHour);
  return out;
}

std::vector<int64_t> LogUniformSamples(uint64_t seed, size_t n) {
  RandomEngine rng = MakeStream(seed, "histogram.loguniform");
  std::vector<int64_t> out(n);
  for (auto& v : out) {
    v = std::llround(std::exp(Uniform01(rng) * std::log(static_cast<double>(kHour))));
  }
  return out;
}

std::vector<int64_t> UniformSamples(uint64_t seed, size_t n) {
  RandomEngine rng = MakeStream(seed, "histogram.uniform");
  boost::random::uniform_int_distribution<int64_t> dist(1, kHour);
  std::vector<int64_t> out(n);
  for (auto& v : out) v = dist(rng);
  return out;
}

TEST_CASE("an empty histogram reports zeros", "[sim][metrics][histogram]") {
  LatencyHistogram h;
  CHECK(h.count() == 0);
  CHECK(h.min() == 0);
  CHECK(h.max() == 0);
  CHECK(h.mean() == 0);
  CHECK(h.Quantile(0) == 0);
  CHECK(h.Quantile(0.5) == 0);
  CHECK(h.Quantile(1) == 0);
}

TEST_CASE("values below 256 ns are exact at every rank", "[sim][metrics][histogram]") {
  // Value v recorded v + 1 times: ranks are known in closed form.
  LatencyHistogram h;
  std::vector<int64_t> samples;
  for (int64_t v = 0; v < 256; ++v) {
    h.RecordN(v, static_cast<uint64_t>(v + 1));
    samples.insert(samples.end(), static_cast<size_t>(v + 1), v);
  }
  REQUIRE(h.count() == samples.size());
  for (size_t rank = 1; rank <= samples.size(); rank += 7) {
    const double q = static_cast<double>(rank) / static_cast<double>(samples.size());
    INFO("rank " << rank);
    CHECK(h.Quantile(q) == ExactQuantile(samples, q));
  }
}

TEST_CASE("quantiles are within 1% of the exact order statistics", "[sim][metrics][histogram]") {
  constexpr size_t kN = 200'000;
  SECTION("lognormal samples spanning 1 ns .. 1 h") {
    auto s = LognormalSamples(1, kN);
    CHECK(*std::min_element(s.begin(), s.end()) < 100);
    CHECK(*std::max_element(s.begin(), s.end()) > kHour / 100);
    CheckQuantiles(Of(s), s);
  }
  SECTION("log-uniform samples spanning 1 ns .. 1 h") {
    auto s = LogUniformSamples(2, kN);
    CheckQuantiles(Of(s), s);
  }
  SECTION("uniform samples on 1 ns .. 1 h") {
    auto s = UniformSamples(3, kN);
    CheckQuantiles(Of(s), s);
  }
}

TEST_CASE("every power of two up to 2^62 maps to a bucket within 1/128",
          "[sim][metrics][histogram]") {
  // Bracket v between 0 and INT64_MAX so the median is v itself and clamping
  // to [min, max] cannot hide a wrong bucket.
  const int64_t kMax = std::numeric_limits<int64_t>::max();
  for (int e = 8; e <= 62; ++e) {
    const int64_t p = int64_t{1} << e;
    // 2^(e+1) - 1 is the top of the range, written so it cannot overflow at e = 62.
    for (int64_t v : {p - 1, p, p + 1, p + p / 3, p + p / 2 + 7, p + (p - 1)}) {
      if (v < 256) continue;
      LatencyHistogram h;
      h.Record(0);
      h.Record(v);
      h.Record(kMax);
      const int64_t got = h.Quantile(0.5);
      INFO("v = " << v);
      const double err = std::abs(static_cast<double>(got) - static_cast<double>(v));
      CHECK(err <= static_cast<double>(v) / 128);
    }
  }
}

TEST_CASE("quantiles are nondecreasing in q and hit min and max at the ends",
          "[sim][metrics][histogram]") {
  auto s = LognormalSamples(4, 50'000);
  const LatencyHistogram h = Of(s);
  int64_t prev = h.Quantile(0);
  CHECK(prev == *std::min_element(s.begin(), s.end()));
  for (int i = 1; i <= 1000; ++i) {
    const int64_t cur = h.Quantile(i / 1000.0);
    CHECK(cur >= prev);
    prev = cur;
  }
  CHECK(prev == *std::max_element(s.begin(), s.end()));
  // Out-of-range q is clamped rather than read out of bounds.
  CHECK(h.Quantile(-1) == h.Quantile(0));
  CHECK(h.Quantile(2) == h.Quantile(1));
}

TEST_CASE("min, max and mean are exact", "[sim][metrics][histogram]") {
  auto s = UniformSamples(5, 100'000);
  const LatencyHistogram h = Of(s);
  int64_t sum = 0;  // 1e5 * 3.6e12 fits in int64
  for (int64_t v : s) sum += v;
  CHECK(h.count() == s.size());
  CHECK(h.min() == *std::min_element(s.begin(), s.end()));
  CHECK(h.max() == *std::max_element(s.begin(), s.end()));
  CHECK(h.mean() == static_cast<double>(sum) / static_cast<double>(s.size()));
}

TEST_CASE("the mean does not overflow where a 64-bit sum would", "[sim][metrics][histogram]") {
  const int64_t kMax = std::numeric_limits<int64_t>::max();
  LatencyHistogram h;
  h.RecordN(kMax, 1000);
  CHECK(h.mean() == static_cast<double>(kMax));
  CHECK(h.max() == kMax);
  CHECK(h.Quantile(0.5) == kMax);
}

TEST_CASE("negative values are recorded as 0", "[sim][metrics][histogram]") {
  LatencyHistogram h;
  h.Record(-5);
  h.Record(std::numeric_limits<int64_t>::min());
  h.Record(10);
  CHECK(h.count() == 3);
  CHECK(h.min() == 0);
  CHECK(h.Quantile(0.5) == 0);
  CHECK(h.mean() == Approx(10.0 / 3));
}

TEST_CASE("RecordN(v, n) is n copies of Record(v) and n = 0 records nothing",
          "[sim][metrics][histogram]") {
  LatencyHistogram a, b;
  for (int64_t v : {3, 300, 30'000, 3'000'000}) {
    a.RecordN(v, 5);
    for (int i = 0; i < 5; ++i) b.Record(v);
  }
  a.RecordN(1, 0);  // would lower min if it counted
  CHECK(a.count() == b.count());
  CHECK(a.min() == 3);
  CHECK(a.mean() == b.mean());
  for (double q : kQs) CHECK(a.Quantile(q) == b.Quantile(q));
}

TEST_CASE("merging equals recording both histories", "[sim][metrics][histogram]") {
  auto x = LognormalSamples(6, 30'000);
  auto y = UniformSamples(7, 20'000);
  LatencyHistogram merged = Of(x);
  merged.Merge(Of(y));
  std::vector<int64_t> both = x;
  both.insert(both.end(), y.begin(), y.end());
  const LatencyHistogram direct = Of(both);

  CHECK(merged.count() == direct.count());
  CHECK(merged.min() == direct.min());
  CHECK(merged.max() == direct.max());
  CHECK(merged.mean() == direct.mean());
  for (double q : kQs) CHECK(merged.Quantile(q) == direct.Quantile(q));
  CheckQuantiles(merged, both);

  SECTION("merging into an empty histogram copies; merging an empty one changes nothing") {
    LatencyHistogram empty;
    empty.Merge(direct);
    CHECK(empty.min() == direct.min());
    CHECK(empty.Quantile(0.99) == direct.Quantile(0.99));
    LatencyHistogram copy = direct;
    copy.Merge(LatencyHistogram());
    CHECK(copy.count() == direct.count());
    CHECK(copy.min() == direct.min());
    CHECK(copy.max() == direct.max());
  }
}

TEST_CASE("reset empties the histogram", "[sim][metrics][histogram]") {
  LatencyHistogram h = Of(UniformSamples(8, 1000));
  h.Reset();
  CHECK(h.count() == 0);
  CHECK(h.min() == 0);
  CHECK(h.max() == 0);
  CHECK(h.mean() == 0);
  CHECK(h.Quantile(0.5) == 0);
  // No trace of the old values: a fresh value is min, max and every quantile.
  h.Record(1'000'000);
  CHECK(h.min() == 1'000'000);
  CHECK(h.max() == 1'000'000);
  CHECK(h.Quantile(0) == 1'000'000);
  CHECK(h.Quantile(1) == 1'000'000);
}

TEST_CASE("a quantile moves with its rank inside a bucket instead of jumping between midpoints",
          "[sim][metrics][histogram]") {
  // 1,000 values spread over one sub-bucket [2^20, 2^20 + 2^13): every
  // percentile lands in it. Midpoints would report one value for all; the
  // interpolation reports nondecreasing values across the bucket, each within
  // a bucket width of the exact order statistic.
  const int64_t low = int64_t{1} << 20, width = int64_t{1} << 13;
  std::vector<int64_t> s;
  for (int64_t i = 0; i < 1000; ++i) s.push_back(low + i * width / 1000);
  const LatencyHistogram h = Of(s);
  std::vector<int64_t> got;
  for (double q : {0.1, 0.25, 0.5, 0.75, 0.9, 0.99}) {
    got.push_back(h.Quantile(q));
    CHECK(std::abs(got.back() - ExactQuantile(s, q)) <= width / 100);
  }
  CHECK(std::is_sorted(got.begin(), got.end()));
  CHECK(got.front() < got.back() - width / 2);
  // Two histograms whose p99s share a bucket but not a rank differ.
  LatencyHistogram other = h;
  other.RecordN(low + width - 1, 20);
  CHECK(other.Quantile(0.99) > h.Quantile(0.99));
}

}  // namespace
}  // namespace cachelab
