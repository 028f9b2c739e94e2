// Miss-ratio curves of LRU from one pass over a request stream.
//
// Exact: Mattson, Gecsei, Slutz and Traiger, "Evaluation techniques for storage
// hierarchies", IBM Systems Journal 9(2), 1970. LRU has the inclusion property:
// the content of a cache of size C is the top of one recency stack, so one pass
// that records each request's depth in that stack answers every C at once.
// The depth is found in O(log M) (M = live keys) with a Fenwick tree indexed by
// access time: every key keeps one mark, of weight 1 (objects) or its size
// (bytes), at the time of its last access; the keys above it in the stack are
// exactly the marks later than its own, so their count/weight is a suffix sum.
//
// Definitions (the same in both units):
//  - depth(request) = weight of the distinct OTHER keys accessed since this
//    key's previous access + the key's own weight (1, or the request's size);
//    a first access has infinite depth (a cold miss).
//  - An LRU cache of capacity C hits iff depth <= C. In object units that is
//    "fewer than C distinct other keys were accessed since its last access".
//    In byte units it is "the key and everything more recent fit in C bytes":
//    an LRU that admits each missed object at the top and evicts from the
//    bottom while it holds more than C bytes always holds the longest prefix
//    of the recency stack that fits, so the two agree exactly.
//  - miss_ratio(C) = (cold misses + #requests with depth > C) / requests.
//  - Size changes (byte units): a key's weight in the stack is the size of its
//    latest request, and a request's own weight is its (new) size. This is
//    exact whenever each key keeps one size (all libCacheSim traces after
//    traceConv's size-change removal); when sizes change it is the usual
//    stack approximation (inclusion no longer holds exactly for a real LRU).
//
// Histogram: depths are counted in buckets of width g (the granularity):
// bucket b holds depths in ((b-1)g, bg], bucket 0 depth 0. Answers are exact
// for C a multiple of g; for other C the partial bucket counts as misses (an
// upper bound). The histogram starts at the requested g and doubles g, merging
// bucket pairs, whenever it would exceed max_buckets, so its memory is bounded
// even for byte depths (object depths <= M never need more than M buckets).
//
// SHARDS: Waldspurger, Park, Garthwaite and Ahmad, "Efficient MRC Construction
// with SHARDS", FAST 2015. Spatial sampling: a key is tracked iff
// hash(key) mod P < T (P = 2^32 here), i.e. with rate R = T / P, and the same
// key is always in or out, so its reuse pattern is kept whole. Depths measured
// among sampled keys estimate the true ones divided by R: the estimate is
// others / R + own weight. Each sampled request weighs 1/R.
//  - Fixed rate: R never changes.
//  - Fixed size (max_samples > 0): at most s_max keys are tracked; when one
//    more would be needed the keys with the largest hash value are dropped and
//    T is lowered to that value, so they are never sampled again. Requests
//    are weighted by 1/R at their time; the paper's rescaling of the histogram
//    by R_new/R_old is the same up to the final normalisation.
//  - SHARDS_adj (`adjust`, on by default, both modes): the sampled weight
//    rarely equals N, mostly because the few hottest keys are in or out of the
//    sample. The paper adds the difference to the depth-0 bucket (all hits);
//    here that is dividing the miss weight by N instead of the sampled weight.
//    Without it, MAE on a Zipf trace is ~10x larger (see mrc_test.cc).
// Memory: O(tracked keys) + the bounded histogram, never O(trace length).
#pragma once

#include <boost/unordered/unordered_flat_map.hpp>
#include <cstdint>
#include <queue>
#include <span>
#include <utility>
#include <vector>

namespace cachelab {

enum class MrcUnit { kObjects, kBytes };

struct MrcPoint {
  uint64_t cache_size;  // objects or bytes, per MrcUnit
  double miss_ratio;
};

struct MrcOptions {
  MrcUnit unit = MrcUnit::kObjects;
  uint64_t granularity = 1;           // histogram bucket width (objects or bytes), > 0
  uint64_t max_buckets = 1ull << 22;  // g doubles when exceeded (>= 2)
};

// A well-mixed 64-bit hash of a key (the SplitMix64 finaliser of key and salt).
uint64_t MrcHash(uint64_t key, uint64_t salt);

// LRU stack depths in O(log M) per access: a Fenwick tree over access times
// holding each live key's weight at its last access time. Times are renumbered
// (compacted) when they reach the tree's capacity, which is kept at about twice
// the live keys: amortised O(log M) per access, memory O(M).
class StackDistanceTracker {
 public:
  // Records an access of `key` with weight `weight`. Returns false for a first
  // access (cold); otherwise true and *others = weight of the distinct other
  // keys accessed since its previous access.
  bool Access(uint64_t key, uint64_t weight, uint64_t* others);
  // Forgets `key` (its mark leaves the stack). Returns whether it was tracked.
  bool Remove(uint64_t key);
  size_t size() const { return last_.size(); }

 private:
  struct Entry {
    uint64_t time;
    uint64_t weight;
  };
  void TreeAdd(uint64_t slot, int64_t delta);
  uint64_t TreePrefix(uint64_t slot) const;  // sum of slots [1, slot]
  void Compact();

  boost::unordered_flat_map<uint64_t, Entry> last_;
  std::vector<uint64_t> tree_{0};      // 1-based Fenwick tree, tree_[0] unused
  std::vector<uint64_t> slot_key_{0};  // key whose mark is at a slot
  std::vector<uint8_t> slot_used_{0};
  uint64_t now_ = 0;  // last slot handed out
  uint64_t total_ = 0;
};

// Depth histogram with adaptive bucket width (see the header comment).
class DepthHistogram {
 public:
  explicit DepthHistogram(uint64_t granularity, uint64_t max_buckets);
  void Add(double depth, double weight);
  void AddCold(double weight) { cold_ += weight; }
  // Weight of requests that miss in a cache of `cache_size`, cold included.
  double MissWeight(uint64_t cache_size) const;
  // Miss weights at many sizes with one suffix-sum pass.
  std::vector<double> MissWeights(std::span<const uint64_t> sizes) const;
  double total() const { return total_; }
  double cold() const { return cold_; }
  uint64_t granularity() const { return granularity_; }

 private:
  uint64_t granularity_;
  uint64_t max_buckets_;
  std::vector<double> buckets_;
  double cold_ = 0;
  double total_ = 0;
};

// Exact LRU miss-ratio curve. Feed every request with Add, then ask Curve.
class ExactMrc {
 public:
  explicit ExactMrc(MrcOptions options = {});
  // `size` is ignored in object units.
  void Add(uint64_t key, uint64_t size = 1);
  // A delete: the key leaves the stack, so its next access is a cold miss.
  void Remove(uint64_t key) { tracker_.Remove(key); }
  double MissRatio(uint64_t cache_size) const;
  std::vector<MrcPoint> Curve(std::span<const uint64_t> sizes) const;
  uint64_t requests() const { return requests_; }
  uint64_t cold_misses() const { return static_cast<uint64_t>(hist_.cold()); }
  size_t distinct_keys() const { return tracker_.size(); }
  const DepthHistogram& histogram() const { return hist_; }

 private:
  MrcOptions options_;
  StackDistanceTracker tracker_;
  DepthHistogram hist_;
  uint64_t requests_ = 0;
};

struct ShardsOptions {
  MrcOptions mrc{};
  double rate = 0.01;        // fixed-rate R; the starting rate in fixed-size mode; (0, 1]
  uint64_t max_samples = 0;  // s_max > 0 selects fixed size
  bool adjust = true;        // SHARDS_adj
  uint64_t salt = 0;         // hash salt: a different independent sample
};

class ShardsMrc {
 public:
  explicit ShardsMrc(ShardsOptions options);
  void Add(uint64_t key, uint64_t size = 1);
  // A delete (see ExactMrc::Remove); a key outside the sample is ignored.
  void Remove(uint64_t key) { tracker_.Remove(key); }
  double MissRatio(uint64_t cache_size) const;
  std::vector<MrcPoint> Curve(std::span<const uint64_t> sizes) const;
  uint64_t requests() const { return requests_; }
  const DepthHistogram& histogram() const { return hist_; }
  uint64_t sampled_requests() const { return sampled_requests_; }
  size_t sampled_keys() const { return tracker_.size(); }
  double rate() const;  // current R = T / 2^32

 private:
  double Denominator() const;

  ShardsOptions options_;
  StackDistanceTracker tracker_;
  DepthHistogram hist_;
  uint64_t threshold_;  // T: sample iff (hash >> 32) < T, T <= 2^32
  // Fixed size: the tracked keys by hash value, largest on top.
  std::priority_queue<std::pair<uint32_t, uint64_t>> by_hash_;
  uint64_t requests_ = 0;
  uint64_t sampled_requests_ = 0;
};

}  // namespace cachelab
