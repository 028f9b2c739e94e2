#include "sim/metrics/histogram.h"

#include <algorithm>
#include <cmath>

namespace cachelab {

uint64_t LatencyHistogram::BucketLow(int b) {
  if (b < static_cast<int>(kExact)) return static_cast<uint64_t>(b);
  const int rel = b - static_cast<int>(kExact);
  const int e = kFirstExponent + (rel >> kSubBits);
  const uint64_t sub = static_cast<uint64_t>(rel & ((1 << kSubBits) - 1));
  return (uint64_t{1} << e) + (sub << (e - kSubBits));
}

uint64_t LatencyHistogram::BucketWidth(int b) {
  if (b < static_cast<int>(kExact)) return 1;
  const int e = kFirstExponent + ((b - static_cast<int>(kExact)) >> kSubBits);
  return uint64_t{1} << (e - kSubBits);
}

double LatencyHistogram::mean() const {
  if (count_ == 0) return 0;
  return static_cast<double>(sum_) / static_cast<double>(count_);
}

int64_t LatencyHistogram::Quantile(double q) const {
  if (count_ == 0) return 0;
  if (!(q > 0)) return static_cast<int64_t>(min_);  // also catches NaN
  if (q >= 1) return static_cast<int64_t>(max_);
  // The continuous rank q * count falls in the bucket where the cumulative
  // count reaches it (the bucket of the order statistic ceil(q * count)).
  const double rank = q * static_cast<double>(count_);
  uint64_t seen = 0;
  for (int b = 0; b < kBucketCount; ++b) {
    const uint64_t n = buckets_[b];
    if (n == 0 || static_cast<double>(seen + n) < rank) {
      seen += n;
      continue;
    }
    // The bucket's n values taken as spread evenly, the i-th at (i - 1/2) / n
    // of its width: a rank moving through the bucket moves the value with it.
    const double position =
        std::clamp((rank - static_cast<double>(seen) - 0.5) / static_cast<double>(n), 0.0,
                   std::nextafter(1.0, 0.0));
    const auto offset =
        static_cast<uint64_t>(std::floor(position * static_cast<double>(BucketWidth(b))));
    return static_cast<int64_t>(std::clamp(BucketLow(b) + offset, min_, max_));
  }
  return static_cast<int64_t>(max_);  // unreachable: the buckets sum to count_
}

void LatencyHistogram::Reset() {
  *this = LatencyHistogram();
}

void LatencyHistogram::Merge(const LatencyHistogram& other) {
  if (other.count_ == 0) return;
  for (int b = 0; b < kBucketCount; ++b) buckets_[b] += other.buckets_[b];
  count_ += other.count_;
  sum_ += other.sum_;
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
}

}  // namespace cachelab
