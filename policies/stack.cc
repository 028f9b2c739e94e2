#include "policies/stack.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace cachelab {

namespace {

const char* StatusName(CacheWriteStatus s) {
  switch (s) {
    case CacheWriteStatus::kOk:
      return "ok";
    case CacheWriteStatus::kRejected:
      return "rejected";
    case CacheWriteStatus::kError:
      return "error";
  }
  return "?";
}

std::string Describe(const Value& v) {
  return v.exists ? fmt::format("v{}", v.version) : std::string("not found");
}

std::string DescribeTtl(Duration ttl) {
  return ttl > Duration() ? fmt::format("ttl {:g}s", ttl.seconds()) : std::string("no ttl");
}

}  // namespace

CacheOps::CacheOps(Services& svc, const FillRule& fill, const DegradationRule& degradation,
                   Invalidation& invalidation, NearCache* l1, uint32_t instances)
    : svc_(svc),
      fill_(fill),
      degradation_(degradation),
      invalidation_(invalidation),
      l1_(l1),
      instances_(instances),
      breaker_until_(instances, Time::Zero()) {}

Duration CacheOps::FillTtl(const Value& v) const {
  return invalidation_.FillTtl(v.exists ? fill_.ttl : fill_.negative_ttl);
}

bool CacheOps::Fillable(const Value& v) const {
  return v.exists || fill_.negative_ttl > Duration();
}

uint32_t CacheOps::CachedSize(uint32_t row_size) const {
  const double f = svc_.config.instances.serialization.cached_fraction;
  if (f >= 1) return row_size;
  return std::max<uint32_t>(1, static_cast<uint32_t>(std::llround(row_size * f)));
}

Duration CacheOps::SerializationCost(uint32_t bytes) const {
  const Duration per_kib = svc_.config.instances.serialization.per_kib;
  if (per_kib <= Duration()) return Duration();
  return Duration::Nanos(per_kib.nanos() * static_cast<int64_t>(bytes) / 1024);
}

bool CacheOps::BreakerOpen(const Env& env) const {
  return degradation_.breaker_open > Duration() && env.sim.now() < breaker_until_[env.instance];
}

void CacheOps::NoteCacheError(Env& env) {
  if (degradation_.breaker_open > Duration()) {
    breaker_until_[env.instance] = env.sim.now() + degradation_.breaker_open;
  }
}

Task<CacheGetResult> CacheOps::Get(Env& env, Key k, uint64_t request) {
  if (BreakerOpen(env)) {
    ++svc_.stats.breaker_bypasses;
    if (env.Tracing(k)) env.Note(k, request, "app", "cache skipped (circuit open)");
    co_return CacheGetResult{CacheStatus::kError, {}, {}};
  }
  CacheGetResult r = co_await env.cache.Get(CacheKey(k));
  if (r.status == CacheStatus::kError) NoteCacheError(env);
  if (r.hit()) {
    const Duration cost = SerializationCost(r.value.size);
    if (cost > Duration()) co_await Sleep(env.sim, cost);
  }
  if (env.Tracing(k)) {
    env.Note(k, request, "cache",
             r.hit() ? fmt::format("GET hit {} ({} left)", Describe(r.value),
                                   r.remaining_ttl == Duration::Max()
                                       ? std::string("no ttl")
                                       : fmt::format("{:g}s", r.remaining_ttl.seconds()))
             : r.status == CacheStatus::kMiss ? std::string("GET miss")
                                              : std::string("GET error (cache down)"));
  }
  co_return r;
}

Task<LeaseGetResult> CacheOps::LeaseGet(Env& env, Key k, uint64_t request, Duration period) {
  if (BreakerOpen(env)) {
    ++svc_.stats.breaker_bypasses;
    LeaseGetResult r;
    r.get.status = CacheStatus::kError;
    co_return r;
  }
  LeaseGetResult r = co_await env.cache.LeaseGet(CacheKey(k), period);
  if (r.get.status == CacheStatus::kError) NoteCacheError(env);
  if (r.get.hit()) {
    const Duration cost = SerializationCost(r.get.value.size);
    if (cost > Duration()) co_await Sleep(env.sim, cost);
  }
  if (env.Tracing(k)) {
    env.Note(k, request, "cache",
             r.get.hit() ? fmt::format("GET hit {}", Describe(r.get.value))
             : r.get.status == CacheStatus::kError ? std::string("GET error (cache down)")
             : r.token != 0 ? fmt::format("GET miss, lease #{} granted", r.token)
                            : std::string("GET miss, lease held by another: wait"));
  }
  co_return r;
}

Task<DbResult> CacheOps::Load(Env& env, Key k, uint64_t request) {
  const bool tracing = env.Tracing(k);
  if (tracing) env.Note(k, request, "db", "SELECT issued");
  const Time start = env.sim.now();
  DbResult r = co_await env.db.Read(k);
  if (r.ok) {
    r.value.compute_us = static_cast<uint32_t>(
        std::min<int64_t>((env.sim.now() - start).nanos() / 1000, UINT32_MAX));
    r.value.size = CachedSize(r.value.size);
  }
  if (tracing) {
    env.Note(k, request, "db",
             r.ok ? fmt::format("SELECT returned {} after {:g} ms", Describe(r.value),
                                (env.sim.now() - start).millis())
                  : std::string("SELECT timed out waiting for a connection"));
  }
  co_return r;
}

Task<CacheWriteStatus> CacheOps::Set(Env& env, Key k, const Value& v, Duration ttl,
                                     uint64_t request, bool wait) {
  const Duration cost = SerializationCost(v.size);
  if (cost > Duration()) co_await Sleep(env.sim, cost);
  // An operation acts when issued; not awaiting it only spares the caller the round trip.
  auto op = env.cache.Set(CacheKey(k), v, ttl);
  if (env.Tracing(k)) {
    env.Note(
        k, request, "cache",
        fmt::format("SET {} ({}){}", Describe(v), DescribeTtl(ttl), wait ? "" : ", not awaited"));
  }
  if (!wait) co_return CacheWriteStatus::kOk;
  const CacheWriteStatus s = co_await op;
  if (s == CacheWriteStatus::kError) NoteCacheError(env);
  co_return s;
}

Task<CacheWriteStatus> CacheOps::LeaseSet(Env& env, Key k, const Value& v, Duration ttl,
                                          uint64_t token, uint64_t request) {
  const Duration cost = SerializationCost(v.size);
  if (cost > Duration()) co_await Sleep(env.sim, cost);
  auto op = env.cache.LeaseSet(CacheKey(k), v, ttl, token);
  const CacheWriteStatus s = co_await op;
  if (env.Tracing(k)) {
    env.Note(k, request, "cache",
             fmt::format("SET {} with lease #{}: {}", Describe(v), token,
                         s == CacheWriteStatus::kRejected ? "REJECTED (lease invalidated)"
                                                          : StatusName(s)));
  }
  if (s == CacheWriteStatus::kError) NoteCacheError(env);
  co_return s;
}

Task<CacheWriteStatus> CacheOps::SetIfAbsent(Env& env, Key k, Key cache_key, const Value& v,
                                             Duration ttl, uint64_t request) {
  const CacheWriteStatus s = co_await env.cache.SetIfAbsent(cache_key, v, ttl);
  if (env.Tracing(k)) {
    env.Note(k, request, "cache",
             fmt::format("SETNX lock ({}): {}", DescribeTtl(ttl),
                         s == CacheWriteStatus::kOk         ? "acquired"
                         : s == CacheWriteStatus::kRejected ? "held by another"
                                                            : "error"));
  }
  if (s == CacheWriteStatus::kError) NoteCacheError(env);
  co_return s;
}

Task<CacheWriteStatus> CacheOps::DeleteRaw(Env& env, Key k, Key cache_key, uint64_t request) {
  auto op = env.cache.Delete(cache_key);
  if (env.Tracing(k)) env.Note(k, request, "cache", "DEL lock");
  const CacheWriteStatus s = co_await op;
  if (s == CacheWriteStatus::kError) NoteCacheError(env);
  co_return s;
}

Task<DbResult> CacheOps::Commit(Env& env, Key k, uint32_t size, uint64_t request, bool acknowledges,
                                uint64_t version) {
  const bool tracing = env.Tracing(k);
  if (tracing) env.Note(k, request, "db", "UPDATE issued");
  DbResult r = co_await env.db.Write(k, size, acknowledges, version);
  if (r.ok) r.value.size = CachedSize(r.value.size);
  if (tracing) {
    env.Note(k, request, "db",
             r.ok ? fmt::format("UPDATE committed v{}", r.value.version)
                  : std::string("UPDATE timed out waiting for a connection"));
  }
  co_return r;
}

Task<CacheWriteStatus> CacheOps::Delete(Env& env, Key k, uint64_t request) {
  auto op = env.cache.Delete(CacheKey(k));
  if (env.Tracing(k)) env.Note(k, request, "cache", "DEL");
  const CacheWriteStatus s = co_await op;
  if (s == CacheWriteStatus::kError) NoteCacheError(env);
  co_return s;
}

Task<void> CacheOps::Fill(Env& env, Key k, const Value& v, uint64_t request, Duration extra_ttl) {
  if (!Fillable(v)) co_return;
  Duration ttl = FillTtl(v);
  if (ttl > Duration()) ttl = ttl + extra_ttl;
  co_await Set(env, k, v, ttl, request, fill_.caller_waits_for_fill);
}

Task<ReadOutcome> CacheOps::LoadAndFill(Env& env, Key k, CacheStatus why, uint64_t request) {
  const CacheOutcome outcome =
      why == CacheStatus::kError ? CacheOutcome::kError : CacheOutcome::kMiss;
  if (outcome == CacheOutcome::kError && !degradation_.fallback) {
    co_return ReadOutcome{{}, outcome, true};
  }
  const DbResult row = co_await Load(env, k, request);
  if (!row.ok) co_return ReadOutcome{{}, outcome, true};
  if (outcome == CacheOutcome::kMiss) co_await Fill(env, k, row.value, request);
  co_return ReadOutcome{row.value, outcome, false};
}

namespace {

class Stack final : public PolicyStack {
 public:
  Stack(FillRule fill, DegradationRule degradation, std::unique_ptr<WritePath> write,
        std::unique_ptr<Invalidation> invalidation, std::unique_ptr<Guard> guard,
        std::unique_ptr<NearCache> l1, std::unique_ptr<Warmer> warming, uint32_t instances)
      : fill_(fill),
        degradation_(degradation),
        write_(std::move(write)),
        invalidation_(std::move(invalidation)),
        guard_(std::move(guard)),
        l1_(std::move(l1)),
        warming_(std::move(warming)),
        instances_(instances) {}

  void Start(Services& svc) override {
    ops_.emplace(svc, fill_, degradation_, *invalidation_, l1_.get(), instances_);
    if (l1_) l1_->Start(svc, *ops_);
    invalidation_->Start(svc, *ops_);
    guard_->Start(svc, *ops_);
    write_->Start(svc, *ops_);
    if (warming_) warming_->Start(svc, *ops_);
  }

  Task<ReadOutcome> Read(Env& env, Key key, uint64_t request) override {
    if (l1_) {
      if (std::optional<Value> v = l1_->Get(env.instance, key, env.sim.now())) {
        ++env.svc->stats.l1_hits;
        if (env.Tracing(key)) env.Note(key, request, "l1", "hit " + Describe(*v));
        co_return ReadOutcome{*v, CacheOutcome::kHit, false};
      }
      ++env.svc->stats.l1_misses;
      if (env.Tracing(key)) env.Note(key, request, "l1", "miss");
    }
    ReadOutcome out = co_await guard_->Read(env, key, request, *ops_);
    if (l1_ && !out.failed && out.value.exists) {
      l1_->Put(env.instance, key, out.value, env.sim.now());
    }
    co_return out;
  }

  Task<bool> Write(Env& env, Key key, uint32_t size, uint64_t request) override {
    const bool ok = co_await write_->Write(env, key, size, request, *ops_);
    if (ok && l1_) l1_->OnWrite(env, key, request);
    co_return ok;
  }

  void Finish(Services& svc) override {
    write_->Finish(svc);
    invalidation_->Finish(svc);
    if (l1_) l1_->Finish(svc);
  }

 private:
  FillRule fill_;
  DegradationRule degradation_;
  std::unique_ptr<WritePath> write_;
  std::unique_ptr<Invalidation> invalidation_;
  std::unique_ptr<Guard> guard_;
  std::unique_ptr<NearCache> l1_;
  std::unique_ptr<Warmer> warming_;
  uint32_t instances_;
  std::optional<CacheOps> ops_;
};

const PolicyInfo& Require(Role role, const PolicyChoice& choice) {
  const PolicyInfo* info = FindPolicy(role, choice.name);
  if (info == nullptr) {
    throw std::invalid_argument(std::string("unknown ") + RoleName(role) + " policy \"" +
                                choice.name + "\"");
  }
  return *info;
}

Params Complete(Role role, const StackConfig& config) {
  const PolicyChoice& c = config.Of(role);
  return Params::WithDefaults(Require(role, c).params, c.params);
}

}  // namespace

std::unique_ptr<PolicyStack> BuildStack(const StackConfig& config, uint32_t instances) {
  auto info = [&](Role r) -> const PolicyInfo& { return Require(r, config.Of(r)); };
  auto params = [&](Role r) { return Complete(r, config); };
  return std::make_unique<Stack>(
      info(Role::kRead).make_read(params(Role::kRead)),
      info(Role::kDegradation).make_degradation(params(Role::kDegradation)),
      info(Role::kWrite).make_write(params(Role::kWrite)),
      info(Role::kInvalidation).make_invalidation(params(Role::kInvalidation)),
      info(Role::kGuard).make_guard(params(Role::kGuard)),
      info(Role::kL1).make_l1(params(Role::kL1)),
      info(Role::kWarming).make_warming(params(Role::kWarming)), std::max<uint32_t>(instances, 1));
}

}  // namespace cachelab
