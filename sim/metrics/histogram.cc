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
  if (!(q > 0)) q = 0;  // also catches NaN
  if (q > 1) q = 1;
  // Rank in 1..count; the product is rounded up, so q = 1 is the maximum.
  auto rank = static_cast<uint64_t>(std::ceil(q * static_cast<double>(count_)));
  rank = std::clamp<uint64_t>(rank, 1, count_);
  uint64_t seen = 0;
  for (int b = 0; b < kBucketCount; ++b) {
    seen += buckets_[b];
    if (seen >= rank) {
      const uint64_t mid = BucketLow(b) + (BucketWidth(b) - 1) / 2;
      return static_cast<int64_t>(std::clamp(mid, min_, max_));
    }
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
