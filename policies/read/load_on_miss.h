// The parameters cache-aside and read-through share (the fill TTLs) and the
// FillRule they turn into. The two differ only in whether the caller waits for
// the fill's round trip (cache-aside does; in read-through the loader sits
// next to the cache and the caller does not). The get/load/fill steps
// themselves are CacheOps (policies/stack.h), driven by the stampede guard.
#pragma once

#include <vector>

#include "policies/params.h"
#include "policies/stack.h"

namespace cachelab {

// The `ttl` and `negative_ttl` parameters, with `ttl_doc` describing ttl.
std::vector<ParamSpec> FillParams(const char* ttl_doc);
FillRule FillRuleFromParams(const Params& p, bool caller_waits_for_fill);

}  // namespace cachelab
