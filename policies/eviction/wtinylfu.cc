// W-TinyLFU: a small window LRU (a `window_ratio` share of the cache) in
// front of a main SLRU (the rest; `protected_ratio` of it protected), with
// TinyLFU admission between them. New objects enter the window. When an
// object must leave, the window's LRU end (the candidate) moves to the main
// cache if it has room; otherwise it is compared with the main cache's victim
// and the one with the higher estimated frequency stays (the candidate must
// be strictly more frequent).
//
// In pseudo-code (freq: the sketch's estimate; main: segmented_lru.h):
//   admit(x):     record x; refuse x if it is larger than the window's or the
//                 main cache's share (it could not pass through both)
//   on insert(x): push x at the window's front
//   on hit(x):    record x; if x is in the window: move x to its front, else: a hit in main
//   victim:       while the window is not empty:
//                   c = the window's LRU end
//                   if main has room for c: move c to main; continue
//                   v = main's victim
//                   if freq(c) > freq(v): return v, and move c to main once v is erased
//                   else: return c
//                 return main's victim
//
// Frequencies come from a count-min sketch (4 rows, counters saturating at
// 15, conservative update) behind a doorkeeper (a Bloom filter that absorbs
// the first occurrence of each key, so one-hit wonders never reach the
// sketch). Every request is recorded. Aging: after 10 x W recorded requests
// (W = the sketch width, a power of two at least the number of cached
// objects; the sketch is rebuilt when the cache outgrows it) every counter is
// halved and the doorkeeper cleared.
//
// Source: G. Einziger, R. Friedman, B. Manes, "TinyLFU: A Highly Efficient
// Cache Admission Policy", ACM Transactions on Storage 13(4), 2017 (W-TinyLFU,
// doorkeeper, reset); Caffeine's FrequencySketch for the sizing and sample
// period. Window and main shares truncated as in libCacheSim's WTinyLFU.c
// (whose window-size and SLRU seg-size settings the defaults follow); unlike
// libCacheSim, whose sketch is a counting Bloom filter without doorkeeper
// sized per cache unit (per byte in byte mode), the window is at least one
// unit.
//
// Objects too large for a segment: an object is admitted only if it fits in
// the window and in the main cache (libCacheSim's WTinyLFU_can_insert refuses
// it likewise), so a window candidate always either fits in main or meets a
// resident main victim. With the default shares (window <= main) this is the
// window rule alone; it matters for tiny caches (at 1 byte or 1 object the
// main share is 0 and nothing is admitted: every request is a miss) and for
// window_ratio > 0.5.
#include <algorithm>
#include <bit>
#include <vector>

#include "policies/eviction/segmented_lru.h"
#include "policies/modules.h"

namespace cachelab {
namespace {

using eviction::Handle;
using eviction::kNil;

uint64_t Mix(uint64_t x) {  // splitmix64 finaliser
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

// Count-min sketch with a doorkeeper; see the file comment.
class FrequencySketch {
 public:
  void EnsureCapacity(uint64_t entries) {
    const uint64_t width = std::bit_ceil(std::max<uint64_t>(entries, 16));
    if (width <= width_) return;
    width_ = width;
    counters_.assign(kRows * width_, 0);
    sample_size_ = 10 * width_;
    // The doorkeeper sees at most sample_size_ distinct keys between resets:
    // 8 bits each and 3 hashes keep false positives near 3%.
    door_.assign(std::bit_ceil(sample_size_) * 8 / 64, 0);
    additions_ = 0;
  }

  void Record(Key key) {
    const uint64_t h = Mix(key);
    if (!DoorContains(h)) {
      DoorAdd(h);
    } else {
      uint8_t* c[kRows];
      uint8_t min = 255;
      for (int r = 0; r < kRows; ++r) {
        c[r] = &counters_[r * width_ + Index(h, r)];
        min = std::min(min, *c[r]);
      }
      if (min < kMax) {
        for (auto* p : c) {
          if (*p == min) ++*p;  // conservative update
        }
      }
    }
    if (++additions_ >= sample_size_) Age();
  }

  unsigned Estimate(Key key) const {
    const uint64_t h = Mix(key);
    uint8_t min = 255;
    for (int r = 0; r < kRows; ++r) min = std::min(min, counters_[r * width_ + Index(h, r)]);
    return min + (DoorContains(h) ? 1u : 0u);
  }

 private:
  static constexpr int kRows = 4;
  static constexpr uint8_t kMax = 15;

  size_t Index(uint64_t h, int row) const {
    const uint64_t g = (h >> 32) | 1;
    return static_cast<size_t>((h + static_cast<uint64_t>(row) * g) & (width_ - 1));
  }
  uint64_t DoorBit(uint64_t h, int i) const {
    return (Mix(h + static_cast<uint64_t>(i)) & (door_.size() * 64 - 1));
  }
  bool DoorContains(uint64_t h) const {
    for (int i = 0; i < 3; ++i) {
      const uint64_t b = DoorBit(h, i);
      if ((door_[b / 64] & (1ull << (b % 64))) == 0) return false;
    }
    return true;
  }
  void DoorAdd(uint64_t h) {
    for (int i = 0; i < 3; ++i) {
      const uint64_t b = DoorBit(h, i);
      door_[b / 64] |= 1ull << (b % 64);
    }
  }
  void Age() {
    for (auto& c : counters_) c /= 2;
    std::fill(door_.begin(), door_.end(), 0);
    additions_ /= 2;
  }

  uint64_t width_ = 0;
  std::vector<uint8_t> counters_;
  std::vector<uint64_t> door_;
  uint64_t sample_size_ = 0;
  uint64_t additions_ = 0;
};

class WTinyLfu final : public EvictionPolicy {
 public:
  WTinyLfu(double window_ratio, double protected_ratio)
      : window_ratio_(window_ratio), protected_ratio_(protected_ratio) {}

  void SetCapacity(uint64_t capacity) override {
    window_cap_ =
        std::max<uint64_t>(1, static_cast<uint64_t>(static_cast<double>(capacity) * window_ratio_));
    main_cap_ = capacity > window_cap_ ? capacity - window_cap_ : 0;
    const auto prot = static_cast<uint64_t>(static_cast<double>(main_cap_) * protected_ratio_);
    main_.SetLimits(main_cap_ - prot, prot);
    admit_limit_ = std::min(window_cap_, main_cap_);
    sketch_.EnsureCapacity(16);
  }

  bool Admit(Key key, uint64_t bytes) override {
    sketch_.Record(key);
    return bytes <= admit_limit_;
  }

  Handle Insert(Key key, uint64_t bytes) override {
    const Handle h = pool_.Allocate();
    pool_[h].key = key;
    pool_[h].bytes = bytes;
    pool_[h].in_window = true;
    window_.PushFront(pool_, h, bytes);
    sketch_.EnsureCapacity(size());
    return h;
  }

  void Touch(Handle h) override {
    sketch_.Record(pool_[h].key);
    if (pool_[h].in_window) {
      window_.MoveToFront(pool_, h);
    } else {
      main_.Hit(pool_, h);
    }
  }

  Key Victim() override {
    promote_after_ = kNil;
    while (!window_.empty()) {
      const Handle candidate = window_.back();
      if (main_.bytes() + pool_[candidate].bytes <= main_cap_) {
        MoveToMain(candidate);
        continue;
      }
      // Main is not empty: the candidate is no larger than main (Admit), yet
      // main has no room for it.
      const Handle victim = main_.Victim();
      if (sketch_.Estimate(pool_[candidate].key) > sketch_.Estimate(pool_[victim].key)) {
        pending_ = victim;
        promote_after_ = candidate;
      } else {
        pending_ = candidate;
      }
      return pool_[pending_].key;
    }
    pending_ = main_.Victim();
    return pool_[pending_].key;
  }

  void Erase(Handle h) override {
    const Handle promote = h == pending_ ? promote_after_ : kNil;
    pending_ = promote_after_ = kNil;
    if (pool_[h].in_window) {
      window_.Remove(pool_, h, pool_[h].bytes);
    } else {
      main_.Remove(pool_, h);
    }
    pool_.Release(h);
    if (promote != kNil) MoveToMain(promote);
  }

  uint64_t size() const override { return window_.size() + main_.size(); }

  std::string CheckInvariants() const override {
    if (auto e = window_.Check(pool_, [](const Node& n) { return n.bytes; }); !e.empty()) {
      return "window: " + e;
    }
    return main_.Check(pool_);
  }

 private:
  struct Node {
    Key key = 0;
    Handle prev = kNil, next = kNil;
    uint64_t bytes = 0;
    bool in_window = true;
    bool protected_seg = false;
  };

  void MoveToMain(Handle h) {
    window_.Remove(pool_, h, pool_[h].bytes);
    pool_[h].in_window = false;
    main_.Insert(pool_, h);
  }

  double window_ratio_, protected_ratio_;
  uint64_t window_cap_ = 1, main_cap_ = 0;
  uint64_t admit_limit_ = 0;  // the largest object that fits in the window and in main
  Handle pending_ = kNil, promote_after_ = kNil;
  eviction::NodePool<Node> pool_;
  eviction::List<Node> window_;
  eviction::SegmentedLru<Node> main_;
  FrequencySketch sketch_;
};

std::unique_ptr<WTinyLfu> MakeWTinyLfu(const Params& p) {
  return std::make_unique<WTinyLfu>(p.GetDouble("window_ratio"), p.GetDouble("protected_ratio"));
}

}  // namespace

PolicyInfo modules::WTinyLfuModule() {
  PolicyInfo info;
  info.role = Role::kEviction;
  info.name = "wtinylfu";
  info.summary = "W-TinyLFU: window LRU + SLRU main with count-min sketch admission";
  info.params = {
      {"window_ratio", ParamType::kDouble, 0.01, "share of the cache for the window LRU",
       ParamBound::kProbability},
      {"protected_ratio", ParamType::kDouble, 0.8,
       "share of the main cache for its protected segment", ParamBound::kProbability},
  };
  info.make_eviction = [](const Params& p) { return MakeWTinyLfu(p); };
  info.make_replayer = [](const Params& p, const ReplayConfig& c) {
    return MakeReplayer(MakeWTinyLfu(p), c);
  };
  return info;
}

}  // namespace cachelab
