// Versioned keys: every cache key carries a namespace generation (the "v2:"
// of "v2:user:42"), and bumping the generation (a deploy that changes the
// cached format, a bulk data fix) makes every entry of the old generation
// unreachable at once without deleting anything. The old entries linger
// until their TTL or eviction, and every key misses at the bump: a mass miss
// that sends the whole read traffic to the database until the new
// generation is filled, which is what this module lets you measure.
//
//   cache_key(k, now) = keyspace::Namespaced(k, generation(now))
//   generation(now)   = 0                                   before bump_at
//                     = 1 + (now - bump_at) / bump_every    after (no bump_every: 1)
//   bump:             nothing is deleted; the old generation's entries age out
//
// The namespace lives in the cache key's bits above the workload key
// (policies/context.h, "Key space"; the generation wraps). `bump_at` = 0
// means never bump, `bump_every` = 0 only the one bump.
//
// Source: the article's "Cache Keys" section (versioned keys, "v2:user:..."
// for schema changes) and its checklist item "Versioned cache keys".
#include "policies/modules.h"

namespace cachelab {
namespace {

class VersionedKeys final : public Invalidation {
 public:
  explicit VersionedKeys(const Params& p)
      : bump_at_(p.GetDuration("bump_at")), bump_every_(p.GetDuration("bump_every")) {}

  Key CacheKey(Key k, Time now) const override { return keyspace::Namespaced(k, Generation(now)); }

 private:
  uint64_t Generation(Time now) const {
    if (bump_at_ <= Duration()) return 0;
    const Duration since = now - (Time::Zero() + bump_at_);
    if (since < Duration()) return 0;
    uint64_t g = 1;
    if (bump_every_ > Duration()) g += static_cast<uint64_t>(since.nanos() / bump_every_.nanos());
    return g;
  }

  Duration bump_at_;
  Duration bump_every_;
};

}  // namespace

PolicyInfo modules::VersionedKeysModule() {
  PolicyInfo info;
  info.role = Role::kInvalidation;
  info.name = "versioned";
  info.summary = "cache keys carry a generation; a bump makes every old entry unreachable at once";
  info.params = {
      {"bump_at", ParamType::kDuration, Duration(),
       "when the generation first goes up (a deploy); 0 = never", ParamBound::kNonNegative},
      {"bump_every", ParamType::kDuration, Duration(),
       "after bump_at, one more bump every this long; 0 = only the one", ParamBound::kNonNegative},
  };
  info.make_invalidation = [](const Params& p) { return std::make_unique<VersionedKeys>(p); };
  return info;
}

}  // namespace cachelab
