// S3-FIFO: three FIFO queues. New objects enter a small queue (a small share
// of the cache, `small_ratio`, so that objects seen only once leave soon); a
// ghost queue (keys only, bounded by `ghost_ratio` of the cache) remembers
// what the small queue evicted, and a miss on a remembered key enters the
// main queue (the rest of the cache) directly. Evicting from the small queue
// moves an object that was hit at least `move_to_main_threshold` times to the
// main queue, else evicts it into the ghost. The main queue is a CLOCK with a
// 2-bit counter: an object hit since its last pass is reinserted with its
// count (at most 3) minus one. The small queue is evicted from while the main
// queue is within its share.
//
// In pseudo-code (freq(x) restarts at 0 whenever x enters a queue):
//   admit(x):     ghost_hit = remove x from the ghost
//                 refuse x if size(x) >= small's share (> on a ghost hit)
//   on insert(x): append x to main if ghost_hit, else to small
//   on hit(x):    freq(x) += 1 (saturating at 255)
//   victim:       if main is within its share and small is not empty:
//                   while small's front y has freq(y) >= threshold: move y to main's back
//                   if small is not empty: return its front (its key goes to the ghost)
//                 while main's front y has freq(y) > 0:
//                   move y to main's back; freq(y) = min(freq(y), 3) - 1
//                 return main's front
//
// Source: J. Yang, Y. Zhang, Z. Qiu, Y. Yue, K. V. Rashmi, "FIFO queues are
// all you need for cache eviction", SOSP 2023; the details as in libCacheSim's
// S3FIFO.c: sizes are truncated shares of the capacity, the ghost is a byte-
// bounded FIFO, hits count without bound, and a new object always enters the
// small queue (the libCacheSim of October 2024, commit aa0fc40, whose numbers
// tests/data/ holds; later versions send new objects to the main queue while
// the small queue is full before the first eviction). One deviation:
// libCacheSim evicts before noticing that an object not hitting the ghost is
// at least as large as the small queue (and then drops it); here Admit
// refuses it before evicting anything.
//
// The three queues are HandleQueues (handle_queue.h), not linked lists: the
// policy's work is walking queue fronts, and there the queue prefetches the
// nodes ahead where a list would wait on each one in turn.
#include <algorithm>

#include "policies/eviction/handle_queue.h"
#include "policies/eviction/replayer.h"
#include "policies/modules.h"

namespace cachelab {
namespace {

using eviction::Handle;
using eviction::kNil;

// The ghost: keys and their sizes in FIFO order, bounded by their total
// size. The records hold the keys themselves and the index maps a key to
// its record's position, so dropping the oldest reads records in order and
// fetches their index slots well ahead; forgetting a key (a ghost hit) erases
// only its slot and leaves a stale record (one its key no longer maps to),
// skipped at the front or dropped when the array is compacted (as in
// handle_queue.h).
class GhostFifo {
 public:
  void SetCapacity(uint64_t bytes) { cap_ = bytes; }
  void Reserve(size_t n) {
    index_.Reserve(n);
    if (records_.size() < 2 * n) records_.resize(2 * n);
  }

  // Forgets the key; true when it was remembered.
  bool Take(Key key) {
    ReplayIndex::Slot* slot = index_.Find(key);
    if (slot == nullptr) return false;
    bytes_ -= BytesAt(slot->handle);
    index_.Erase(slot);
    return true;
  }

  // Remembers an evicted key as the newest ghost. A key still remembered
  // (never, when every insertion is preceded by Admit's Take, as the
  // eviction contract says) moves to the back.
  void Remember(Key key, uint64_t bytes) {
    if (bytes > cap_) return;
    while (bytes_ + bytes > cap_) DropOldest();
    if (tail_ == records_.size()) Compact();
    bool inserted = false;
    ReplayIndex::Slot* slot = index_.FindOrInsert(key, static_cast<uint32_t>(tail_), inserted);
    if (!inserted) {
      bytes_ -= BytesAt(slot->handle);
      slot->handle = static_cast<uint32_t>(tail_);
    }
    records_[tail_++] = Record{key, bytes};
    bytes_ += bytes;
    if (!any_size_) uniform_bytes_ = bytes;
    if (bytes != uniform_bytes_) mixed_sizes_ = true;
    any_size_ = true;
  }

  // The slot a coming lookup of `key` reads.
  void Prefetch(Key key) const { index_.Prefetch(key); }

  uint64_t size() const { return index_.size(); }
  uint64_t bytes() const { return bytes_; }

  std::string Check() const {
    uint64_t n = 0, b = 0;
    for (size_t i = head_; i < tail_; ++i) {
      if (CurrentSlot(i) == nullptr) continue;
      ++n;
      b += records_[i].bytes;
    }
    if (n != index_.size()) return "ghost records differ from the ghost index";
    if (b != bytes_) return "ghost bytes differ from the sum of its records";
    if (bytes_ > cap_) return "ghost exceeds its share";
    return {};
  }

 private:
  struct Record {
    Key key = 0;
    uint64_t bytes = 0;
  };
  static constexpr size_t kAhead = 8;

  // A ghost's size: read from its record, a random access, unless every
  // ghost so far had the same size (always so when sizes are ignored).
  uint64_t BytesAt(size_t pos) const { return mixed_sizes_ ? records_[pos].bytes : uniform_bytes_; }

  // The index slot of record i while the record is current (its key still
  // maps to it), else nullptr.
  ReplayIndex::Slot* CurrentSlot(size_t i) {
    ReplayIndex::Slot* slot = index_.Find(records_[i].key);
    return slot != nullptr && slot->handle == i ? slot : nullptr;
  }
  const ReplayIndex::Slot* CurrentSlot(size_t i) const {
    return const_cast<GhostFifo*>(this)->CurrentSlot(i);
  }

  void DropOldest() {
    for (;; ++head_) {
      if (head_ + kAhead < tail_) index_.Prefetch(records_[head_ + kAhead].key);
      ReplayIndex::Slot* slot = CurrentSlot(head_);
      if (slot == nullptr) continue;
      bytes_ -= records_[head_].bytes;
      index_.Erase(slot);
      ++head_;
      return;
    }
  }

  // Moves the current records to the array's start, in order, and grows the
  // array so that at least half of it is free.
  void Compact() {
    size_t out = 0;
    for (size_t i = head_; i < tail_; ++i) {
      if (i + kAhead < tail_) index_.Prefetch(records_[i + kAhead].key);
      ReplayIndex::Slot* slot = CurrentSlot(i);
      if (slot == nullptr) continue;
      slot->handle = static_cast<uint32_t>(out);
      records_[out++] = records_[i];
    }
    head_ = 0;
    tail_ = out;
    records_.resize(std::max<size_t>({records_.size(), 2 * out, 64}));
  }

  uint64_t cap_ = 0;
  uint64_t bytes_ = 0;
  uint64_t uniform_bytes_ = 0;
  bool any_size_ = false, mixed_sizes_ = false;
  std::vector<Record> records_;
  size_t head_ = 0, tail_ = 0;  // current records lie in [head_, tail_)
  ReplayIndex index_;           // key -> position of its current record
};

class S3Fifo final : public EvictionPolicy {
 public:
  S3Fifo(double small_ratio, double ghost_ratio, int threshold)
      : small_ratio_(small_ratio), ghost_ratio_(ghost_ratio), threshold_(threshold) {}

  void SetCapacity(uint64_t capacity) override {
    small_cap_ = static_cast<uint64_t>(static_cast<double>(capacity) * small_ratio_);
    main_cap_ = capacity - small_cap_;
    ghost_cap_ = static_cast<uint64_t>(static_cast<double>(capacity) * ghost_ratio_);
    ghost_.SetCapacity(ghost_cap_);
  }

  bool Admit(Key key, uint64_t bytes) override {
    ghost_hit_ = ghost_.Take(key);
    return bytes <= small_cap_ && (ghost_hit_ || bytes < small_cap_);
  }

  Handle Insert(Key key, uint64_t bytes) override {
    const Handle h = pool_.Allocate();
    pool_[h].key = key;
    pool_[h].bytes = bytes;
    if (ghost_hit_) {
      Link(h, kMain);
    } else {
      Link(h, kSmall);
    }
    ghost_hit_ = false;
    return h;
  }

  void Touch(Handle h) override {
    if (pool_[h].freq < 255) ++pool_[h].freq;
  }

  Key Victim() override {
    pending_ = kNil;
    if (main_.bytes() <= main_cap_ && !small_.empty()) pending_ = VictimFromSmall();
    if (pending_ == kNil) pending_ = VictimFromMain();
    return pool_[pending_].key;
  }

  void Erase(Handle h) override {
    const bool to_ghost = h == pending_ && pool_[h].queue == kSmall;
    pending_ = kNil;
    if (to_ghost) ghost_.Remember(pool_[h].key, pool_[h].bytes);
    Unlink(h);
    pool_.Release(h);
  }

  uint64_t size() const override { return small_.size() + main_.size(); }
  // For the replay loop (replayer.h): the node a coming hit will count; the
  // ghost slot a coming miss will look up; the likely next victim (and its
  // ghost slot, should it leave the small queue for the ghost).
  void Prefetch(Handle h) const { __builtin_prefetch(&pool_[h]); }
  void PrefetchNode(Handle h) const override { Prefetch(h); }
  void PrefetchMiss(Key key) const { ghost_.Prefetch(key); }
  Key VictimHint() const {
    // The victim is the oldest small-queue object not hit often enough to
    // move to main, or the oldest main-queue object not hit since its last
    // pass; a few members are looked at, whose nodes the queue has fetched.
    const Handle h = main_.bytes() <= main_cap_ && !small_.empty()
                         ? small_.PeekFirst(
                               pool_, [&](const Node& n) { return n.freq < threshold_; }, kHintScan)
                         : main_.PeekFirst(
                               pool_, [](const Node& n) { return n.freq == 0; }, kHintScan);
    if (h == kNil) return 0;
    ghost_.Prefetch(pool_[h].key);
    return pool_[h].key;
  }
  void Reserve(size_t n) {
    pool_.Reserve(n);
    small_.Reserve(static_cast<size_t>(static_cast<double>(n) * small_ratio_) + 1);
    main_.Reserve(n);
    ghost_.Reserve(static_cast<size_t>(static_cast<double>(n) * ghost_ratio_));
  }

  std::string CheckInvariants() const override {
    auto bytes_of = [](const Node& n) { return n.bytes; };
    if (auto e = small_.Check(pool_, bytes_of); !e.empty()) return "small: " + e;
    if (auto e = main_.Check(pool_, bytes_of); !e.empty()) return "main: " + e;
    return ghost_.Check();
  }

 private:
  enum Queue : uint8_t { kSmall, kMain };
  static constexpr int kHintScan = 4;
  struct Node {
    Key key = 0;
    uint64_t bytes = 0;
    uint32_t pos = 0;                     // HandleQueue's
    uint8_t queue = eviction::kDetached;  // kSmall or kMain while resident
    uint8_t freq = 0;
  };

  eviction::HandleQueue<Node>& QueueOf(uint8_t q) { return q == kSmall ? small_ : main_; }
  void Link(Handle h, Queue q) {
    pool_[h].freq = 0;
    QueueOf(q).PushBack(pool_, h, pool_[h].bytes);
  }
  void Unlink(Handle h) { QueueOf(pool_[h].queue).Remove(pool_, h, pool_[h].bytes); }

  // Oldest small-queue objects hit often enough move to main; the first one
  // that is not is the victim. kNil when the small queue empties first.
  Handle VictimFromSmall() {
    while (!small_.empty()) {
      const Handle h = small_.Front(pool_);
      if (pool_[h].freq < threshold_) return h;
      Unlink(h);
      Link(h, kMain);
    }
    return kNil;
  }

  Handle VictimFromMain() {
    for (;;) {
      const Handle h = main_.Front(pool_);
      const uint8_t freq = pool_[h].freq;
      if (freq == 0) return h;
      main_.MoveToBack(pool_, h);
      pool_[h].freq = std::min<uint8_t>(freq, 3) - 1;
    }
  }

  double small_ratio_, ghost_ratio_;
  int threshold_;
  uint64_t small_cap_ = 0, main_cap_ = 0, ghost_cap_ = 0;
  bool ghost_hit_ = false;
  Handle pending_ = kNil;
  eviction::NodePool<Node> pool_;
  eviction::HandleQueue<Node> small_{kSmall}, main_{kMain};
  GhostFifo ghost_;
};

std::unique_ptr<S3Fifo> MakeS3Fifo(const Params& p) {
  return std::make_unique<S3Fifo>(p.GetDouble("small_ratio"), p.GetDouble("ghost_ratio"),
                                  static_cast<int>(p.GetInt("move_to_main_threshold")));
}

}  // namespace

PolicyInfo modules::S3FifoModule() {
  PolicyInfo info;
  info.role = Role::kEviction;
  info.name = "s3fifo";
  info.summary = "S3-FIFO: small FIFO + main CLOCK + ghost FIFO (quick demotion)";
  info.params = {
      {"small_ratio", ParamType::kDouble, 0.1, "share of the cache for the small queue",
       ParamBound::kProbability},
      {"ghost_ratio", ParamType::kDouble, 0.9,
       "size of the ghost queue (keys of objects evicted from the small queue), as a share of "
       "the cache",
       ParamBound::kNonNegative},
      {"move_to_main_threshold", ParamType::kInt, int64_t{2},
       "hits in the small queue that move an object to the main queue", ParamBound::kPositive},
  };
  info.make_eviction = [](const Params& p) { return MakeS3Fifo(p); };
  info.make_replayer = [](const Params& p, const ReplayConfig& c) {
    return MakeReplayer(MakeS3Fifo(p), c);
  };
  return info;
}

}  // namespace cachelab
