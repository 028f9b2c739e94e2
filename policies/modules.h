// Each policy module's registration entry, defined in its own file. Listed
// here once so registry.cc can name them; grouped by role like the registry.
#pragma once

#include "policies/registry.h"
#include "policies/stack.h"

namespace cachelab::modules {

// read path
PolicyInfo CacheAsideModule();
PolicyInfo ReadThroughModule();
// write path
PolicyInfo InvalidateOnWriteModule();
PolicyInfo WriteThroughModule();
PolicyInfo WriteAroundModule();
// invalidation
PolicyInfo TtlOnlyModule();
// stampede guard
PolicyInfo NoGuardModule();
// L1 near cache
PolicyInfo NoL1Module();
// warming
PolicyInfo NoWarmingModule();
PolicyInfo TopNWarmingModule();
PolicyInfo ListWarmingModule();
// degradation
PolicyInfo FallbackModule();
PolicyInfo FailModule();
// eviction
PolicyInfo LruModule();

}  // namespace cachelab::modules
