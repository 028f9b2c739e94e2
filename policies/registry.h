// Every policy module by role and name. policies/registry.cc holds one line per
// module, grouped by role; nothing else needs to change to add a policy.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "policies/eviction/replayer.h"
#include "policies/params.h"
#include "sim/model/eviction.h"
#include "sim/model/roles.h"

namespace cachelab {

// The roles of policies/stack.h, plus the cache server's eviction.
enum class Role { kRead, kWrite, kInvalidation, kGuard, kL1, kWarming, kDegradation, kEviction };

// "read", "write", "invalidation", "guard", "l1", "warming", "degradation",
// "eviction": also the scenario field names (/policies/<role>, /cache/eviction).
const char* RoleName(Role r);

struct FillRule;
struct DegradationRule;
class WritePath;
class Invalidation;
class Guard;
class NearCache;
class Warmer;

struct PolicyInfo {
  Role role;
  std::string name;     // registry name, lower case, used in scenarios
  std::string summary;  // one line: what it does, where it comes from
  std::vector<ParamSpec> params;
  // Optional check of the complete parameters (defaults filled in) that the
  // specs' types and bounds cannot express, e.g. the syntax of a string
  // parameter. The scenario loader calls it and reports a problem as bad
  // input (exit 2) at the parameter's JSON pointer; factories may assume it passed.
  std::function<std::optional<ParamProblem>(const Params&)> validate;
  // Exactly one factory is set, the one of `role`. Factories of optional roles
  // (l1, warming) return nullptr for "none".
  std::function<FillRule(const Params&)> make_read;
  std::function<std::unique_ptr<WritePath>(const Params&)> make_write;
  std::function<std::unique_ptr<Invalidation>(const Params&)> make_invalidation;
  std::function<std::unique_ptr<Guard>(const Params&)> make_guard;
  std::function<std::unique_ptr<NearCache>(const Params&)> make_l1;
  std::function<std::unique_ptr<Warmer>(const Params&)> make_warming;
  std::function<DegradationRule(const Params&)> make_degradation;
  std::function<std::unique_ptr<EvictionPolicy>(const Params&)> make_eviction;
  // Eviction only: the same policy inside a trace-replay loop compiled for its
  // concrete type (no virtual call per request); see policies/eviction/replayer.h.
  std::function<std::unique_ptr<Replayer>(const Params&, const ReplayConfig&)> make_replayer;
  // Eviction only: needs each request's next access time (Belady), so it runs
  // in trace replay only; the scenario loader refuses it.
  bool offline = false;
  // Eviction only: the Redis maxmemory-policy that evicts this way; `cachelab
  // live` runs an eviction module only as Redis' own policy (empty: none).
  std::string redis_policy;
  // Why `cachelab live` cannot run this module against a real Redis and
  // PostgreSQL; empty when it can (for eviction, see LiveFormMissing).
  std::string not_live;
};

// Why `p` has no live form (not_live, or for eviction a missing
// redis_policy); empty when `cachelab live` can run it.
std::string LiveFormMissing(const PolicyInfo& p);

// All registered modules, grouped by role, in registry order.
const std::vector<PolicyInfo>& AllPolicies();

// nullptr when `name` is not registered for `role`.
const PolicyInfo* FindPolicy(Role role, std::string_view name);

// Registered names of one role, in registry order (for "valid names are ..." messages).
std::vector<std::string> PolicyNames(Role role);

// A role's choice in a scenario.
struct PolicyChoice {
  std::string name;
  Params params;  // complete: defaults filled in by the loader
};

struct StackConfig {
  PolicyChoice read{"cache-aside", {}};
  PolicyChoice write{"invalidate-on-write", {}};
  PolicyChoice invalidation{"ttl", {}};
  PolicyChoice guard{"none", {}};
  PolicyChoice l1{"none", {}};
  PolicyChoice warming{"none", {}};
  PolicyChoice degradation{"fallback", {}};
  PolicyChoice eviction{"lru", {}};

  PolicyChoice& Of(Role r);
  const PolicyChoice& Of(Role r) const;
};

// Every role, in scenario order (the /policies fields, then eviction).
inline constexpr Role kAllRoles[] = {Role::kRead,        Role::kWrite,   Role::kInvalidation,
                                     Role::kGuard,       Role::kL1,      Role::kWarming,
                                     Role::kDegradation, Role::kEviction};

}  // namespace cachelab
