// The per-instance near cache of `local` and `broadcast` (contract in the header):
//
//   get(i, k):     l1[i].get(k)                  // LRU by bytes, copies live `ttl`
//   put(i, k, v):  l1[i].set(k, v, ttl)
//   erase(i, k):   l1[i].delete(k)
#include "policies/l1/near_cache.h"

#include <stdexcept>

namespace cachelab {

std::vector<ParamSpec> NearCacheParams() {
  return {
      {"capacity", ParamType::kBytes, Bytes{64ull << 20},
       "bytes of cached values each instance's near cache holds (LRU beyond)",
       ParamBound::kPositive},
      {"ttl", ParamType::kDuration, Duration::Seconds(60),
       "time to live of a near-cache copy; 0 = until evicted or invalidated",
       ParamBound::kNonNegative},
  };
}

InstanceNearCache::InstanceNearCache(const Params& p)
    : capacity_(p.GetBytes("capacity")), ttl_(p.GetDuration("ttl")) {}

void InstanceNearCache::Start(Ctx& c) {
  rt_ = &c.runtime();
  const PolicyInfo* lru = FindPolicy(Role::kEviction, "lru");
  if (lru == nullptr) throw std::logic_error("the near cache needs the lru eviction policy");
  stores_.clear();
  for (uint32_t i = 0; i < c.instances(); ++i) {
    // An in-process object has no per-entry key/metadata charge worth
    // modelling next to its value: capacity counts value bytes only.
    auto store = std::make_unique<Store>(capacity_, 0, EntryCharge::Flat(0),
                                         lru->make_eviction(Params::WithDefaults(lru->params)));
    store->set_active_expiry(false);  // expired copies go when next looked up
    stores_.push_back(std::move(store));
  }
}

std::optional<Value> InstanceNearCache::Get(uint32_t instance, Key k, Time now) {
  if (const Store::Entry* e = stores_[instance]->Get(k, now)) return e->value;
  return std::nullopt;
}

void InstanceNearCache::Put(uint32_t instance, Key k, const Value& v, Time now) {
  stores_[instance]->Set(k, v, ttl_, now);
}

void InstanceNearCache::Erase(uint32_t instance, Key k) {
  stores_[instance]->Delete(k, rt_->now());
}

}  // namespace cachelab
