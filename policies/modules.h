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
PolicyInfo WriteBehindModule();
// invalidation
PolicyInfo TtlOnlyModule();
PolicyInfo EventInvalidationModule();
PolicyInfo HybridInvalidationModule();
PolicyInfo VersionedKeysModule();
// stampede guard
PolicyInfo NoGuardModule();
PolicyInfo LockGuardModule();
PolicyInfo LeaseGuardModule();
PolicyInfo SingleFlightGuardModule();
PolicyInfo XFetchModule();
PolicyInfo EarlyRefreshModule();
PolicyInfo BackgroundRefreshModule();
PolicyInfo StaleWhileRevalidateModule();
PolicyInfo TtlJitterModule();
// L1 near cache
PolicyInfo NoL1Module();
PolicyInfo LocalL1Module();
PolicyInfo BroadcastL1Module();
// warming
PolicyInfo NoWarmingModule();
PolicyInfo TopNWarmingModule();
PolicyInfo ListWarmingModule();
// degradation
PolicyInfo FallbackModule();
PolicyInfo FailModule();
// eviction
PolicyInfo LruModule();
PolicyInfo FifoModule();
PolicyInfo ClockModule();
PolicyInfo SieveModule();
PolicyInfo LfuModule();
PolicyInfo ArcModule();
PolicyInfo TwoQModule();
PolicyInfo SlruModule();
PolicyInfo S3FifoModule();
PolicyInfo WTinyLfuModule();
PolicyInfo LirsModule();
PolicyInfo RandomModule();
PolicyInfo BeladyModule();
PolicyInfo AllKeysLruModule();
PolicyInfo AllKeysLfuModule();
PolicyInfo VolatileTtlModule();

}  // namespace cachelab::modules
