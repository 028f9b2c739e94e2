// Graceful degradation: when the shared cache fails (down, timing out), a read
// goes to the database instead and skips the fill, so every request is still
// served; the price is the database load of a cache hit ratio of zero for the
// outage, and the cache timeout paid by every read. With `breaker_open` > 0 a
// circuit breaker stops that second cost: after a cache error the instance
// skips the cache for that long and reads go straight to the database.
//
//   read(k):
//     if breaker open on this instance: return db.read(k)
//     v, err := cache.get(k)
//     if err: open breaker for breaker_open; return db.read(k)   // no fill
//     ...
//
// Source: the article's mistake "No Fallback" (wrap the cache in a try, fall
// back to the database); the circuit breaker as in Nygard, "Release It!" (2007).
#include "policies/modules.h"

namespace cachelab {

PolicyInfo modules::FallbackModule() {
  PolicyInfo info;
  info.role = Role::kDegradation;
  info.name = "fallback";
  info.summary = "on a cache error read the DB (no fill); optional circuit breaker";
  info.params = {{"breaker_open", ParamType::kDuration, Duration(),
                  "after a cache error skip the cache for this long on that instance; 0 = never",
                  ParamBound::kNonNegative}};
  info.make_degradation = [](const Params& p) {
    return DegradationRule{true, p.GetDuration("breaker_open")};
  };
  return info;
}

}  // namespace cachelab
