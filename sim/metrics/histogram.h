// Latency histogram with constant memory and bounded relative error, in the
// log-linear layout of HdrHistogram (Gil Tene): values below 256 ns have a
// bucket each; above, every power of two [2^e, 2^(e+1)) is split into 128
// equal sub-buckets of width 2^(e-7), so a value is known to within one
// sub-bucket: 2^(e-7) / 2^e = 1/128 (0.8%) relative. 7296 buckets cover
// every non-negative int64 (about 57 KiB per histogram).
//
// Contract:
//  - Record(ns) counts one value; negative values count as 0. RecordN(ns, n)
//    counts n copies (n == 0 is a no-op). Record is branch-light and loop-free
//    (one count-leading-zeros), cheap enough for every simulated request.
//  - count(), min(), max() and mean() are exact (mean from a 128-bit running
//    sum, so it cannot overflow). min(), max() and mean() are 0 when empty.
//  - Quantile(q): min() for q <= 0 (and NaN), max() for q >= 1; otherwise
//    an estimate of the recorded value of rank ceil(q * count) in ascending
//    order, interpolated inside its bucket: the bucket's n values are taken
//    as spread evenly over it, the i-th at (i - 1/2) / n of its width, and
//    the continuous rank q * count picks the point. Within 1/128 relative of
//    that order statistic (exact below 256 ns), clamped to [min(), max()].
//    Why interpolate: replications whose p99 falls in one bucket would all
//    report its midpoint, and a confidence interval over them would be a
//    spurious 0. 0 when empty. Costs a scan of the buckets: for reports, not
//    the hot path.
//  - Merge(other) makes this histogram equal to one that recorded both
//    histories. Reset() empties it.
#pragma once

#include <array>
#include <bit>
#include <cstdint>

namespace cachelab {

class LatencyHistogram {
 public:
  LatencyHistogram() = default;

  void Record(int64_t ns) { RecordN(ns, 1); }
  void RecordN(int64_t ns, uint64_t n) {
    if (n == 0) return;
    const uint64_t v = ns < 0 ? 0 : static_cast<uint64_t>(ns);
    buckets_[BucketOf(v)] += n;
    count_ += n;
    sum_ += static_cast<Uint128>(v) * n;
    if (v < min_) min_ = v;
    if (v > max_) max_ = v;
  }

  uint64_t count() const { return count_; }
  int64_t min() const { return count_ == 0 ? 0 : static_cast<int64_t>(min_); }
  int64_t max() const { return static_cast<int64_t>(max_); }
  double mean() const;
  int64_t Quantile(double q) const;

  void Reset();
  void Merge(const LatencyHistogram& other);

 private:
  // Named with __extension__ so -Wpedantic accepts the GCC/Clang 128-bit type.
  __extension__ typedef unsigned __int128 Uint128;

  static constexpr int kSubBits = 7;                   // 128 sub-buckets per power of two
  static constexpr uint64_t kExact = 2u << kSubBits;   // values below 256 are exact
  static constexpr int kFirstExponent = kSubBits + 1;  // 2^8 = 256
  static constexpr int kBucketCount =
      static_cast<int>(kExact) + (63 - kFirstExponent) * (1 << kSubBits);

  // Values < 256 map to themselves. For v in [2^e, 2^(e+1)), e >= 8, the
  // bucket is 256 + (e - 8) * 128 + (the 7 bits below v's leading one).
  static int BucketOf(uint64_t v) {
    if (v < kExact) return static_cast<int>(v);
    const int e = 63 - std::countl_zero(v);
    const int sub = static_cast<int>((v >> (e - kSubBits)) & ((1u << kSubBits) - 1));
    return static_cast<int>(kExact) + ((e - kFirstExponent) << kSubBits) + sub;
  }
  // Smallest value and width of bucket `b` (the inverse of BucketOf).
  static uint64_t BucketLow(int b);
  static uint64_t BucketWidth(int b);

  std::array<uint64_t, kBucketCount> buckets_{};
  uint64_t count_ = 0;
  Uint128 sum_ = 0;
  uint64_t min_ = UINT64_MAX;  // sentinels: any recorded value replaces them
  uint64_t max_ = 0;
};

}  // namespace cachelab
