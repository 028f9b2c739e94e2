#include "policies/registry.h"

#include "policies/modules.h"

namespace cachelab {

const std::vector<PolicyInfo>& AllPolicies() {
  static const std::vector<PolicyInfo> all = {
      // read path
      modules::CacheAsideModule(),
      modules::ReadThroughModule(),
      // write path
      modules::InvalidateOnWriteModule(),
      modules::WriteThroughModule(),
      modules::WriteAroundModule(),
      modules::WriteBehindModule(),
      // invalidation
      modules::TtlOnlyModule(),
      modules::EventInvalidationModule(),
      modules::HybridInvalidationModule(),
      modules::VersionedKeysModule(),
      // stampede guard
      modules::NoGuardModule(),
      modules::LockGuardModule(),
      modules::LeaseGuardModule(),
      modules::SingleFlightGuardModule(),
      modules::XFetchModule(),
      modules::EarlyRefreshModule(),
      modules::BackgroundRefreshModule(),
      modules::StaleWhileRevalidateModule(),
      modules::TtlJitterModule(),
      // L1 near cache
      modules::NoL1Module(),
      modules::LocalL1Module(),
      modules::BroadcastL1Module(),
      // warming
      modules::NoWarmingModule(),
      modules::TopNWarmingModule(),
      modules::ListWarmingModule(),
      // degradation on cache failure
      modules::FallbackModule(),
      modules::FailModule(),
      // eviction: recency and order
      modules::LruModule(),
      modules::FifoModule(),
      modules::ClockModule(),
      modules::SieveModule(),
      modules::SlruModule(),
      // eviction: frequency
      modules::LfuModule(),
      modules::WTinyLfuModule(),
      // eviction: adaptive, with ghost lists
      modules::ArcModule(),
      modules::TwoQModule(),
      modules::S3FifoModule(),
      modules::LirsModule(),
      // eviction: random and sampled (Redis)
      modules::RandomModule(),
      modules::AllKeysLruModule(),
      modules::AllKeysLfuModule(),
      modules::VolatileTtlModule(),
      // eviction: offline (trace replay only)
      modules::BeladyModule(),
  };
  return all;
}

std::string LiveFormMissing(const PolicyInfo& p) {
  if (!p.not_live.empty()) return p.not_live;
  if (p.role == Role::kEviction && p.redis_policy.empty()) {
    return "Redis has no maxmemory-policy that evicts this way (a live cache evicts as "
           "allkeys-lru, allkeys-lfu or volatile-ttl)";
  }
  return "";
}

const char* RoleName(Role r) {
  switch (r) {
    case Role::kRead:
      return "read";
    case Role::kWrite:
      return "write";
    case Role::kInvalidation:
      return "invalidation";
    case Role::kGuard:
      return "guard";
    case Role::kL1:
      return "l1";
    case Role::kWarming:
      return "warming";
    case Role::kDegradation:
      return "degradation";
    case Role::kEviction:
      return "eviction";
  }
  return "?";
}

PolicyChoice& StackConfig::Of(Role r) {
  switch (r) {
    case Role::kRead:
      return read;
    case Role::kWrite:
      return write;
    case Role::kInvalidation:
      return invalidation;
    case Role::kGuard:
      return guard;
    case Role::kL1:
      return l1;
    case Role::kWarming:
      return warming;
    case Role::kDegradation:
      return degradation;
    case Role::kEviction:
      return eviction;
  }
  return read;
}

const PolicyChoice& StackConfig::Of(Role r) const {
  return const_cast<StackConfig*>(this)->Of(r);
}

const PolicyInfo* FindPolicy(Role role, std::string_view name) {
  for (const auto& p : AllPolicies()) {
    if (p.role == role && p.name == name) return &p;
  }
  return nullptr;
}

std::vector<std::string> PolicyNames(Role role) {
  std::vector<std::string> names;
  for (const auto& p : AllPolicies()) {
    if (p.role == role) names.push_back(p.name);
  }
  return names;
}

}  // namespace cachelab
