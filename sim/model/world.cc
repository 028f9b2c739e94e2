#include "sim/model/world.h"

#include <algorithm>
#include <cstdio>

#include "sim/core/cancel.h"
#include "sim/model/key_spelling.h"

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
  sim_.Run();
  if (config_.cache.enabled) stack_->Finish(services_);
  if (interrupted_) throw Interrupted();  // drained: nothing left suspended
  if (last_finish_ > meter_.interval_start() || rows_.empty()) {
    EmitRow(std::max(last_finish_, meter_.interval_start()));
  }
  if (progress_) progress_(1.0);
  RunResult result;
  result.summary = BuildSummary();
  result.stopped_early = stopped_early_;
  result.timeseries = std::move(rows_);
  for (size_t i = 0; i < cache_.store().watched().size(); ++i) {
    const Store::WatchedKey& w = cache_.store().watched()[i];
    HotKeyExpiries h;
    h.key = hot_keys_[i];
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
  sim_.ScheduleSolo(next_->at, &World::OnArrival, this);
}

void World::OnArrival(void* self, uint64_t) {
  auto* w = static_cast<World*>(self);
  if (w->stop_.abort != nullptr && w->stop_.abort->load(std::memory_order_relaxed) &&
      w->stopped_early_.empty()) {
    w->StopEarly("aborted");
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
    cache_.store().Prefetch(r->key);
    // The slot of the request drawn kAhead / 2 earlier has had time to load.
    if (ahead_count_ > kAhead / 2) {
      const Key earlier = ahead_[(ahead_head_ + ahead_count_ - 1 - kAhead / 2) % kAhead].key;
      cache_.store().PrefetchNode(earlier);
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
  const DbResult row = co_await db_.Read(key);
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
    ok = (co_await db_.Write(key, size)).ok;
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
    const double capacity = DatabaseCapacityQps(config_.database, db.reads, db.writes);
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
  if (w->stopped_early_.empty()) w->StopEarly("interrupted");  // OnArrival ends the arrivals
}

void World::OnTick(void* self, uint64_t) {
  auto* w = static_cast<World*>(self);
  w->EmitRow(w->sim_.now());
  w->CheckStopRule();
  if (w->progress_) {
    w->progress_(std::min(1.0, w->sim_.now().seconds() / w->config_.duration.seconds()));
  }
  if (!w->Done()) w->sim_.ScheduleAfter(w->config_.metrics.interval, &World::OnTick, w);
}

void World::EmitRow(Time end) {
  const DatabaseStats& db = db_.stats();
  const Store& store = cache_.store();
  WorldTotals t;
  t.db_queries = db.queries;
  t.db_busy_ns = db.busy_ns;
  t.db_connections = db_.connections();
  t.db_interval_peak_queue = db_.TakeIntervalPeakQueue();
  t.db_started = db.started;
  t.db_queued = db.queued;
  t.db_wait_ns = db.wait_ns_total;
  t.evictions = store.evictions();
  t.expirations = store.expirations();
  t.cache_bytes = store.bytes();
  t.cache_items = store.items();
  t.duplicate_loads = stampede_.duplicate_loads();
  rows_.push_back(meter_.Row(end, t));
}

Summary World::BuildSummary() {
  Summary s;
  s.scenario = config_.name;
  s.seed = config_.seed;
  const Time end = std::max(last_finish_, Time::Zero());
  s.simulated_seconds = end.seconds();
  meter_.FillSummary(s);
  const Store& store = cache_.store();
  s.cache.evictions = store.evictions();
  s.cache.expirations = store.expirations();
  s.cache.peak_bytes = store.peak_bytes();
  s.cache.peak_items = store.peak_items();
  s.cache.stored = store.stored();
  s.cache.unused = store.unused_removed() + store.UnusedResident();
  s.cache.unused_ratio =
      s.cache.stored > 0 ? static_cast<double>(s.cache.unused) / static_cast<double>(s.cache.stored)
                         : 0;
  s.cache.gets = cache_.stats().gets;
  s.cache.sets = cache_.stats().sets;
  s.cache.deletes = cache_.stats().deletes;
  FillDatabaseSummary(s, db_.stats(), db_.connections(), end);
  FillDatabaseVerdict(s, config_.database, config_.duration);
  FillStampedeSummary(s, stampede_);
  FillPolicySummary(s, policy_stats_);
  s.guard.leases_issued = cache_.stats().leases_issued;
  s.guard.lease_sets_rejected = cache_.stats().lease_sets_rejected;
  return s;
}

}  // namespace cachelab
