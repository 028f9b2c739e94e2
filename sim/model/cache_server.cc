#include "sim/model/cache_server.h"

#include <algorithm>

namespace cachelab {

CacheServer::CacheServer(Simulator& sim, const CacheConfig& config,
                         std::unique_ptr<EvictionPolicy> eviction, uint64_t seed,
                         std::string_view rtt_stream)
    : sim_(sim),
      config_(config),
      store_(config.capacity_bytes, config.max_items, EntryCharge(config.memory),
             std::move(eviction)),
      rtt_(config.rtt),
      rng_(MakeStream(seed, rtt_stream)) {
  store_.set_active_expiry(config.active_expiry_interval > Duration());
}

bool CacheServer::IsDown(Time t) const {
  return UpAgainAt(t) > t;
}

Time CacheServer::UpAgainAt(Time t) const {
  return cachelab::UpAgainAt(config_.faults, t);
}

Duration CacheServer::Serve(uint64_t bytes, bool value_out) {
  (value_out ? stats_.bytes_out : stats_.bytes_in) += bytes;
  const bool link = config_.network.Limited() && bytes > 0;
  if (!config_.cpu.Limited() && !link) return Duration();
  const Time now = sim_.now();
  Time t = now;
  if (link && !value_out) {
    t = Link(&link_in_free_, &stats_.link_in_busy_ns, bytes, t);
  }
  t = Cpu(bytes, t);
  if (link && value_out) {
    t = Link(&link_out_free_, &stats_.link_out_busy_ns, bytes, t);
  }
  return t - now;
}

Time CacheServer::Cpu(uint64_t bytes, Time ready) {
  if (!config_.cpu.Limited()) return ready;
  const Duration service =
      config_.cpu.per_op +
      Duration::Nanos(static_cast<int64_t>(static_cast<double>(config_.cpu.per_kib.nanos()) *
                                           static_cast<double>(bytes) / 1024.0));
  const Time start = std::max(ready, cpu_free_);
  cpu_free_ = start + service;
  ++stats_.cpu_ops;
  stats_.cpu_busy_ns += service.nanos();
  stats_.cpu_wait_ns += (start - ready).nanos();
  return cpu_free_;
}

Time CacheServer::Link(Time* free, int64_t* busy_ns, uint64_t bytes, Time ready) {
  const Duration transfer = Duration::FromSecondsF(static_cast<double>(bytes) * 8.0 /
                                                   (config_.network.bandwidth_mbit * 1e6));
  const Time start = std::max(ready, *free);
  *free = start + transfer;
  *busy_ns += transfer.nanos();
  stats_.link_wait_ns += (start - ready).nanos();
  return *free;
}

Duration CacheServer::Rtt() {
  const Duration d = rtt_.DrawDuration(rng_);
  const Time now = sim_.now();
  for (const auto& f : config_.faults) {
    if (f.kind == FaultWindowConfig::Kind::kSlow && now >= Time::Zero() + f.start &&
        now < Time::Zero() + f.start + f.duration) {
      return Duration::FromSecondsF(d.seconds() * f.factor);
    }
  }
  return d;
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
    ++stats_.hits;
    r.status = CacheStatus::kHit;
    r.value = e->value;
    r.remaining_ttl = e->expires == Time::Max() ? Duration::Max() : e->expires - now;
  } else if (miss_hint_ != nullptr) {
    miss_hint_(miss_hint_ctx_, k);
  }
  return {sim_, Rtt() + Serve(r.hit() ? r.value.size : 0, true), r};
}

template <typename Mutation>
Delayed<CacheWriteStatus> CacheServer::WriteOp(uint64_t& counter, uint64_t bytes, Mutation apply) {
  ++counter;
  const Time now = sim_.now();
  if (IsDown(now)) {
    ++stats_.errors;
    return {sim_, config_.timeout, CacheWriteStatus::kError};
  }
  const CacheWriteStatus s = apply(now) ? CacheWriteStatus::kOk : CacheWriteStatus::kRejected;
  return {sim_, Rtt() + Serve(bytes, false), s};
}

namespace {
Time ExpiresAt(Time now, Duration ttl) {
  return ttl > Duration() ? now + ttl : Time::Max();
}
}  // namespace

Delayed<CacheWriteStatus> CacheServer::Set(Key k, const Value& v, Duration ttl) {
  return WriteOp(stats_.sets, v.size, [&](Time now) {
    if (!store_.Set(k, v, ttl, now)) return false;
    if (sink_ != nullptr) Emit(ReplicatedChange::Kind::kSet, k, v, ExpiresAt(now, ttl));
    return true;
  });
}

Delayed<CacheWriteStatus> CacheServer::SetIfAbsent(Key k, const Value& v, Duration ttl) {
  return WriteOp(stats_.sets, v.size, [&](Time now) {
    if (!store_.SetIfAbsent(k, v, ttl, now)) return false;
    if (sink_ != nullptr) Emit(ReplicatedChange::Kind::kSetIfAbsent, k, v, ExpiresAt(now, ttl));
    return true;
  });
}

// Deleting an absent key is still a success, as in Redis' DEL (which then
// changes nothing and streams nothing to replicas).
Delayed<CacheWriteStatus> CacheServer::Delete(Key k) {
  return WriteOp(stats_.deletes, 0, [&](Time now) {
    if (store_.Delete(k, now) && sink_ != nullptr) {
      Emit(ReplicatedChange::Kind::kDelete, k, {}, Time::Max());
    }
    if (!leases_.empty()) leases_.erase(k);
    return true;
  });
}

void CacheServer::SetChangeSink(ChangeSink sink, void* ctx) {
  sink_ = sink;
  sink_ctx_ = ctx;
  store_.set_eviction_listener(sink == nullptr ? nullptr : &CacheServer::OnEvict, this);
}

void CacheServer::OnEvict(void* self, Key k) {
  static_cast<CacheServer*>(self)->Emit(ReplicatedChange::Kind::kDelete, k, {}, Time::Max());
}

void CacheServer::Apply(const ReplicatedChange& c) {
  const Time now = sim_.now();
  switch (c.kind) {
    case ReplicatedChange::Kind::kSet:
    case ReplicatedChange::Kind::kSetIfAbsent:
      if (c.expires <= now) {  // expired on the way: the primary has dropped it too
        store_.Delete(c.key, now);
        return;
      }
      {
        const Duration ttl = c.expires == Time::Max() ? Duration() : c.expires - now;
        if (c.kind == ReplicatedChange::Kind::kSet) {
          store_.Set(c.key, c.value, ttl, now);
        } else {
          store_.SetIfAbsent(c.key, c.value, ttl, now);
        }
      }
      return;
    case ReplicatedChange::Kind::kDelete:
      store_.Delete(c.key, now);
      return;
    case ReplicatedChange::Kind::kFlush:
      store_.Flush();
      leases_.clear();
      return;
  }
}

void CacheServer::ResyncFrom(const CacheServer& primary) {
  const Time now = sim_.now();
  store_.Flush();
  leases_.clear();
  primary.store_.ForEachLive(now, [&](Key k, const Store::Entry& e) {
    store_.Set(k, e.value, e.expires == Time::Max() ? Duration() : e.expires - now, now);
  });
}

Delayed<LeaseGetResult> CacheServer::LeaseGet(Key k, Duration period) {
  ++stats_.gets;
  const Time now = sim_.now();
  LeaseGetResult r;
  if (IsDown(now)) {
    ++stats_.errors;
    r.get.status = CacheStatus::kError;
    return {sim_, config_.timeout, r};
  }
  if (const Store::Entry* e = store_.Get(k, now)) {
    ++stats_.hits;
    r.get.status = CacheStatus::kHit;
    r.get.value = e->value;
    r.get.remaining_ttl = e->expires == Time::Max() ? Duration::Max() : e->expires - now;
    return {sim_, Rtt() + Serve(r.get.value.size, true), r};
  }
  auto [it, fresh] = leases_.try_emplace(k, Lease{0, now});
  if (fresh || now - it->second.issued >= period) {
    it->second = Lease{next_token_++, now};
    r.token = it->second.token;
    ++stats_.leases_issued;
  }
  return {sim_, Rtt() + Serve(0, true), r};
}

Delayed<CacheWriteStatus> CacheServer::LeaseSet(Key k, const Value& v, Duration ttl,
                                                uint64_t token) {
  return WriteOp(stats_.sets, v.size, [&](Time now) {
    auto it = leases_.find(k);
    if (it == leases_.end() || it->second.token != token) {
      ++stats_.lease_sets_rejected;
      return false;
    }
    leases_.erase(it);
    if (!store_.Set(k, v, ttl, now)) return false;
    if (sink_ != nullptr) Emit(ReplicatedChange::Kind::kSet, k, v, ExpiresAt(now, ttl));
    return true;
  });
}

void CacheServer::Start() {
  if (config_.active_expiry_interval > Duration()) {
    sim_.ScheduleAfter(config_.active_expiry_interval, &CacheServer::OnActiveExpiry, this);
  }
  for (size_t i = 0; i < config_.faults.size(); ++i) {
    const auto kind = config_.faults[i].kind;
    if (kind == FaultWindowConfig::Kind::kFlush || kind == FaultWindowConfig::Kind::kRestart) {
      sim_.Schedule(Time::Zero() + config_.faults[i].start, &CacheServer::OnFaultStart, this, i);
    }
  }
}

void CacheServer::OnFaultStart(void* self, uint64_t) {
  auto* s = static_cast<CacheServer*>(self);
  if (s->stopped_) return;  // the run is over; nothing may start new work
  s->store_.Flush();
  s->leases_.clear();
  ++s->stats_.flushes;
  // FLUSHALL is a command the replicas replay; a crash is not.
  if (!s->IsDown(s->sim_.now())) s->Emit(ReplicatedChange::Kind::kFlush, 0, {}, Time::Max());
  for (const auto& f : s->flush_listeners_) f();
}

void CacheServer::OnActiveExpiry(void* self, uint64_t) {
  auto* s = static_cast<CacheServer*>(self);
  if (s->stopped_) return;
  if (!s->IsDown(s->sim_.now()))
    s->store_.ActiveExpire(s->sim_.now(), s->config_.active_expiry_limit);
  s->sim_.ScheduleAfter(s->config_.active_expiry_interval, &CacheServer::OnActiveExpiry, s);
}

}  // namespace cachelab
