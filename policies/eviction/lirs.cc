// LIRS (low inter-reference recency set). Objects are LIR (recently reused,
// most of the cache) or HIR (the rest, a `hir_ratio` share; resident HIR
// objects wait in a FIFO queue Q and are the only eviction candidates). The
// stack S orders recently seen objects by recency, including non-resident HIR
// objects (keys only) whose last reuse distance is still interesting; its
// bottom is always an LIR object ("pruning" drops HIR entries from the bottom).
//  - hit on an LIR object: move it to the top of S (prune).
//  - hit on a resident HIR object in S: it becomes LIR (leaves Q), the bottom
//    LIR object is demoted to the end of Q.
//  - hit on a resident HIR object not in S: push it on S, move it to Q's end.
//  - miss on a non-resident HIR object in S: it is loaded as LIR, and LIR
//    objects are demoted from the bottom of S while the LIR set is over its
//    share.
//  - other misses: LIR while the LIR set has room (cold start), else HIR:
//    top of S and end of Q.
//  - eviction: the front of Q; an evicted object still in S stays there as a
//    non-resident HIR entry. Non-resident entries are dropped, oldest first,
//    while S holds more than twice the cache.
//
// In pseudo-code (demote(y): y leaves S's bottom for Q's newest end as HIR, then prune):
//   hit x, LIR:          move x to the top of S; prune
//   hit x, HIR in S:     move x to the top of S; take x out of Q; promote(x)
//   hit x, HIR not in S: push x on S; move x to Q's newest end (promote(x) instead when S
//                        was empty: deletes removed every LIR object)
//   miss x, in S:        (non-resident) move x to the top of S; promote(x)
//   admit(x):            refuse x if it is not in S and larger than the HIR or the LIR share
//   other miss x:        push x on S; LIR if the LIR set has room or is empty, else HIR at
//                        Q's newest end
//   promote(x):          x turns LIR; while the LIR set is over its share: demote S's bottom
//   victim:              Q's oldest (demote S's bottom first if Q is empty); it stays in S,
//                        non-resident, if it was there
//   whenever S grows:    forget the oldest non-resident entries while S exceeds twice the cache
//
// Source: S. Jiang, X. Zhang, "LIRS: an efficient low inter-reference recency
// set replacement policy to improve buffer cache performance", SIGMETRICS
// 2002. The HIR share (at least one unit), size-awareness and the 2x
// bound on S follow libCacheSim's LIRS.c, which this matches closely but not
// step by step (it demotes and evicts inside its admission check).
//
// Objects too large for a share: a new object must fit in the HIR and in the
// LIR share (as libCacheSim's LIRS_can_insert requires), so that while S holds
// anything its bottom is LIR. With the default shares (HIR <= LIR) this is
// the HIR rule alone; at 1 byte or 1 object the LIR share is 0 and nothing is
// admitted (every request is a miss). A non-resident object in S is reloaded
// whatever its new size; if the evictions that make room for it empty S
// (pruning it), it is inserted as a new object, LIR since S is empty.
#include <algorithm>
#include <boost/unordered/unordered_flat_map.hpp>

#include "policies/eviction/node_list.h"
#include "policies/modules.h"

namespace cachelab {
namespace {

using eviction::Handle;
using eviction::kNil;

class Lirs final : public EvictionPolicy {
 public:
  explicit Lirs(double hir_ratio) : hir_ratio_(hir_ratio) {}

  void SetCapacity(uint64_t capacity) override {
    capacity_ = capacity;
    hir_cap_ =
        std::max<uint64_t>(1, static_cast<uint64_t>(hir_ratio_ * static_cast<double>(capacity)));
    lir_cap_ = capacity > hir_cap_ ? capacity - hir_cap_ : 0;
    admit_limit_ = std::min(hir_cap_, lir_cap_);
  }

  bool Admit(Key key, uint64_t bytes) override {
    auto it = nonresident_.find(key);
    reload_ = it == nonresident_.end() ? kNil : it->second;
    return reload_ != kNil || bytes <= admit_limit_;
  }

  Handle Insert(Key key, uint64_t bytes) override {
    ++resident_;
    if (reload_ != kNil) {
      const Handle h = reload_;
      reload_ = kNil;
      nonresident_.erase(key);
      nh_.Remove(nh_links_, h, 0);
      nonres_bytes_ -= entry_[h].bytes;
      s_bytes_ = s_bytes_ - entry_[h].bytes + bytes;
      entry_[h].bytes = bytes;
      s_.MoveToFront(entry_, h);
      MakeLir(h);
      return h;
    }
    const Handle h = Allocate();
    entry_[h].key = key;
    entry_[h].bytes = bytes;
    s_.PushFront(entry_, h, 0);
    entry_[h].in_s = true;
    s_bytes_ += bytes;
    if (lir_bytes_ + bytes <= lir_cap_ || s_.size() == 1) {
      entry_[h].status = kLir;
      lir_bytes_ += bytes;
    } else {
      entry_[h].status = kHirResident;
      PushQ(h);
    }
    LimitStack();
    return h;
  }

  void Touch(Handle h) override {
    Entry& e = entry_[h];
    if (e.status == kLir) {
      s_.MoveToFront(entry_, h);
      Prune();
      return;
    }
    if (e.in_s) {
      s_.MoveToFront(entry_, h);
      RemoveQ(h);
      MakeLir(h);
      return;
    }
    const bool s_was_empty = s_.empty();
    s_.PushFront(entry_, h, 0);
    e.in_s = true;
    s_bytes_ += e.bytes;
    if (s_was_empty) {  // no LIR object left (deleted): x alone in S is its bottom
      RemoveQ(h);
      MakeLir(h);
      return;
    }
    q_.Remove(q_links_, h, 0);
    q_.PushFront(q_links_, h, 0);
    LimitStack();
  }

  Key Victim() override {
    if (q_.empty()) DemoteBottomLir();
    pending_ = q_.back();
    return entry_[pending_].key;
  }

  void Erase(Handle h) override {
    --resident_;
    Entry& e = entry_[h];
    const bool evicted = h == pending_;
    pending_ = kNil;
    if (e.status == kLir) {
      lir_bytes_ -= e.bytes;
    } else {
      RemoveQ(h);
    }
    if (evicted && e.in_s) {
      e.status = kHirNonResident;
      nonresident_[e.key] = h;
      nh_.PushFront(nh_links_, h, 0);
      nonres_bytes_ += e.bytes;
      return;
    }
    const bool was_lir = e.status == kLir;
    if (e.in_s) {
      s_.Remove(entry_, h, 0);
      s_bytes_ -= e.bytes;
    }
    Free(h);
    if (was_lir) Prune();
  }

  uint64_t size() const override { return resident_; }

  std::string CheckInvariants() const override {
    uint64_t lir = 0, s = 0, n_res = 0;
    for (Handle h = s_.front(); h != kNil; h = entry_[h].next) {
      if (!entry_[h].in_s) return "entry in S not marked in_s";
      s += entry_[h].bytes;
      if (entry_[h].status == kLir) lir += entry_[h].bytes;
    }
    if (s != s_bytes_) return "S bytes out of step";
    if (lir != lir_bytes_) return "LIR bytes out of step (an LIR object outside S?)";
    if (!s_.empty() && entry_[s_.back()].status != kLir) return "bottom of S is not LIR";
    uint64_t hir = 0;
    for (Handle h = q_.front(); h != kNil; h = q_links_[h].next) {
      if (entry_[h].status != kHirResident) return "Q holds a non-HIR-resident entry";
      hir += entry_[h].bytes;
      ++n_res;
    }
    if (hir != hir_bytes_) return "Q bytes out of step";
    for (Handle h = s_.front(); h != kNil; h = entry_[h].next) {
      if (entry_[h].status == kLir) ++n_res;
    }
    if (n_res != resident_) return "resident count out of step";
    if (nh_.size() != nonresident_.size()) return "non-resident index out of step";
    return {};
  }

 private:
  enum Status : uint8_t { kLir, kHirResident, kHirNonResident };
  struct Entry {
    Key key = 0;
    Handle prev = kNil, next = kNil;  // S
    uint64_t bytes = 0;
    Status status = kLir;
    bool in_s = false;
  };
  struct Link {
    Handle prev = kNil, next = kNil;
  };

  Handle Allocate() {
    const Handle h = entry_.Allocate();
    q_links_.Allocate();
    nh_links_.Allocate();
    return h;
  }
  void Free(Handle h) {
    entry_.Release(h);
    q_links_.Release(h);
    nh_links_.Release(h);
  }
  void PushQ(Handle h) {
    q_.PushFront(q_links_, h, 0);
    hir_bytes_ += entry_[h].bytes;
  }
  void RemoveQ(Handle h) {
    q_.Remove(q_links_, h, 0);
    hir_bytes_ -= entry_[h].bytes;
  }
  // h (at the top of S, out of Q) becomes LIR; the LIR set sheds its bottom.
  void MakeLir(Handle h) {
    entry_[h].status = kLir;
    lir_bytes_ += entry_[h].bytes;
    while (lir_bytes_ > lir_cap_ && s_.back() != h) DemoteBottomLir();
    LimitStack();
  }
  void DemoteBottomLir() {
    const Handle b = s_.back();
    s_.Remove(entry_, b, 0);
    entry_[b].in_s = false;
    s_bytes_ -= entry_[b].bytes;
    lir_bytes_ -= entry_[b].bytes;
    entry_[b].status = kHirResident;
    PushQ(b);
    Prune();
  }
  // Drops HIR entries from the bottom of S until an LIR one is there.
  void Prune() {
    while (!s_.empty() && entry_[s_.back()].status != kLir) {
      const Handle b = s_.back();
      s_.Remove(entry_, b, 0);
      entry_[b].in_s = false;
      s_bytes_ -= entry_[b].bytes;
      if (entry_[b].status == kHirNonResident) ForgetNonResident(b);
    }
  }
  void ForgetNonResident(Handle h) {
    if (h == reload_) reload_ = kNil;  // pruned by an eviction between Admit and Insert
    nonresident_.erase(entry_[h].key);
    nh_.Remove(nh_links_, h, 0);
    nonres_bytes_ -= entry_[h].bytes;
    Free(h);
  }
  // S (resident and non-resident entries, s_bytes_) holds at most twice the cache.
  void LimitStack() {
    while (s_bytes_ > 2 * capacity_ && !nh_.empty()) {
      const Handle h = nh_.back();
      if (entry_[h].in_s) {
        s_.Remove(entry_, h, 0);
        entry_[h].in_s = false;
        s_bytes_ -= entry_[h].bytes;
      }
      ForgetNonResident(h);
    }
  }

  double hir_ratio_;
  uint64_t capacity_ = 0, hir_cap_ = 1, lir_cap_ = 0;
  uint64_t admit_limit_ = 0;  // the largest new object: it fits in the LIR and the HIR share
  uint64_t lir_bytes_ = 0, hir_bytes_ = 0, s_bytes_ = 0, nonres_bytes_ = 0;
  uint64_t resident_ = 0;
  Handle reload_ = kNil, pending_ = kNil;
  eviction::NodePool<Entry> entry_;
  eviction::NodePool<Link> q_links_, nh_links_;
  eviction::List<Entry> s_;  // front = top (most recent)
  eviction::List<Link> q_;   // resident HIR; back = next victim
  eviction::List<Link> nh_;  // non-resident HIR in S; back = oldest
  boost::unordered_flat_map<Key, Handle> nonresident_;
};

std::unique_ptr<Lirs> MakeLirs(const Params& p) {
  return std::make_unique<Lirs>(p.GetDouble("hir_ratio"));
}

}  // namespace

PolicyInfo modules::LirsModule() {
  PolicyInfo info;
  info.role = Role::kEviction;
  info.name = "lirs";
  info.summary = "LIRS: evicts by inter-reference recency; LIR set + small HIR queue";
  info.params = {{"hir_ratio", ParamType::kDouble, 0.01,
                  "share of the cache for resident HIR objects", ParamBound::kProbability}};
  info.make_eviction = [](const Params& p) { return MakeLirs(p); };
  info.make_replayer = [](const Params& p, const ReplayConfig& c) {
    return MakeReplayer(MakeLirs(p), c);
  };
  return info;
}

}  // namespace cachelab
