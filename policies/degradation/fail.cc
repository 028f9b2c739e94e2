// No fallback: a read whose cache operation fails returns an error to the
// caller. While the cache is down every read fails (after paying the cache
// timeout) and the database sees no extra load: the outage of the cache
// becomes an outage of the service.
//
//   read(k):
//     v, err := cache.get(k)
//     if err: return error          // the cache outage is the service's
//     ...
//
// Source: the article's mistake "No Fallback" (the code that lets a cache
// exception propagate).
#include "policies/modules.h"

namespace cachelab {

PolicyInfo modules::FailModule() {
  PolicyInfo info;
  info.role = Role::kDegradation;
  info.name = "fail";
  info.summary = "on a cache error the read fails (no fallback to the DB)";
  info.make_degradation = [](const Params&) { return DegradationRule{false, Duration()}; };
  return info;
}

}  // namespace cachelab
