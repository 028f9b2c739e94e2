// PortOps: the one implementation of CacheOps' operations (policies/context.h)
// over a world's "port", the raw cache and database operations of that world.
// The simulator's port (policies/context.cc) hands out the simulated servers'
// awaitables, which act when issued and resume one round trip later; a live
// world's port (analysis/live/) issues real Redis and PostgreSQL commands.
// The rules every world shares are applied here, once: the circuit breaker,
// (de)serialization cost, the cached size of a row, and `explain` notes.
//
// A Port provides (each `auto` an awaitable, co_awaited at most once):
//   auto Get(Key cache_key)                                  -> CacheGetResult
//   auto LeaseGet(Key cache_key, Duration period)            -> LeaseGetResult
//   auto Set(Key cache_key, const Value&, Duration ttl)      -> CacheWriteStatus
//   auto LeaseSet(Key cache_key, const Value&, Duration ttl, uint64_t token)
//   auto SetIfAbsent(Key cache_key, const Value&, Duration ttl)
//   auto Delete(Key cache_key)                               -> CacheWriteStatus
//   auto Read(Key k, uint32_t instance)                      -> DbResult
//   auto Write(Key k, uint32_t size, bool acknowledges, uint64_t version, uint32_t instance)
//        (the instance: a world with read replicas routes by it, read_your_writes)
//   void Detach(op)  an operation the caller does not await still happens
// A value argument may be a temporary: a port copies it when the operation is
// issued (the simulator's servers do; a coroutine takes it by value).
//   bool CacheDown(Time, Key cache_key), uint32_t CacheNodes(), CacheNodeOf(Key cache_key),
//   Time CacheUpAgainAt(Time, uint32_t node), AddFlushListener(f(uint32_t node)),
//   AddCommitListener(f),
//   std::unique_ptr<Channel> MakeChannel(Duration delay, double loss, stream)
#pragma once

#include <algorithm>
#include <string>
#include <utility>

#include "policies/context.h"

namespace cachelab {

// The notes PortOps writes for `explain` (policies/context.cc).
namespace ops_notes {
void Get(const Ctx& c, Key k, const CacheGetResult& r);
void LeaseGet(const Ctx& c, Key k, const LeaseGetResult& r);
void Set(const Ctx& c, Key k, const Value& v, Duration ttl, bool wait);
void LeaseSet(const Ctx& c, Key k, const Value& v, uint64_t token, CacheWriteStatus s);
void SetIfAbsent(const Ctx& c, Key k, Duration ttl, CacheWriteStatus s);
void Load(const Ctx& c, Key k, const DbResult& r, Duration took);
void Commit(const Ctx& c, Key k, const DbResult& r);
}  // namespace ops_notes

template <class Port>
class PortOps final : public CacheOps {
 public:
  PortOps(const OpsEnv& env, const StackRules& rules, Port port)
      : CacheOps(env, rules), port_(std::move(port)) {}

  Port& port() { return port_; }

 private:
  Task<CacheGetResult> Get(const Ctx& c, Key k) override {
    if (BreakerOpen(c)) {
      ++env_.stats.breaker_bypasses;
      if (c.Tracing(k)) c.Note(k, "app", "cache skipped (circuit open)");
      co_return CacheGetResult{CacheStatus::kError, {}, {}};
    }
    CacheGetResult r = co_await port_.Get(CacheKey(k));
    if (r.status == CacheStatus::kError) NoteCacheError(c);
    if (r.hit()) {
      const Duration cost = SerializationCost(r.value.size);
      if (cost > Duration()) co_await rt_.Sleep(cost);
    }
    if (c.Tracing(k)) ops_notes::Get(c, k, r);
    co_return r;
  }

  Task<LeaseGetResult> LeaseGet(const Ctx& c, Key k, Duration period) override {
    if (BreakerOpen(c)) {
      ++env_.stats.breaker_bypasses;
      LeaseGetResult r;
      r.get.status = CacheStatus::kError;
      co_return r;
    }
    LeaseGetResult r = co_await port_.LeaseGet(CacheKey(k), period);
    if (r.get.status == CacheStatus::kError) NoteCacheError(c);
    if (r.get.hit()) {
      const Duration cost = SerializationCost(r.get.value.size);
      if (cost > Duration()) co_await rt_.Sleep(cost);
    }
    if (c.Tracing(k)) ops_notes::LeaseGet(c, k, r);
    co_return r;
  }

  Task<DbResult> Load(const Ctx& c, Key k) override {
    const bool tracing = c.Tracing(k);
    if (tracing) c.Note(k, "db", "SELECT issued");
    const Time start = rt_.now();
    DbResult r = co_await port_.Read(k, c.instance());
    const Duration took = rt_.now() - start;
    if (r.ok) {
      spelling_.Stamp(k, &r.value);
      r.value.compute_us =
          static_cast<uint32_t>(std::min<int64_t>(took.nanos() / 1000, UINT32_MAX));
      r.value.size = CachedSize(r.value.size);
    }
    if (tracing) ops_notes::Load(c, k, r, took);
    co_return r;
  }

  Task<CacheWriteStatus> Set(const Ctx& c, Key k, const Value& v, Duration ttl,
                             bool wait) override {
    const Duration cost = SerializationCost(v.size);
    if (cost > Duration()) co_await rt_.Sleep(cost);
    // An operation acts when issued; not awaiting it only spares the caller the round trip.
    auto op = port_.Set(CacheKey(k), Stamped(k, v), ttl);
    if (c.Tracing(k)) ops_notes::Set(c, k, v, ttl, wait);
    if (!wait) {
      port_.Detach(std::move(op));
      co_return CacheWriteStatus::kOk;
    }
    const CacheWriteStatus s = co_await std::move(op);
    if (s == CacheWriteStatus::kError) NoteCacheError(c);
    co_return s;
  }

  Task<CacheWriteStatus> LeaseSet(const Ctx& c, Key k, const Value& v, Duration ttl,
                                  uint64_t token) override {
    const Duration cost = SerializationCost(v.size);
    if (cost > Duration()) co_await rt_.Sleep(cost);
    const CacheWriteStatus s = co_await port_.LeaseSet(CacheKey(k), Stamped(k, v), ttl, token);
    if (c.Tracing(k)) ops_notes::LeaseSet(c, k, v, token, s);
    if (s == CacheWriteStatus::kError) NoteCacheError(c);
    co_return s;
  }

  Task<CacheWriteStatus> SetIfAbsent(const Ctx& c, Key k, Key cache_key, const Value& v,
                                     Duration ttl) override {
    const CacheWriteStatus s = co_await port_.SetIfAbsent(cache_key, v, ttl);
    if (c.Tracing(k)) ops_notes::SetIfAbsent(c, k, ttl, s);
    if (s == CacheWriteStatus::kError) NoteCacheError(c);
    co_return s;
  }

  Task<CacheWriteStatus> DeleteRaw(const Ctx& c, Key k, Key cache_key) override {
    auto op = port_.Delete(cache_key);
    if (c.Tracing(k)) c.Note(k, "cache", "DEL lock");
    const CacheWriteStatus s = co_await std::move(op);
    if (s == CacheWriteStatus::kError) NoteCacheError(c);
    co_return s;
  }

  Task<DbResult> Commit(const Ctx& c, Key k, uint32_t size, bool acknowledges,
                        uint64_t version) override {
    const bool tracing = c.Tracing(k);
    if (tracing) c.Note(k, "db", "UPDATE issued");
    DbResult r = co_await port_.Write(k, size, acknowledges, version, c.instance());
    if (r.ok) {
      r.value.size = CachedSize(r.value.size);
      spelling_.Stamp(k, &r.value);
    }
    if (tracing) ops_notes::Commit(c, k, r);
    co_return r;
  }

  Task<CacheWriteStatus> Delete(const Ctx& c, Key k) override {
    auto op = port_.Delete(DeleteKey(k));
    if (c.Tracing(k)) c.Note(k, "cache", "DEL");
    const CacheWriteStatus s = co_await std::move(op);
    if (s == CacheWriteStatus::kError) NoteCacheError(c);
    co_return s;
  }

  bool CacheDown(Time t, Key cache_key) const override { return port_.CacheDown(t, cache_key); }
  uint32_t CacheNodes() const override { return port_.CacheNodes(); }
  uint32_t CacheNodeOf(Key cache_key) const override { return port_.CacheNodeOf(cache_key); }
  Time CacheUpAgainAt(Time t, uint32_t node) const override {
    return port_.CacheUpAgainAt(t, node);
  }
  void AddFlushListener(std::function<void(uint32_t)> f) override {
    port_.AddFlushListener(std::move(f));
  }
  void AddCommitListener(std::function<void(Key, uint64_t)> f) override {
    port_.AddCommitListener(std::move(f));
  }
  std::unique_ptr<Channel> MakeChannel(Duration delay, double loss,
                                       const std::string& stream) override {
    return port_.MakeChannel(delay, loss, stream);
  }

  Port port_;
};

}  // namespace cachelab
