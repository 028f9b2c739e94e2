#include "policies/read/load_on_miss.h"

#include "sim/model/cache_server.h"
#include "sim/model/database.h"

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

Task<ReadOutcome> ReadOrLoad(Env& env, Key key, const FillRule& rule) {
  const CacheGetResult cached = co_await env.cache.Get(key);
  if (cached.hit()) co_return ReadOutcome{cached.value, CacheOutcome::kHit, false};
  const CacheOutcome outcome =
      cached.status == CacheStatus::kError ? CacheOutcome::kError : CacheOutcome::kMiss;
  const DbResult row = co_await env.db.Read(key);
  if (!row.ok) co_return ReadOutcome{{}, outcome, true};
  const Duration ttl = row.value.exists ? rule.ttl : rule.negative_ttl;
  if (outcome == CacheOutcome::kMiss && (row.value.exists || ttl > Duration())) {
    // A cache operation acts when issued; its round trip only delays a caller
    // that waits for the answer.
    auto fill = env.cache.Set(key, row.value, ttl);
    if (rule.caller_waits_for_fill) co_await fill;
  }
  co_return ReadOutcome{row.value, outcome, false};
}

}  // namespace cachelab
