#include "policies/run.h"

#include <stdexcept>

#include "sim/model/world.h"

namespace cachelab {

namespace {
const PolicyInfo& Require(Role role, const PolicyChoice& choice) {
  const PolicyInfo* info = FindPolicy(role, choice.name);
  if (info == nullptr) {
    throw std::invalid_argument(std::string("unknown ") + RoleName(role) + " policy \"" +
                                choice.name + "\"");
  }
  return *info;
}
}  // namespace

RunResult RunSimulation(const WorldConfig& world, const StackConfig& stack,
                        const RunOptions& options) {
  const PolicyInfo& read = Require(Role::kRead, stack.read);
  const PolicyInfo& write = Require(Role::kWrite, stack.write);
  const PolicyInfo& eviction = Require(Role::kEviction, stack.eviction);
  World w(world, read.make_read(Params::WithDefaults(read.params, stack.read.params)),
          write.make_write(Params::WithDefaults(write.params, stack.write.params)),
          eviction.make_eviction(Params::WithDefaults(eviction.params, stack.eviction.params)));
  return w.Run(options.progress);
}

}  // namespace cachelab
