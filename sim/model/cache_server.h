// A Redis-like shared cache server as its clients see it: every operation
// takes one round trip (drawn from cache.rtt) and acts on the Store when it is
// issued; the caller sees the answer one round trip later. While a fault
// window holds the server down, operations fail after cache.timeout.
//
// Background work (active expiry) runs as events until Stop().
#pragma once

#include <cstdint>
#include <memory>

#include "sim/core/random.h"
#include "sim/core/task.h"
#include "sim/model/config.h"
#include "sim/model/distribution.h"
#include "sim/model/store.h"

namespace cachelab {

enum class CacheStatus : uint8_t { kHit, kMiss, kError };

struct CacheGetResult {
  CacheStatus status = CacheStatus::kMiss;
  Value value;
  Duration remaining_ttl;  // hits only; Duration::Max() when the entry never expires
  bool hit() const { return status == CacheStatus::kHit; }
};

enum class CacheWriteStatus : uint8_t {
  kOk,
  kRejected,
  kError
};  // rejected: not admitted / key present

struct CacheServerStats {
  uint64_t gets = 0, sets = 0, deletes = 0, errors = 0;
};

class CacheServer {
 public:
  CacheServer(Simulator& sim, const CacheConfig& config, std::unique_ptr<EvictionPolicy> eviction,
              uint64_t seed);

  Delayed<CacheGetResult> Get(Key k);
  Delayed<CacheWriteStatus> Set(Key k, const Value& v, Duration ttl);
  Delayed<CacheWriteStatus> SetIfAbsent(Key k, const Value& v, Duration ttl);
  Delayed<CacheWriteStatus> Delete(Key k);

  // Schedules active expiry; call once before running.
  void Start();
  // Background events stop rescheduling themselves.
  void Stop() { stopped_ = true; }

  bool IsDown(Time t) const;
  const Store& store() const { return store_; }
  const CacheServerStats& stats() const { return stats_; }

 private:
  Duration Rtt() { return rtt_.DrawDuration(rng_); }
  // A mutating operation: counted, failed while down, else `apply(now)` on
  // the store decides between kOk and kRejected.
  template <typename Apply>
  Delayed<CacheWriteStatus> WriteOp(uint64_t& counter, Apply apply);
  static void OnActiveExpiry(void* self, uint64_t);

  Simulator& sim_;
  CacheConfig config_;
  Store store_;
  Sampler rtt_;
  RandomEngine rng_;
  CacheServerStats stats_;
  bool stopped_ = false;
};

}  // namespace cachelab
