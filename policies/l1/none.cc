// No L1: every read goes to the shared cache.
//
//   read(k):  shared read(k)       // guard and read path, no near cache
//   write(k): nothing to drop
#include "policies/modules.h"

namespace cachelab {

PolicyInfo modules::NoL1Module() {
  PolicyInfo info;
  info.role = Role::kL1;
  info.name = "none";
  info.summary = "no per-instance near cache";
  info.make_l1 = [](const Params&) { return std::unique_ptr<NearCache>(); };
  return info;
}

}  // namespace cachelab
