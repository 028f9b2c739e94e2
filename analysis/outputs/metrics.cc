// The metric descriptor tables (metrics.h) and the Markdown generated from them.
#include "analysis/outputs/metrics.h"

#include <fmt/format.h>

#include <algorithm>
#include <initializer_list>
#include <stdexcept>

namespace cachelab {

// The accessor of a row: `s` is the Summary (or IntervalRow).
#define CACHELAB_SUMMARY(expr) +[](const Summary& s) -> MetricValue { return s.expr; }
#define CACHELAB_INTERVAL(expr) \
  +[](const IntervalRow& r) -> std::variant<uint64_t, double> { return r.expr; }

const std::vector<SummaryMetric>& SummaryMetrics() {
  using K = MetricKind;
  using S = ConsoleSection;
  using F = ConsoleFormat;
  // Rows of one console section keep their order here; a row without a label
  // is in summary.json only.
  static const std::vector<SummaryMetric> kMetrics = {
      // The table's title line prints these three itself.
      {"scenario", "string", "the scenario's `name`", K::kString, CACHELAB_SUMMARY(scenario),
       S::kNone, "", F::kNone},
      {"seed", "integer", "the seed the run used", K::kCount, CACHELAB_SUMMARY(seed), S::kNone, "",
       F::kNone},
      {"simulated_seconds", "s",
       "simulated time from the start until the last request finished (arrivals stop at the "
       "scenario's `duration`; requests in flight then still complete)",
       K::kReal, CACHELAB_SUMMARY(simulated_seconds), S::kNone, "", F::kNone},

      {"requests.total", "count", "reads + writes", K::kCount, CACHELAB_SUMMARY(requests.total),
       S::kRequests, "total", F::kGrouped},
      {"requests.reads", "count", "read requests", K::kCount, CACHELAB_SUMMARY(requests.reads),
       S::kRequests, "reads", F::kGrouped},
      {"requests.writes", "count", "write requests", K::kCount, CACHELAB_SUMMARY(requests.writes),
       S::kRequests, "writes", F::kGrouped},
      {"requests.failed", "count",
       "requests that returned an error to the caller (e.g. the database queue timed out); "
       "included in the counts above",
       K::kCount, CACHELAB_SUMMARY(requests.failed), S::kRequests, "failed", F::kGrouped},

      {"cache.hits", "count", "reads answered from the cache", K::kCount,
       CACHELAB_SUMMARY(cache.hits), S::kCache, "hits", F::kGrouped},
      {"cache.misses", "count",
       "reads for which the cache had no usable entry, so the value came from the database",
       K::kCount, CACHELAB_SUMMARY(cache.misses), S::kCache, "misses", F::kGrouped},
      {"cache.errors", "count", "reads for which the cache failed (down, timed out)", K::kCount,
       CACHELAB_SUMMARY(cache.errors), S::kCache, "errors", F::kGrouped},
      {"cache.hit_ratio", "fraction", "hits / (hits + misses), 0 when there were none", K::kReal,
       CACHELAB_SUMMARY(cache.hit_ratio), S::kCache, "hit ratio", F::kPercent},
      {"cache.evictions", "count", "entries removed to make room (capacity or item limit)",
       K::kCount, CACHELAB_SUMMARY(cache.evictions), S::kCache, "evictions", F::kGrouped},
      {"cache.expirations", "count",
       "entries removed because their TTL ran out (lazily on access, or by active expiry)",
       K::kCount, CACHELAB_SUMMARY(cache.expirations), S::kCache, "expirations", F::kGrouped},
      {"cache.peak_bytes", "bytes",
       "most bytes stored at once (values plus the per-entry overhead)", K::kCount,
       CACHELAB_SUMMARY(cache.peak_bytes), S::kCache, "peak bytes", F::kBytes},
      {"cache.peak_items", "count", "most entries stored at once", K::kCount,
       CACHELAB_SUMMARY(cache.peak_items), S::kCache, "peak items", F::kGrouped},
      {"cache.gets", "count", "get operations the server received", K::kCount,
       CACHELAB_SUMMARY(cache.gets), S::kCache, "gets", F::kGrouped},
      {"cache.sets", "count", "set operations the server received", K::kCount,
       CACHELAB_SUMMARY(cache.sets), S::kCache, "sets", F::kGrouped},
      {"cache.deletes", "count", "delete operations the server received", K::kCount,
       CACHELAB_SUMMARY(cache.deletes), S::kCache, "deletes", F::kGrouped},
      {"cache.stored", "count",
       "entries stored: read fills, write-through and write-behind sets, refreshes, warming (not "
       "locks)",
       K::kCount, CACHELAB_SUMMARY(cache.stored), S::kNone, "", F::kNone},
      {"cache.unused", "count",
       "stored entries that never answered a read: evicted, expired, deleted, replaced or flushed "
       "before their first hit, or never hit by the end of the run",
       K::kCount, CACHELAB_SUMMARY(cache.unused), S::kNone, "", F::kNone},
      {"cache.unused_ratio", "fraction", "`unused / stored`, 0 when nothing was stored", K::kReal,
       CACHELAB_SUMMARY(cache.unused_ratio), S::kNone, "", F::kNone},

      {"db.queries", "count", "queries issued (reads + writes, timed-out ones included)", K::kCount,
       CACHELAB_SUMMARY(db.queries), S::kDatabase, "queries", F::kGrouped},
      {"db.reads", "count", "read queries", K::kCount, CACHELAB_SUMMARY(db.reads), S::kDatabase,
       "reads", F::kGrouped},
      {"db.writes", "count", "write queries", K::kCount, CACHELAB_SUMMARY(db.writes), S::kDatabase,
       "writes", F::kGrouped},
      {"db.timeouts", "count",
       "queries abandoned after waiting `database.queue_timeout` for a connection", K::kCount,
       CACHELAB_SUMMARY(db.timeouts), S::kDatabase, "timeouts", F::kGrouped},
      {"db.peak_concurrency", "count", "most queries in the database at once, running plus waiting",
       K::kCount, CACHELAB_SUMMARY(db.peak_concurrency), S::kDatabase, "peak concurrency",
       F::kGrouped},
      {"db.peak_queue_depth", "count", "most queries waiting for a connection at once", K::kCount,
       CACHELAB_SUMMARY(db.peak_queue_depth), S::kDatabase, "peak queue depth", F::kGrouped},
      {"db.mean_wait_ms", "ms", "mean wait for a connection, over the queries that got one",
       K::kReal, CACHELAB_SUMMARY(db.mean_wait_ms), S::kDatabase, "mean wait", F::kMillis},
      {"db.wait_probability", "fraction",
       "share of queries that found every connection busy and queued (Erlang C's P(wait) for "
       "M/M/c)",
       K::kReal, CACHELAB_SUMMARY(db.wait_probability), S::kDatabase, "P(wait)", F::kPercent},
      {"db.utilization", "fraction", "busy connection time / (connections x `simulated_seconds`)",
       K::kReal, CACHELAB_SUMMARY(db.utilization), S::kDatabase, "utilization", F::kPercent},
      {"db.rejected", "count",
       "queries that found `database.queue_limit` queries waiting and failed at once", K::kCount,
       CACHELAB_SUMMARY(db.rejected), S::kDatabase, "rejected", F::kGrouped},
      {"db.rows_created", "count",
       "rows inserted outside the application during the run (`row_creations_per_s`); counted in "
       "`db.writes` and `db.queries`",
       K::kCount, CACHELAB_SUMMARY(db.rows_created), S::kPolicyStack, "rows created", F::kGrouped},
      {"db.capacity_qps", "1/s",
       "queries per second the database can serve: min(connections, cores) / mean service time "
       "over the run's mix of reads and writes",
       K::kReal, CACHELAB_SUMMARY(db.capacity_qps), S::kNone, "", F::kNone},
      {"db.offered_load", "fraction",
       "queries per second arriving (`db.queries` / duration) / `db.capacity_qps`; 1 or more "
       "cannot be served in steady state",
       K::kReal, CACHELAB_SUMMARY(db.offered_load), S::kDatabase, "offered load", F::kPercent},
      {"db.verdict", "string",
       "\"stable\", \"overloaded at peak\" (an interval's queries above capacity) or \"unstable: "
       "arrival rate above capacity\"; \"not judged\" live",
       K::kString, CACHELAB_SUMMARY(db.verdict), S::kNone, "", F::kNone},

      {"latency_ms.mean", "ms", "mean", K::kReal, CACHELAB_SUMMARY(latency_ms.mean), S::kLatency,
       "mean", F::kMillis},
      {"latency_ms.p50", "ms", "median", K::kReal, CACHELAB_SUMMARY(latency_ms.p50), S::kLatency,
       "p50", F::kMillis},
      {"latency_ms.p90", "ms", "90th percentile", K::kReal, CACHELAB_SUMMARY(latency_ms.p90),
       S::kLatency, "p90", F::kMillis},
      {"latency_ms.p99", "ms", "99th percentile", K::kReal, CACHELAB_SUMMARY(latency_ms.p99),
       S::kLatency, "p99", F::kMillis},
      {"latency_ms.p999", "ms", "99.9th percentile", K::kReal, CACHELAB_SUMMARY(latency_ms.p999),
       S::kLatency, "p99.9", F::kMillis},
      {"latency_ms.max", "ms", "slowest request", K::kReal, CACHELAB_SUMMARY(latency_ms.max),
       S::kLatency, "max", F::kMillis},
      {"read_latency_ms.p99", "ms", "99th percentile of reads", K::kReal,
       CACHELAB_SUMMARY(read_latency_ms.p99), S::kLatency, "reads p99", F::kMillis},
      {"write_latency_ms.p99", "ms", "99th percentile of writes", K::kReal,
       CACHELAB_SUMMARY(write_latency_ms.p99), S::kLatency, "writes p99", F::kMillis},
      {"read_latency_ms.mean", "ms", "mean of reads", K::kReal,
       CACHELAB_SUMMARY(read_latency_ms.mean), S::kNone, "", F::kNone},
      {"read_latency_ms.p50", "ms", "median of reads", K::kReal,
       CACHELAB_SUMMARY(read_latency_ms.p50), S::kNone, "", F::kNone},
      {"read_latency_ms.p90", "ms", "90th percentile of reads", K::kReal,
       CACHELAB_SUMMARY(read_latency_ms.p90), S::kNone, "", F::kNone},
      {"read_latency_ms.p999", "ms", "99.9th percentile of reads", K::kReal,
       CACHELAB_SUMMARY(read_latency_ms.p999), S::kNone, "", F::kNone},
      {"read_latency_ms.max", "ms", "slowest of reads", K::kReal,
       CACHELAB_SUMMARY(read_latency_ms.max), S::kNone, "", F::kNone},
      {"write_latency_ms.mean", "ms", "mean of writes", K::kReal,
       CACHELAB_SUMMARY(write_latency_ms.mean), S::kNone, "", F::kNone},
      {"write_latency_ms.p50", "ms", "median of writes", K::kReal,
       CACHELAB_SUMMARY(write_latency_ms.p50), S::kNone, "", F::kNone},
      {"write_latency_ms.p90", "ms", "90th percentile of writes", K::kReal,
       CACHELAB_SUMMARY(write_latency_ms.p90), S::kNone, "", F::kNone},
      {"write_latency_ms.p999", "ms", "99.9th percentile of writes", K::kReal,
       CACHELAB_SUMMARY(write_latency_ms.p999), S::kNone, "", F::kNone},
      {"write_latency_ms.max", "ms", "slowest of writes", K::kReal,
       CACHELAB_SUMMARY(write_latency_ms.max), S::kNone, "", F::kNone},

      {"staleness.stale_reads", "count", "stale reads", K::kCount,
       CACHELAB_SUMMARY(staleness.stale_reads), S::kStaleness, "stale reads", F::kGrouped},
      {"staleness.stale_read_ratio", "fraction", "stale reads / successful reads", K::kReal,
       CACHELAB_SUMMARY(staleness.stale_read_ratio), S::kStaleness, "stale read ratio",
       F::kPercent},
      {"staleness.max_age_ms", "ms",
       "largest age of a stale read: the time since the first write the reader missed (the next "
       "version after the one returned) was acknowledged",
       K::kReal, CACHELAB_SUMMARY(staleness.max_age_ms), S::kStaleness, "max age", F::kMillis},
      {"staleness.mean_age_ms", "ms", "mean age over stale reads (0 when there were none)",
       K::kReal, CACHELAB_SUMMARY(staleness.mean_age_ms), S::kStaleness, "mean age", F::kMillis},

      {"staleness.wrong_reads", "count",
       "reads answered with another key's cached copy: keys that collide (a key class's `key` "
       "design without its namespace or without a query parameter); not counted as stale",
       K::kCount, CACHELAB_SUMMARY(staleness.wrong_reads), S::kPolicyStack, "wrong reads",
       F::kGrouped},

      {"stampede.episodes", "count", "episodes with more than one concurrent load (stampedes)",
       K::kCount, CACHELAB_SUMMARY(stampede.episodes), S::kStampede, "episodes", F::kGrouped},
      {"stampede.max_concurrent_loads", "count",
       "the largest number of concurrent loads of one key (1 if loads never overlapped, 0 if "
       "there were none)",
       K::kCount, CACHELAB_SUMMARY(stampede.max_concurrent_loads), S::kStampede,
       "max concurrent loads", F::kGrouped},
      {"stampede.duplicate_loads", "count",
       "loads started while another load of the same key was in flight", K::kCount,
       CACHELAB_SUMMARY(stampede.duplicate_loads), S::kStampede, "duplicate loads", F::kGrouped},
      {"stampede.size_counts", "array of counts",
       "`size_counts[k]`: finished episodes whose peak was `k` concurrent loads; index 0 is always "
       "0, index 1 counts episodes of a single load; the array is one longer than the largest "
       "peak (empty when no load finished)",
       K::kCountArray, CACHELAB_SUMMARY(stampede.size_counts), S::kStampede, "peak:episodes",
       F::kPeakCounts},

      {"l1.hits", "count",
       "reads answered by the instance's L1; L1 hits are also counted in `cache.hits`", K::kCount,
       CACHELAB_SUMMARY(l1.hits), S::kPolicyStack, "L1 hits", F::kGrouped},
      {"l1.misses", "count", "reads that missed the instance's L1", K::kCount,
       CACHELAB_SUMMARY(l1.misses), S::kNone, "", F::kNone},
      {"l1.hit_ratio", "fraction", "`l1.hits / (l1.hits + l1.misses)`", K::kReal,
       CACHELAB_SUMMARY(l1.hit_ratio), S::kNone, "", F::kNone},

      {"guard.early_refreshes", "count",
       "refreshes started before expiry (XFetch, early-refresh, stale-while-revalidate "
       "revalidations)",
       K::kCount, CACHELAB_SUMMARY(guard.early_refreshes), S::kPolicyStack, "early refreshes",
       F::kGrouped},
      {"guard.background_refreshes", "count", "loads done by a background refresher", K::kCount,
       CACHELAB_SUMMARY(guard.background_refreshes), S::kPolicyStack, "background refreshes",
       F::kGrouped},
      {"guard.coalesced_reads", "count", "reads answered by another request's load (single-flight)",
       K::kCount, CACHELAB_SUMMARY(guard.coalesced_reads), S::kPolicyStack, "coalesced reads",
       F::kGrouped},
      {"guard.waits", "count", "sleeps or waits for another request's load (lock, lease)",
       K::kCount, CACHELAB_SUMMARY(guard.waits), S::kPolicyStack, "guard waits", F::kGrouped},
      {"guard.gave_up", "count", "reads that stopped waiting after the retry cap and loaded anyway",
       K::kCount, CACHELAB_SUMMARY(guard.gave_up), S::kPolicyStack, "guard gave up", F::kGrouped},
      {"guard.stale_served", "count",
       "reads answered with an entry past its fresh TTL (stale-while-revalidate, stale-if-error)",
       K::kCount, CACHELAB_SUMMARY(guard.stale_served), S::kPolicyStack, "stale served",
       F::kGrouped},
      {"guard.leases_issued", "count", "lease tokens handed out by the cache server", K::kCount,
       CACHELAB_SUMMARY(guard.leases_issued), S::kNone, "", F::kNone},
      {"guard.lease_sets_rejected", "count",
       "fills rejected because their lease had been invalidated (by a delete)", K::kCount,
       CACHELAB_SUMMARY(guard.lease_sets_rejected), S::kPolicyStack, "lease sets rejected",
       F::kGrouped},

      {"invalidation.published", "count", "invalidation messages published", K::kCount,
       CACHELAB_SUMMARY(invalidation.published), S::kPolicyStack, "invalidations sent",
       F::kGrouped},
      {"invalidation.delivered", "count",
       "deliveries to subscribers (one per subscriber per message)", K::kCount,
       CACHELAB_SUMMARY(invalidation.delivered), S::kNone, "", F::kNone},
      {"invalidation.lost", "count", "deliveries lost", K::kCount,
       CACHELAB_SUMMARY(invalidation.lost), S::kPolicyStack, "invalidations lost", F::kGrouped},

      {"degradation.breaker_bypasses", "count",
       "reads that skipped the shared cache because the instance's circuit breaker was open",
       K::kCount, CACHELAB_SUMMARY(degradation.breaker_bypasses), S::kPolicyStack,
       "breaker bypasses", F::kGrouped},
      {"warming.keys_loaded", "count", "keys a warmer loaded into the cache", K::kCount,
       CACHELAB_SUMMARY(warming.keys_loaded), S::kPolicyStack, "keys warmed", F::kGrouped},

      {"api.calls", "count",
       "loads of API-backed key classes (`workload.classes[].api`), counted instead of database "
       "reads",
       K::kCount, CACHELAB_SUMMARY(api.calls), S::kPolicyStack, "API calls", F::kGrouped},
      {"api.rate_limited", "count",
       "API calls refused by the API's rate limit (failed loads; included in `api.calls`)",
       K::kCount, CACHELAB_SUMMARY(api.rate_limited), S::kPolicyStack, "API rate-limited",
       F::kGrouped},
      {"api.errors", "count",
       "API calls that failed otherwise (`error_fraction`; included in `api.calls`)", K::kCount,
       CACHELAB_SUMMARY(api.errors), S::kPolicyStack, "API errors", F::kGrouped},

      {"peak.latency_ms.p99", "ms", "the highest p99 of an interval", K::kReal,
       CACHELAB_SUMMARY(peak.p99_ms), S::kNone, "", F::kNone},
      {"peak.latency_ms.p99_at_s", "s", "the start of that interval", K::kReal,
       CACHELAB_SUMMARY(peak.p99_at_s), S::kNone, "", F::kNone},
      {"peak.db.utilization", "fraction", "the highest database utilization of an interval",
       K::kReal, CACHELAB_SUMMARY(peak.db_utilization), S::kNone, "", F::kNone},
      {"peak.db.utilization_at_s", "s", "the start of that interval", K::kReal,
       CACHELAB_SUMMARY(peak.db_utilization_at_s), S::kNone, "", F::kNone},
      {"peak.db.queue_depth", "count", "the most queries waiting for a connection at once",
       K::kCount, CACHELAB_SUMMARY(peak.db_queue_depth), S::kNone, "", F::kNone},
      {"peak.db.queries_per_s", "1/s", "the most database queries issued per second in an interval",
       K::kReal, CACHELAB_SUMMARY(peak.db_queries_per_s), S::kNone, "", F::kNone},
      {"peak.cache.min_hit_ratio", "fraction",
       "the lowest hit ratio of an interval with reads (1 when none had any)", K::kReal,
       CACHELAB_SUMMARY(peak.min_hit_ratio), S::kNone, "", F::kNone},
      {"peak.cache.min_hit_ratio_at_s", "s", "the start of that interval", K::kReal,
       CACHELAB_SUMMARY(peak.min_hit_ratio_at_s), S::kNone, "", F::kNone},

      // Last: the terminal table lists them at the end of the policy stack.
      {"writes.lost", "count",
       "acknowledged writes that never reached the database (a write-behind queue lost when the "
       "cache crashed or was flushed)",
       K::kCount, CACHELAB_SUMMARY(writes.lost), S::kPolicyStack, "writes lost", F::kGrouped},
      {"writes.pending_at_end", "count",
       "acknowledged writes still queued for the database when the run ended (not lost, not yet "
       "durable)",
       K::kCount, CACHELAB_SUMMARY(writes.pending_at_end), S::kPolicyStack, "writes pending",
       F::kGrouped},
  };
  return kMetrics;
}

const std::vector<SummaryGroup>& SummaryGroups() {
  static const std::vector<SummaryGroup> kGroups = {
      {"", "", ""},
      {"requests", "", "every request the workload issued, counted when it completed"},
      {"cache", "", "the shared cache server, from the application's side"},
      {"db", "",
       "the database; with a limited link (`database.network`) also `link_in_utilization` and "
       "`link_out_utilization` (busy time of the primary's link each way, write values in and "
       "read answers out / simulated time) and `link_wait_ms` (mean wait of a value for its "
       "direction), absent without a limit"},
      {"latency_ms", "ms",
       "end-to-end latency of every request, reads and writes, failed ones included; quantiles "
       "from a log-linear histogram, interpolated inside a bucket, within 1/128 relative error; "
       "mean and max exact"},
      {"read_latency_ms", "ms", "as latency_ms, over reads only"},
      {"write_latency_ms", "ms",
       "as latency_ms, over writes only (a write-through write waits for the database and the "
       "cache, a write-behind write for the cache alone)"},
      {"staleness", "",
       "reads that returned an outdated value: a version older than the latest *acknowledged* "
       "write of the key"},
      {"stampede", "",
       "per key, a *load episode* lasts while at least one database load of that key is in "
       "flight"},
      {"writes", "", ""},
      {"l1", "", "per-instance near caches (all 0 without an L1)"},
      {"guard", "", "what the stampede guard did (all 0 with guard `none`)"},
      {"invalidation", "", "the invalidation channel(s): event, hybrid, broadcast L1"},
      {"degradation", "", ""},
      {"warming", "", ""},
      {"api", "", "external APIs behind key classes (all 0 without one)"},
      {"peak", "",
       "the worst interval of the time series: over the intervals that start at or after "
       "`metrics.warmup` and end by the scenario's `duration` (the drain after the last arrival "
       "is left out), each field is the worst one interval reached; all 0 (`min_hit_ratio` 1) when "
       "no interval qualifies"},
      // Written by SummaryToJson itself (one object per window).
      {kWindowGroup, "object",
       "one object per window, named by the scenario: `steady` (from `metrics.warmup` to the "
       "`duration`, with a warmup) and each of `metrics.windows`. It measures the requests that "
       "completed inside the window and the time-series intervals inside it; its fields:"},
      // Written by SummaryToJson itself (one object per alert rule).
      {"alerts", "array",
       "one object per alert rule of the scenario, in scenario order: `name`, `rule` "
       "(`\"hit_ratio < 0.8\"`), `intervals_firing` (time-series intervals in which the rule "
       "held), `fired_at_s` (start of each interval where it began to hold), `resolved_at_s` "
       "(start of each interval where it stopped holding). A ratio rule is not evaluated in an "
       "interval without reads, a latency rule not in one without requests"},
      // Written by SummaryToJson itself (one object per key class).
      {"classes", "object",
       "one object per key class of the workload (`workload.classes`), keyed by the class's "
       "name, empty without classes: `reads`, `writes`, `hits`, `misses`, `errors`, "
       "`stale_reads` (counts, as the whole run's), `hit_ratio` (hits / (hits + misses)) and "
       "`read_latency_ms` (`mean`, `p99`: end-to-end latency of the class's reads)"},
      // Written by SummaryToJson itself, only with several cache nodes or a CPU limit.
      {"cluster", "object",
       "the cache's nodes (`cache.cluster`, `cache.cpu`, `cache.network`); present only when the "
       "cache has more than one node, a CPU limit or a link limit, so a single server's summary "
       "has no such object: `nodes`, `sharding`, `busiest_node` (most operations), "
       "`ops_imbalance` (the busiest node's operations / the mean over nodes), "
       "`max_cpu_utilization`, `max_net_utilization` (the busiest link direction), and "
       "`per_node`, one object per "
       "node: `node`, `key_share` (its share of the hash space), `ops` (gets + sets + deletes, "
       "locks and leases included), `gets`, `hits`, `errors`, `hit_ratio` (hits / gets that did "
       "not fail), `ops_per_s`, `cpu_utilization` (busy CPU time / simulated time), "
       "`cpu_wait_ms` (mean wait for the CPU per operation), `net_in_utilization` and "
       "`net_out_utilization` (busy time of each link direction / simulated time), `bytes` and "
       "`items` (at the end), "
       "`peak_bytes`, `evictions`, `flushes` (flush and restart faults that emptied it). "
       "With replicas (`cache.cluster.replicas`) `per_node` lists every server, server "
       "s + m x nodes being member m of node s, with its `shard` and `role` at the end "
       "(`primary` or `replica`), and `replication` holds `replicas_per_shard`, `read_from`, "
       "`replica_reads` (GETs a replica served), `behind_reads` (of those, answered otherwise "
       "than the shard's primary would have at that moment: another version, or a hit against a "
       "miss), `behind_ratio`, `applied` (changes the replicas applied), `peak_backlog` (most "
       "changes in flight to one replica), `failovers`, `failed_failovers` (no replica was up), "
       "`lost_changes` (in flight to a promoted replica at its primary's crash), `resyncs` (full "
       "copies to a replica) and `promotions` (`shard`, `from`, `to` servers, `crash_s`, "
       "`at_s`). The run folder then also holds `nodes.csv`: per interval and server, `time_s`, "
       "`node`, `ops`, `gets`, `hits`, `errors`, `hit_ratio`, `cpu_utilization`, `bytes`, "
       "`items`"},
      // Written by SummaryToJson itself, only with a memory model or RAM.
      {"memory", "object",
       "the cache nodes' memory (`cache.memory`); present only with the `redis` model, a "
       "`fragmentation` above 1 or a `ram` size: `model`, `fullest_node` (the node with the "
       "highest peak), `maxmemory_bytes` (each node's capacity), `peak_used_bytes` (that node's "
       "peak, entries charged as the model says), `fragmentation`, `peak_rss_bytes` "
       "(peak_used_bytes x fragmentation), `ram_bytes` (0: not given), `ram_utilization` "
       "(peak_rss_bytes / ram_bytes) and `verdict`: `not checked` (no RAM given), `fits` (a "
       "full node, maxmemory x fragmentation, fits in RAM), `fits at peak only` (the run's "
       "peak fits, a full node would not) or `exceeds RAM` (the node would swap or be killed)"},
      // Written by SummaryToJson itself, only when the scenario prices something.
      {"cost", "object",
       "what the deployment costs per month (`cost`, `cache.node_type`; a month is 730 hours); "
       "present only when the scenario has a price: `currency`, `cache_node_type` (empty: "
       "none), `cache_nodes`, `cache_per_month` (nodes x the node's price per hour), "
       "`database_per_month` (the primary), `replicas_per_month`, `network_gib_per_month` "
       "(value bytes through the cache nodes both ways, per simulated second, over a month), "
       "`network_per_month` (that x `network_per_gib`) and `per_month`, the sum"},
      // Written by SummaryToJson itself, only with read replicas.
      {"replicas", "object",
       "the database's read replicas (`database.replicas`); present only when it has some (the "
       "`db` section is then the primary's): `count`, `reads` (application reads a replica "
       "served), `pinned_reads` (reads `read_your_writes` sent to the primary), `timeouts`, "
       "`rejected`, `peak_queue_depth` (the largest of any replica), `max_utilization` (the "
       "busiest replica's busy connection time / (connections x simulated time)), and with a "
       "limited link `max_link_utilization` (the busiest direction of any replica's own link)"},
      // Written by SummaryToJson itself, only with per-instance pools.
      {"pools", "object",
       "the primary's connection pools (`database.pool`); present only with `per_instance` "
       "pools (the `db` section then holds their totals, its `utilization` over every pool's "
       "connections): `count` (one per application instance), `connections` (each pool's), "
       "`busiest_pool` (the highest utilization), `queries_imbalance` (the most queries of a pool "
       "/ the mean over pools), `max_utilization`, `max_wait_probability`, `max_mean_wait_ms`, "
       "`max_peak_queue_depth` (each the largest of any pool), and `per_instance`, one object per "
       "pool: `instance`, `queries`, `timeouts`, `rejected`, `peak_queue_depth`, "
       "`wait_probability` (share of its queries that found its connections busy), "
       "`mean_wait_ms` (over its queries that got a connection), `utilization` (its busy "
       "connection time / (connections x simulated time)). The run folder then also holds "
       "`pools.csv`: per interval and pool, `time_s` (the interval's start), `instance`, "
       "`queries` and `timeouts` (in the interval), `wait_probability`, `mean_wait_ms` and "
       "`utilization` (as above, over the interval) and `peak_queue_depth` (the most waiting "
       "in the pool at once during it); each pool's `queries` and `timeouts` add up to its "
       "`per_instance` figures"},
  };
  return kGroups;
}

const std::vector<IntervalColumn>& IntervalColumns() {
  static const std::vector<IntervalColumn> kColumns = {
      // More digits: interval starts of a long run with sub-second intervals
      // must stay distinct.
      {"time_s", "s", "start of the interval (simulated time; the first row is `0`)",
       CACHELAB_INTERVAL(time_s), 12},
      {"requests", "count", "requests that completed in the interval", CACHELAB_INTERVAL(requests)},
      {"reads", "count", "read requests that completed", CACHELAB_INTERVAL(reads)},
      {"writes", "count", "write requests that completed", CACHELAB_INTERVAL(writes)},
      {"failed", "count", "requests that completed with an error", CACHELAB_INTERVAL(failed)},
      {"hits", "count", "reads answered from the cache", CACHELAB_INTERVAL(hits)},
      {"misses", "count", "reads that went to the database because the cache had no usable entry",
       CACHELAB_INTERVAL(misses)},
      {"errors", "count", "reads for which the cache failed", CACHELAB_INTERVAL(errors)},
      {"hit_ratio", "fraction", "hits / (hits + misses) in the interval, 0 when there were none",
       CACHELAB_INTERVAL(hit_ratio)},
      {"db_queries", "count", "database queries issued", CACHELAB_INTERVAL(db_queries)},
      {"db_queue_depth", "count",
       "the largest number of queries waiting for a connection during the interval",
       CACHELAB_INTERVAL(db_queue_depth)},
      {"db_utilization", "fraction", "busy connection time / (connections x interval length)",
       CACHELAB_INTERVAL(db_utilization)},
      {"p50_ms", "ms",
       "median latency of the requests that completed in the interval (0 when none did)",
       CACHELAB_INTERVAL(p50_ms)},
      {"p99_ms", "ms", "99th percentile of the same", CACHELAB_INTERVAL(p99_ms)},
      {"stale_reads", "count", "stale reads that completed", CACHELAB_INTERVAL(stale_reads)},
      {"evictions", "count", "cache entries evicted", CACHELAB_INTERVAL(evictions)},
      {"expirations", "count", "cache entries expired", CACHELAB_INTERVAL(expirations)},
      {"cache_bytes", "bytes", "bytes stored in the cache at the end of the interval",
       CACHELAB_INTERVAL(cache_bytes)},
      {"cache_items", "count", "entries in the cache at the end of the interval",
       CACHELAB_INTERVAL(cache_items)},
      {"stampede_loads", "count",
       "duplicate loads started (loads of a key while another load of it was in flight)",
       CACHELAB_INTERVAL(stampede_loads)},
  };
  return kColumns;
}

#define CACHELAB_WINDOW(expr) +[](const Summary::Window& w) -> MetricValue { return w.expr; }

const std::vector<WindowMetric>& WindowMetrics() {
  using K = MetricKind;
  static const std::vector<WindowMetric> kMetrics = {
      {"from_s", "s", "start of the window", K::kReal, CACHELAB_WINDOW(from_s)},
      {"to_s", "s", "end of the window", K::kReal, CACHELAB_WINDOW(to_s)},
      {"requests.total", "count", "requests that completed in the window", K::kCount,
       CACHELAB_WINDOW(requests.total)},
      {"requests.reads", "count", "of which reads", K::kCount, CACHELAB_WINDOW(requests.reads)},
      {"requests.writes", "count", "of which writes", K::kCount, CACHELAB_WINDOW(requests.writes)},
      {"requests.failed", "count", "of which failed", K::kCount, CACHELAB_WINDOW(requests.failed)},
      {"cache.hits", "count", "reads answered from the cache", K::kCount, CACHELAB_WINDOW(hits)},
      {"cache.misses", "count", "reads that went to the database", K::kCount,
       CACHELAB_WINDOW(misses)},
      {"cache.errors", "count", "reads for which the cache failed", K::kCount,
       CACHELAB_WINDOW(errors)},
      {"cache.hit_ratio", "fraction", "hits / (hits + misses), 0 when there were none", K::kReal,
       CACHELAB_WINDOW(hit_ratio)},
      {"cache.evictions", "count", "entries evicted", K::kCount, CACHELAB_WINDOW(evictions)},
      {"cache.expirations", "count", "entries expired", K::kCount, CACHELAB_WINDOW(expirations)},
      {"db.queries", "count", "database queries issued", K::kCount, CACHELAB_WINDOW(db_queries)},
      {"db.utilization", "fraction", "busy connection time / (connections x window length)",
       K::kReal, CACHELAB_WINDOW(db_utilization)},
      {"db.mean_wait_ms", "ms", "mean wait for a connection of the queries that got one", K::kReal,
       CACHELAB_WINDOW(db_mean_wait_ms)},
      {"db.wait_probability", "fraction", "share of queries that found every connection busy",
       K::kReal, CACHELAB_WINDOW(db_wait_probability)},
      {"db.peak_queue_depth", "count", "most queries waiting for a connection at once", K::kCount,
       CACHELAB_WINDOW(db_peak_queue_depth)},
      {"latency_ms.mean", "ms", "mean latency", K::kReal, CACHELAB_WINDOW(latency_ms.mean)},
      {"latency_ms.p50", "ms", "median", K::kReal, CACHELAB_WINDOW(latency_ms.p50)},
      {"latency_ms.p90", "ms", "90th percentile", K::kReal, CACHELAB_WINDOW(latency_ms.p90)},
      {"latency_ms.p99", "ms", "99th percentile", K::kReal, CACHELAB_WINDOW(latency_ms.p99)},
      {"latency_ms.p999", "ms", "99.9th percentile", K::kReal, CACHELAB_WINDOW(latency_ms.p999)},
      {"latency_ms.max", "ms", "slowest request", K::kReal, CACHELAB_WINDOW(latency_ms.max)},
      {"staleness.stale_reads", "count", "stale reads", K::kCount, CACHELAB_WINDOW(stale_reads)},
      {"staleness.stale_read_ratio", "fraction", "stale reads / successful reads", K::kReal,
       CACHELAB_WINDOW(stale_read_ratio)},
      {"stampede.duplicate_loads", "count",
       "loads started while another of the same key was in flight", K::kCount,
       CACHELAB_WINDOW(duplicate_loads)},
  };
  return kMetrics;
}

#undef CACHELAB_SUMMARY
#undef CACHELAB_INTERVAL
#undef CACHELAB_WINDOW

std::string MetricPointer(std::string_view name) {
  std::string out = "/";
  for (char c : name) out += c == '.' ? '/' : c;
  return out;
}

namespace {

// "| a | b | c |", an empty cell as "| |".
std::string TableRow(std::initializer_list<std::string_view> cells) {
  std::string out;
  for (std::string_view c : cells) out += c.empty() ? std::string("| ") : fmt::format("| {} ", c);
  return out + "|\n";
}

std::string_view GroupOf(std::string_view name) {
  size_t dot = name.find('.');
  return dot == std::string_view::npos ? std::string_view() : name.substr(0, dot);
}

}  // namespace

std::string SummaryFieldsMarkdown() {
  std::string out = "| field | unit | meaning |\n|---|---|---|\n";
  const std::vector<SummaryMetric>& metrics = SummaryMetrics();
  for (const SummaryGroup& g : SummaryGroups()) {
    if (!g.name.empty()) out += TableRow({fmt::format("**`{}`**", g.name), g.unit, g.meaning});
    if (g.name == kWindowGroup) {
      for (const WindowMetric& m : WindowMetrics()) {
        out += TableRow({fmt::format("`{}.{}`", kWindowGroup, m.name), m.unit, m.meaning});
      }
    }
    for (const SummaryMetric& m : metrics) {
      if (GroupOf(m.name) == g.name) {
        out += TableRow({fmt::format("`{}`", m.name), m.unit, m.meaning});
      }
    }
  }
  // A metric outside every listed group would be silently missing from the docs.
  for (const SummaryMetric& m : metrics) {
    const auto& groups = SummaryGroups();
    if (std::none_of(groups.begin(), groups.end(),
                     [&](const SummaryGroup& g) { return g.name == GroupOf(m.name); })) {
      throw std::logic_error(fmt::format("metric {} has no SummaryGroup", m.name));
    }
  }
  return out;
}

std::string IntervalColumnsMarkdown() {
  std::string out = "| column | unit | meaning |\n|---|---|---|\n";
  for (const IntervalColumn& c : IntervalColumns()) {
    out += TableRow({fmt::format("`{}`", c.name), c.unit, c.meaning});
  }
  return out;
}

}  // namespace cachelab
