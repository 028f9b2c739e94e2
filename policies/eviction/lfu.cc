// Least frequently used, in O(1) per operation: entries sit in frequency
// buckets, and the buckets form a list in increasing frequency. A new entry
// joins bucket 1; a hit moves it to the bucket of the next frequency (created
// right after its current one when missing; empty buckets are dropped). The
// victim is the entry that entered the lowest bucket first (FIFO among equal
// frequencies). Frequencies are forgotten on eviction.
//
// In pseudo-code (buckets in increasing frequency, each a FIFO of its entries):
//   on insert(x): freq(x) = 1; append x to bucket 1 (creating it if missing)
//   on hit(x):    leave bucket freq(x); freq(x) += 1; append x to bucket freq(x),
//                 creating it next to the old one if missing
//   victim:       the entry that joined the lowest bucket earliest
//   on erase(x):  leave bucket freq(x)
//   (a bucket is dropped as soon as it is empty)
//
// Source: K. Shah, A. Mitra, D. Matani, "An O(1) algorithm for implementing
// the LFU cache eviction scheme" (2010); tie-breaking and the reset of
// frequency on eviction as in libCacheSim's LFU.c.
#include "policies/eviction/node_list.h"
#include "policies/modules.h"

namespace cachelab {
namespace {

using eviction::Handle;
using eviction::kNil;

class Lfu final : public EvictionPolicy {
 public:
  Handle Insert(Key key, uint64_t) override {
    if (buckets_.empty() || buckets_pool_[buckets_.back()].freq != 1) {
      const Handle b = buckets_pool_.Allocate();
      buckets_pool_[b].freq = 1;
      buckets_.PushBack(buckets_pool_, b, 0);  // back = lowest frequency
    }
    const Handle h = pool_.Allocate();
    pool_[h].key = key;
    Join(h, buckets_.back());
    ++size_;
    return h;
  }

  void Touch(Handle h) override {
    const Handle from = pool_[h].bucket;
    const uint64_t freq = buckets_pool_[from].freq + 1;
    Handle to = buckets_pool_[from].prev;  // the next higher frequency, if any
    if (to == kNil || buckets_pool_[to].freq != freq) {
      to = buckets_pool_.Allocate();
      buckets_pool_[to].freq = freq;
      buckets_.InsertBefore(buckets_pool_, to, from, 0);
    }
    Leave(h);
    Join(h, to);
  }

  Key Victim() override { return pool_[buckets_pool_[buckets_.back()].entries.back()].key; }

  void Erase(Handle h) override {
    Leave(h);
    pool_.Release(h);
    --size_;
  }

  // For the timed store, which draws requests ahead (eviction.h).
  void PrefetchNode(Handle h) const override { __builtin_prefetch(&pool_[h]); }

  uint64_t size() const override { return size_; }

  std::string CheckInvariants() const override {
    uint64_t n = 0, last_freq = 0;
    for (Handle b = buckets_.back(); b != kNil; b = buckets_pool_[b].prev) {
      const Bucket& bucket = buckets_pool_[b];
      if (bucket.entries.empty()) return "empty frequency bucket";
      if (bucket.freq <= last_freq) return "buckets not in increasing frequency";
      last_freq = bucket.freq;
      for (Handle h = bucket.entries.front(); h != kNil; h = pool_[h].next) {
        if (pool_[h].bucket != b) return "entry in the wrong bucket";
      }
      if (auto e = bucket.entries.Check(pool_, [](const Node&) { return 0; }); !e.empty()) return e;
      n += bucket.entries.size();
    }
    if (n != size_) return "bucket sizes differ from size";
    return buckets_.Check(buckets_pool_, [](const Bucket&) { return 0; });
  }

 private:
  struct Node {
    Key key = 0;
    Handle prev = kNil, next = kNil;
    Handle bucket = kNil;
  };
  struct Bucket {
    uint64_t freq = 0;
    eviction::List<Node> entries;  // front = joined last
    Handle prev = kNil, next = kNil;
  };

  void Join(Handle h, Handle b) {
    pool_[h].bucket = b;
    buckets_pool_[b].entries.PushFront(pool_, h, 0);
  }
  void Leave(Handle h) {
    const Handle b = pool_[h].bucket;
    buckets_pool_[b].entries.Remove(pool_, h, 0);
    if (buckets_pool_[b].entries.empty()) {
      buckets_.Remove(buckets_pool_, b, 0);
      buckets_pool_.Release(b);
    }
  }
  eviction::NodePool<Node> pool_;
  eviction::NodePool<Bucket> buckets_pool_;
  eviction::List<Bucket> buckets_;  // front = highest frequency, back = lowest
  uint64_t size_ = 0;
};

}  // namespace

PolicyInfo modules::LfuModule() {
  PolicyInfo info;
  info.role = Role::kEviction;
  info.name = "lfu";
  info.summary = "least frequently used, O(1) frequency buckets, FIFO among equal counts";
  info.make_eviction = [](const Params&) { return std::make_unique<Lfu>(); };
  info.make_replayer = [](const Params&, const ReplayConfig& c) {
    return MakeReplayer(std::make_unique<Lfu>(), c);
  };
  return info;
}

}  // namespace cachelab
