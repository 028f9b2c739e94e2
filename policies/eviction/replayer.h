// Trace replay of one eviction policy at one cache size: the loop that turns a
// stream of requests into hits and misses, compiled once per policy for its
// concrete (final) class, so the per-request calls are direct and inline.
// analysis/replay/replay.cc reads traces and drives Replayers chunk by chunk.
//
// Per request: one lookup in the kernel's own index (ReplayIndex, below)
// decides hit or miss. A hit calls Touch. A miss asks the policy to Admit the object, refuses
// objects larger than the cache, evicts Victim() until the object fits, Inserts it, and evicts
// again while the policy WantsEviction(). An entry keeps the size it was inserted with; a later
// request for it with another size is a hit of the same entry (as in libCacheSim). A set is a
// request like a get (the object is written into the cache on a miss); callers that do not count
// writes drop them first (analysis/replay/replay.cc, Twitter traces). Deletes remove
// the entry if present and are not counted as requests. No allocation per request once the map and
// the policy's node arrays have grown to the working set.
//
// Speed: a replay is bound by memory latency (a random index slot and a random
// policy node per request, in tables larger than the L2 cache), not by
// instructions. Since a chunk of requests is known in advance, the loop
// prefetches the index slot of the request slot_ahead positions ahead and
// looks up the one node_ahead ahead (its slot is then cached), so several
// misses are in flight at once. A policy class may help with optional
// members, found at compile time:
//   void Prefetch(Handle) const   the node a coming hit will touch;
//   void PrefetchMiss(Key) const  what a coming miss will consult (S3-FIFO's
//                                 ghost index);
//   Key VictimHint()              the entry the next eviction will most
//                                 likely take: after each insertion into a
//                                 full cache the loop fetches its index slot,
//                                 so the next miss does not stall on it (may
//                                 tidy the policy's own structures, never
//                                 changing what it evicts);
//   void Reserve(size_t n)        size node arrays for n entries up front
//                                 (called when sizes are ignored, n = the
//                                 capacity), as the index is sized.
// A wrong guess (an entry evicted or touched before its turn) merely wastes a
// prefetch; results never depend on these hooks.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "sim/core/open_table.h"
#include "sim/model/eviction.h"

namespace cachelab {

// One trace record, as every trace reader produces it.
struct ReplayRequest {
  enum class Op : uint8_t { kGet, kSet, kDelete };  // kSet: any write (set, add, incr, ...)
  Key key = 0;
  uint32_t size = 0;  // bytes
  Op op = Op::kGet;
  int64_t next_access = EvictionPolicy::kNeverAgain;  // request index; oracleGeneral only
  double time = 0;  // the trace's timestamp in its own unit; 0 when it has none
};

struct ReplayConfig {
  uint64_t capacity = 0;     // bytes, or objects when ignore_size
  bool ignore_size = false;  // every object counts 1
  // Prefetch distances in requests (see Speed above); they change only the
  // speed, never a result. The best values depend on the machine's memory
  // latency: `cachelab_bench --benchmark_filter=BM_ReplayAhead` measures them.
  uint32_t slot_ahead = 16;
  uint32_t node_ahead = 8;
};

// Requests and bytes are those of get requests; bytes use the trace's sizes
// also when sizes are ignored for capacity.
struct ReplayCounts {
  uint64_t requests = 0;
  uint64_t misses = 0;
  uint64_t bytes = 0;
  uint64_t miss_bytes = 0;
};

class Replayer {
 public:
  virtual ~Replayer() = default;
  virtual void Run(std::span<const ReplayRequest> requests) = 0;
  virtual ReplayCounts counts() const = 0;
  // The policy's own check plus the loop's accounting; empty when sound.
  virtual std::string CheckInvariants() const = 0;
};

// key -> policy handle: an OpenTable (sim/core/open_table.h) of 12-byte
// slots (5 1/3 per cache line; the key is stored as two 32-bit words so that
// no padding doubles it to 16).
struct ReplaySlot {
  static constexpr uint32_t kEmpty = ~uint32_t{0};
  uint32_t key_words[2] = {0, 0};
  uint32_t handle = kEmpty;  // kEmpty: a free slot
  Key key() const {
    Key k;
    std::memcpy(&k, key_words, sizeof k);
    return k;
  }
  void set_key(Key k) { std::memcpy(key_words, &k, sizeof k); }
  bool used() const { return handle != kEmpty; }
  static ReplaySlot Of(Key k, uint32_t handle) {
    ReplaySlot s;
    s.set_key(k);
    s.handle = handle;
    return s;
  }
};
static_assert(sizeof(ReplaySlot) == 12);

class ReplayIndex : public OpenTable<ReplaySlot> {
 public:
  using Slot = ReplaySlot;
  static constexpr uint32_t kEmpty = ReplaySlot::kEmpty;
  using OpenTable::FindOrInsert;
  using OpenTable::Insert;
  // The key must be absent.
  void Insert(Key key, uint32_t handle) { Insert(ReplaySlot::Of(key, handle)); }
  Slot* FindOrInsert(Key key, uint32_t handle, bool& inserted) {
    return FindOrInsert(key, ReplaySlot::Of(key, handle), inserted);
  }
};

template <class Policy>
class ReplayKernel final : public Replayer {
 public:
  ReplayKernel(std::unique_ptr<Policy> policy, const ReplayConfig& config)
      : policy_(std::move(policy)),
        capacity_(config.capacity),
        ignore_size_(config.ignore_size),
        slot_ahead_(config.slot_ahead),
        node_ahead_(slot_ahead_ == 0 ? 0 : std::min(config.node_ahead, slot_ahead_ - 1)) {
    policy_->SetCapacity(capacity_);
    // With sizes ignored the capacity is the resident count's bound: size
    // the index (and the policy's nodes) for it up front, up to a limit so a
    // huge nominal capacity over a small trace costs nothing.
    if (ignore_size_) {
      const size_t expect = static_cast<size_t>(std::min<uint64_t>(capacity_, kReserveLimit));
      index_.Reserve(expect);
      if constexpr (requires(Policy & q, size_t n) { q.Reserve(n); }) policy_->Reserve(expect);
    }
  }

  void Run(std::span<const ReplayRequest> requests) override {
    Policy& p = *policy_;
    ReplayCounts c = counts_;  // in registers: the policy's calls could alias a member
    const size_t n = requests.size();
    for (size_t i = 0; i < n; ++i) {
      if (slot_ahead_ > 0 && i + slot_ahead_ < n) index_.Prefetch(requests[i + slot_ahead_].key);
      if constexpr (requires(const Policy& q, EvictionPolicy::Handle h) { q.Prefetch(h); }) {
        if (node_ahead_ > 0 && i + node_ahead_ < n) {
          if (const auto* s = index_.Find(requests[i + node_ahead_].key)) {
            p.Prefetch(s->handle);
          } else if constexpr (requires(const Policy& q, Key k) { q.PrefetchMiss(k); }) {
            p.PrefetchMiss(requests[i + node_ahead_].key);
          }
        }
      }
      const ReplayRequest& r = requests[i];
      if (r.op == ReplayRequest::Op::kDelete) {
        Delete(r.key);
        continue;
      }
      ++c.requests;
      c.bytes += r.size;
      if (const auto* s = index_.Find(r.key)) {
        p.Touch(s->handle);
        p.SetNextAccess(s->handle, r.next_access);
        continue;
      }
      ++c.misses;
      c.miss_bytes += r.size;
      const uint32_t charge = ignore_size_ ? 1 : r.size;
      if (!p.Admit(r.key, charge) || charge > capacity_) continue;
      while (used_ + charge > capacity_) EvictOne();
      const EvictionPolicy::Handle h = p.Insert(r.key, charge);
      index_.Insert(r.key, h);
      SetCharge(h, charge);
      used_ += charge;
      p.SetNextAccess(h, r.next_access);
      while (p.WantsEviction() && !index_.empty()) EvictOne();
      // A later miss will evict; fetch the slot of its likely victim now
      // rather than stall on it then (before the cache fills, merely wasted).
      if constexpr (requires(Policy & q) { q.VictimHint(); }) index_.Prefetch(p.VictimHint());
    }
    counts_ = c;
  }

  ReplayCounts counts() const override { return counts_; }

  std::string CheckInvariants() const override {
    if (policy_->size() != index_.size()) return "policy size differs from the resident count";
    if (used_ > capacity_) return "resident bytes exceed the capacity";
    uint64_t sum = 0;
    index_.ForEach([&](const ReplayIndex::Slot& s) { sum += ChargeOf(s.handle); });
    if (sum != used_) return "resident bytes differ from the sum of entries";
    return policy_->CheckInvariants();
  }

 private:
  static constexpr uint64_t kReserveLimit = uint64_t{1} << 24;

  // An entry's charge: 1 when sizes are ignored, else kept by handle.
  uint64_t ChargeOf(EvictionPolicy::Handle h) const { return ignore_size_ ? 1 : charges_[h]; }
  void SetCharge(EvictionPolicy::Handle h, uint32_t charge) {
    if (ignore_size_) return;
    if (h >= charges_.size()) charges_.resize(std::max<size_t>(2 * size_t{h}, 1024));
    charges_[h] = charge;
  }

  void EvictOne() {
    ReplayIndex::Slot* victim = index_.Find(policy_->Victim());
    used_ -= ChargeOf(victim->handle);
    policy_->Erase(victim->handle);
    index_.Erase(victim);
  }

  void Delete(Key key) {
    ReplayIndex::Slot* s = index_.Find(key);
    if (s == nullptr) return;
    used_ -= ChargeOf(s->handle);
    policy_->Erase(s->handle);
    index_.Erase(s);
  }

  std::unique_ptr<Policy> policy_;
  uint64_t capacity_;
  bool ignore_size_;
  // 0 turns a stage off; node_ahead_ < slot_ahead_, so its slot is fetched by then.
  uint32_t slot_ahead_, node_ahead_;
  uint64_t used_ = 0;
  ReplayIndex index_;
  std::vector<uint32_t> charges_;  // by handle; empty when sizes are ignored
  ReplayCounts counts_;
};

// For a policy module's make_replayer: the kernel for the policy's own type.
template <class Policy>
std::unique_ptr<Replayer> MakeReplayer(std::unique_ptr<Policy> policy, const ReplayConfig& config) {
  return std::make_unique<ReplayKernel<Policy>>(std::move(policy), config);
}

}  // namespace cachelab
