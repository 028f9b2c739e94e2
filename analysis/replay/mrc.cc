#include "analysis/replay/mrc.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace cachelab {

uint64_t MrcHash(uint64_t key, uint64_t salt) {
  uint64_t z = key + 0x9e3779b97f4a7c15ull * (salt * 2 + 1);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

// ---------------------------------------------------------------------------
// StackDistanceTracker

void StackDistanceTracker::TreeAdd(uint64_t slot, int64_t delta) {
  const uint64_t n = tree_.size() - 1;
  for (; slot <= n; slot += slot & (~slot + 1)) tree_[slot] += static_cast<uint64_t>(delta);
}

uint64_t StackDistanceTracker::TreePrefix(uint64_t slot) const {
  uint64_t sum = 0;
  for (; slot > 0; slot &= slot - 1) sum += tree_[slot];
  return sum;
}

bool StackDistanceTracker::Access(uint64_t key, uint64_t weight, uint64_t* others) {
  auto [it, inserted] = last_.try_emplace(key, Entry{0, 0});
  if (!inserted) {
    // Lift the key's own mark; what is left after its time is everyone since.
    const Entry e = it->second;
    TreeAdd(e.time, -static_cast<int64_t>(e.weight));
    total_ -= e.weight;
    slot_used_[e.time] = 0;
    *others = total_ - TreePrefix(e.time);
  }
  // Compact only updates entries in place, so `it` stays valid.
  if (now_ + 1 >= tree_.size()) Compact();
  const uint64_t slot = ++now_;
  TreeAdd(slot, static_cast<int64_t>(weight));
  total_ += weight;
  slot_key_[slot] = key;
  slot_used_[slot] = 1;
  it->second = Entry{slot, weight};
  return !inserted;
}

bool StackDistanceTracker::Remove(uint64_t key) {
  auto it = last_.find(key);
  if (it == last_.end()) return false;
  TreeAdd(it->second.time, -static_cast<int64_t>(it->second.weight));
  total_ -= it->second.weight;
  slot_used_[it->second.time] = 0;
  last_.erase(it);
  return true;
}

// Renumbers the live marks 1..L in time order and resizes the tree to about 2L
// slots, so the next ~L accesses need no compaction: amortised O(1) per access.
void StackDistanceTracker::Compact() {
  const uint64_t live = last_.size();
  const uint64_t capacity = std::max<uint64_t>(1024, 2 * live + 2);
  std::vector<uint64_t> keys(capacity + 1, 0);
  std::vector<uint8_t> used(capacity + 1, 0);
  std::vector<uint64_t> tree(capacity + 1, 0);
  uint64_t j = 0;
  for (uint64_t t = 1; t <= now_; ++t) {
    if (!slot_used_[t]) continue;
    ++j;
    Entry& e = last_.find(slot_key_[t])->second;
    e.time = j;
    keys[j] = slot_key_[t];
    used[j] = 1;
    tree[j] = e.weight;
  }
  // Linear-time Fenwick build: push each node's partial sum to its parent.
  for (uint64_t i = 1; i <= capacity; ++i) {
    const uint64_t parent = i + (i & (~i + 1));
    if (parent <= capacity) tree[parent] += tree[i];
  }
  tree_ = std::move(tree);
  slot_key_ = std::move(keys);
  slot_used_ = std::move(used);
  now_ = j;
}

// ---------------------------------------------------------------------------
// DepthHistogram

DepthHistogram::DepthHistogram(uint64_t granularity, uint64_t max_buckets)
    : granularity_(granularity), max_buckets_(max_buckets) {
  if (granularity == 0) throw std::invalid_argument("MRC granularity must be > 0");
  if (max_buckets < 2) throw std::invalid_argument("MRC max_buckets must be >= 2");
}

void DepthHistogram::Add(double depth, double weight) {
  total_ += weight;
  // Bucket b holds depths in ((b-1)g, bg]; ceil keeps "depth <= C" exact at C = bg.
  double b = std::ceil(depth / static_cast<double>(granularity_));
  while (b >= static_cast<double>(max_buckets_)) {
    // Double g: new bucket ceil(b/2) holds exactly ((b'-1)2g, b'2g].
    std::vector<double> merged(buckets_.size() / 2 + 1, 0.0);
    for (size_t i = 0; i < buckets_.size(); ++i) merged[(i + 1) / 2] += buckets_[i];
    buckets_ = std::move(merged);
    granularity_ *= 2;
    b = std::ceil(depth / static_cast<double>(granularity_));
  }
  const auto index = static_cast<size_t>(b);
  if (index >= buckets_.size()) {
    const size_t grown =
        std::min<size_t>(max_buckets_, std::max(index + 1, buckets_.size() * 3 / 2));
    buckets_.resize(grown, 0.0);
  }
  buckets_[index] += weight;
}

double DepthHistogram::MissWeight(uint64_t cache_size) const {
  const uint64_t c = cache_size;
  return MissWeights(std::span<const uint64_t>(&c, 1))[0];
}

std::vector<double> DepthHistogram::MissWeights(std::span<const uint64_t> sizes) const {
  // suffix[i] = weight of buckets i and above.
  std::vector<double> suffix(buckets_.size() + 1, 0.0);
  for (size_t i = buckets_.size(); i-- > 0;) suffix[i] = suffix[i + 1] + buckets_[i];
  std::vector<double> out;
  out.reserve(sizes.size());
  for (uint64_t c : sizes) {
    // Hits: buckets b <= floor(C/g); misses start at floor(C/g) + 1.
    const uint64_t first_miss = c / granularity_ + 1;
    const double deep = first_miss < suffix.size() ? suffix[first_miss] : 0.0;
    out.push_back(cold_ + deep);
  }
  return out;
}

// ---------------------------------------------------------------------------
// ExactMrc

ExactMrc::ExactMrc(MrcOptions options)
    : options_(options), hist_(options.granularity, options.max_buckets) {}

void ExactMrc::Add(uint64_t key, uint64_t size) {
  ++requests_;
  const uint64_t weight = options_.unit == MrcUnit::kBytes ? size : 1;
  uint64_t others = 0;
  if (tracker_.Access(key, weight, &others)) {
    hist_.Add(static_cast<double>(others + weight), 1.0);
  } else {
    hist_.AddCold(1.0);
  }
}

double ExactMrc::MissRatio(uint64_t cache_size) const {
  if (requests_ == 0) return 0.0;
  return hist_.MissWeight(cache_size) / static_cast<double>(requests_);
}

std::vector<MrcPoint> ExactMrc::Curve(std::span<const uint64_t> sizes) const {
  const std::vector<double> misses = hist_.MissWeights(sizes);
  std::vector<MrcPoint> out;
  out.reserve(sizes.size());
  for (size_t i = 0; i < sizes.size(); ++i) {
    out.push_back({sizes[i], requests_ == 0 ? 0.0 : misses[i] / static_cast<double>(requests_)});
  }
  return out;
}

// ---------------------------------------------------------------------------
// ShardsMrc

namespace {
constexpr double kModulus = 4294967296.0;  // P = 2^32
}

ShardsMrc::ShardsMrc(ShardsOptions options)
    : options_(options), hist_(options.mrc.granularity, options.mrc.max_buckets) {
  if (!(options.rate > 0 && options.rate <= 1)) {
    throw std::invalid_argument("SHARDS rate must be in (0, 1]");
  }
  threshold_ = static_cast<uint64_t>(std::llround(options.rate * kModulus));
  if (threshold_ == 0) threshold_ = 1;
}

double ShardsMrc::rate() const {
  return static_cast<double>(threshold_) / kModulus;
}

void ShardsMrc::Add(uint64_t key, uint64_t size) {
  ++requests_;
  const uint64_t h = MrcHash(key, options_.salt) >> 32;
  if (h >= threshold_) return;
  ++sampled_requests_;
  const double r = rate();
  const uint64_t weight = options_.mrc.unit == MrcUnit::kBytes ? size : 1;
  uint64_t others = 0;
  if (tracker_.Access(key, weight, &others)) {
    hist_.Add(static_cast<double>(others) / r + static_cast<double>(weight), 1.0 / r);
    return;
  }
  hist_.AddCold(1.0 / r);
  if (options_.max_samples == 0) return;
  by_hash_.emplace(static_cast<uint32_t>(h), key);
  // Fixed size: drop the largest hash value(s) and lower T to it, so the
  // sample is again "every key with hash < T".
  while (tracker_.size() > options_.max_samples) {
    const uint32_t top = by_hash_.top().first;
    while (!by_hash_.empty() && by_hash_.top().first == top) {
      tracker_.Remove(by_hash_.top().second);
      by_hash_.pop();
    }
    threshold_ = top;
  }
}

double ShardsMrc::Denominator() const {
  if (options_.adjust) return static_cast<double>(requests_);
  return hist_.total() + hist_.cold();
}

double ShardsMrc::MissRatio(uint64_t cache_size) const {
  const double d = Denominator();
  if (d <= 0) return 0.0;
  return std::clamp(hist_.MissWeight(cache_size) / d, 0.0, 1.0);
}

std::vector<MrcPoint> ShardsMrc::Curve(std::span<const uint64_t> sizes) const {
  const std::vector<double> misses = hist_.MissWeights(sizes);
  const double d = Denominator();
  std::vector<MrcPoint> out;
  out.reserve(sizes.size());
  for (size_t i = 0; i < sizes.size(); ++i) {
    out.push_back({sizes[i], d <= 0 ? 0.0 : std::clamp(misses[i] / d, 0.0, 1.0)});
  }
  return out;
}

}  // namespace cachelab
