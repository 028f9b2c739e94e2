#include "policies/run.h"

#include "policies/stack.h"
#include "sim/model/world.h"

namespace cachelab {

RunResult RunSimulation(const WorldConfig& world, const StackConfig& stack,
                        const RunOptions& options) {
  const PolicyInfo* eviction = FindPolicy(Role::kEviction, stack.eviction.name);
  if (eviction == nullptr) {
    throw std::invalid_argument("unknown eviction policy \"" + stack.eviction.name + "\"");
  }
  const Params params = Params::WithDefaults(eviction->params, stack.eviction.params);
  World w(world, BuildStack(stack, world.instances.count), eviction->make_eviction(params),
          options.trace, [&] { return eviction->make_eviction(params); });
  return w.Run(options.progress, options.stop);
}

}  // namespace cachelab
