// Stampede guard by request coalescing inside each application instance: on a
// miss, if this instance already has a load of the key in flight, the read
// waits for that load's result instead of loading again; otherwise it becomes
// the key's loader, loads, hands the row to every waiter and fills the cache.
// Waiters count as misses (their value did not come from the cache) and as
// guard.coalesced_reads.
//
// Coalescing is per instance, with no coordination through the shared cache,
// so across a fleet of N instances up to N loads of one key can still run at
// once (one per instance): cheaper than a lock (no extra round trips, no
// sleeping) but only as good as the fleet is small.
//
// The loader publishes its row as soon as the load returns, so waiters do not
// also wait for the fill's round trip, and keeps the finished flight visible
// until its fill is done: a read on the same instance that missed meanwhile
// takes that row instead of loading again. Waiters wait on Ctx::FlightKey, a
// key private to the instance (policies/context.h, "Key space"). Hits touch
// no state of this module.
//
//   read(k):
//     if v := cache.get(k): return v
//     if flight := in_flight[instance][k]:
//       wait(flight); return flight.result          // coalesced
//     in_flight[instance][k] = new flight
//     v = db.read(k); flight.result = v; notify_all(flight)
//     cache.set(k, v, ttl); remove the flight
//     return v
//
// A cache error follows the degradation rule: fail at once, or fall back to
// the database, coalesced like a miss but never filled.
//
// Source: Go's golang.org/x/sync/singleflight (Group.Do); the same idea as a
// loading cache's per-key in-flight future (Guava's LoadingCache, Caffeine's
// AsyncLoadingCache).
#include <boost/unordered/unordered_flat_map.hpp>
#include <vector>

#include "policies/modules.h"

namespace cachelab {
namespace {

class SingleFlightGuard final : public Guard {
 public:
  void Start(Ctx& c) override { flights_.assign(c.instances(), {}); }

  Task<ReadOutcome> Read(Ctx c, Key k) override {
    const CacheGetResult cached = co_await c.cache.Get(k);
    if (cached.hit()) co_return ReadOutcome{cached.value, CacheOutcome::kHit, false};
    const bool error = cached.status == CacheStatus::kError;
    if (error && !c.degradation().fallback) {
      co_return ReadOutcome{{}, CacheOutcome::kError, true};
    }
    const CacheOutcome outcome = error ? CacheOutcome::kError : CacheOutcome::kMiss;
    Flights& flights = flights_[c.instance()];

    if (auto it = flights.find(k); it != flights.end()) {
      ++c.stats().coalesced_reads;
      if (c.Tracing(k)) c.Note(k, "app", "load in flight here: wait for it");
      if (!it->second.done) {
        ++it->second.waiters;
        co_await c.Wait(c.FlightKey(k));
        it = flights.find(k);  // the map may have rehashed; the flight stays until we leave
        --it->second.waiters;
      }
      ReadOutcome out = it->second.result;
      out.cache = outcome;
      if (it->second.Finished()) flights.erase(it);
      co_return out;
    }

    flights.try_emplace(k);
    const DbResult row = co_await c.db.Read(k);
    const ReadOutcome out{row.value, outcome, !row.ok};
    {
      Flight& f = flights.find(k)->second;
      f.result = out;
      f.done = true;
      if (f.waiters > 0) c.NotifyAll(c.FlightKey(k));
    }
    if (row.ok && !error) co_await c.cache.Fill(k, row.value);
    auto it = flights.find(k);
    it->second.filling = false;
    if (it->second.Finished()) flights.erase(it);
    co_return out;
  }

 private:
  struct Flight {
    ReadOutcome result;    // valid once done
    uint32_t waiters = 0;  // reads suspended on this flight
    bool done = false;     // the load returned; result is published
    bool filling = true;   // the loader has not finished its fill yet
    bool Finished() const { return done && !filling && waiters == 0; }
  };
  using Flights = boost::unordered_flat_map<Key, Flight>;

  std::vector<Flights> flights_;  // per instance
};

}  // namespace

PolicyInfo modules::SingleFlightGuardModule() {
  PolicyInfo info;
  info.role = Role::kGuard;
  info.name = "single-flight";
  info.summary = "coalesce concurrent misses of a key within each instance into one load";
  info.make_guard = [](const Params&) { return std::make_unique<SingleFlightGuard>(); };
  return info;
}

}  // namespace cachelab
