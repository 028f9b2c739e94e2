// Stale-while-revalidate and stale-if-error, the HTTP cache-control
// extensions applied to the application cache: an entry stays usable for a
// while after its freshness lifetime (the fill TTL) has run out.
//
//   read(k):                                  // entries stored with ttl + W
//     v, past := cache.get(k)                 // past: how long ago v went stale
//     if not v: v = db.read(k); cache.set(k, v, ttl + W); return v
//     if past <= 0: return v
//     if past <= swr: spawn once per key { cache.set(k, db.read(k), ttl + W) }; return v
//     r = db.read(k)                          // within stale-if-error only
//     if r failed: return v
//     cache.set(k, r, ttl + W); return r
//
// Entries are stored with TTL = ttl + W, W = max(stale_while_revalidate,
// stale_if_error) (the extra_ttl of c.cache.Fill), so the cache keeps them past
// their fresh life; the fresh part left is the remaining TTL minus W. With
// `past` = how long ago the entry stopped being fresh, a hit is:
//  - fresh (past <= 0): served as usual;
//  - within stale_while_revalidate (0 < past <= swr): served at once (counted
//    in guard.stale_served), and an asynchronous revalidation (load + fill)
//    starts unless this instance already has one of the key in flight (one
//    per key per instance: instances do not coordinate);
//  - beyond it but within stale_if_error (swr < past <= sie): the request
//    loads synchronously and answers with the fresh row (a miss); if that
//    load fails (DB queue timeout) it answers with the stale entry instead of
//    an error (counted in stale_served, reported as a hit).
// Within the swr window the caller never waits for the DB, so an error of the
// revalidation cannot reach it: stale_if_error only matters when it exceeds
// stale_while_revalidate. A miss (no entry at all) loads and fills as with
// guard `none`, and fails if the load fails.
//
// Staleness: SWR serves entries past their TTL by design, but the staleness
// metrics (staleness.stale_reads) count only reads of a version older than the
// latest acknowledged write. An entry past its fresh TTL whose row has not
// changed is counted in guard.stale_served, not as a stale read; a row written
// after the entry was loaded is stale under any guard, and SWR lengthens how
// long such an entry can be served by up to W (when the write path leaves the
// cache alone, e.g. write-around; invalidate-on-write deletes it).
// Entries set outside the read path (write-through's SET) carry no stale
// extension, so they enter the stale window W early.
//
// Parameters: stale_while_revalidate (duration >= 0), stale_if_error
// (duration >= 0; off by default). Every revalidation started counts in
// guard.early_refreshes.
//
// Source: M. Nottingham, "HTTP Cache-Control Extensions for Stale Content",
// RFC 5861 (2010), sections 3 and 4.
#include <algorithm>
#include <boost/unordered/unordered_flat_set.hpp>
#include <vector>

#include "policies/modules.h"

namespace cachelab {
namespace {

class StaleWhileRevalidate final : public Guard {
 public:
  explicit StaleWhileRevalidate(const Params& p)
      : swr_(p.GetDuration("stale_while_revalidate")),
        sie_(p.GetDuration("stale_if_error")),
        extra_(std::max(swr_, sie_)) {}

  void Start(Ctx& c) override { revalidating_.resize(c.instances()); }

  Task<ReadOutcome> Read(Ctx c, Key k) override {
    const CacheGetResult cached = co_await c.cache.Get(k);
    if (!cached.hit()) co_return co_await Miss(c, k, cached.status);
    if (cached.remaining_ttl == Duration::Max() || cached.remaining_ttl >= extra_) {
      co_return ReadOutcome{cached.value, CacheOutcome::kHit, false};
    }
    const Duration past = extra_ - cached.remaining_ttl;  // since the entry stopped being fresh
    if (past <= swr_) {
      ++c.stats().stale_served;
      auto& in_flight = revalidating_[c.instance()];
      if (!in_flight.contains(k)) {
        in_flight.insert(k);
        ++c.stats().early_refreshes;
        if (c.Tracing(k)) c.Note(k, "app", "stale: served, revalidating (async)");
        c.Spawn(Revalidate(c, k));
      } else if (c.Tracing(k)) {
        c.Note(k, "app", "stale: served, revalidation in flight");
      }
      co_return ReadOutcome{cached.value, CacheOutcome::kHit, false};
    }
    // Within stale-if-error only: revalidate synchronously, the stale entry is the fallback.
    const DbResult row = co_await c.db.Read(k);
    if (!row.ok) {
      ++c.stats().stale_served;
      if (c.Tracing(k)) c.Note(k, "app", "stale: served because the load failed");
      co_return ReadOutcome{cached.value, CacheOutcome::kHit, false};
    }
    co_await c.cache.Fill(k, row.value, extra_);
    co_return ReadOutcome{row.value, CacheOutcome::kMiss, false};
  }

 private:
  // Ctx::LoadAndFill, with the stale extension on the fill.
  Task<ReadOutcome> Miss(Ctx& c, Key k, CacheStatus why) {
    const CacheOutcome outcome =
        why == CacheStatus::kError ? CacheOutcome::kError : CacheOutcome::kMiss;
    if (outcome == CacheOutcome::kError && !c.degradation().fallback) {
      co_return ReadOutcome{{}, outcome, true};
    }
    const DbResult row = co_await c.db.Read(k);
    if (!row.ok) co_return ReadOutcome{{}, outcome, true};
    if (outcome == CacheOutcome::kMiss) co_await c.cache.Fill(k, row.value, extra_);
    co_return ReadOutcome{row.value, outcome, false};
  }

  // Outlives the request: takes its own copy of the context.
  Task<void> Revalidate(Ctx c, Key k) {
    const DbResult row = co_await c.db.Read(k);
    if (row.ok) co_await c.cache.Fill(k, row.value, extra_);
    // Erased after the fill lands, so a hit in between starts no second revalidation.
    revalidating_[c.instance()].erase(k);
  }

  Duration swr_, sie_, extra_;
  // Keys with a revalidation in flight, per instance.
  std::vector<boost::unordered_flat_set<Key>> revalidating_;
};

}  // namespace

PolicyInfo modules::StaleWhileRevalidateModule() {
  PolicyInfo info;
  info.role = Role::kGuard;
  info.name = "stale-while-revalidate";
  info.summary =
      "serve entries past their TTL at once and revalidate in the background; serve them on "
      "DB errors (RFC 5861)";
  info.params = {
      {"stale_while_revalidate", ParamType::kDuration, Duration::Seconds(30),
       "how long past its TTL an entry is served while one async reload runs",
       ParamBound::kNonNegative},
      {"stale_if_error", ParamType::kDuration, Duration(),
       "how long past its TTL an entry is served when the reload fails", ParamBound::kNonNegative}};
  info.make_guard = [](const Params& p) { return std::make_unique<StaleWhileRevalidate>(p); };
  return info;
}

}  // namespace cachelab
