// 2Q: new objects enter A1in, a FIFO (`in_ratio` of the cache); objects
// evicted from it are remembered, keys only, in the ghost FIFO A1out (bounded
// by `out_ratio` of the cache). A miss on a key in A1out goes to Am, an LRU
// holding the rest of the cache, which then evicts its own LRU end while it
// exceeds its share. Hits in A1in change nothing; hits in Am move the object
// to Am's front. When the cache is full, A1in gives up its oldest object
// while it is over its share, else Am its least recently used one.
//
// In pseudo-code:
//   admit(x):     ghost_hit = remove x from A1out; refuse x if it is larger than A1in's share
//   on insert(x): push x at Am's front if ghost_hit, else at A1in's front
//   on hit(x):    if x is in Am: move x to Am's front (a hit in A1in does nothing)
//   victim:       if Am is within its share and (A1in is over its share or Am is empty):
//                   A1in's oldest, whose key goes to the front of A1out (trimmed from its back)
//                 else: Am's least recently used
//   after insert: evict again while Am is over its share
//
// Source: T. Johnson, D. Shasha, "2Q: A Low Overhead High Performance Buffer
// Management Replacement Algorithm", VLDB 1994 (the "full version", whose
// recommended Kin and Kout the parameters' defaults follow); shares truncated
// and objects larger than A1in refused, as in libCacheSim's TwoQ.c.
#include <boost/unordered/unordered_flat_map.hpp>

#include "policies/eviction/node_list.h"
#include "policies/modules.h"

namespace cachelab {
namespace {

using eviction::Handle;
using eviction::kNil;

class TwoQ final : public EvictionPolicy {
 public:
  TwoQ(double in_ratio, double out_ratio) : in_ratio_(in_ratio), out_ratio_(out_ratio) {}

  void SetCapacity(uint64_t capacity) override {
    in_cap_ = static_cast<uint64_t>(static_cast<double>(capacity) * in_ratio_);
    out_cap_ = static_cast<uint64_t>(static_cast<double>(capacity) * out_ratio_);
    am_cap_ = capacity - in_cap_;
  }

  bool Admit(Key key, uint64_t bytes) override {
    ghost_hit_ = false;
    if (auto it = out_index_.find(key); it != out_index_.end()) {
      out_.Remove(out_pool_, it->second, out_pool_[it->second].bytes);
      out_pool_.Release(it->second);
      out_index_.erase(it);
      ghost_hit_ = true;
    }
    return bytes <= in_cap_;
  }

  Handle Insert(Key key, uint64_t bytes) override {
    const Handle h = pool_.Allocate();
    pool_[h].key = key;
    pool_[h].bytes = bytes;
    pool_[h].in_am = ghost_hit_;
    QueueOf(h).PushFront(pool_, h, bytes);
    ghost_hit_ = false;
    return h;
  }

  void Touch(Handle h) override {
    if (pool_[h].in_am) am_.MoveToFront(pool_, h);
  }

  bool WantsEviction() const override { return am_.bytes() > am_cap_; }

  Key Victim() override {
    if (am_.bytes() <= am_cap_ && (in_.bytes() > in_cap_ || am_.empty())) {
      pending_ = in_.back();
    } else {
      pending_ = am_.back();
    }
    return pool_[pending_].key;
  }

  void Erase(Handle h) override {
    if (h == pending_ && !pool_[h].in_am) Remember(pool_[h].key, pool_[h].bytes);
    pending_ = kNil;
    QueueOf(h).Remove(pool_, h, pool_[h].bytes);
    pool_.Release(h);
  }

  uint64_t size() const override { return in_.size() + am_.size(); }

  std::string CheckInvariants() const override {
    auto bytes_of = [](const Node& n) { return n.bytes; };
    if (auto e = in_.Check(pool_, bytes_of); !e.empty()) return "A1in: " + e;
    if (auto e = am_.Check(pool_, bytes_of); !e.empty()) return "Am: " + e;
    if (auto e = out_.Check(out_pool_, [](const Ghost& g) { return g.bytes; }); !e.empty()) {
      return "A1out: " + e;
    }
    if (out_.size() != out_index_.size()) return "A1out index out of step";
    if (out_.bytes() > out_cap_) return "A1out exceeds its share";
    return {};
  }

 private:
  struct Node {
    Key key = 0;
    Handle prev = kNil, next = kNil;
    uint64_t bytes = 0;
    bool in_am = false;
  };
  struct Ghost {
    Key key = 0;
    Handle prev = kNil, next = kNil;
    uint64_t bytes = 0;
  };

  eviction::List<Node>& QueueOf(Handle h) { return pool_[h].in_am ? am_ : in_; }

  void Remember(Key key, uint64_t bytes) {
    if (bytes > out_cap_) return;
    while (out_.bytes() + bytes > out_cap_) {
      const Handle g = out_.back();
      out_index_.erase(out_pool_[g].key);
      out_.Remove(out_pool_, g, out_pool_[g].bytes);
      out_pool_.Release(g);
    }
    const Handle g = out_pool_.Allocate();
    out_pool_[g].key = key;
    out_pool_[g].bytes = bytes;
    out_.PushFront(out_pool_, g, bytes);
    out_index_[key] = g;
  }

  double in_ratio_, out_ratio_;
  uint64_t in_cap_ = 0, out_cap_ = 0, am_cap_ = 0;
  bool ghost_hit_ = false;
  Handle pending_ = kNil;
  eviction::NodePool<Node> pool_;
  eviction::List<Node> in_, am_;
  eviction::NodePool<Ghost> out_pool_;
  eviction::List<Ghost> out_;
  boost::unordered_flat_map<Key, Handle> out_index_;
};

std::unique_ptr<TwoQ> MakeTwoQ(const Params& p) {
  return std::make_unique<TwoQ>(p.GetDouble("in_ratio"), p.GetDouble("out_ratio"));
}

}  // namespace

PolicyInfo modules::TwoQModule() {
  PolicyInfo info;
  info.role = Role::kEviction;
  info.name = "twoq";
  info.summary = "2Q: A1in FIFO for new objects, A1out ghost FIFO, Am LRU for re-referenced ones";
  info.params = {
      {"in_ratio", ParamType::kDouble, 0.25, "share of the cache for A1in (Kin)",
       ParamBound::kProbability},
      {"out_ratio", ParamType::kDouble, 0.5,
       "size of the ghost A1out (Kout), as a share of the cache", ParamBound::kNonNegative},
  };
  info.make_eviction = [](const Params& p) { return MakeTwoQ(p); };
  info.make_replayer = [](const Params& p, const ReplayConfig& c) {
    return MakeReplayer(MakeTwoQ(p), c);
  };
  return info;
}

}  // namespace cachelab
