#include "sim/model/run_meter.h"

#include <algorithm>

#include "sim/model/database.h"
#include "sim/model/distribution.h"

namespace cachelab {

void RunMeter::Classes(const WorkloadConfig& w) {
  class_map_ = KeyClassMap(w);
  spelling_ = KeySpelling(w);
  classes_.clear();
  for (const WorkloadConfig::KeyClass& c : w.classes) classes_.push_back({c.name});
  class_latency_.assign(classes_.size(), LatencyHistogram());
}

bool RunMeter::Read(const ReadOutcome& out, Key key, const VersionLedger& ledger, Time now) {
  Counters& c = counters_;
  Summary::KeyClass* kc = classes_.empty() ? nullptr : &classes_[class_map_.Of(key)];
  ++c.requests;
  ++c.reads;
  if (kc) ++kc->reads;
  switch (out.cache) {
    case CacheOutcome::kHit:
      ++c.hits;
      if (kc) ++kc->hits;
      break;
    case CacheOutcome::kMiss:
      ++c.misses;
      if (kc) ++kc->misses;
      break;
    case CacheOutcome::kError:
      ++c.errors;
      if (kc) ++kc->errors;
      break;
  }
  if (out.failed) {
    ++c.failed;
    return false;
  }
  ++c.successful_reads;
  // Another key's copy (keys that collide): wrong, whatever its version.
  if (spelling_.Wrong(key, out.value)) {
    ++c.wrong_reads;
    if (kc) ++kc->wrong_reads;
    return false;
  }
  // "Not found" is stale only for a row created since (rows are never deleted).
  if (out.value.exists ? out.value.version >= ledger.acked(key) : !ledger.Created(key)) {
    return false;
  }
  const double age = (now - ledger.AckTime(key, out.value.version + 1)).millis();
  ++c.stale_reads;
  if (kc) ++kc->stale_reads;
  c.stale_age_ms_sum += age;
  c.stale_age_ms_max = std::max(c.stale_age_ms_max, age);
  return true;
}

void RunMeter::Write(bool ok, Key key) {
  if (!classes_.empty()) ++classes_[class_map_.Of(key)].writes;
  ++counters_.requests;
  ++counters_.writes;
  if (!ok) ++counters_.failed;
}

void RunMeter::Measure(const MetricsConfig& metrics, Duration duration) {
  windows_.clear();
  auto add = [&](const std::string& name, Duration from, Duration to) {
    WindowSums& ws = windows_.emplace_back();
    ws.w.name = name;
    ws.from = Time::Zero() + from;
    ws.to = Time::Zero() + to;
    ws.w.from_s = ws.from.seconds();
    ws.w.to_s = ws.to.seconds();
  };
  if (metrics.warmup > Duration()) add("steady", metrics.warmup, duration);
  for (const MetricsWindow& w : metrics.windows) add(w.name, w.from, w.to);
  peak_from_ = Time::Zero() + metrics.warmup;
  peak_to_ = Time::Zero() + duration;
}

namespace {

double Ratio(uint64_t part, uint64_t whole) {
  return whole > 0 ? static_cast<double>(part) / static_cast<double>(whole) : 0.0;
}

}  // namespace

IntervalRow RunMeter::Row(Time end, const WorldTotals& t) {
  const Counters& c = counters_;
  const Counters& m = mark_.counters;
  const WorldTotals& mt = mark_.totals;
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
  row.db_queries = t.db_queries - mt.db_queries;
  row.db_queue_depth = t.db_interval_peak_queue;
  const double span_ns = static_cast<double>((end - mark_.start).nanos());
  row.db_utilization =
      span_ns > 0 ? (t.db_busy_ns - mt.db_busy_ns) / (span_ns * t.db_connections) : 0.0;
  row.p50_ms = static_cast<double>(interval_latency_.Quantile(0.5)) * 1e-6;
  row.p99_ms = static_cast<double>(interval_latency_.Quantile(0.99)) * 1e-6;
  row.stale_reads = c.stale_reads - m.stale_reads;
  row.evictions = t.evictions - mt.evictions;
  row.expirations = t.expirations - mt.expirations;
  row.cache_bytes = t.cache_bytes;
  row.cache_items = t.cache_items;
  row.stampede_loads = t.duplicate_loads - mt.duplicate_loads;

  const Time start = mark_.start;
  if (start >= peak_from_ && end <= peak_to_ && span_ns > 0) {
    Summary::Peak& p = peak_;
    if (row.requests > 0 && row.p99_ms > p.p99_ms) {
      p.p99_ms = row.p99_ms;
      p.p99_at_s = row.time_s;
    }
    if (row.db_utilization > p.db_utilization) {
      p.db_utilization = row.db_utilization;
      p.db_utilization_at_s = row.time_s;
    }
    p.db_queue_depth = std::max(p.db_queue_depth, row.db_queue_depth);
    p.db_queries_per_s =
        std::max(p.db_queries_per_s, static_cast<double>(row.db_queries) / (span_ns * 1e-9));
    if (row.hits + row.misses > 0 && row.hit_ratio < p.min_hit_ratio) {
      p.min_hit_ratio = row.hit_ratio;
      p.min_hit_ratio_at_s = row.time_s;
    }
  }
  for (WindowSums& ws : windows_) {
    if (start < ws.from || end > ws.to) continue;
    Summary::Window& w = ws.w;
    w.requests.total += row.requests;
    w.requests.reads += row.reads;
    w.requests.writes += row.writes;
    w.requests.failed += row.failed;
    w.hits += row.hits;
    w.misses += row.misses;
    w.errors += row.errors;
    w.evictions += row.evictions;
    w.expirations += row.expirations;
    w.db_queries += row.db_queries;
    w.db_peak_queue_depth = std::max(w.db_peak_queue_depth, row.db_queue_depth);
    w.stale_reads += row.stale_reads;
    w.duplicate_loads += row.stampede_loads;
    ws.successful_reads += c.successful_reads - m.successful_reads;
    ws.db_started += t.db_started - mt.db_started;
    ws.db_queued += t.db_queued - mt.db_queued;
    ws.db_wait_ns += t.db_wait_ns - mt.db_wait_ns;
    ws.db_busy_ns += t.db_busy_ns - mt.db_busy_ns;
    ws.span_ns += span_ns;
    ws.db_connections = t.db_connections;
    ws.latency.Merge(interval_latency_);
  }

  interval_latency_.Reset();
  mark_.start = end;
  mark_.counters = c;
  mark_.totals = t;
  return row;
}

void RunMeter::FillSummary(Summary& s) const {
  const Counters& c = counters_;
  s.requests = {c.requests, c.reads, c.writes, c.failed};
  s.cache.hits = c.hits;
  s.cache.misses = c.misses;
  s.cache.errors = c.errors;
  s.cache.hit_ratio = c.hits + c.misses > 0
                          ? static_cast<double>(c.hits) / static_cast<double>(c.hits + c.misses)
                          : 0;
  auto ms = [](int64_t ns) { return static_cast<double>(ns) * 1e-6; };
  auto fill = [&](Summary::Latency& l, const LatencyHistogram& h) {
    l.mean = h.mean() * 1e-6;
    l.p50 = ms(h.Quantile(0.5));
    l.p90 = ms(h.Quantile(0.9));
    l.p99 = ms(h.Quantile(0.99));
    l.p999 = ms(h.Quantile(0.999));
    l.max = ms(h.max());
  };
  s.classes = classes_;
  for (size_t i = 0; i < s.classes.size(); ++i) {
    Summary::KeyClass& kc = s.classes[i];
    kc.read_mean_ms = class_latency_[i].mean() * 1e-6;
    kc.read_p99_ms = static_cast<double>(class_latency_[i].Quantile(0.99)) * 1e-6;
    kc.hit_ratio = kc.hits + kc.misses > 0
                       ? static_cast<double>(kc.hits) / static_cast<double>(kc.hits + kc.misses)
                       : 0;
  }
  fill(s.latency_ms, latency_);
  fill(s.read_latency_ms, read_latency_);
  fill(s.write_latency_ms, write_latency_);
  s.staleness.stale_reads = c.stale_reads;
  s.staleness.wrong_reads = c.wrong_reads;
  s.staleness.stale_read_ratio =
      c.successful_reads > 0
          ? static_cast<double>(c.stale_reads) / static_cast<double>(c.successful_reads)
          : 0;
  s.staleness.max_age_ms = c.stale_age_ms_max;
  s.staleness.mean_age_ms =
      c.stale_reads > 0 ? c.stale_age_ms_sum / static_cast<double>(c.stale_reads) : 0;
  s.peak = peak_;
  s.windows.clear();
  for (const WindowSums& ws : windows_) {
    Summary::Window w = ws.w;
    w.hit_ratio = Ratio(w.hits, w.hits + w.misses);
    w.db_utilization = ws.span_ns > 0 ? ws.db_busy_ns / (ws.span_ns * ws.db_connections) : 0;
    w.db_mean_wait_ms =
        ws.db_started > 0 ? static_cast<double>(ws.db_wait_ns) * 1e-6 / ws.db_started : 0;
    w.db_wait_probability = Ratio(ws.db_queued, w.db_queries);
    w.latency_ms.mean = ws.latency.mean() * 1e-6;
    w.latency_ms.p50 = ms(ws.latency.Quantile(0.5));
    w.latency_ms.p90 = ms(ws.latency.Quantile(0.9));
    w.latency_ms.p99 = ms(ws.latency.Quantile(0.99));
    w.latency_ms.p999 = ms(ws.latency.Quantile(0.999));
    w.latency_ms.max = ms(ws.latency.max());
    w.stale_read_ratio = Ratio(w.stale_reads, ws.successful_reads);
    s.windows.push_back(std::move(w));
  }
}

void FillDatabaseSummary(Summary& s, const DatabaseStats& db, uint32_t connections, Time end) {
  s.db.queries = db.queries;
  s.db.reads = db.reads;
  s.db.writes = db.writes;
  s.db.timeouts = db.timeouts;
  s.db.rejected = db.rejected;
  s.db.rows_created = db.rows_created;
  s.api.calls = db.api_calls;
  s.api.rate_limited = db.api_rate_limited;
  s.api.errors = db.api_errors;
  s.db.peak_concurrency = db.peak_concurrency;
  s.db.peak_queue_depth = db.peak_queue;
  s.db.mean_wait_ms = db.started > 0 ? static_cast<double>(db.wait_ns_total) * 1e-6 /
                                           static_cast<double>(db.started)
                                     : 0;
  s.db.wait_probability =
      db.queries > 0 ? static_cast<double>(db.queued) / static_cast<double>(db.queries) : 0;
  s.db.utilization =
      end.nanos() > 0 ? db.busy_ns / (static_cast<double>(end.nanos()) * connections) : 0;
}

Summary::Db::Link DatabaseLinkSummary(const DatabaseStats& db, Time end) {
  Summary::Db::Link l;
  if (end.nanos() > 0) {
    const double ns = static_cast<double>(end.nanos());
    l.in_utilization = static_cast<double>(db.link_in_busy_ns) / ns;
    l.out_utilization = static_cast<double>(db.link_out_busy_ns) / ns;
  }
  l.wait_ms = db.link_transfers > 0 ? static_cast<double>(db.link_wait_ns) * 1e-6 /
                                          static_cast<double>(db.link_transfers)
                                    : 0;
  return l;
}

double DatabaseCapacityQps(const DatabaseConfig& db, uint32_t pools, uint64_t reads,
                           uint64_t writes) {
  const double r = static_cast<double>(reads), w = static_cast<double>(writes);
  // Before any query, judge by reads alone.
  const double mean_ns =
      r + w > 0 ? (r * DistributionMean(db.read_service) + w * DistributionMean(db.write_service)) /
                      (r + w)
                : DistributionMean(db.read_service);
  if (!(mean_ns > 0)) return 0;  // free queries
  const uint32_t connections = db.connections * pools;
  const double servers = db.cores > 0 ? std::min(db.cores, connections) : connections;
  return servers / (mean_ns * 1e-9);
}

void FillDatabaseVerdict(Summary& s, const DatabaseConfig& db, uint32_t pools, Duration duration) {
  s.db.capacity_qps = DatabaseCapacityQps(db, pools, s.db.reads, s.db.writes);
  if (s.db.capacity_qps == 0) {  // free queries: no load can exceed the capacity
    s.db.offered_load = 0;
    s.db.verdict = "stable";
    return;
  }
  const double seconds = duration.seconds();
  s.db.offered_load =
      seconds > 0 ? static_cast<double>(s.db.queries) / seconds / s.db.capacity_qps : 0;
  if (s.db.offered_load >= 1) {
    s.db.verdict = "unstable: arrival rate above capacity";
  } else if (s.peak.db_queries_per_s > s.db.capacity_qps) {
    s.db.verdict = "overloaded at peak";
  } else {
    s.db.verdict = "stable";
  }
}

void FillStampedeSummary(Summary& s, const StampedeTracker& stampede) {
  s.stampede.episodes = stampede.episodes();
  s.stampede.max_concurrent_loads = stampede.max_concurrent();
  s.stampede.duplicate_loads = stampede.duplicate_loads();
  s.stampede.size_counts = stampede.size_counts();
}

void FillPolicySummary(Summary& s, const PolicyStats& p) {
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
  s.invalidation.published = p.invalidations_published;
  s.invalidation.delivered = p.invalidations_delivered;
  s.invalidation.lost = p.invalidations_lost;
  s.degradation.breaker_bypasses = p.breaker_bypasses;
  s.warming.keys_loaded = p.warmed_keys;
}

}  // namespace cachelab
