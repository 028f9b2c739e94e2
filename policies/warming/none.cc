// No warming: the cache starts (and restarts) empty and fills on demand, so a
// cold start sends the first read of every key to the database.
//
//   on start, after a flush or restart: nothing (every key misses once)
#include "policies/modules.h"

namespace cachelab {

PolicyInfo modules::NoWarmingModule() {
  PolicyInfo info;
  info.role = Role::kWarming;
  info.name = "none";
  info.summary = "the cache starts empty and fills on demand";
  info.make_warming = [](const Params&) { return std::unique_ptr<Warmer>(); };
  return info;
}

}  // namespace cachelab
