// The world a scenario describes, as plain values: traffic, application
// instances, the cache server and the database. No JSON here; the loader in
// analysis/ fills these structs and has already validated every field, so the
// model may assume the documented ranges hold (it asserts them in debug).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "sim/core/time.h"
#include "sim/model/memory_model.h"

namespace cachelab {

using Key = uint64_t;

// Cache keys are workload keys (below 2^48) with a namespace generation in
// bits 48..61 (versioned keys, policies/invalidation/versioned.cc); bits 62
// and 63 mark auxiliary entries such as lock keys. Clearing these bits of a
// value entry's cache key gives its workload key back.
inline constexpr Key kKeyGenerationBits = ((Key{1} << 14) - 1) << 48;

// How many of the workload's hottest keys a run follows (events.json).
inline constexpr size_t kHotKeys = 5;

class RequestSource;  // sim/model/workload.h

// A non-negative random quantity: a duration (nanoseconds) or a size (bytes).
struct DistributionConfig {
  enum class Kind { kConstant, kExponential, kLognormal, kUniform };
  Kind kind = Kind::kConstant;
  double mean = 0;   // the constant value, or the mean (exponential, lognormal)
  double sigma = 0;  // lognormal: standard deviation of ln(X); mean is E[X], not e^mu
  double min = 0;    // uniform: [min, max]
  double max = 0;
};

// An external API a key class's loads call instead of the database (the
// article's "external API responses"): no connection pool or queue on our
// side, a latency per call, a provider's rate limit and a share of failures.
//  - A call over the limit fails (HTTP 429), as does a call drawn to fail;
//    either way after its latency, like any answer over the network.
//  - The limit is a token bucket: `rate_limit` calls per second refill it up
//    to `burst` (full at the start); a call takes one token or is limited.
struct ApiConfig {
  DistributionConfig latency;
  double rate_limit = 0;  // calls per second; 0 = no limit
  double burst = 0;       // bucket size, >= 1 when limited
  double error_fraction = 0;
};

// Arrival rate over time, in requests per simulated second.
struct RateProfileConfig {
  enum class Kind { kConstant, kSteps, kRamp };
  struct Step {
    Duration at;  // the rate holds from `at` until the next step; first step at 0
    double rps = 0;
  };
  Kind kind = Kind::kConstant;
  double rps = 0;           // constant
  std::vector<Step> steps;  // steps, sorted by `at`, steps[0].at == 0
  double from_rps = 0;      // ramp: from_rps before start, linear, to_rps after end
  double to_rps = 0;
  Duration ramp_start;
  Duration ramp_end;
};

// Recorded traffic in place of the synthetic one (the loader builds it from a
// trace file: analysis/trace/workload.h). The trace's keys are dense ids
// 0..sizes->size()-1, each an existing row of the given value size.
struct TraceWorkloadConfig {
  std::string path;  // for messages
  // A fresh stream of the trace's requests; each run opens its own, so runs
  // on several threads share only immutable data.
  std::function<std::unique_ptr<RequestSource>()> open;
  std::shared_ptr<const std::vector<uint32_t>> sizes;
  // The kHotKeys most-read dense keys of the whole trace (fewer when it has
  // fewer keys), most reads first, ties by the lower key.
  std::vector<Key> hottest;
};

struct WorkloadConfig {
  // kLruStack: the LRU stack model (Spirn, "Program Behavior: Models and
  // Measurements", 1977; Mattson et al. 1970): the keys 0..keys-1 start in a
  // recency stack in a random order, weighted by their value sizes; each
  // request is for the key at the bottom of the stack with probability
  // `stack_cold` (a key not requested for longest: what a trace's first
  // accesses are to any cache smaller than the key space), otherwise for the
  // key at a byte depth D drawn from `stack_depths`, and moves that key to
  // the top. Its LRU miss-ratio curve in bytes is the one of the depth
  // distribution it was given, which is what `cachelab fit` measures on a
  // trace; popularity follows from the depths (no key is hot by id).
  enum class Popularity { kZipf, kUniform, kLruStack };
  // When set, the requests come from the trace, `keys` is its number of
  // distinct keys, and rate, popularity, write_fraction, missing_fraction
  // and value_size are unused.
  std::shared_ptr<const TraceWorkloadConfig> trace;
  RateProfileConfig rate;
  uint64_t keys = 100'000;  // existing keys are 0..keys-1, rank 0 the hottest
  Popularity popularity = Popularity::kZipf;
  double zipf_alpha = 1.0;      // >= 0
  double write_fraction = 0;    // [0,1]: share of requests that are writes
  double missing_fraction = 0;  // [0,1]: share of reads for keys with no row
  // Rows created outside the application (another service, an import), per
  // second (Poisson): each draws a missing row by popularity and inserts it
  // in the database; a draw of a row created already creates nothing.
  double row_creations_per_s = 0;
  DistributionConfig value_size;  // bytes; drawn once per key (rounded, at least 1)
  // kLruStack only. stack_depths: quantiles of the depth D of a non-cold
  // request, in bytes, at evenly spaced probabilities 0, 1/m, ..., 1
  // (m + 1 >= 2 values, non-decreasing, >= 1); D is interpolated linearly
  // between them and clamped to the stack's total bytes.
  double stack_cold = 0;  // [0, 1]
  std::vector<double> stack_depths;
  // When non-empty, value sizes are drawn from this table instead of
  // value_size ("kind": "empirical"): size_values[i] bytes (>= 1) with
  // probability size_weights[i] / sum (weights > 0, as many as values).
  std::vector<uint32_t> size_values;
  std::vector<double> size_weights;

  // Key classes (`user:*`, `config:*`, `session:*`): when non-empty, a
  // request first picks a class with probability share / sum of shares, then
  // a key of that class by its own popularity, and is a write or a read of a
  // missing row by the class's fractions. Class c owns the existing rows
  // [first_c, first_c + keys_c) in list order, so `keys` is the sum of the
  // classes' keys; its missing rows are those ids plus `keys`, as without
  // classes. The workload-wide popularity, fractions and value_size are then
  // unused (the loader sets them to the classes' request-weighted means for
  // the estimates that read them).
  struct KeyClass {
    std::string name;  // letters, digits, '_' and '-'; unique
    double share = 1;  // > 0
    uint64_t keys = 1;
    Popularity popularity = Popularity::kZipf;  // zipf or uniform
    double zipf_alpha = 1.0;
    double write_fraction = 0, missing_fraction = 0;
    double row_creations_per_s = 0;  // of the class's missing rows (as above)
    DistributionConfig value_size;
    // Overrides every fill's TTL of an existing row of the class (read
    // fills, refreshes, write-through and write-behind sets); 0 = the policy's.
    Duration ttl;
    // The database's service time for the class's rows; unset: the database's.
    std::shared_ptr<const DistributionConfig> db_read, db_write;
    // false: the application never caches the class's rows (reads and writes
    // go to the database, or its API, directly; the article's advice for
    // security-sensitive data).
    bool cached = true;
    // Set: the class's rows come from an external API instead (ApiConfig);
    // such a class is read-only (write_fraction 0).
    std::shared_ptr<const ApiConfig> api;
    // How the application spells the class's cache keys (KeySpelling,
    // sim/model/key_spelling.h); the default is "class:id", one key per row.
    struct KeyDesign {
      bool namespaced = true;     // false: the bare id, shared with other bare classes
      bool predictable = true;    // false: code with only the id cannot build it
      uint32_t rows_per_key = 1;  // > 1: the key leaves out a query parameter
      bool IsDefault() const { return namespaced && predictable && rows_per_key == 1; }
    } key;
  };
  std::vector<KeyClass> classes;
};

// Which class a key belongs to (WorkloadConfig::classes), for the parts that
// treat classes differently: the database's service times, the fill TTLs,
// explain's and events.json's key names.
class KeyClassMap {
 public:
  KeyClassMap() = default;
  explicit KeyClassMap(const WorkloadConfig& w) : keys_(w.keys) {
    Key first = 0;
    for (const WorkloadConfig::KeyClass& c : w.classes) {
      first_.push_back(first);
      first += c.keys;
    }
  }
  bool empty() const { return first_.empty(); }
  // The class of an existing or missing row's key; 0 without classes.
  size_t Of(Key k) const {
    if (first_.empty()) return 0;
    if (k >= keys_) k -= keys_;  // a missing row
    size_t lo = 0, hi = first_.size();
    while (hi - lo > 1) {
      const size_t mid = (lo + hi) / 2;
      (first_[mid] <= k ? lo : hi) = mid;
    }
    return lo;
  }
  Key First(size_t c) const { return first_[c]; }

 private:
  std::vector<Key> first_;  // first key of each class
  Key keys_ = 0;            // existing rows of all classes
};

// CPU the application spends turning a cached value into an object and back,
// and how much of the row it caches (the article's "Forgetting Serialization
// Costs": caching a whole large object costs more per hit than the fields used).
struct SerializationConfig {
  Duration per_kib;            // (de)serialization time per KiB of cached value; 0 = free
  double cached_fraction = 1;  // (0,1]: share of the row's bytes the cached value holds
};

struct InstancesConfig {
  uint32_t count = 1;  // requests are spread round-robin across instances
  SerializationConfig serialization;
};

// A window in which the cache server misbehaves:
//  - down: every operation fails after cache.timeout; entries survive;
//  - slow: every round trip takes `factor` times longer;
//  - flush: at `start` every entry is dropped (FLUSHALL, a deploy); no duration;
//  - restart: a crash: down for `duration`, then back empty; whatever lived
//    only in the cache (a write-behind queue) is lost at `start`.
//
// With a cluster (CacheConfig::cluster), a window hits one node (`node`) or,
// without one, every node at once.
struct FaultWindowConfig {
  enum class Kind { kDown, kSlow, kFlush, kRestart };
  static constexpr uint32_t kAllNodes = UINT32_MAX;
  Kind kind = Kind::kDown;
  Duration start;
  Duration duration;
  double factor = 1;          // slow only, >= 1
  uint32_t node = kAllNodes;  // < cluster.nodes
  bool Hits(uint32_t n) const { return node == kAllNodes || node == n; }
};

// The end of the down and restart windows among `faults` that hold at `t`
// (chained: a window that starts inside another extends it); `t` when none does.
inline Time UpAgainAt(const std::vector<FaultWindowConfig>& faults, Time t) {
  for (bool moved = true; moved;) {
    moved = false;
    for (const FaultWindowConfig& f : faults) {
      const bool down =
          f.kind == FaultWindowConfig::Kind::kDown || f.kind == FaultWindowConfig::Kind::kRestart;
      const Time start = Time::Zero() + f.start, end = start + f.duration;
      if (down && t >= start && t < end) {
        t = end;
        moved = true;
      }
    }
  }
  return t;
}

// Several cache nodes that split the key space (Redis Cluster, a Memcached
// pool); every node has the capacity, round trip, CPU and eviction policy of
// CacheConfig. A cache key goes to one node, chosen by `sharding`:
//  - kHashSlots: Redis Cluster's: slot = CRC16 (XMODEM) of the key's text mod
//    16,384, the slots dealt to the nodes in contiguous ranges of (nearly)
//    equal size, as `redis-cli --cluster create` deals them;
//  - kConsistentHashing: a ketama ring (Memcached clients): `virtual_nodes`
//    points per node, a key goes to the first point at or after its hash.
//
// Replicas (Redis replication): each shard (a node above) has a primary and
// `replicas.count` replicas, each a server with the node's capacity, round
// trip, CPU and link. Writes go to the primary, which streams every change it
// makes (SET, DEL, its evictions, FLUSHALL) to its replicas asynchronously: a
// replica applies change i at max(applied i-1, acknowledged + L), L drawn per
// change from `lag`, in order. Reads (GET) go where `read_from` says:
//  - kPrimary: the primary (Redis Cluster's default);
//  - kReplicas: the shard's replicas in turn (READONLY connections), the
//    primary only while every replica is down;
//  - kAny: primary and replicas in turn.
// A fault window on a node hits that shard's primary of the moment. When a
// primary is down (a down or restart window) for longer than
// `failover_after`, its first replica that is up (in member order after it)
// is promoted at start + failover_after: the shard serves again, from what
// that replica had applied; changes still in flight at the crash are lost.
// The old primary comes back as a replica and resyncs in full (a copy of the
// primary); so does any replica when its own window ends. A primary that
// restarts empty and comes back before a failover empties its replicas too
// (they resync from it), as Redis does without persistence.
struct CacheReplicaConfig {
  enum class ReadFrom : uint8_t { kPrimary, kReplicas, kAny };
  uint32_t count = 0;  // replicas per shard; 0 = a primary only
  DistributionConfig lag;
  ReadFrom read_from = ReadFrom::kPrimary;
  Duration failover_after = Duration::Seconds(15);  // Redis' cluster-node-timeout
};

struct ClusterConfig {
  enum class Sharding { kHashSlots, kConsistentHashing };
  uint32_t nodes = 1;  // >= 1; 1 is the single server of the rest of this file
  Sharding sharding = Sharding::kHashSlots;
  uint32_t virtual_nodes = 160;  // consistent hashing only, >= 1
  CacheReplicaConfig replicas;
  // Cache servers in all: a primary and its replicas per shard.
  uint32_t servers() const { return nodes * (1 + replicas.count); }
};

// A cache node's CPU: Redis runs commands on one thread, so a node serves one
// operation at a time, in the order they were issued, each for per_op plus
// per_kib for every KiB of value it carries; an operation waits for those
// before it. 0 and 0: no CPU limit (an operation takes its round trip only).
// A cache node's network link (its NIC), full duplex: values going out (GET
// answers) share one direction, values coming in (SETs) the other; each
// direction carries one value at a time, value bytes x 8 / bandwidth, in
// issue order, so big values queue behind each other. 0 = no limit.
struct CacheNetworkConfig {
  double bandwidth_mbit = 0;  // megabits per second each way
  bool Limited() const { return bandwidth_mbit > 0; }
  // How long a limited link takes to carry `bytes`.
  Duration Transfer(uint64_t bytes) const {
    return Duration::FromSecondsF(static_cast<double>(bytes) * 8.0 / (bandwidth_mbit * 1e6));
  }
};

struct CacheCpuConfig {
  Duration per_op;
  Duration per_kib;
  bool Limited() const { return per_op > Duration() || per_kib > Duration(); }
};

struct CacheConfig {
  bool enabled = true;          // false: every read goes to the database
  uint64_t capacity_bytes = 0;  // > 0
  uint64_t max_items = 0;       // 0 = no item limit
  MemoryModelConfig memory;     // what an entry is charged (flat 64 B overhead by default)
  DistributionConfig rtt;       // client round trip of one operation
  Duration timeout;             // while the server is down an operation fails after this long
  Duration active_expiry_interval = Duration::Millis(100);  // 0 disables active expiry
  uint32_t active_expiry_limit = 10'000;                    // expired entries removed per cycle
  std::vector<FaultWindowConfig> faults;
  ClusterConfig cluster;       // capacity_bytes and max_items are each node's
  CacheCpuConfig cpu;          // each node's
  CacheNetworkConfig network;  // each node's
};

// Read replicas of the database (PostgreSQL streaming replication): every
// application read of a row goes to a replica, chosen round robin, each with
// its own `connections`, queue and the primary's service times; writes go to
// the primary. A replica applies the primary's commits `lag` late: a read that
// starts service at t sees the row as the primary committed it by t - L, with
// L drawn per read from `lag` (the replica's replay lag at that moment).
// read_your_writes > 0: an instance's read of a key it wrote less than this
// long ago goes to the primary (a session pinned to the primary after a
// write, as Rails' database selector does); 0 = never.
struct ReplicaConfig {
  uint32_t count = 0;  // 0: no replicas, every query on the primary
  uint32_t connections = 16;
  DistributionConfig lag;
  Duration read_your_writes;
};

// The scenario loader's defaults differ from these C++ ones where noted: a
// scenario without them gets queue_timeout 30s and queue_limit 10,000.
struct DatabaseConfig {
  // Where the primary's connection pool lives. kGlobal: one pool that every
  // application instance shares. kPerInstance: each application instance
  // (InstancesConfig::count) has a pool of its own, with its own
  // `connections`, wait queue, queue_timeout and queue_limit (a HikariCP pool
  // per JVM); all pools' queries run on the one server and share its cores.
  // Read replicas keep one pool each either way.
  enum class PoolScope : uint8_t { kGlobal, kPerInstance };
  PoolScope pool = PoolScope::kGlobal;
  uint32_t connections = 16;  // > 0; each pool's
  Duration queue_timeout;     // 0 = wait forever for a connection
  // Most queries waiting for a connection at once in a pool; a query that
  // finds its pool's queue full fails at once (rejected). 0 = unbounded.
  uint64_t queue_limit = 0;
  // CPU cores the database's queries share. 0 = every connection runs its
  // query at full speed (service times as drawn). k > 0: processor sharing
  // beyond k running queries, each of n > k running at k / n of full speed,
  // so connections past k add concurrency but no capacity.
  uint32_t cores = 0;
  DistributionConfig read_service;
  DistributionConfig write_service;
  // Key classes with their own service times (WorkloadConfig::KeyClass), in
  // class order, null for those that use the two above; the loader fills
  // these from the workload's classes. Empty without classes.
  KeyClassMap classes;
  std::vector<std::shared_ptr<const DistributionConfig>> class_read, class_write;
  // Per class: the external API its reads call instead (null: the database).
  std::vector<std::shared_ptr<const ApiConfig>> class_api;
  ReplicaConfig replicas;
  // The server's network link, as a cache node's (full duplex, one value at a
  // time each way, in order): a read's answer goes out after its service, a
  // write's value comes in before it queues for a connection. Each read
  // replica has a link of its own of the same bandwidth. 0 = no limit.
  CacheNetworkConfig network;
};

// A named part of a run measured on its own (Summary::Window).
struct MetricsWindow {
  std::string name;
  Duration from, to;  // on interval boundaries, from < to <= the run's duration
};

struct MetricsConfig {
  Duration interval = Duration::Seconds(10);  // time-series resolution, > 0
  // Start-up excluded from Summary::peak and measured apart: with a warmup,
  // the summary gets the window "steady" = [warmup, duration). A multiple of
  // the interval, below the duration; 0 = none.
  Duration warmup;
  std::vector<MetricsWindow> windows;
  // How many shared-cache expiries a run keeps per hot key (events.json);
  // not a scenario field.
  uint32_t hot_key_expiries = 10'000;
};

struct WorldConfig {
  std::string name = "scenario";
  uint64_t seed = 1;
  Duration duration = Duration::Seconds(60);  // arrivals stop here; in-flight requests finish
  WorkloadConfig workload;
  InstancesConfig instances;
  CacheConfig cache;
  DatabaseConfig database;
  MetricsConfig metrics;
};

// The primary's connection pools: one per application instance with
// DatabaseConfig::kPerInstance, else one.
inline uint32_t DatabasePools(const WorldConfig& w) {
  return w.database.pool == DatabaseConfig::PoolScope::kPerInstance
             ? std::max<uint32_t>(w.instances.count, 1)
             : 1;
}

}  // namespace cachelab
