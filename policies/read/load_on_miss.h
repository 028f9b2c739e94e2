// The read skeleton cache-aside and read-through share: look in the cache; on
// a miss (or a cache error) read the database; on a miss fill the cache with
// the row, or with "not found" when a negative TTL is set. They differ only in
// whether the caller waits for the fill's round trip (cache-aside does; in
// read-through the loader sits next to the cache and the caller does not).
#pragma once

#include <vector>

#include "policies/params.h"
#include "sim/model/roles.h"

namespace cachelab {

struct FillRule {
  Duration ttl;           // of a filled row; 0 = never expires
  Duration negative_ttl;  // of a cached "not found"; 0 = missing rows are not cached
  bool caller_waits_for_fill = true;
};

// The `ttl` and `negative_ttl` parameters, with `ttl_doc` describing ttl.
std::vector<ParamSpec> FillParams(const char* ttl_doc);
FillRule FillRuleFromParams(const Params& p, bool caller_waits_for_fill);

// Cache errors fall through to the database and skip the fill (graceful
// degradation); a database timeout fails the read.
Task<ReadOutcome> ReadOrLoad(Env& env, Key key, const FillRule& rule);

}  // namespace cachelab
