#include "policies/context.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "policies/stack.h"
#include "sim/model/ledger.h"
#include "sim/model/pubsub.h"

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
      rt_(svc.runtime),
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

bool CacheOps::BreakerOpen(const Ctx& c) const {
  return degradation_.breaker_open > Duration() && svc_.sim.now() < breaker_until_[c.instance()];
}

void CacheOps::NoteCacheError(const Ctx& c) {
  if (degradation_.breaker_open > Duration()) {
    breaker_until_[c.instance()] = svc_.sim.now() + degradation_.breaker_open;
  }
}

Task<CacheGetResult> CacheOps::Get(const Ctx& c, Key k) {
  if (BreakerOpen(c)) {
    ++svc_.stats.breaker_bypasses;
    if (c.Tracing(k)) c.Note(k, "app", "cache skipped (circuit open)");
    co_return CacheGetResult{CacheStatus::kError, {}, {}};
  }
  CacheGetResult r = co_await svc_.cache.Get(CacheKey(k));
  if (r.status == CacheStatus::kError) NoteCacheError(c);
  if (r.hit()) {
    const Duration cost = SerializationCost(r.value.size);
    if (cost > Duration()) co_await Sleep(svc_.sim, cost);
  }
  if (c.Tracing(k)) {
    std::string text;
    if (r.hit()) {
      text = fmt::format("GET hit {} ({} left)", Describe(r.value),
                         r.remaining_ttl == Duration::Max()
                             ? std::string("no ttl")
                             : fmt::format("{:g}s", r.remaining_ttl.seconds()));
    } else {
      text = r.status == CacheStatus::kMiss ? "GET miss" : "GET error (cache down)";
    }
    c.Note(k, "cache", std::move(text));
  }
  co_return r;
}

Task<LeaseGetResult> CacheOps::LeaseGet(const Ctx& c, Key k, Duration period) {
  if (BreakerOpen(c)) {
    ++svc_.stats.breaker_bypasses;
    LeaseGetResult r;
    r.get.status = CacheStatus::kError;
    co_return r;
  }
  LeaseGetResult r = co_await svc_.cache.LeaseGet(CacheKey(k), period);
  if (r.get.status == CacheStatus::kError) NoteCacheError(c);
  if (r.get.hit()) {
    const Duration cost = SerializationCost(r.get.value.size);
    if (cost > Duration()) co_await Sleep(svc_.sim, cost);
  }
  if (c.Tracing(k)) {
    c.Note(k, "cache",
           r.get.hit()                           ? fmt::format("GET hit {}", Describe(r.get.value))
           : r.get.status == CacheStatus::kError ? std::string("GET error (cache down)")
           : r.token != 0 ? fmt::format("GET miss, lease #{} granted", r.token)
                          : std::string("GET miss, lease held by another: wait"));
  }
  co_return r;
}

Task<DbResult> CacheOps::Load(const Ctx& c, Key k) {
  const bool tracing = c.Tracing(k);
  if (tracing) c.Note(k, "db", "SELECT issued");
  const Time start = svc_.sim.now();
  DbResult r = co_await svc_.db.Read(k);
  if (r.ok) {
    r.value.compute_us = static_cast<uint32_t>(
        std::min<int64_t>((svc_.sim.now() - start).nanos() / 1000, UINT32_MAX));
    r.value.size = CachedSize(r.value.size);
  }
  if (tracing) {
    c.Note(k, "db",
           r.ok ? fmt::format("SELECT returned {} after {:g} ms", Describe(r.value),
                              (svc_.sim.now() - start).millis())
                : std::string("SELECT timed out waiting for a connection"));
  }
  co_return r;
}

Task<CacheWriteStatus> CacheOps::Set(const Ctx& c, Key k, const Value& v, Duration ttl, bool wait) {
  const Duration cost = SerializationCost(v.size);
  if (cost > Duration()) co_await Sleep(svc_.sim, cost);
  // An operation acts when issued; not awaiting it only spares the caller the round trip.
  auto op = svc_.cache.Set(CacheKey(k), v, ttl);
  if (c.Tracing(k)) {
    c.Note(
        k, "cache",
        fmt::format("SET {} ({}){}", Describe(v), DescribeTtl(ttl), wait ? "" : ", not awaited"));
  }
  if (!wait) co_return CacheWriteStatus::kOk;
  const CacheWriteStatus s = co_await op;
  if (s == CacheWriteStatus::kError) NoteCacheError(c);
  co_return s;
}

Task<CacheWriteStatus> CacheOps::LeaseSet(const Ctx& c, Key k, const Value& v, Duration ttl,
                                          uint64_t token) {
  const Duration cost = SerializationCost(v.size);
  if (cost > Duration()) co_await Sleep(svc_.sim, cost);
  auto op = svc_.cache.LeaseSet(CacheKey(k), v, ttl, token);
  const CacheWriteStatus s = co_await op;
  if (c.Tracing(k)) {
    c.Note(k, "cache",
           fmt::format(
               "SET {} with lease #{}: {}", Describe(v), token,
               s == CacheWriteStatus::kRejected ? "REJECTED (lease invalidated)" : StatusName(s)));
  }
  if (s == CacheWriteStatus::kError) NoteCacheError(c);
  co_return s;
}

Task<CacheWriteStatus> CacheOps::SetIfAbsent(const Ctx& c, Key k, Key cache_key, const Value& v,
                                             Duration ttl) {
  const CacheWriteStatus s = co_await svc_.cache.SetIfAbsent(cache_key, v, ttl);
  if (c.Tracing(k)) {
    c.Note(k, "cache",
           fmt::format("SETNX lock ({}): {}", DescribeTtl(ttl),
                       s == CacheWriteStatus::kOk         ? "acquired"
                       : s == CacheWriteStatus::kRejected ? "held by another"
                                                          : "error"));
  }
  if (s == CacheWriteStatus::kError) NoteCacheError(c);
  co_return s;
}

Task<CacheWriteStatus> CacheOps::DeleteRaw(const Ctx& c, Key k, Key cache_key) {
  auto op = svc_.cache.Delete(cache_key);
  if (c.Tracing(k)) c.Note(k, "cache", "DEL lock");
  const CacheWriteStatus s = co_await op;
  if (s == CacheWriteStatus::kError) NoteCacheError(c);
  co_return s;
}

Task<DbResult> CacheOps::Commit(const Ctx& c, Key k, uint32_t size, bool acknowledges,
                                uint64_t version) {
  const bool tracing = c.Tracing(k);
  if (tracing) c.Note(k, "db", "UPDATE issued");
  DbResult r = co_await svc_.db.Write(k, size, acknowledges, version);
  if (r.ok) r.value.size = CachedSize(r.value.size);
  if (tracing) {
    c.Note(k, "db",
           r.ok ? fmt::format("UPDATE committed v{}", r.value.version)
                : std::string("UPDATE timed out waiting for a connection"));
  }
  co_return r;
}

Task<CacheWriteStatus> CacheOps::Delete(const Ctx& c, Key k) {
  auto op = svc_.cache.Delete(CacheKey(k));
  if (c.Tracing(k)) c.Note(k, "cache", "DEL");
  const CacheWriteStatus s = co_await op;
  if (s == CacheWriteStatus::kError) NoteCacheError(c);
  co_return s;
}

Task<void> CacheOps::Fill(const Ctx& c, Key k, const Value& v, Duration extra_ttl) {
  if (!Fillable(v)) co_return;
  Duration ttl = FillTtl(v);
  if (ttl > Duration()) ttl = ttl + extra_ttl;
  co_await Set(c, k, v, ttl, fill_.caller_waits_for_fill);
}

Task<ReadOutcome> CacheOps::LoadAndFill(const Ctx& c, Key k, CacheStatus why) {
  const CacheOutcome outcome =
      why == CacheStatus::kError ? CacheOutcome::kError : CacheOutcome::kMiss;
  if (outcome == CacheOutcome::kError && !degradation_.fallback) {
    co_return ReadOutcome{{}, outcome, true};
  }
  const DbResult row = co_await Load(c, k);
  if (!row.ok) co_return ReadOutcome{{}, outcome, true};
  if (outcome == CacheOutcome::kMiss) co_await Fill(c, k, row.value, {});
  co_return ReadOutcome{row.value, outcome, false};
}

Key CacheOps::CacheKey(Key k) const {
  return invalidation_.CacheKey(k, svc_.sim.now());
}

Duration CacheOps::FillTtlFor(Duration ttl) const {
  return invalidation_.FillTtl(ttl);
}

bool CacheClient::Down() const {
  return c_->ops_->svc_.cache.IsDown(c_->now());
}

Time CacheClient::UpAgainAt(Time t) const {
  const CacheConfig& cache = c_->ops_->svc_.config.cache;
  for (bool moved = true; moved;) {
    moved = false;
    for (const FaultWindowConfig& f : cache.faults) {
      const bool down =
          f.kind == FaultWindowConfig::Kind::kDown || f.kind == FaultWindowConfig::Kind::kRestart;
      const Time start = Time::Zero() + f.start, end = start + f.duration;
      if (down && t >= start && t < end) {
        t = end;
        moved = true;
      }
    }
  }
  return t;
}

void CacheClient::OnFlush(std::function<void()> f) const {
  c_->ops_->svc_.cache.AddFlushListener(std::move(f));
}

void DbClient::OnCommit(std::function<void(Key, uint64_t)> f) const {
  c_->ops_->svc_.db.AddCommitListener(std::move(f));
}

uint64_t Ctx::keys() const {
  return ops_->svc_.config.workload.keys;
}

RandomEngine Ctx::Stream(std::string_view name) const {
  return MakeStream(ops_->svc_.config.seed, name);
}

namespace {

// The simulator's channel: sim/model/pubsub.h with a constant delivery delay.
class SimChannel final : public Channel {
 public:
  SimChannel(Simulator& sim, const DistributionConfig& delay, double loss, uint64_t seed,
             const std::string& stream)
      : pubsub_(sim, delay, loss, seed, stream) {}
  void Subscribe(Handler h) override { pubsub_.Subscribe(std::move(h)); }
  void Publish(Key k) override { pubsub_.Publish(k); }
  ChannelStats stats() const override {
    const PubSubStats& s = pubsub_.stats();
    return ChannelStats{s.published, s.delivered, s.lost};
  }

 private:
  PubSub pubsub_;
};

}  // namespace

std::unique_ptr<Channel> Ctx::OpenChannel(Duration delay, double loss,
                                          const std::string& stream) const {
  DistributionConfig d;
  d.kind = DistributionConfig::Kind::kConstant;
  d.mean = static_cast<double>(delay.nanos());
  return std::make_unique<SimChannel>(ops_->svc_.sim, d, loss, ops_->svc_.config.seed, stream);
}

uint64_t Ctx::AckedVersion(Key k) const {
  return ops_->svc_.ledger.acked(k);
}

bool Ctx::CanAcknowledge() const {
  return ops_->svc_.writable_ledger != nullptr;
}

void Ctx::Acknowledge(Key k, uint64_t version) const {
  ops_->svc_.writable_ledger->Acknowledge(k, version, now());
}

void Ctx::Note(Key k, const char* actor, std::string text) const {
  (void)k;
  ops_->svc_.trace->Add(
      TraceEvent{now(), request_, static_cast<int32_t>(instance_), actor, std::move(text)});
}

}  // namespace cachelab
