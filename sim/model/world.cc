#include "sim/model/world.h"

#include <algorithm>

namespace cachelab {

World::World(const WorldConfig& config, std::unique_ptr<PolicyStack> stack,
             std::unique_ptr<EvictionPolicy> eviction, KeyTrace* trace)
    : config_(config),
      workload_(config.workload, config.duration, config.seed),
      ledger_(config.workload.keys),
      runtime_(sim_),
      cache_(sim_, config.cache, std::move(eviction), config.seed),
      db_(sim_, config.database, workload_.sizes(), ledger_, stampede_, config.seed),
      services_{sim_, runtime_, cache_, db_, ledger_, config_, policy_stats_, trace},
      stack_(std::move(stack)),
      instances_(std::max<uint32_t>(config.instances.count, 1)) {
  services_.writable_ledger = &ledger_;
  cache_.WatchExpiries(workload_.HottestKeys(kHotKeys), config.metrics.hot_key_expiries);
}

bool World::Tracing(Key k) const {
  return services_.trace != nullptr && services_.trace->Wants(k, sim_.now());
}

void World::Note(Key k, uint32_t instance, uint64_t request, std::string text) const {
  (void)k;
  services_.trace->Add(
      TraceEvent{sim_.now(), request, static_cast<int32_t>(instance), "app", std::move(text)});
}

void World::StopIfDone() {
  if (!Done() || services_.stopped) return;
  services_.stopped = true;
  cache_.Stop();
}

RunResult World::Run(const std::function<void(double)>& progress) {
  progress_ = progress;
  cache_.Start();
  if (config_.cache.enabled) stack_->Start(services_);
  next_ = workload_.Next();
  ScheduleNextArrival();
  sim_.ScheduleAfter(config_.metrics.interval, &World::OnTick, this);
  sim_.Run();
  if (config_.cache.enabled) stack_->Finish(services_);
  if (last_finish_ > mark_.start || rows_.empty()) EmitRow(std::max(last_finish_, mark_.start));
  if (progress_) progress_(1.0);
  RunResult result;
  result.summary = BuildSummary();
  result.timeseries = std::move(rows_);
  for (const Store::WatchedKey& w : cache_.store().watched()) {
    HotKeyExpiries h;
    h.key = w.key;
    h.truncated = w.truncated;
    std::vector<Time> at = w.expiries;
    // Lazy and active expiry may count entries of different generations out of order.
    std::sort(at.begin(), at.end());
    for (Time t : at) h.expiries_s.push_back(t.seconds());
    result.hot_keys.push_back(std::move(h));
  }
  return result;
}

void World::ScheduleNextArrival() {
  if (!next_) {
    arrivals_done_ = true;
    StopIfDone();
    return;
  }
  sim_.Schedule(next_->at, &World::OnArrival, this);
}

void World::OnArrival(void* self, uint64_t) {
  auto* w = static_cast<World*>(self);
  const Request r = *w->next_;
  const uint32_t instance = w->next_instance_;
  w->next_instance_ = (instance + 1) % w->instances_;
  ++w->in_flight_;
  const uint64_t id = w->next_request_++;
  if (r.write) {
    Spawn(w->sim_, w->ServeWrite(r.key, r.size, instance, id));
  } else {
    Spawn(w->sim_, w->ServeRead(r.key, instance, id));
  }
  w->next_ = w->workload_.Next();
  w->ScheduleNextArrival();
}

Task<void> World::ServeRead(Key key, uint32_t instance, uint64_t request) {
  const Time started = sim_.now();
  if (Tracing(key)) Note(key, instance, request, "read request");
  ReadOutcome out;
  if (config_.cache.enabled) {
    out = co_await stack_->Read(instance, key, request);
  } else {
    const DbResult row = co_await db_.Read(key);
    out = ReadOutcome{row.value, CacheOutcome::kMiss, !row.ok};
  }
  // Counted on completion, with the outcome, so every time-series row
  // satisfies reads = hits + misses + errors.
  ++counters_.requests;
  ++counters_.reads;
  switch (out.cache) {
    case CacheOutcome::kHit:
      ++counters_.hits;
      break;
    case CacheOutcome::kMiss:
      ++counters_.misses;
      break;
    case CacheOutcome::kError:
      ++counters_.errors;
      break;
  }
  bool stale = false;
  if (out.failed) {
    ++counters_.failed;
  } else {
    ++counters_.successful_reads;
    if (out.value.exists && out.value.version < ledger_.acked(key)) {
      stale = true;
      const double age = (sim_.now() - ledger_.AckTime(key, out.value.version + 1)).millis();
      ++counters_.stale_reads;
      counters_.stale_age_ms_sum += age;
      counters_.stale_age_ms_max = std::max(counters_.stale_age_ms_max, age);
    }
  }
  if (Tracing(key)) {
    static const char* const kHow[] = {"hit", "miss", "cache error"};
    std::string text = out.failed ? std::string("read FAILED (") + kHow[int(out.cache)] + ")"
                       : !out.value.exists
                           ? std::string("read answered: not found (") + kHow[int(out.cache)] + ")"
                           : "read answered v" + std::to_string(out.value.version) + " (" +
                                 kHow[int(out.cache)] + ")";
    if (stale) text += " STALE: latest is v" + std::to_string(ledger_.acked(key));
    Note(key, instance, request, std::move(text));
  }
  Finish(started);
}

Task<void> World::ServeWrite(Key key, uint32_t new_size, uint32_t instance, uint64_t request) {
  const Time started = sim_.now();
  if (Tracing(key)) Note(key, instance, request, "write request");
  const uint32_t size = new_size > 0 ? new_size : db_.Row(key).size;
  bool ok;
  if (config_.cache.enabled) {
    ok = co_await stack_->Write(instance, key, size, request);
  } else {
    ok = (co_await db_.Write(key, size)).ok;
  }
  ++counters_.requests;
  ++counters_.writes;
  if (!ok) ++counters_.failed;
  if (Tracing(key)) {
    Note(key, instance, request,
         ok ? "write acknowledged (latest is v" + std::to_string(ledger_.acked(key)) + ")"
            : std::string("write FAILED"));
  }
  Finish(started);
}

void World::Finish(Time started) {
  const int64_t ns = (sim_.now() - started).nanos();
  latency_.Record(ns);
  interval_latency_.Record(ns);
  last_finish_ = sim_.now();
  --in_flight_;
  StopIfDone();
}

void World::OnTick(void* self, uint64_t) {
  auto* w = static_cast<World*>(self);
  w->EmitRow(w->sim_.now());
  if (w->progress_) {
    w->progress_(std::min(1.0, w->sim_.now().seconds() / w->config_.duration.seconds()));
  }
  if (!w->Done()) w->sim_.ScheduleAfter(w->config_.metrics.interval, &World::OnTick, w);
}

void World::EmitRow(Time end) {
  const DatabaseStats& db = db_.stats();
  const Store& store = cache_.store();
  const Counters& c = counters_;
  const Counters& m = mark_.counters;
  IntervalRow row;
  row.time_s = mark_.start.seconds();
  row.requests = c.requests - m.requests;
  row.reads = c.reads - m.reads;
  row.writes = c.writes - m.writes;
  row.failed = c.failed - m.failed;
  row.hits = c.hits - m.hits;
  row.misses = c.misses - m.misses;
  row.errors = c.errors - m.errors;
  row.hit_ratio = row.hits + row.misses > 0
                      ? static_cast<double>(row.hits) / static_cast<double>(row.hits + row.misses)
                      : 0.0;
  row.db_queries = db.queries - mark_.db_queries;
  row.db_queue_depth = db_.TakeIntervalPeakQueue();
  const double span_ns = static_cast<double>((end - mark_.start).nanos());
  row.db_utilization =
      span_ns > 0 ? (db.busy_ns - mark_.db_busy_ns) / (span_ns * db_.connections()) : 0.0;
  row.p50_ms = static_cast<double>(interval_latency_.Quantile(0.5)) * 1e-6;
  row.p99_ms = static_cast<double>(interval_latency_.Quantile(0.99)) * 1e-6;
  row.stale_reads = c.stale_reads - m.stale_reads;
  row.evictions = store.evictions() - mark_.evictions;
  row.expirations = store.expirations() - mark_.expirations;
  row.cache_bytes = store.bytes();
  row.cache_items = store.items();
  row.stampede_loads = stampede_.duplicate_loads() - mark_.duplicate_loads;
  rows_.push_back(row);

  interval_latency_.Reset();
  mark_.start = end;
  mark_.counters = c;
  mark_.db_queries = db.queries;
  mark_.db_busy_ns = db.busy_ns;
  mark_.evictions = store.evictions();
  mark_.expirations = store.expirations();
  mark_.duplicate_loads = stampede_.duplicate_loads();
}

Summary World::BuildSummary() {
  Summary s;
  s.scenario = config_.name;
  s.seed = config_.seed;
  const Time end = std::max(last_finish_, Time::Zero());
  s.simulated_seconds = end.seconds();
  const Counters& c = counters_;
  s.requests = {c.requests, c.reads, c.writes, c.failed};
  const Store& store = cache_.store();
  s.cache.hits = c.hits;
  s.cache.misses = c.misses;
  s.cache.errors = c.errors;
  s.cache.hit_ratio = c.hits + c.misses > 0
                          ? static_cast<double>(c.hits) / static_cast<double>(c.hits + c.misses)
                          : 0;
  s.cache.evictions = store.evictions();
  s.cache.expirations = store.expirations();
  s.cache.peak_bytes = store.peak_bytes();
  s.cache.peak_items = store.peak_items();
  s.cache.gets = cache_.stats().gets;
  s.cache.sets = cache_.stats().sets;
  s.cache.deletes = cache_.stats().deletes;
  const DatabaseStats& db = db_.stats();
  s.db.queries = db.queries;
  s.db.reads = db.reads;
  s.db.writes = db.writes;
  s.db.timeouts = db.timeouts;
  s.db.peak_concurrency = db.peak_concurrency;
  s.db.peak_queue_depth = db.peak_queue;
  s.db.mean_wait_ms = db.started > 0 ? static_cast<double>(db.wait_ns_total) * 1e-6 /
                                           static_cast<double>(db.started)
                                     : 0;
  s.db.wait_probability =
      db.queries > 0 ? static_cast<double>(db.queued) / static_cast<double>(db.queries) : 0;
  s.db.utilization =
      end.nanos() > 0 ? db.busy_ns / (static_cast<double>(end.nanos()) * db_.connections()) : 0;
  auto ms = [](int64_t ns) { return static_cast<double>(ns) * 1e-6; };
  s.latency_ms.mean = latency_.mean() * 1e-6;
  s.latency_ms.p50 = ms(latency_.Quantile(0.5));
  s.latency_ms.p90 = ms(latency_.Quantile(0.9));
  s.latency_ms.p99 = ms(latency_.Quantile(0.99));
  s.latency_ms.p999 = ms(latency_.Quantile(0.999));
  s.latency_ms.max = ms(latency_.max());
  s.staleness.stale_reads = c.stale_reads;
  s.staleness.stale_read_ratio =
      c.successful_reads > 0
          ? static_cast<double>(c.stale_reads) / static_cast<double>(c.successful_reads)
          : 0;
  s.staleness.max_age_ms = c.stale_age_ms_max;
  s.staleness.mean_age_ms =
      c.stale_reads > 0 ? c.stale_age_ms_sum / static_cast<double>(c.stale_reads) : 0;
  s.stampede.episodes = stampede_.episodes();
  s.stampede.max_concurrent_loads = stampede_.max_concurrent();
  s.stampede.duplicate_loads = stampede_.duplicate_loads();
  s.stampede.size_counts = stampede_.size_counts();
  const PolicyStats& p = policy_stats_;
  s.writes.lost = p.lost_writes;
  s.writes.pending_at_end = p.writes_pending_at_end;
  s.l1.hits = p.l1_hits;
  s.l1.misses = p.l1_misses;
  s.l1.hit_ratio = p.l1_hits + p.l1_misses > 0 ? static_cast<double>(p.l1_hits) /
                                                     static_cast<double>(p.l1_hits + p.l1_misses)
                                               : 0;
  s.guard.early_refreshes = p.early_refreshes;
  s.guard.background_refreshes = p.background_refreshes;
  s.guard.coalesced_reads = p.coalesced_reads;
  s.guard.waits = p.guard_waits;
  s.guard.gave_up = p.guard_gave_up;
  s.guard.stale_served = p.stale_served;
  s.guard.leases_issued = cache_.stats().leases_issued;
  s.guard.lease_sets_rejected = cache_.stats().lease_sets_rejected;
  s.invalidation.published = p.invalidations_published;
  s.invalidation.delivered = p.invalidations_delivered;
  s.invalidation.lost = p.invalidations_lost;
  s.degradation.breaker_bypasses = p.breaker_bypasses;
  s.warming.keys_loaded = p.warmed_keys;
  return s;
}

}  // namespace cachelab
