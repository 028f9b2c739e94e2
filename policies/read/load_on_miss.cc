// The fill rule of cache-aside and read-through (contract in the header):
//
//   fill(k, v):                      // after a miss loaded v
//     if v exists:             cache.set(k, v, ttl)
//     elif negative_ttl > 0:   cache.set(k, "not found", negative_ttl)
//     caller waits for the set:  cache-aside yes, read-through no
#include "policies/read/load_on_miss.h"

namespace cachelab {

std::vector<ParamSpec> FillParams(const char* ttl_doc) {
  return {{"ttl", ParamType::kDuration, Duration::Seconds(3600), ttl_doc, ParamBound::kNonNegative},
          {"negative_ttl", ParamType::kDuration, Duration(),
           "time to live of a cached \"not found\"; 0 = missing rows are not cached",
           ParamBound::kNonNegative}};
}

FillRule FillRuleFromParams(const Params& p, bool caller_waits_for_fill) {
  return FillRule{p.GetDuration("ttl"), p.GetDuration("negative_ttl"), caller_waits_for_fill};
}

}  // namespace cachelab
