#include "policies/context.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "policies/ops.h"
#include "policies/stack.h"
#include "sim/model/cache_cluster.h"
#include "sim/model/ledger.h"
#include "sim/model/pubsub.h"
#include "sim/model/read_router.h"

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

CacheOps::CacheOps(const OpsEnv& env, const StackRules& rules)
    : env_(env),
      rt_(env.rt),
      fill_(rules.fill),
      degradation_(rules.degradation),
      invalidation_(*rules.invalidation),
      l1_(rules.l1),
      instances_(rules.instances),
      breaker_until_(rules.instances, Time::Zero()),
      classes_(env.config.workload),
      spelling_(env.config.workload) {
  for (const WorkloadConfig::KeyClass& c : env.config.workload.classes) class_ttl_.push_back(c.ttl);
}

Duration CacheOps::FillTtl(Key k, const Value& v) const {
  return v.exists ? FillTtlFor(k, fill_.ttl) : invalidation_.FillTtl(fill_.negative_ttl);
}

bool CacheOps::Fillable(const Value& v) const {
  return v.exists || fill_.negative_ttl > Duration();
}

uint32_t CacheOps::CachedSize(uint32_t row_size) const {
  const double f = env_.config.instances.serialization.cached_fraction;
  if (f >= 1) return row_size;
  return std::max<uint32_t>(1, static_cast<uint32_t>(std::llround(row_size * f)));
}

Duration CacheOps::SerializationCost(uint32_t bytes) const {
  const Duration per_kib = env_.config.instances.serialization.per_kib;
  if (per_kib <= Duration()) return Duration();
  return Duration::Nanos(per_kib.nanos() * static_cast<int64_t>(bytes) / 1024);
}

bool CacheOps::BreakerOpen(const Ctx& c) const {
  return degradation_.breaker_open > Duration() && rt_.now() < breaker_until_[c.instance()];
}

void CacheOps::NoteCacheError(const Ctx& c) {
  if (degradation_.breaker_open > Duration()) {
    breaker_until_[c.instance()] = rt_.now() + degradation_.breaker_open;
  }
}

namespace ops_notes {

void Get(const Ctx& c, Key k, const CacheGetResult& r) {
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

void LeaseGet(const Ctx& c, Key k, const LeaseGetResult& r) {
  c.Note(k, "cache",
         r.get.hit()                           ? fmt::format("GET hit {}", Describe(r.get.value))
         : r.get.status == CacheStatus::kError ? std::string("GET error (cache down)")
         : r.token != 0                        ? fmt::format("GET miss, lease #{} granted", r.token)
                        : std::string("GET miss, lease held by another: wait"));
}

void Set(const Ctx& c, Key k, const Value& v, Duration ttl, bool wait) {
  c.Note(k, "cache",
         fmt::format("SET {} ({}){}", Describe(v), DescribeTtl(ttl), wait ? "" : ", not awaited"));
}

void LeaseSet(const Ctx& c, Key k, const Value& v, uint64_t token, CacheWriteStatus s) {
  c.Note(k, "cache",
         fmt::format(
             "SET {} with lease #{}: {}", Describe(v), token,
             s == CacheWriteStatus::kRejected ? "REJECTED (lease invalidated)" : StatusName(s)));
}

void SetIfAbsent(const Ctx& c, Key k, Duration ttl, CacheWriteStatus s) {
  c.Note(k, "cache",
         fmt::format("SETNX lock ({}): {}", DescribeTtl(ttl),
                     s == CacheWriteStatus::kOk         ? "acquired"
                     : s == CacheWriteStatus::kRejected ? "held by another"
                                                        : "error"));
}

void Load(const Ctx& c, Key k, const DbResult& r, Duration took) {
  c.Note(k, "db",
         r.ok ? fmt::format("SELECT returned {} after {:g} ms", Describe(r.value), took.millis())
              : std::string("SELECT timed out waiting for a connection"));
}

void Commit(const Ctx& c, Key k, const DbResult& r) {
  c.Note(k, "db",
         r.ok ? fmt::format("UPDATE committed v{}", r.value.version)
              : std::string("UPDATE timed out waiting for a connection"));
}

}  // namespace ops_notes

Task<void> CacheOps::Fill(const Ctx& c, Key k, const Value& v, Duration extra_ttl) {
  if (!Fillable(v)) co_return;
  Duration ttl = FillTtl(k, v);
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
  return invalidation_.CacheKey(spelling_.Spell(k), rt_.now());
}

Key CacheOps::DeleteKey(Key k) const {
  return invalidation_.CacheKey(spelling_.SpellForDelete(k), rt_.now());
}

Duration CacheOps::FillTtlFor(Key k, Duration ttl) const {
  if (!class_ttl_.empty()) {
    const Duration own = class_ttl_[classes_.Of(k)];
    if (own > Duration()) ttl = own;
  }
  return invalidation_.FillTtl(ttl);
}

bool CacheClient::Down(Key k) const {
  return DownRaw(c_->ops_->CacheKey(k));
}

bool CacheClient::DownRaw(Key cache_key) const {
  return c_->ops_->CacheDown(c_->now(), cache_key);
}

uint32_t CacheClient::Nodes() const {
  return c_->ops_->CacheNodes();
}

uint32_t CacheClient::NodeOf(Key k) const {
  return NodeOfRaw(c_->ops_->CacheKey(k));
}

uint32_t CacheClient::NodeOfRaw(Key cache_key) const {
  return c_->ops_->CacheNodeOf(cache_key);
}

Time CacheClient::UpAgainAt(Time t, uint32_t node) const {
  return c_->ops_->CacheUpAgainAt(t, node);
}

void CacheClient::OnFlush(std::function<void(uint32_t)> f) const {
  c_->ops_->AddFlushListener(std::move(f));
}

void DbClient::OnCommit(std::function<void(Key, uint64_t)> f) const {
  c_->ops_->AddCommitListener(std::move(f));
}

uint64_t Ctx::keys() const {
  return ops_->env_.config.workload.keys;
}

RandomEngine Ctx::Stream(std::string_view name) const {
  return MakeStream(ops_->env_.config.seed, name);
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

// The simulator's port (policies/ops.h): the simulated servers' own
// awaitables, which act when issued, so a detached operation needs nothing.
struct SimPort {
  Services* svc;

  auto Get(Key ck) { return svc->cache.Get(ck); }
  auto LeaseGet(Key ck, Duration period) { return svc->cache.LeaseGet(ck, period); }
  auto Set(Key ck, const Value& v, Duration ttl) { return svc->cache.Set(ck, v, ttl); }
  auto LeaseSet(Key ck, const Value& v, Duration ttl, uint64_t token) {
    return svc->cache.LeaseSet(ck, v, ttl, token);
  }
  auto SetIfAbsent(Key ck, const Value& v, Duration ttl) {
    return svc->cache.SetIfAbsent(ck, v, ttl);
  }
  auto Delete(Key ck) { return svc->cache.Delete(ck); }
  auto Read(Key k, uint32_t instance) {
    return svc->reads != nullptr ? svc->reads->For(instance, k, svc->sim.now()).Read(k, instance)
                                 : svc->db.Read(k, instance);
  }
  auto Write(Key k, uint32_t size, bool acknowledges, uint64_t version, uint32_t instance) {
    if (svc->reads != nullptr) svc->reads->Wrote(instance, k, svc->sim.now());
    return svc->db.Write(k, size, acknowledges, version, instance);
  }
  template <typename Op>
  void Detach(Op&&) {}
  bool CacheDown(Time t, Key ck) const { return svc->cache.IsDown(t, ck); }
  uint32_t CacheNodes() const { return svc->cache.nodes(); }
  uint32_t CacheNodeOf(Key ck) const { return svc->cache.NodeOf(ck); }
  Time CacheUpAgainAt(Time t, uint32_t node) const { return svc->cache.UpAgainAt(t, node); }
  void AddFlushListener(std::function<void(uint32_t)> f) {
    svc->cache.AddFlushListener(std::move(f));
  }
  void AddCommitListener(std::function<void(Key, uint64_t)> f) {
    svc->db.AddCommitListener(std::move(f));
  }
  std::unique_ptr<Channel> MakeChannel(Duration delay, double loss,
                                       const std::string& stream) const {
    DistributionConfig d;
    d.kind = DistributionConfig::Kind::kConstant;
    d.mean = static_cast<double>(delay.nanos());
    return std::make_unique<SimChannel>(svc->sim, d, loss, svc->config.seed, stream);
  }
};

}  // namespace

std::unique_ptr<CacheOps> MakeSimOps(Services& svc, const StackRules& rules) {
  const OpsEnv env{svc.runtime, svc.config, svc.stats,           svc.stopped,
                   svc.trace,   svc.ledger, svc.writable_ledger, &svc.abandoned};
  return std::make_unique<PortOps<SimPort>>(env, rules, SimPort{&svc});
}

std::unique_ptr<Channel> Ctx::OpenChannel(Duration delay, double loss,
                                          const std::string& stream) const {
  return ops_->MakeChannel(delay, loss, stream);
}

uint64_t Ctx::AckedVersion(Key k) const {
  return ops_->env_.ledger.acked(k);
}

bool Ctx::CanAcknowledge() const {
  return ops_->env_.writable_ledger != nullptr;
}

void Ctx::Acknowledge(Key k, uint64_t version) const {
  ops_->env_.writable_ledger->Acknowledge(k, version, now());
}

void Ctx::Note(Key k, const char* actor, std::string text) const {
  (void)k;
  ops_->env_.trace->Add(
      TraceEvent{now(), request_, static_cast<int32_t>(instance_), actor, std::move(text)});
}

}  // namespace cachelab
