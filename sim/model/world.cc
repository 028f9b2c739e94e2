#include "sim/model/world.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "sim/core/cancel.h"
#include "sim/model/key_spelling.h"

namespace cachelab {

World::World(const WorldConfig& config, std::unique_ptr<PolicyStack> stack,
             std::unique_ptr<EvictionPolicy> eviction, KeyTrace* trace,
             const EvictionFactory& more_evictions)
    : config_(config),
      workload_(config.workload, config.duration, config.seed),
      ledger_(config.workload.keys),
      runtime_(sim_),
      cache_(sim_, config.cache, std::move(eviction), more_evictions, config.seed),
      db_(sim_, config.database, workload_.sizes(), ledger_, stampede_, config.seed,
          std::max<uint32_t>(config.instances.count, 1)),
      router_(config_.database, db_, replicas_, std::max<uint32_t>(config.instances.count, 1)),
      services_{sim_, runtime_, cache_, db_, ledger_, config_, policy_stats_, trace},
      stack_(std::move(stack)),
      instances_(std::max<uint32_t>(config.instances.count, 1)) {
  services_.writable_ledger = &ledger_;
  for (uint32_t i = 0; i < config.database.replicas.count; ++i) {
    replicas_.push_back(
        std::make_unique<Database>(sim_, config.database, db_, i, stampede_, config.seed));
  }
  if (!replicas_.empty()) services_.reads = &router_;
  for (const WorkloadConfig::KeyClass& c : config.workload.classes) {
    if (!c.cached) {
      class_map_ = KeyClassMap(config.workload);
      for (const WorkloadConfig::KeyClass& d : config.workload.classes) {
        uncached_class_.push_back(!d.cached);
      }
      break;
    }
  }
  cache_.SetMissHint(
      [](const void* db, Key k) { static_cast<const Database*>(db)->PrefetchRow(k); }, &db_);
  // The cache keys of the hot keys, in the same order (KeySpelling).
  hot_keys_ = workload_.HottestKeys(kHotKeys);
  const KeySpelling spelling(config.workload);
  std::vector<Key> spelled;
  for (Key k : hot_keys_) spelled.push_back(spelling.Spell(k));
  cache_.WatchExpiries(spelled, config.metrics.hot_key_expiries);
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

RunResult World::Run(const std::function<void(double)>& progress, const StopRule& stop) {
  progress_ = progress;
  stop_ = stop;
  meter_.Measure(config_.metrics, config_.duration);
  meter_.Classes(config_.workload);
  cache_.Start();
  if (config_.cache.enabled) stack_->Start(services_);
  next_ = TakeNext();
  ScheduleNextArrival();
  ScheduleNextCreation();
  sim_.ScheduleAfter(config_.metrics.interval, &World::OnTick, this);
  sim_.OnCancel(&World::OnCancel, this);
  if (stop.max_events > 0) sim_.OnEventLimit(stop.max_events, &World::OnEventLimit, this);
  sim_.Run();
  if (config_.cache.enabled) stack_->Finish(services_);
  if (interrupted_) throw Interrupted();  // drained: nothing left suspended
  if (limit_events_ > 0) {
    throw EventLimitError(limit_events_, stop.max_events, next_request_,
                          services_.stats.guard_waits, sim_.events_run());
  }
  if (last_finish_ > meter_.interval_start() || rows_.empty()) {
    EmitRow(std::max(last_finish_, meter_.interval_start()));
  }
  if (progress_) progress_(1.0);
  RunResult result;
  result.summary = BuildSummary();
  result.stopped_early = stopped_early_;
  result.timeseries = std::move(rows_);
  result.node_timeseries = std::move(node_rows_);
  result.pool_timeseries = std::move(pool_rows_);
  for (size_t i = 0; i < hot_keys_.size(); ++i) {
    HotKeyExpiries h;
    h.key = hot_keys_[i];
    for (Time t : cache_.WatchedExpiries(i, &h.truncated)) h.expiries_s.push_back(t.seconds());
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
  sim_.ScheduleSolo(next_->at, &World::OnArrival, this);
}

void World::OnArrival(void* self, uint64_t) {
  auto* w = static_cast<World*>(self);
  if (w->stop_.abort != nullptr && w->stop_.abort->load(std::memory_order_relaxed) &&
      w->stopped_early_.empty()) {
    w->StopEarly("aborted");
    w->services_.abandoned = true;
  }
  if (!w->stopped_early_.empty()) {  // StopRule: no more arrivals
    w->next_.reset();
    w->ScheduleNextArrival();
    return;
  }
  const Request r = *w->next_;
  const uint32_t instance = w->next_instance_;
  w->next_instance_ = (instance + 1) % w->instances_;
  ++w->in_flight_;
  const uint64_t id = w->next_request_++;
  if (r.write) {
    w->ServeWrite(r.key, r.size, instance, id);
  } else if (w->Cached(r.key)) {
    w->ServeRead(r.key, instance, id);
  } else {
    w->ServeReadUncached(r.key, instance, id);
  }
  w->next_ = w->TakeNext();
  w->ScheduleNextArrival();
}

void World::ScheduleNextCreation() {
  next_creation_ = workload_.NextCreation();
  if (next_creation_) sim_.Schedule(next_creation_->at, &World::OnCreation, this);
}

void World::OnCreation(void* self, uint64_t) {
  auto* w = static_cast<World*>(self);
  if (!w->stopped_early_.empty()) return;
  // A row created already is not inserted again (one whose insert is still
  // running may be: the second insert changes nothing, Database::Create).
  if (!w->db_.Row(w->next_creation_->key).exists) {
    w->CreateRow(w->next_creation_->key, w->next_creation_->size);
  }
  w->ScheduleNextCreation();
}

Process World::CreateRow(Key key, uint32_t size) {
  co_await db_.Create(key, size);
}

std::optional<Request> World::TakeNext() {
  while (ahead_count_ < kAhead && !workload_done_) {
    const std::optional<Request> r = workload_.Next();
    if (!r) {
      workload_done_ = true;
      break;
    }
    // Dealt round robin: the one at position p lands on next_instance_ + p.
    if (stack_) {
      stack_->Prefetch(static_cast<uint32_t>((next_instance_ + ahead_count_) % instances_), r->key);
    }
    ahead_[(ahead_head_ + ahead_count_++) % kAhead] = *r;
    cache_.Prefetch(r->key);
    // The slot of the request drawn kAhead / 2 earlier has had time to load.
    if (ahead_count_ > kAhead / 2) {
      const Key earlier = ahead_[(ahead_head_ + ahead_count_ - 1 - kAhead / 2) % kAhead].key;
      cache_.PrefetchNode(earlier);
      ledger_.Prefetch(earlier);  // read when the request completes
    }
  }
  if (ahead_count_ == 0) return std::nullopt;
  const Request r = ahead_[ahead_head_];
  ahead_head_ = (ahead_head_ + 1) % kAhead;
  --ahead_count_;
  return r;
}

Process World::ServeRead(Key key, uint32_t instance, uint64_t request) {
  const Time started = sim_.now();
  if (Tracing(key)) Note(key, instance, request, "read request");
  Answered(key, instance, request, co_await stack_->Read(instance, key, request), started);
}

// Every read a query: an overloaded database may hold millions of these
// frames at once, so this one holds nothing but the query.
Process World::ServeReadUncached(Key key, uint32_t instance, uint64_t request) {
  const Time started = sim_.now();
  if (Tracing(key)) Note(key, instance, request, "read request");
  const DbResult row = co_await router_.For(instance, key, sim_.now()).Read(key, instance);
  Answered(key, instance, request, ReadOutcome{row.value, CacheOutcome::kMiss, !row.ok}, started);
}

void World::Answered(Key key, uint32_t instance, uint64_t request, const ReadOutcome& out,
                     Time started) {
  // Counted on completion, with the outcome, so every time-series row
  // satisfies reads = hits + misses + errors.
  const bool stale = meter_.Read(out, key, ledger_, sim_.now());
  if (Tracing(key)) NoteRead(key, instance, request, out, stale);
  Finish(started, true, key);
}

// Out of the coroutine: its strings would otherwise take room in every
// request's frame.
void World::NoteRead(Key key, uint32_t instance, uint64_t request, const ReadOutcome& out,
                     bool stale) const {
  static const char* const kHow[] = {"hit", "miss", "cache error"};
  std::string text = out.failed ? std::string("read FAILED (") + kHow[int(out.cache)] + ")"
                     : !out.value.exists
                         ? std::string("read answered: not found (") + kHow[int(out.cache)] + ")"
                         : "read answered v" + std::to_string(out.value.version) + " (" +
                               kHow[int(out.cache)] + ")";
  if (stale) text += " STALE: latest is v" + std::to_string(ledger_.acked(key));
  Note(key, instance, request, std::move(text));
}

Process World::ServeWrite(Key key, uint32_t new_size, uint32_t instance, uint64_t request) {
  const Time started = sim_.now();
  if (Tracing(key)) Note(key, instance, request, "write request");
  const uint32_t size = new_size > 0 ? new_size : db_.Row(key).size;
  bool ok;
  if (Cached(key)) {
    ok = co_await stack_->Write(instance, key, size, request);
  } else {
    router_.Wrote(instance, key, sim_.now());
    ok = (co_await db_.Write(key, size, true, 0, instance)).ok;
  }
  meter_.Write(ok, key);
  if (Tracing(key)) NoteWrite(key, instance, request, ok);
  Finish(started, false, key);
}

void World::NoteWrite(Key key, uint32_t instance, uint64_t request, bool ok) const {
  Note(key, instance, request,
       ok ? "write acknowledged (latest is v" + std::to_string(ledger_.acked(key)) + ")"
          : std::string("write FAILED"));
}

void World::Finish(Time started, bool read, Key key) {
  const int64_t ns = (sim_.now() - started).nanos();
  meter_.Latency(ns, read, key);
  last_finish_ = sim_.now();
  --in_flight_;
  StopIfDone();
}

void World::CheckStopRule() {
  if (!stopped_early_.empty() || arrivals_done_) return;
  const char* why = nullptr;
  if (stop_.cancel != nullptr && stop_.cancel->load(std::memory_order_relaxed)) {
    why = "cancelled";
  } else if (stop_.when_unstable) {
    // The verdict's rule (FillDatabaseVerdict): offered load >= 1, certain
    // once the queries issued so far reach the whole run's capacity.
    const DatabaseStats& db = db_.stats();
    const double capacity = DatabaseCapacityQps(config_.database, db_.pools(), db.reads, db.writes);
    const double seconds = config_.duration.seconds();
    if (capacity > 0 && seconds > 0 && static_cast<double>(db.queries) / seconds / capacity >= 1) {
      why = "database unstable";
    }
  }
  if (why != nullptr) StopEarly(why);
}

void World::StopEarly(const char* why) {
  char at[48];
  std::snprintf(at, sizeof at, " at %g s", sim_.now().seconds());
  stopped_early_ = std::string(why) + at;
}

void World::OnCancel(void* self, uint64_t) {
  auto* w = static_cast<World*>(self);
  w->interrupted_ = true;
  w->Discard();
  if (w->stopped_early_.empty()) w->StopEarly("interrupted");  // OnArrival ends the arrivals
}

void World::OnEventLimit(void* self, uint64_t events) {
  auto* w = static_cast<World*>(self);
  w->limit_events_ = events;
  w->Discard();
  if (w->stopped_early_.empty()) w->StopEarly("event limit");
}

// Only the requests in flight may still step events: the periodic sources
// (time-series ticks, the cache servers' active expiry, replication and
// faults) would otherwise go on for as long as the slowest of them waits,
// which behind a saturated cache CPU is days of simulated time.
void World::Discard() {
  services_.abandoned = true;
  cache_.Stop();
}

void World::OnTick(void* self, uint64_t) {
  auto* w = static_cast<World*>(self);
  w->EmitRow(w->sim_.now());
  w->CheckStopRule();
  if (w->progress_) {
    w->progress_(std::min(1.0, w->sim_.now().seconds() / w->config_.duration.seconds()));
  }
  if (!w->Done() && !w->Discarded()) {
    w->sim_.ScheduleAfter(w->config_.metrics.interval, &World::OnTick, w);
  }
}

void World::EmitRow(Time end) {
  const DatabaseStats& db = db_.stats();
  WorldTotals t;
  t.db_queries = db.queries;
  t.db_busy_ns = db.busy_ns;
  t.db_connections = db_.total_connections();
  t.db_interval_peak_queue = db_.TakeIntervalPeakQueue();
  t.db_started = db.started;
  t.db_queued = db.queued;
  t.db_wait_ns = db.wait_ns_total;
  t.evictions = cache_.evictions();
  t.expirations = cache_.expirations();
  t.cache_bytes = cache_.bytes();
  t.cache_items = cache_.items();
  t.duplicate_loads = stampede_.duplicate_loads();
  const double row_start = meter_.interval_start().seconds();
  rows_.push_back(meter_.Row(end, t));
  if (ReportsNodes()) EmitNodeRows(row_start, end);
  if (config_.database.pool == DatabaseConfig::PoolScope::kPerInstance) {
    EmitPoolRows(row_start, end);
  }
}

void World::EmitNodeRows(double start_s, Time end) {
  node_last_.resize(cache_.servers());
  const double seconds = (end - node_last_at_).seconds();
  for (uint32_t i = 0; i < cache_.servers(); ++i) {
    const CacheServerStats& now = cache_.server(i).stats();
    CacheServerStats& last = node_last_[i];
    NodeIntervalRow r;
    r.time_s = start_s;
    r.node = i;
    r.gets = now.gets - last.gets;
    r.ops = now.ops() - last.ops();
    r.hits = now.hits - last.hits;
    r.errors = now.errors - last.errors;
    r.cpu_utilization =
        seconds > 0 ? static_cast<double>(now.cpu_busy_ns - last.cpu_busy_ns) / 1e9 / seconds : 0;
    r.bytes = cache_.server(i).store().bytes();
    r.items = cache_.server(i).store().items();
    node_rows_.push_back(r);
    last = now;
  }
  node_last_at_ = end;
}

void World::FillReplicaSummary(Summary& s, Time end) {
  Summary::Replicas r;
  r.count = static_cast<uint32_t>(replicas_.size());
  r.reads = router_.replica_reads();
  r.pinned_reads = router_.pinned_reads();
  const double seconds = end.seconds();
  for (const auto& d : replicas_) {
    const DatabaseStats& st = d->stats();
    r.timeouts += st.timeouts;
    r.rejected += st.rejected;
    r.peak_queue_depth = std::max(r.peak_queue_depth, st.peak_queue);
    if (seconds > 0) {
      r.max_utilization = std::max(
          r.max_utilization, st.busy_ns / 1e9 / seconds / static_cast<double>(d->connections()));
    }
    if (config_.database.network.Limited()) {
      const Summary::Db::Link l = DatabaseLinkSummary(st, end);
      r.max_link_utilization =
          std::max({r.max_link_utilization.value_or(0), l.in_utilization, l.out_utilization});
    }
  }
  s.replicas = r;
}

void World::FillPoolSummary(Summary& s, Time end) {
  Summary::Pools o;
  o.count = db_.pools();
  o.connections = db_.connections();
  const double capacity_ns = static_cast<double>(end.nanos()) * db_.connections();
  uint64_t total = 0, most = 0;
  for (uint32_t i = 0; i < o.count; ++i) {
    const PoolStats& st = db_.pool_stats(i);
    Summary::Pool p;
    p.instance = i;
    p.queries = st.queries;
    p.timeouts = st.timeouts;
    p.rejected = st.rejected;
    p.peak_queue_depth = st.peak_queue;
    p.wait_probability =
        st.queries > 0 ? static_cast<double>(st.queued) / static_cast<double>(st.queries) : 0;
    p.mean_wait_ms = st.started > 0 ? static_cast<double>(st.wait_ns_total) * 1e-6 /
                                          static_cast<double>(st.started)
                                    : 0;
    p.utilization = capacity_ns > 0 ? st.busy_ns / capacity_ns : 0;
    if (p.utilization > o.max_utilization) {
      o.max_utilization = p.utilization;
      o.busiest_pool = i;
    }
    o.max_wait_probability = std::max(o.max_wait_probability, p.wait_probability);
    o.max_mean_wait_ms = std::max(o.max_mean_wait_ms, p.mean_wait_ms);
    o.max_peak_queue_depth = std::max(o.max_peak_queue_depth, p.peak_queue_depth);
    total += p.queries;
    most = std::max(most, p.queries);
    o.per_instance.push_back(p);
  }
  o.queries_imbalance = total > 0 ? static_cast<double>(most) * o.count / total : 0;
  s.pools = std::move(o);
}

void World::EmitPoolRows(double start_s, Time end) {
  pool_last_.resize(db_.pools());
  const double capacity_ns =
      static_cast<double>((end - pool_last_at_).nanos()) * static_cast<double>(db_.connections());
  for (uint32_t i = 0; i < db_.pools(); ++i) {
    const PoolStats& now = db_.pool_stats(i);
    PoolStats& last = pool_last_[i];
    PoolIntervalRow r;
    r.time_s = start_s;
    r.instance = i;
    r.queries = now.queries - last.queries;
    r.timeouts = now.timeouts - last.timeouts;
    r.queued = now.queued - last.queued;
    r.started = now.started - last.started;
    r.wait_ns = now.wait_ns_total - last.wait_ns_total;
    r.utilization = capacity_ns > 0 ? (now.busy_ns - last.busy_ns) / capacity_ns : 0;
    r.peak_queue_depth = db_.TakePoolIntervalPeakQueue(i);
    pool_rows_.push_back(r);
    last = now;
  }
  pool_last_at_ = end;
}

void World::FillMemorySummary(Summary& s) const {
  const MemoryModelConfig& m = config_.cache.memory;
  if (m.kind == MemoryModelConfig::Kind::kFlat && m.fragmentation == 1 && m.ram_bytes == 0) return;
  Summary::Memory o;
  o.model = m.kind == MemoryModelConfig::Kind::kRedis ? "redis" : "flat";
  o.maxmemory_bytes = config_.cache.capacity_bytes;
  for (uint32_t i = 0; i < cache_.servers(); ++i) {
    const uint64_t peak = cache_.server(i).store().peak_bytes();
    if (peak > o.peak_used_bytes) {
      o.peak_used_bytes = peak;
      o.fullest_node = i;
    }
  }
  o.fragmentation = m.fragmentation;
  o.peak_rss_bytes =
      static_cast<uint64_t>(std::llround(static_cast<double>(o.peak_used_bytes) * m.fragmentation));
  o.ram_bytes = m.ram_bytes;
  if (m.ram_bytes == 0) {
    o.verdict = "not checked";
  } else {
    o.ram_utilization = static_cast<double>(o.peak_rss_bytes) / static_cast<double>(m.ram_bytes);
    const double full = static_cast<double>(o.maxmemory_bytes) * m.fragmentation;
    o.verdict = o.peak_rss_bytes > m.ram_bytes            ? "exceeds RAM"
                : full > static_cast<double>(m.ram_bytes) ? "fits at peak only"
                                                          : "fits";
  }
  s.memory = std::move(o);
}

void World::FillClusterSummary(Summary& s, Time end) const {
  Summary::Cluster c;
  c.nodes = cache_.nodes();
  c.sharding = config_.cache.cluster.sharding == ClusterConfig::Sharding::kHashSlots
                   ? "hash-slots"
                   : "consistent-hashing";
  const double seconds = end.seconds();
  uint64_t total_ops = 0, most = 0;
  for (uint32_t i = 0; i < cache_.servers(); ++i) {
    const CacheServer& n = cache_.server(i);
    const CacheServerStats& st = n.stats();
    Summary::CacheNode o;
    o.node = i;
    o.key_share = cache_.shards().Share(cache_.ShardOf(i));
    if (cache_.replicas() > 0) {
      o.shard = cache_.ShardOf(i);
      o.role = cache_.IsPrimary(i) ? "primary" : "replica";
    }
    o.gets = st.gets;
    o.ops = st.ops();
    o.hits = st.hits;
    o.errors = st.errors;
    o.hit_ratio = GetHitRatio(st.gets, st.hits, st.errors);
    o.ops_per_s = seconds > 0 ? static_cast<double>(o.ops) / seconds : 0;
    o.cpu_utilization = seconds > 0 ? static_cast<double>(st.cpu_busy_ns) / 1e9 / seconds : 0;
    if (seconds > 0) {
      o.net_in_utilization = static_cast<double>(st.link_in_busy_ns) / 1e9 / seconds;
      o.net_out_utilization = static_cast<double>(st.link_out_busy_ns) / 1e9 / seconds;
    }
    c.max_net_utilization =
        std::max({c.max_net_utilization, o.net_in_utilization, o.net_out_utilization});
    o.cpu_wait_ms =
        st.cpu_ops > 0 ? static_cast<double>(st.cpu_wait_ns) / 1e6 / static_cast<double>(st.cpu_ops)
                       : 0;
    o.bytes = n.store().bytes();
    o.items = n.store().items();
    o.peak_bytes = n.store().peak_bytes();
    o.evictions = n.store().evictions();
    o.flushes = st.flushes;
    total_ops += o.ops;
    if (o.ops > most) {
      most = o.ops;
      c.busiest_node = i;
    }
    c.max_cpu_utilization = std::max(c.max_cpu_utilization, o.cpu_utilization);
    c.per_node.push_back(o);
  }
  c.ops_imbalance = total_ops > 0 ? static_cast<double>(most) * cache_.servers() / total_ops : 0;
  if (cache_.replicas() > 0) {
    const CacheReplicaConfig& rc = config_.cache.cluster.replicas;
    const ReplicationStats& st = cache_.replication();
    Summary::CacheReplication r;
    r.replicas_per_shard = cache_.replicas();
    r.read_from = rc.read_from == CacheReplicaConfig::ReadFrom::kPrimary    ? "primary"
                  : rc.read_from == CacheReplicaConfig::ReadFrom::kReplicas ? "replicas"
                                                                            : "any";
    r.replica_reads = st.replica_reads;
    r.behind_reads = st.behind_reads;
    r.behind_ratio = st.replica_reads > 0 ? static_cast<double>(st.behind_reads) /
                                                static_cast<double>(st.replica_reads)
                                          : 0;
    r.applied = st.applied;
    r.peak_backlog = st.peak_backlog;
    r.failovers = st.failovers;
    r.failed_failovers = st.failed_failovers;
    r.resyncs = st.resyncs;
    r.lost_changes = st.lost_changes;
    for (const Failover& f : cache_.failovers()) {
      r.promotions.push_back({f.shard, f.from, f.to, f.crash.seconds(), f.at.seconds()});
    }
    c.replication = std::move(r);
  }
  s.cluster = std::move(c);
}

Summary World::BuildSummary() {
  Summary s;
  s.scenario = config_.name;
  s.seed = config_.seed;
  const Time end = std::max(last_finish_, Time::Zero());
  s.simulated_seconds = end.seconds();
  meter_.FillSummary(s);
  s.cache.evictions = cache_.evictions();
  s.cache.expirations = cache_.expirations();
  s.cache.peak_bytes = cache_.peak_bytes();
  s.cache.peak_items = cache_.peak_items();
  s.cache.stored = cache_.stored();
  s.cache.unused = cache_.unused();
  s.cache.unused_ratio =
      s.cache.stored > 0 ? static_cast<double>(s.cache.unused) / static_cast<double>(s.cache.stored)
                         : 0;
  const CacheServerStats cs = cache_.stats();
  s.cache.gets = cs.gets;
  s.cache.sets = cs.sets;
  s.cache.deletes = cs.deletes;
  s.cache.transfer_bytes = cs.bytes_in + cs.bytes_out;
  FillDatabaseSummary(s, db_.stats(), db_.total_connections(), end);
  if (config_.database.network.Limited()) s.db.link = DatabaseLinkSummary(db_.stats(), end);
  FillDatabaseVerdict(s, config_.database, db_.pools(), config_.duration);
  FillStampedeSummary(s, stampede_);
  FillPolicySummary(s, policy_stats_);
  s.guard.leases_issued = cs.leases_issued;
  s.guard.lease_sets_rejected = cs.lease_sets_rejected;
  if (ReportsNodes()) FillClusterSummary(s, end);
  if (!replicas_.empty()) FillReplicaSummary(s, end);
  if (config_.database.pool == DatabaseConfig::PoolScope::kPerInstance) FillPoolSummary(s, end);
  FillMemorySummary(s);
  return s;
}

}  // namespace cachelab
