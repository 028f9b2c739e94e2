#include "sim/model/cache_server.h"

namespace cachelab {

CacheServer::CacheServer(Simulator& sim, const CacheConfig& config,
                         std::unique_ptr<EvictionPolicy> eviction, uint64_t seed)
    : sim_(sim),
      config_(config),
      store_(config.capacity_bytes, config.max_items, config.entry_overhead, std::move(eviction)),
      rtt_(config.rtt),
      rng_(MakeStream(seed, "cache.rtt")) {
  store_.set_active_expiry(config.active_expiry_interval > Duration());
}

bool CacheServer::IsDown(Time t) const {
  for (const auto& f : config_.faults) {
    if (f.kind == FaultWindowConfig::Kind::kDown && t >= Time::Zero() + f.start &&
        t < Time::Zero() + f.start + f.duration) {
      return true;
    }
  }
  return false;
}

Delayed<CacheGetResult> CacheServer::Get(Key k) {
  ++stats_.gets;
  const Time now = sim_.now();
  if (IsDown(now)) {
    ++stats_.errors;
    return {sim_, config_.timeout, CacheGetResult{CacheStatus::kError, {}, {}}};
  }
  CacheGetResult r;
  if (const Store::Entry* e = store_.Get(k, now)) {
    r.status = CacheStatus::kHit;
    r.value = e->value;
    r.remaining_ttl = e->expires == Time::Max() ? Duration::Max() : e->expires - now;
  }
  return {sim_, Rtt(), r};
}

template <typename Apply>
Delayed<CacheWriteStatus> CacheServer::WriteOp(uint64_t& counter, Apply apply) {
  ++counter;
  const Time now = sim_.now();
  if (IsDown(now)) {
    ++stats_.errors;
    return {sim_, config_.timeout, CacheWriteStatus::kError};
  }
  return {sim_, Rtt(), apply(now) ? CacheWriteStatus::kOk : CacheWriteStatus::kRejected};
}

Delayed<CacheWriteStatus> CacheServer::Set(Key k, const Value& v, Duration ttl) {
  return WriteOp(stats_.sets, [&](Time now) { return store_.Set(k, v, ttl, now); });
}

Delayed<CacheWriteStatus> CacheServer::SetIfAbsent(Key k, const Value& v, Duration ttl) {
  return WriteOp(stats_.sets, [&](Time now) { return store_.SetIfAbsent(k, v, ttl, now); });
}

// Deleting an absent key is still a success, as in Redis' DEL.
Delayed<CacheWriteStatus> CacheServer::Delete(Key k) {
  return WriteOp(stats_.deletes, [&](Time now) {
    store_.Delete(k, now);
    return true;
  });
}

void CacheServer::Start() {
  if (config_.active_expiry_interval > Duration()) {
    sim_.ScheduleAfter(config_.active_expiry_interval, &CacheServer::OnActiveExpiry, this);
  }
}

void CacheServer::OnActiveExpiry(void* self, uint64_t) {
  auto* s = static_cast<CacheServer*>(self);
  if (s->stopped_) return;
  if (!s->IsDown(s->sim_.now()))
    s->store_.ActiveExpire(s->sim_.now(), s->config_.active_expiry_limit);
  s->sim_.ScheduleAfter(s->config_.active_expiry_interval, &CacheServer::OnActiveExpiry, s);
}

}  // namespace cachelab
