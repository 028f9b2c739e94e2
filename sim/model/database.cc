#include "sim/model/database.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace cachelab {

Database::Database(Simulator& sim, const DatabaseConfig& config, const std::vector<uint32_t>& sizes,
                   VersionLedger& ledger, StampedeTracker& stampede, uint64_t seed,
                   uint32_t instances)
    : sim_(sim),
      config_(config),
      rows_(sizes.size(), HugePageAllocator<RowState>(true)),
      ledger_(ledger),
      stampede_(stampede),
      read_service_(config.read_service),
      write_service_(config.write_service),
      rng_(MakeStream(seed, "db.service")),
      api_rng_(MakeStream(seed, "api")),
      pools_(config.pool == DatabaseConfig::PoolScope::kPerInstance
                 ? std::max<uint32_t>(instances, 1)
                 : 1) {
  for (Pool& p : pools_) p.db = this;
  for (size_t k = 0; k < sizes.size(); ++k) rows_[k].size = sizes[k];
  for (const auto& d : config.class_read) {
    class_read_.push_back(d ? std::make_unique<Sampler>(*d) : nullptr);
  }
  for (const auto& d : config.class_write) {
    class_write_.push_back(d ? std::make_unique<Sampler>(*d) : nullptr);
  }
  for (const auto& a : config.class_api) {
    if (a) apis_.emplace_back(*a);
    class_api_.push_back(a ? static_cast<uint32_t>(apis_.size()) : 0);
  }
  keep_history_ = config.replicas.count > 0;
}

Database::Database(Simulator& sim, const DatabaseConfig& config, const Database& primary,
                   uint32_t index, StampedeTracker& stampede, uint64_t seed)
    : sim_(sim),
      config_(config),
      ledger_(primary.ledger_),
      stampede_(stampede),
      read_service_(config.read_service),
      write_service_(config.write_service),
      rng_(MakeStream(seed, "db.replica" + std::to_string(index) + ".service")),
      api_rng_(MakeStream(seed, "api")),
      pools_(1),
      primary_(&primary),
      lag_(std::make_unique<Sampler>(config.replicas.lag)),
      lag_rng_(MakeStream(seed, "db.replica" + std::to_string(index) + ".lag")) {
  config_.connections = config.replicas.connections;
  config_.pool = DatabaseConfig::PoolScope::kGlobal;
  pools_[0].db = this;
  for (const auto& d : config.class_read) {
    class_read_.push_back(d ? std::make_unique<Sampler>(*d) : nullptr);
  }
  class_write_.resize(config.class_write.size());  // replicas take no writes
  class_api_.assign(config.class_api.size(), 0);   // API reads stay with the primary
}

Value Database::RowAsOf(Key k, Time t) const {
  const auto it = history_.empty() ? history_.end() : history_.find(k);
  if (it == history_.end()) {
    // Never written: the row as it is (an existing key's first version), or
    // not there (a key without a row that nobody created).
    return k < rows_.size() ? Value{1, rows_[k].size, true} : Value{0, 0, false};
  }
  const std::vector<Commit>& h = it->second;
  const auto after = std::upper_bound(h.begin(), h.end(), t.nanos(),
                                      [](int64_t x, const Commit& c) { return x < c.commit_ns; });
  if (after == h.begin()) return Value{0, 0, false};  // created after t
  const Commit& c = *(after - 1);
  return Value{c.version, c.size, true};
}

Value Database::Row(Key k) const {
  const RowState* r = FindRow(k);
  return r != nullptr ? Value{r->version, r->size, true} : Value{0, 0, false};
}

void Database::Snapshot(Slot& s) {
  const Value row =
      primary_ != nullptr
          ? primary_->RowAsOf(s.key,
                              std::max(Time::Zero(), sim_.now() - lag_->DrawDuration(lag_rng_)))
          : Row(s.key);
  s.version = row.version;
  s.size = row.size;
  s.exists = row.exists;
}

void Database::AdvanceBusy() {
  const Time now = sim_.now();
  stats_.busy_ns += static_cast<double>(busy_) * static_cast<double>((now - busy_since_).nanos());
  busy_since_ = now;
}

void Database::AdvanceBusy(Pool& p) {
  const Time now = sim_.now();
  p.stats.busy_ns +=
      static_cast<double>(p.busy) * static_cast<double>((now - p.busy_since).nanos());
  p.busy_since = now;
}

const DatabaseStats& Database::stats() {
  AdvanceBusy();
  return stats_;
}

const PoolStats& Database::pool_stats(uint32_t i) {
  AdvanceBusy(pools_[i]);
  return pools_[i].stats;
}

uint32_t Database::Submit(const Query& q, std::coroutine_handle<> h) {
  const uint32_t slot = slots_.Acquire();
  Slot& s = slots_[slot];
  s.handle = h;
  s.key = q.key_;
  s.size = q.size_;
  s.write = q.write_;
  s.acknowledges = q.acknowledges_;
  s.version = q.version_;
  s.pool = q.pool_;
  s.enqueued = sim_.now();

  if (!q.write_ && !class_api_.empty()) {
    const size_t c = config_.classes.Of(q.key_);
    if (c < class_api_.size() && class_api_[c] != 0) {
      CallApi(slot, class_api_[c] - 1);
      return slot;
    }
  }
  if (q.write_) stats_.bytes_in += q.size_;
  if (q.write_ && q.size_ > 0 && config_.network.Limited()) {
    s.state = SlotState::kArriving;
    sim_.Schedule(Link(&link_in_free_, &stats_.link_in_busy_ns, q.size_), &Database::OnArrived,
                  this, slot);
    return slot;
  }
  Admit(slot);
  return slot;
}

Time Database::Link(Time* free, int64_t* busy_ns, uint64_t bytes) {
  const Duration transfer = config_.network.Transfer(bytes);
  const Time now = sim_.now();
  const Time start = std::max(now, *free);
  *free = start + transfer;
  *busy_ns += transfer.nanos();
  ++stats_.link_transfers;
  stats_.link_wait_ns += (start - now).nanos();
  return *free;
}

void Database::OnArrived(void* self, uint64_t arg) {
  auto* db = static_cast<Database*>(self);
  const auto slot = static_cast<uint32_t>(arg);
  db->slots_[slot].enqueued = db->sim_.now();
  db->Admit(slot);
  if (db->Finished(slot)) db->slots_[slot].handle.resume();  // rejected at once
}

void Database::Admit(uint32_t slot) {
  Slot& s = slots_[slot];
  Pool& p = pools_[s.pool];
  ++stats_.queries;
  ++p.stats.queries;
  if (s.write) {
    ++stats_.writes;
  } else {
    ++stats_.reads;
    stampede_.LoadStarted(s.key);
  }

  if (p.busy < config_.connections) {
    StartService(slot);
  } else if (config_.queue_limit > 0 && p.waiting >= config_.queue_limit) {
    ++stats_.rejected;
    ++p.stats.rejected;
    if (!s.write) stampede_.LoadFinished(s.key);
    s.ok = false;
    s.state = SlotState::kDone;
  } else {
    s.state = SlotState::kWaiting;
    p.queue.push_back(slot);
    ++stats_.queued;
    ++p.stats.queued;
    ++waiting_;
    ++p.waiting;
    stats_.peak_queue = std::max(stats_.peak_queue, waiting_);
    p.stats.peak_queue = std::max(p.stats.peak_queue, p.waiting);
    p.interval_peak_queue = std::max(p.interval_peak_queue, p.waiting);
    interval_peak_queue_ = std::max(interval_peak_queue_, waiting_);
    if (config_.queue_timeout > Duration()) {
      s.timeout_seq = sim_.Reserve();
      if (!p.timeout_queued) ArmTimeout(p);
    }
  }
  stats_.peak_concurrency = std::max<uint64_t>(stats_.peak_concurrency, busy_ + waiting_);
}

void Database::StartService(uint32_t slot) {
  Slot& s = slots_[slot];
  Pool& p = pools_[s.pool];
  AdvanceBusy();
  AdvanceBusy(p);
  ++busy_;
  ++p.busy;
  s.state = SlotState::kRunning;
  ++stats_.started;
  ++p.stats.started;
  const int64_t wait_ns = (sim_.now() - s.enqueued).nanos();
  stats_.wait_ns_total += wait_ns;
  p.stats.wait_ns_total += wait_ns;
  Duration service;
  // A key class with its own service time uses it (one stream either way).
  Sampler* special = nullptr;
  if (!config_.classes.empty()) {
    const size_t c = config_.classes.Of(s.key);
    const auto& per_class = s.write ? class_write_ : class_read_;
    if (c < per_class.size()) special = per_class[c].get();
  }
  if (s.write) {
    service = (special ? *special : write_service_).DrawDuration(rng_);
  } else {
    service = (special ? *special : read_service_).DrawDuration(rng_);
    Snapshot(s);  // at the start of service
  }
  if (config_.cores == 0) {
    sim_.ScheduleAfter(service, &Database::OnComplete, this, slot);
    return;
  }
  AdvanceVirtual();
  finishes_.emplace(virtual_ns_ + static_cast<double>(service.nanos()), slot);
  ScheduleNextCompletion();
}

double Database::SharedSpeed() const {
  const double running = static_cast<double>(finishes_.size());
  return running > config_.cores ? config_.cores / running : 1.0;
}

void Database::AdvanceVirtual() {
  const Time now = sim_.now();
  // finishes_ holds the queries that ran since virtual_since_ (busy_ may
  // already count one started at `now`, which has received no work yet).
  virtual_ns_ += SharedSpeed() * static_cast<double>((now - virtual_since_).nanos());
  virtual_since_ = now;
}

void Database::ScheduleNextCompletion() {
  ++tick_generation_;
  if (finishes_.empty()) return;
  const double left = std::max(0.0, finishes_.top().first - virtual_ns_) / SharedSpeed();
  sim_.ScheduleAfter(Duration::Nanos(static_cast<int64_t>(std::ceil(left))),
                     &Database::OnSharedTick, this, tick_generation_);
}

void Database::OnSharedTick(void* self, uint64_t generation) {
  auto* db = static_cast<Database*>(self);
  if (generation != db->tick_generation_) return;  // superseded by a later start or finish
  db->AdvanceVirtual();
  // The delay was rounded up to a whole ns, so the work is done up to rounding.
  constexpr double kSlack = 1.0;
  std::vector<uint32_t> done;
  while (!db->finishes_.empty() && db->finishes_.top().first <= db->virtual_ns_ + kSlack) {
    done.push_back(db->finishes_.top().second);
    db->finishes_.pop();
  }
  // Completing hands connections on (new finishes) and resumes callers (new
  // submissions); each reschedules, and the last schedule stands.
  for (const uint32_t slot : done) db->Complete(slot);
  db->ScheduleNextCompletion();
}

void Database::CallApi(uint32_t slot, size_t api) {
  Slot& s = slots_[slot];
  Api& a = apis_[api];
  s.state = SlotState::kRunning;
  ++stats_.api_calls;
  stampede_.LoadStarted(s.key);
  const Time now = sim_.now();
  bool ok = true;
  if (a.config.rate_limit > 0) {
    const double refill = a.config.rate_limit * (now - a.refilled).seconds();
    a.tokens = std::min(a.config.burst, a.tokens + refill);
    a.refilled = now;
    if (a.tokens >= 1) {
      a.tokens -= 1;
    } else {
      ok = false;
      ++stats_.api_rate_limited;
    }
  }
  // Both draws always happen, so one call's fate does not shift the next's.
  const Duration latency = a.latency.DrawDuration(api_rng_);
  const bool fails = Uniform01(api_rng_) < a.config.error_fraction;
  if (ok && fails) {
    ok = false;
    ++stats_.api_errors;
  }
  s.ok = ok;
  Snapshot(s);  // what the API answers, as of the call
  sim_.ScheduleAfter(latency, &Database::OnApiAnswer, this, slot);
}

void Database::OnApiAnswer(void* self, uint64_t arg) {
  auto* db = static_cast<Database*>(self);
  Slot& s = db->slots_[static_cast<uint32_t>(arg)];
  db->stampede_.LoadFinished(s.key);
  s.state = SlotState::kDone;
  s.handle.resume();
}

void Database::OnComplete(void* self, uint64_t arg) {
  static_cast<Database*>(self)->Complete(static_cast<uint32_t>(arg));
}

void Database::Complete(uint32_t slot) {
  Slot& s = slots_[slot];
  if (s.write && s.key >= rows_.size()) {
    // A Create: the row appears with version 1 (unless a duplicate insert).
    s.version = 1;
    s.exists = true;
    if (created_.emplace(s.key, RowState{1, sim_.now().nanos(), s.size}).second) {
      if (keep_history_) history_[s.key].push_back(Commit{1, sim_.now().nanos(), s.size});
      ledger_.Create(s.key, sim_.now());
      ++stats_.rows_created;
      for (const auto& f : commit_listeners_) f(s.key, 1);
    }
  } else if (s.write) {
    RowState& row = rows_[s.key];
    if (keep_history_) {
      std::vector<Commit>& h = history_[s.key];
      if (h.empty()) h.push_back(Commit{row.version, row.commit_ns, row.size});  // the initial row
    }
    const uint64_t v = row.version = std::max(row.version + 1, s.version);
    row.size = s.size;
    row.commit_ns = sim_.now().nanos();
    if (s.acknowledges) ledger_.Acknowledge(s.key, v, sim_.now());
    s.version = v;
    s.exists = true;
    if (keep_history_) history_[s.key].push_back(Commit{v, row.commit_ns, s.size});
    for (const auto& f : commit_listeners_) f(s.key, v);
  }
  // A read's answer: over a limited link it arrives later (OnDelivered).
  const uint64_t answer = !s.write && s.exists ? s.size : 0;
  stats_.bytes_out += answer;
  const bool sending = answer > 0 && config_.network.Limited();
  if (!s.write && !sending) stampede_.LoadFinished(s.key);
  s.ok = true;
  s.state = sending ? SlotState::kSending : SlotState::kDone;
  if (sending) {
    sim_.Schedule(Link(&link_out_free_, &stats_.link_out_busy_ns, answer), &Database::OnDelivered,
                  this, slot);
  }
  Pool& p = pools_[s.pool];
  AdvanceBusy();
  AdvanceBusy(p);
  --busy_;
  --p.busy;
  // Hand the connection to its pool's first waiter before resuming the
  // caller, so the caller's next query queues behind it (FIFO).
  if (!p.queue.empty()) {
    const uint32_t next = p.queue.front();
    p.queue.pop_front();
    --waiting_;
    --p.waiting;
    StartService(next);
  }
  if (!sending) s.handle.resume();
}

void Database::OnDelivered(void* self, uint64_t arg) {
  auto* db = static_cast<Database*>(self);
  Slot& s = db->slots_[static_cast<uint32_t>(arg)];
  db->stampede_.LoadFinished(s.key);
  s.state = SlotState::kDone;
  s.handle.resume();
}

void Database::ArmTimeout(Pool& p) {
  if (p.queue.empty()) return;
  const uint32_t first = p.queue.front();
  const Slot& s = slots_[first];
  p.timeout_queued = true;
  sim_.ScheduleReserved(s.enqueued + config_.queue_timeout, s.timeout_seq, &Database::OnTimeout, &p,
                        slots_.Ref(first));
}

// The event of the query that was first in line of its pool when it was
// armed: by now served (then nothing happens to it) or still first in line.
void Database::OnTimeout(void* pool, uint64_t arg) {
  Pool& p = *static_cast<Pool*>(pool);
  Database* db = p.db;
  p.timeout_queued = false;
  if (!db->slots_.Current(arg) || db->slots_[SlotIndex(arg)].state != SlotState::kWaiting) {
    db->ArmTimeout(p);
    return;
  }
  Slot& s = db->slots_[SlotIndex(arg)];
  p.queue.pop_front();              // it is the first in line: those before it were served
  s.state = SlotState::kAbandoned;  // released when its caller collects the failure
  --db->waiting_;
  --p.waiting;
  ++db->stats_.timeouts;
  ++p.stats.timeouts;
  if (!s.write) db->stampede_.LoadFinished(s.key);
  s.ok = false;
  db->ArmTimeout(p);  // before the caller runs on: it may queue again
  s.handle.resume();
}

DbResult Database::Collect(uint32_t slot) {
  Slot& s = slots_[slot];
  DbResult r;
  r.ok = s.ok;
  if (s.ok) r.value = Value{s.version, s.size, s.exists};
  if (s.state == SlotState::kDone || s.state == SlotState::kAbandoned) ReleaseSlot(slot);
  return r;
}

void Database::ReleaseSlot(uint32_t slot) {
  slots_[slot].state = SlotState::kFree;
  slots_[slot].handle = {};
  slots_.Release(slot);
}

}  // namespace cachelab
