// The near cache shared by the `local` and `broadcast` L1 modules: one store
// per application instance, bounded by `capacity` bytes of cached values,
// LRU eviction, entries living `ttl` (0 = until evicted or erased). Entries
// are looked up by workload key: a versioned-key bump does not reach the L1.
// The modules differ only in OnWrite: which instances drop their copy.
#pragma once

#include <memory>
#include <optional>
#include <vector>

#include "policies/stack.h"
#include "sim/model/store.h"

namespace cachelab {

class InstanceNearCache : public NearCache {
 public:
  // Reads `capacity` and `ttl` (see NearCacheParams).
  explicit InstanceNearCache(const Params& p);
  // Builds one store per instance.
  void Start(Ctx& c) override;
  std::optional<Value> Get(uint32_t instance, Key k, Time now) override;
  void Put(uint32_t instance, Key k, const Value& v, Time now) override;
  void Erase(uint32_t instance, Key k) override;
  void Prefetch(uint32_t instance, Key k) const override {
    if (instance < stores_.size()) stores_[instance]->Prefetch(k);
  }

 private:
  Runtime* rt_ = nullptr;  // for the time of an Erase
  uint64_t capacity_;
  Duration ttl_;
  std::vector<std::unique_ptr<Store>> stores_;  // per instance
};

// The `capacity` and `ttl` parameters, documented once for both modules.
std::vector<ParamSpec> NearCacheParams();

}  // namespace cachelab
