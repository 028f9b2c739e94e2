// Each policy module's registration entry, defined in its own file. Listed
// here once so registry.cc can name them; grouped by role like the registry.
#pragma once

#include "policies/registry.h"

namespace cachelab::modules {

// read path
PolicyInfo CacheAsideModule();
PolicyInfo ReadThroughModule();
// write path
PolicyInfo InvalidateOnWriteModule();
PolicyInfo WriteThroughModule();
PolicyInfo WriteAroundModule();
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
