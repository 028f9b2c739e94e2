// The numbers a run reports. Field names mirror summary.json and
// timeseries.csv (the output contract documented in results/README.md); each
// field is declared for the outputs once, by a descriptor row in
// analysis/outputs/metrics.cc (name, unit, meaning, how it is printed).
// Only simulated quantities: no wall-clock values, so equal inputs give equal
// summaries (except the `live` section of a live run).
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace cachelab {

struct Summary {
  std::string scenario;
  uint64_t seed = 0;
  double simulated_seconds = 0;  // until the last in-flight request finished

  struct Requests {
    uint64_t total = 0, reads = 0, writes = 0;
    uint64_t failed = 0;  // requests that returned an error to the caller
  } requests;

  // Per read request: hits + misses + errors == requests.reads.
  struct Cache {
    uint64_t hits = 0, misses = 0, errors = 0;
    double hit_ratio = 0;  // hits / (hits + misses); 0 when there were none
    uint64_t evictions = 0, expirations = 0;
    uint64_t peak_bytes = 0, peak_items = 0;
    uint64_t gets = 0, sets = 0, deletes = 0;  // server-side operations
    // Entries stored (fills, writes, refreshes, warming; not locks), and
    // those that never served a hit before they left or the run ended.
    uint64_t stored = 0, unused = 0;
    double unused_ratio = 0;  // unused / stored; 0 when nothing was stored
    // Value bytes through the nodes' links, both ways (not in summary.json:
    // the cost block's traffic).
    uint64_t transfer_bytes = 0;
  } cache;

  struct Db {
    uint64_t queries = 0, reads = 0, writes = 0;
    uint64_t timeouts = 0;          // queries abandoned after database.queue_timeout
    uint64_t peak_concurrency = 0;  // most queries in the database at once (running + waiting)
    uint64_t peak_queue_depth = 0;  // most queries waiting for a connection at once
    double mean_wait_ms = 0;        // mean wait for a connection over queries that got one
    double wait_probability = 0;    // share of queries that found every connection busy
    double utilization = 0;         // busy connection time / (connections * simulated time)
    uint64_t rejected = 0;      // queries that found database.queue_limit waiting, failed at once
    uint64_t rows_created = 0;  // rows inserted outside the application (row_creations_per_s)
    // The queries' demand against the database's capacity: capacity_qps =
    // min(connections, cores) / mean service time (over the run's mix of reads
    // and writes); offered_load = queries per second of arrivals / capacity_qps.
    double capacity_qps = 0, offered_load = 0;
    // "stable", "overloaded at peak" (some interval's queries exceeded the
    // capacity) or "unstable: arrival rate above capacity" (offered_load >= 1);
    // "not judged" in a live run, whose service times are the real server's.
    std::string verdict = "not judged";
    // The primary's network link (database.network), set only when it is
    // limited, so an unlimited database's summary has none of these fields:
    // each direction's busy time / simulated time, and the mean wait of a
    // value for its direction (over the values either way).
    struct Link {
      double in_utilization = 0, out_utilization = 0;
      double wait_ms = 0;
    };
    std::optional<Link> link;
  } db;

  // End-to-end latency of every request (reads and writes, failed ones included).
  struct Latency {
    double mean = 0, p50 = 0, p90 = 0, p99 = 0, p999 = 0, max = 0;
  } latency_ms;
  // The same over reads only and over writes only (a write-through write pays
  // the database and the cache; a write-behind write only the cache).
  Latency read_latency_ms, write_latency_ms;

  // A read is stale when it returns a version older than the latest acknowledged
  // write; its age is measured from the acknowledgement of the next version.
  struct Staleness {
    uint64_t stale_reads = 0;
    double stale_read_ratio = 0;  // stale_reads / successful reads
    double max_age_ms = 0;
    double mean_age_ms = 0;  // over stale reads
    // Reads answered with another key's cached copy: keys that collide
    // (KeySpelling). Neither stale nor counted in stale_reads.
    uint64_t wrong_reads = 0;
  } staleness;

  // Per key, a load episode lasts while at least one DB load of the key is in flight.
  struct Stampede {
    uint64_t episodes = 0;              // episodes with more than one concurrent load
    uint64_t max_concurrent_loads = 0;  // largest number of concurrent loads of one key
    uint64_t duplicate_loads = 0;       // loads started while another of the same key was in flight
    std::vector<uint64_t> size_counts;  // size_counts[k]: episodes whose peak was k loads
  } stampede;

  // Acknowledged writes that never reached the database (write-behind queue
  // lost in a cache crash), and those still queued when the run ended.
  struct Writes {
    uint64_t lost = 0, pending_at_end = 0;
  } writes;

  // Per-instance near caches; l1.hits are also counted in cache.hits.
  struct L1 {
    uint64_t hits = 0, misses = 0;
    double hit_ratio = 0;  // hits / (hits + misses); 0 without an L1
  } l1;

  // What the stampede guard did (all 0 without one).
  struct Guard {
    uint64_t early_refreshes = 0, background_refreshes = 0, coalesced_reads = 0;
    uint64_t waits = 0, gave_up = 0, stale_served = 0;
    uint64_t leases_issued = 0, lease_sets_rejected = 0;
  } guard;

  // The invalidation channel (event, hybrid, broadcast L1).
  struct Invalidation {
    uint64_t published = 0, delivered = 0, lost = 0;
  } invalidation;

  struct Degradation {
    uint64_t breaker_bypasses = 0;  // reads that skipped the cache while its circuit was open
  } degradation;

  struct Warming {
    uint64_t keys_loaded = 0;
  } warming;

  // External APIs behind key classes (DatabaseStats' api_* counts).
  struct Api {
    uint64_t calls = 0, rate_limited = 0, errors = 0;
  } api;

  // The worst full interval of the time series: intervals that start at or
  // after metrics.warmup and end by the scenario's duration (the drain of
  // requests in flight after the last arrival is not an interval of load).
  // All 0 when no interval qualifies.
  struct Peak {
    double p99_ms = 0, p99_at_s = 0;  // highest interval p99 and its interval's start
    double db_utilization = 0, db_utilization_at_s = 0;
    uint64_t db_queue_depth = 0;  // largest queue of any such interval
    double db_queries_per_s = 0;  // most queries issued per second in an interval
    // Lowest interval hit ratio among intervals with reads (1 when none had any).
    double min_hit_ratio = 1, min_hit_ratio_at_s = 0;
  } peak;

  // A named part of the run: metrics.warmup's "steady" window [warmup,
  // duration) and each of metrics.windows. It counts the requests that
  // completed in [from_s, to_s) and the time-series intervals inside it
  // (windows start and end on interval boundaries).
  struct Window {
    std::string name;
    double from_s = 0, to_s = 0;
    Requests requests;
    uint64_t hits = 0, misses = 0, errors = 0;
    double hit_ratio = 0;
    uint64_t evictions = 0, expirations = 0;
    uint64_t db_queries = 0, db_peak_queue_depth = 0;
    double db_utilization = 0;       // busy connection time / (connections * window length)
    double db_mean_wait_ms = 0;      // mean wait for a connection of queries started in it
    double db_wait_probability = 0;  // share of its queries that found every connection busy
    Latency latency_ms;
    uint64_t stale_reads = 0;
    double stale_read_ratio = 0;  // over successful reads
    uint64_t duplicate_loads = 0;
  };
  std::vector<Window> windows;  // "steady" first (with a warmup), then metrics.windows in order

  // Per key class (WorkloadConfig::classes), in class order; empty without
  // classes. Reads and writes counted on completion like requests.
  struct KeyClass {
    std::string name;
    uint64_t reads = 0, writes = 0, hits = 0, misses = 0, errors = 0, stale_reads = 0;
    uint64_t wrong_reads = 0;
    double hit_ratio = 0;                      // hits / (hits + misses)
    double read_mean_ms = 0, read_p99_ms = 0;  // end-to-end latency of its reads
  };
  std::vector<KeyClass> classes;

  // The cache's nodes (CacheConfig::cluster, sim/model/cache_cluster.h), set
  // only when the cache has more than one node, a CPU limit or a link
  // limit; a single unlimited server reports none of this.
  struct CacheNode {
    uint32_t node = 0;
    double key_share = 0;  // share of the hash space it owns (slots / 16,384, or the ring's arcs)
    uint64_t ops = 0;      // gets + sets + deletes (lease and lock operations included)
    uint64_t gets = 0, hits = 0, errors = 0;
    double hit_ratio = 0;        // hits / gets that did not fail
    double ops_per_s = 0;        // over the simulated time
    double cpu_utilization = 0;  // busy CPU time / simulated time (0 without a CPU limit)
    double cpu_wait_ms = 0;      // mean wait for the CPU per operation
    // Busy time of the node's link each way / simulated time (0 without a limit).
    double net_in_utilization = 0, net_out_utilization = 0;
    uint64_t bytes = 0, items = 0;  // at the end
    uint64_t peak_bytes = 0, evictions = 0, flushes = 0;
    // With replicas only: the shard it serves, and its role at the end.
    uint32_t shard = 0;
    std::string role;  // "primary" or "replica"
  };
  // Cache replication (ClusterConfig::replicas), set only with replicas.
  struct CacheReplication {
    uint32_t replicas_per_shard = 0;
    std::string read_from;       // "primary", "replicas" or "any"
    uint64_t replica_reads = 0;  // GETs a replica served
    uint64_t behind_reads = 0;   // of those, answered otherwise than the primary would have
    double behind_ratio = 0;     // behind_reads / replica_reads
    uint64_t applied = 0;        // changes the replicas applied
    uint64_t peak_backlog = 0;   // most changes in flight to one replica
    uint64_t failovers = 0, failed_failovers = 0, resyncs = 0;
    uint64_t lost_changes = 0;  // in flight to a promoted replica at its primary's crash
    struct Promotion {
      uint32_t shard = 0, from = 0, to = 0;  // servers
      double crash_s = 0, at_s = 0;
    };
    std::vector<Promotion> promotions;
  };
  struct Cluster {
    uint32_t nodes = 0;
    std::string sharding;       // "hash-slots" or "consistent-hashing"
    uint32_t busiest_node = 0;  // most operations (the lowest index on a tie)
    double ops_imbalance = 0;   // the busiest node's operations / the mean over nodes
    double max_cpu_utilization = 0;
    double max_net_utilization = 0;   // the busiest link direction of any node
    std::vector<CacheNode> per_node;  // every server, replicas after the primaries
    std::optional<CacheReplication> replication;
  };
  std::optional<Cluster> cluster;

  // The cache nodes' memory against their RAM (CacheConfig::memory), set only
  // with the redis model, a fragmentation ratio or a RAM size; the flat
  // model's summary is unchanged.
  struct Memory {
    std::string model;             // "flat" or "redis"
    uint32_t fullest_node = 0;     // the node with the highest peak (the lowest index on a tie)
    uint64_t maxmemory_bytes = 0;  // each node's capacity
    uint64_t peak_used_bytes = 0;  // that node's peak, as the model charges entries
    double fragmentation = 1;
    uint64_t peak_rss_bytes = 0;  // peak_used_bytes x fragmentation
    uint64_t ram_bytes = 0;       // each node's; 0: not given
    double ram_utilization = 0;   // peak_rss_bytes / ram_bytes; 0 without RAM
    // "not checked" (no RAM given), "fits" (a full node, maxmemory x
    // fragmentation, fits in RAM), "fits at peak only" (the run's peak fits,
    // a full node would not) or "exceeds RAM" (the run's peak does not fit:
    // the node would swap or be killed).
    std::string verdict;
  };
  std::optional<Memory> memory;

  // What the deployment costs per month (analysis/scenario/cost.h; filled by
  // analysis/), set only when the scenario prices something.
  struct Cost {
    std::string currency;
    std::string cache_node_type;  // empty: none
    uint32_t cache_nodes = 0;
    double cache_per_month = 0, database_per_month = 0, replicas_per_month = 0;
    double network_gib_per_month = 0, network_per_month = 0;
    double per_month = 0;  // the sum
  };
  std::optional<Cost> cost;

  // The database's read replicas (DatabaseConfig::replicas), set only when
  // it has some; the `db` section stays the primary's.
  struct Replicas {
    uint32_t count = 0;
    uint64_t reads = 0;         // application reads served by a replica
    uint64_t pinned_reads = 0;  // reads read_your_writes sent to the primary
    uint64_t timeouts = 0, rejected = 0;
    uint64_t peak_queue_depth = 0;
    double max_utilization =
        0;  // the busiest replica's busy connection time / (connections x time)
    // With a limited link (database.network; else not in summary.json): the
    // busiest direction of any replica's link, busy time / simulated time.
    std::optional<double> max_link_utilization;
  };
  std::optional<Replicas> replicas;

  // The primary's connection pools (DatabaseConfig::pool), set only with a
  // pool per application instance; `db` holds their totals.
  struct Pool {
    uint32_t instance = 0;
    uint64_t queries = 0, timeouts = 0, rejected = 0;
    uint64_t peak_queue_depth = 0;
    double wait_probability = 0;  // share of its queries that found its connections busy
    double mean_wait_ms = 0;      // over its queries that got a connection
    double utilization = 0;       // its busy connection time / (connections x time)
  };
  struct Pools {
    uint32_t count = 0;                 // pools: one per instance
    uint32_t connections = 0;           // each pool's
    uint32_t busiest_pool = 0;          // highest utilization (the lowest index on a tie)
    double queries_imbalance = 0;       // the most queries of a pool / the mean over pools
    double max_utilization = 0;         // the busiest pool's
    double max_wait_probability = 0;    // the largest of any pool
    double max_mean_wait_ms = 0;        // the largest of any pool
    uint64_t max_peak_queue_depth = 0;  // the largest of any pool
    std::vector<Pool> per_instance;
  };
  std::optional<Pools> pools;

  // Alert rules of the scenario evaluated over the time series (filled by analysis/).
  struct Alert {
    std::string name;
    std::string rule;                   // e.g. "hit_ratio < 0.9"
    uint64_t intervals_firing = 0;      // intervals in which the rule held
    std::vector<double> fired_at_s;     // start of every interval where it began to hold
    std::vector<double> resolved_at_s;  // start of every interval where it stopped holding
  };
  std::vector<Alert> alerts;

  // Only in a live run (`cachelab live`, analysis/live/): the real servers
  // and how closely the load generator kept to its schedule. These are
  // wall-clock figures, the one section that differs between equal runs;
  // every other field means what it means in a simulation, measured live.
  struct Live {
    std::string redis_version, postgres_version;
    bool private_servers = true;            // started and removed by cachelab
    double wall_seconds = 0;                // from the first arrival to the last answer
    double target_rate = 0;                 // scheduled requests per second
    double achieved_rate = 0;               // requests issued per second of the schedule's span
    double lag_p99_ms = 0, lag_max_ms = 0;  // issue time minus scheduled arrival
    uint64_t late_requests = 0;             // issued more than 1 ms after their arrival
    uint64_t dropped_requests = 0;          // never issued: too many in flight
    bool db_service_emulated = false;       // pg_sleep drawn from the scenario's service time
  };
  std::optional<Live> live;
};

// One row of timeseries.csv: what happened during [start, start + interval).
// Requests are counted in the interval in which they completed.
struct IntervalRow {
  double time_s = 0;  // interval start
  uint64_t requests = 0, reads = 0, writes = 0, failed = 0;
  uint64_t hits = 0, misses = 0, errors = 0;
  double hit_ratio = 0;
  uint64_t db_queries = 0;
  uint64_t db_queue_depth = 0;    // largest queue seen during the interval
  double db_utilization = 0;      // busy connection time / (connections * interval)
  double p50_ms = 0, p99_ms = 0;  // latency of requests that completed in the interval
  uint64_t stale_reads = 0;
  uint64_t evictions = 0, expirations = 0;
  uint64_t cache_bytes = 0, cache_items = 0;  // at the end of the interval
  uint64_t stampede_loads = 0;                // duplicate loads started in the interval
};

// Hits / the GETs that did not fail, 0 without any: a cache node's hit ratio.
inline double GetHitRatio(uint64_t gets, uint64_t hits, uint64_t errors) {
  const uint64_t answered = gets - std::min(gets, errors);
  return answered > 0 ? static_cast<double>(hits) / static_cast<double>(answered) : 0;
}

// One node's part of an interval (nodes.csv, with Summary::cluster).
struct NodeIntervalRow {
  double time_s = 0;  // interval start
  uint32_t node = 0;
  uint64_t ops = 0, gets = 0, hits = 0, errors = 0;
  double cpu_utilization = 0;     // busy CPU time / interval
  uint64_t bytes = 0, items = 0;  // at the end of the interval
};

// One connection pool's part of an interval (pools.csv, with Summary::pools):
// counts over the interval, as the pool's PoolStats changed in it.
struct PoolIntervalRow {
  double time_s = 0;  // interval start
  uint32_t instance = 0;
  uint64_t queries = 0, timeouts = 0;
  uint64_t queued = 0;            // queries that found its connections busy
  uint64_t started = 0;           // queries that got a connection
  int64_t wait_ns = 0;            // their waits
  double utilization = 0;         // busy connection time / (connections x interval)
  uint64_t peak_queue_depth = 0;  // most queries waiting in it at once
};

// The shared-cache expiries of one of the workload's hottest keys: the expiry
// times of its value entries that the cache server counted as expirations
// (lazily or actively), whatever their namespace generation. Entries deleted,
// overwritten, evicted or flushed before their expiry did not expire.
struct HotKeyExpiries {
  uint64_t key = 0;                // workload key
  std::vector<double> expiries_s;  // simulated seconds, ascending
  bool truncated = false;          // more expired than the kept limit
};

struct RunResult {
  Summary summary;
  std::vector<IntervalRow> timeseries;
  std::vector<HotKeyExpiries> hot_keys;  // hottest first (Workload::HottestKeys)
  // With Summary::cluster: every node's rows, interval-major.
  std::vector<NodeIntervalRow> node_timeseries;
  // With Summary::pools: every pool's rows, interval-major.
  std::vector<PoolIntervalRow> pool_timeseries;
  // Empty when the run lasted its duration; else why and when its arrivals
  // stopped early (World's StopRule): its figures cover a shorter run.
  std::string stopped_early;
};

// When a run may end its arrivals before the duration (World::Run).
struct StopRule {
  bool when_unstable = false;                 // the database can no longer keep up
  const std::atomic<bool>* cancel = nullptr;  // someone else decided
  // Checked at every arrival, not only at ticks: the memory guard
  // (analysis/common/memory_guard.h) must stop growth at once.
  const std::atomic<bool>* abort = nullptr;
  // A run that steps more events than this is a runaway (a guard polling
  // for a row the database cannot load, with retries far past the run):
  // its arrivals end, waiting loops give up, and once drained Run() throws
  // EventLimitError. 0: no limit.
  uint64_t max_events = 0;
};

// World::Run's verdict on a run that reached StopRule::max_events.
class EventLimitError : public std::runtime_error {
 public:
  EventLimitError(uint64_t events, uint64_t limit, uint64_t requests, uint64_t guard_waits,
                  uint64_t drained)
      : std::runtime_error("event limit reached"),
        events(events),
        limit(limit),
        requests(requests),
        guard_waits(guard_waits),
        drained(drained) {}
  uint64_t events, limit;
  uint64_t requests;     // arrivals before the arrivals ended
  uint64_t guard_waits;  // sleeps of stampede guards waiting for a fill
  uint64_t drained;      // events stepped in all, the drain after the limit included
};

}  // namespace cachelab
