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

const char* RoleName(Role r) {
  switch (r) {
    case Role::kRead: return "read";
    case Role::kWrite: return "write";
    case Role::kEviction: return "eviction";
  }
  return "?";
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
