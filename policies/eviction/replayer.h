// Trace replay of one eviction policy at one cache size: the loop that turns a
// stream of requests into hits and misses, compiled once per policy for its
// concrete (final) class, so the per-request calls are direct and inline.
// analysis/replay.cc reads traces and drives Replayers chunk by chunk.
//
// Per request: one hash-map lookup (try_emplace) decides hit or miss. A hit
// calls Touch. A miss asks the policy to Admit the object, refuses objects
// larger than the cache, evicts Victim() until the object fits, Inserts it,
// and evicts again while the policy WantsEviction(). An entry keeps the size
// it was inserted with; a later request for it with another size is a hit of
// the same entry (as in libCacheSim). A set is a request like a get (the
// object is written into the cache on a miss); callers that do not count
// writes drop them first (analysis/replay.cc, Twitter traces). Deletes remove
// the entry if present and are not counted as requests. No allocation per request once the map and
// the policy's node arrays have grown to the working set.
#pragma once

#include <boost/unordered/unordered_flat_map.hpp>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

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

template <class Policy>
class ReplayKernel final : public Replayer {
 public:
  ReplayKernel(std::unique_ptr<Policy> policy, const ReplayConfig& config)
      : policy_(std::move(policy)), capacity_(config.capacity), ignore_size_(config.ignore_size) {
    policy_->SetCapacity(capacity_);
  }

  void Run(std::span<const ReplayRequest> requests) override {
    Policy& p = *policy_;
    for (const ReplayRequest& r : requests) {
      if (r.op == ReplayRequest::Op::kDelete) {
        Delete(r.key);
        continue;
      }
      ++counts_.requests;
      counts_.bytes += r.size;
      auto [it, inserted] = map_.try_emplace(r.key);
      if (!inserted) {
        p.Touch(it->second.handle);
        p.SetNextAccess(it->second.handle, r.next_access);
        continue;
      }
      ++counts_.misses;
      counts_.miss_bytes += r.size;
      const uint32_t charge = ignore_size_ ? 1 : r.size;
      if (!p.Admit(r.key, charge) || charge > capacity_) {
        map_.erase(it);
        continue;
      }
      // Erasing other elements leaves `it` valid (open addressing, no rehash).
      while (used_ + charge > capacity_) EvictOne();
      const EvictionPolicy::Handle h = p.Insert(r.key, charge);
      it->second = Entry{h, charge};
      used_ += charge;
      p.SetNextAccess(h, r.next_access);
      while (p.WantsEviction() && !map_.empty()) EvictOne();
    }
  }

  ReplayCounts counts() const override { return counts_; }

  std::string CheckInvariants() const override {
    if (policy_->size() != map_.size()) return "policy size differs from the resident count";
    if (used_ > capacity_) return "resident bytes exceed the capacity";
    uint64_t sum = 0;
    for (const auto& [key, e] : map_) sum += e.charge;
    if (sum != used_) return "resident bytes differ from the sum of entries";
    return policy_->CheckInvariants();
  }

 private:
  struct Entry {
    EvictionPolicy::Handle handle = 0;
    uint32_t charge = 0;
  };

  void EvictOne() {
    auto victim = map_.find(policy_->Victim());
    used_ -= victim->second.charge;
    policy_->Erase(victim->second.handle);
    map_.erase(victim);
  }

  void Delete(Key key) {
    auto it = map_.find(key);
    if (it == map_.end()) return;
    used_ -= it->second.charge;
    policy_->Erase(it->second.handle);
    map_.erase(it);
  }

  std::unique_ptr<Policy> policy_;
  uint64_t capacity_;
  bool ignore_size_;
  uint64_t used_ = 0;
  boost::unordered_flat_map<Key, Entry> map_;
  ReplayCounts counts_;
};

// For a policy module's make_replayer: the kernel for the policy's own type.
template <class Policy>
std::unique_ptr<Replayer> MakeReplayer(std::unique_ptr<Policy> policy, const ReplayConfig& config) {
  return std::make_unique<ReplayKernel<Policy>>(std::move(policy), config);
}

}  // namespace cachelab
