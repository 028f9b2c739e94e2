// Every policy module by role and name. policies/registry.cc holds one line per
// module, grouped by role; nothing else needs to change to add a policy.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "policies/eviction/replayer.h"
#include "policies/params.h"
#include "sim/model/eviction.h"
#include "sim/model/roles.h"

namespace cachelab {

enum class Role { kRead, kWrite, kEviction };

const char* RoleName(Role r);  // "read", "write", "eviction": also the scenario field names

struct PolicyInfo {
  Role role;
  std::string name;     // registry name, lower case, used in scenarios
  std::string summary;  // one line: what it does, where it comes from
  std::vector<ParamSpec> params;
  // Exactly one factory is set, the one of `role`.
  std::function<std::unique_ptr<ReadPath>(const Params&)> make_read;
  std::function<std::unique_ptr<WritePath>(const Params&)> make_write;
  std::function<std::unique_ptr<EvictionPolicy>(const Params&)> make_eviction;
  // Eviction only: the same policy inside a trace-replay loop compiled for its
  // concrete type (no virtual call per request); see policies/eviction/replayer.h.
  std::function<std::unique_ptr<Replayer>(const Params&, const ReplayConfig&)> make_replayer;
  // Eviction only: needs each request's next access time (Belady), so it runs
  // in trace replay only; the scenario loader refuses it.
  bool offline = false;
};

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
  PolicyChoice eviction{"lru", {}};
};

}  // namespace cachelab
