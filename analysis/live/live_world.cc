#include "analysis/live/live_world.h"

#include <unistd.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <thread>

#include "analysis/common/errors.h"
#include "analysis/live/asio_runtime.h"
#include "analysis/live/pg_pool.h"
#include "analysis/live/postgres_server.h"
#include "analysis/live/redis_client.h"
#include "analysis/live/redis_server.h"
#include "analysis/outputs/run_outputs.h"
#include "analysis/scenario/alerts.h"
#include "policies/ops.h"
#include "policies/stack.h"
#include "sim/core/random.h"
#include "sim/metrics/histogram.h"
#include "sim/model/distribution.h"
#include "sim/model/run_meter.h"
#include "sim/model/workload.h"

namespace cachelab::live {

namespace {

const char* FaultName(FaultWindowConfig::Kind k) {
  switch (k) {
    case FaultWindowConfig::Kind::kDown:
      return "down";
    case FaultWindowConfig::Kind::kSlow:
      return "slow";
    case FaultWindowConfig::Kind::kFlush:
      return "flush";
    case FaultWindowConfig::Kind::kRestart:
      return "restart";
  }
  return "?";
}

// A cached Value as Redis holds it: a fixed header (version, size,
// compute_us, exists) padded to the value's size, so Redis stores as many
// bytes as the simulated cache charges.
constexpr size_t kHeader = 17;

std::string Encode(const Value& v) {
  std::string s(std::max<size_t>(v.size, kHeader), 'x');
  std::memcpy(s.data(), &v.version, 8);
  std::memcpy(s.data() + 8, &v.size, 4);
  std::memcpy(s.data() + 12, &v.compute_us, 4);
  s[16] = v.exists ? '1' : '0';
  return s;
}

std::optional<Value> Decode(const std::string& s) {
  if (s.size() < kHeader) return std::nullopt;
  Value v;
  std::memcpy(&v.version, s.data(), 8);
  std::memcpy(&v.size, s.data() + 8, 4);
  std::memcpy(&v.compute_us, s.data() + 12, 4);
  v.exists = s[16] == '1';
  return v;
}

CacheWriteStatus ToStatus(const RedisWrite& w) {
  switch (w.status) {
    case RedisWrite::Status::kOk:
      return CacheWriteStatus::kOk;
    case RedisWrite::Status::kRejected:
      return CacheWriteStatus::kRejected;
    case RedisWrite::Status::kError:
      return CacheWriteStatus::kError;
  }
  return CacheWriteStatus::kError;
}

CacheGetResult ToGet(const RedisGet& g) {
  CacheGetResult r;
  switch (g.status) {
    case RedisGet::Status::kHit: {
      std::optional<Value> v = Decode(g.value);
      if (!v) {  // not ours: someone else's value under our prefix
        r.status = CacheStatus::kError;
        break;
      }
      r.status = CacheStatus::kHit;
      r.value = *v;
      r.remaining_ttl = g.remaining_ttl;
      break;
    }
    case RedisGet::Status::kMiss:
      r.status = CacheStatus::kMiss;
      break;
    case RedisGet::Status::kError:
      r.status = CacheStatus::kError;
      break;
  }
  return r;
}

// Cache-side counters of the live port (the simulator's CacheServerStats).
struct PortCounters {
  uint64_t gets = 0, sets = 0, deletes = 0;
  uint64_t leases_issued = 0, lease_sets_rejected = 0;
};

// The parts of a live run a port and its channels share.
struct LiveParts {
  AsioRuntime* rt = nullptr;
  RedisClient* redis = nullptr;
  PgPool* db = nullptr;
  VersionLedger* ledger = nullptr;
  StampedeTracker* stampede = nullptr;
  const WorldConfig* config = nullptr;
  std::string prefix;   // of every Redis key and channel of this run
  bool closed = false;  // the run is over: operations fail at once
  PortCounters counters;
  std::vector<std::function<void(uint32_t node)>> flush_listeners;
  std::vector<std::function<void(Key, uint64_t)>> commit_listeners;
  std::optional<Sampler> read_cost, write_cost;  // --emulate-db-service
  RandomEngine cost_rng;
  uint64_t pending_subscriptions = 0;
  std::vector<uint32_t>* row_sizes = nullptr;

  std::string RedisKey(Key k) const { return prefix + std::to_string(k); }
};

// Redis pub/sub as a Channel: one subscription per channel, fanned out to
// the in-process subscribers (one per application instance). A message
// carries its key and publish time, so each copy is delivered `delay` after
// publishing (or at once when Redis took longer), and lost with probability
// `loss` (drawn here: Redis itself loses nothing on loopback).
class RedisChannel final : public Channel {
 public:
  RedisChannel(LiveParts& parts, Duration delay, double loss, const std::string& stream)
      : state_(std::make_shared<State>()) {
    state_->parts = &parts;
    state_->delay = delay;
    state_->loss = loss;
    state_->rng = MakeStream(parts.config->seed, "live-channel-" + stream);
    name_ = parts.prefix + "channel:" + stream;
  }
  ~RedisChannel() override { state_->alive = false; }

  void Subscribe(Handler h) override {
    state_->handlers.push_back(std::move(h));
    if (state_->handlers.size() > 1) return;
    ++state_->parts->pending_subscriptions;
    state_->parts->rt->Spawn(Listen(state_, name_));
  }

  void Publish(Key k) override {
    LiveParts& p = *state_->parts;
    if (p.closed) return;
    ++state_->stats.published;
    const std::string message = std::to_string(k) + ":" + std::to_string(p.rt->now().nanos());
    p.rt->Spawn(Send(p.redis, name_, message));
  }

  ChannelStats stats() const override { return state_->stats; }

 private:
  struct State {
    LiveParts* parts = nullptr;
    bool alive = true;
    Duration delay;
    double loss = 0;
    RandomEngine rng;
    std::vector<Handler> handlers;
    ChannelStats stats;
  };

  static Task<void> Listen(std::shared_ptr<State> s, std::string name) {
    std::weak_ptr<State> weak = s;
    // Named, then moved: GCC 12 may destroy a temporary of a co_await
    // expression twice, which a moved-from object survives.
    std::function<void(std::string_view)> handler = [weak](std::string_view message) {
      if (auto st = weak.lock()) Deliver(st, message);
    };
    co_await s->parts->redis->Subscribe(std::move(name), std::move(handler));
    --s->parts->pending_subscriptions;
  }

  static Task<void> Send(RedisClient* redis, std::string name, std::string message) {
    co_await redis->Publish(std::move(name), std::move(message));
  }

  static void Deliver(const std::shared_ptr<State>& s, std::string_view message) {
    if (!s->alive || s->parts->closed) return;
    const size_t colon = message.find(':');
    if (colon == std::string_view::npos) return;
    const Key k = std::stoull(std::string(message.substr(0, colon)));
    const Time published = Time::FromNanos(std::stoll(std::string(message.substr(colon + 1))));
    const Duration wait = published + s->delay - s->parts->rt->now();
    std::bernoulli_distribution lost(s->loss);
    for (size_t i = 0; i < s->handlers.size(); ++i) {
      if (s->loss > 0 && lost(s->rng)) {
        ++s->stats.lost;
        continue;
      }
      ++s->stats.delivered;
      s->parts->rt->Spawn(DeliverOne(s, i, k, wait));
    }
  }

  static Task<void> DeliverOne(std::shared_ptr<State> s, size_t i, Key k, Duration wait) {
    if (wait > Duration()) co_await s->parts->rt->Sleep(wait);
    if (s->alive && !s->parts->closed) s->handlers[i](k);
  }

  std::shared_ptr<State> state_;
  std::string name_;
};

// Deletes every key that starts with `prefix` (SCAN, then DEL in batches).
Task<void> DeletePrefix(RedisClient& redis, std::string prefix) {
  std::string cursor = "0";
  do {
    // Built first: GCC 12 rejects a braced list inside a co_await expression.
    std::vector<std::string> scan{"SCAN", cursor, "MATCH", prefix + "*", "COUNT", "1000"};
    RedisReply r = co_await redis.Command(std::move(scan));
    if (r.error() || r.elements.size() != 2) co_return;
    cursor = r.elements[0].str;
    std::vector<std::string> del{"DEL"};
    for (const RedisReply& k : r.elements[1].elements) del.push_back(k.str);
    if (del.size() > 1) co_await redis.Command(std::move(del));
  } while (cursor != "0");
}

Task<void> Ignore(Task<CacheWriteStatus> op) {
  co_await std::move(op);
}

// The live world's port (policies/ops.h): each operation one Redis command
// or one PostgreSQL statement.
struct LivePort {
  LiveParts* p;

  Task<CacheGetResult> Get(Key ck) {
    if (p->closed) co_return CacheGetResult{CacheStatus::kError, {}, {}};
    ++p->counters.gets;
    std::string key = p->RedisKey(ck);
    co_return ToGet(co_await p->redis->GetWithTtl(std::move(key)));
  }

  Task<LeaseGetResult> LeaseGet(Key ck, Duration period) {
    LeaseGetResult r;
    if (p->closed) {
      r.get.status = CacheStatus::kError;
      co_return r;
    }
    ++p->counters.gets;
    std::string key = p->RedisKey(ck);
    RedisLease l = co_await p->redis->LeaseGet(std::move(key), period);
    r.get = ToGet(l.get);
    r.token = l.token;
    if (r.token != 0) ++p->counters.leases_issued;
    co_return r;
  }

  // Values by copy: a coroutine's reference parameter would outlive a
  // temporary argument (PortOps passes the stamped copy it makes).
  Task<CacheWriteStatus> Set(Key ck, Value v, Duration ttl) {
    if (p->closed) co_return CacheWriteStatus::kError;
    ++p->counters.sets;
    std::string key = p->RedisKey(ck), value = Encode(v);
    co_return ToStatus(co_await p->redis->Set(std::move(key), std::move(value), ttl));
  }

  Task<CacheWriteStatus> LeaseSet(Key ck, Value v, Duration ttl, uint64_t token) {
    if (p->closed) co_return CacheWriteStatus::kError;
    ++p->counters.sets;
    std::string key = p->RedisKey(ck), value = Encode(v);
    const CacheWriteStatus s =
        ToStatus(co_await p->redis->LeaseSet(std::move(key), std::move(value), ttl, token));
    if (s == CacheWriteStatus::kRejected) ++p->counters.lease_sets_rejected;
    co_return s;
  }

  Task<CacheWriteStatus> SetIfAbsent(Key ck, Value v, Duration ttl) {
    if (p->closed) co_return CacheWriteStatus::kError;
    ++p->counters.sets;
    std::string key = p->RedisKey(ck), value = Encode(v);
    co_return ToStatus(co_await p->redis->SetNx(std::move(key), std::move(value), ttl));
  }

  Task<CacheWriteStatus> Delete(Key ck) {
    if (p->closed) co_return CacheWriteStatus::kError;
    ++p->counters.deletes;
    std::string key = p->RedisKey(ck);
    co_return ToStatus(co_await p->redis->Delete(std::move(key)));
  }

  // One PostgreSQL: the instance does not choose a server.
  Task<DbResult> Read(Key k, uint32_t /*instance*/) {
    if (p->closed) co_return DbResult{};
    const Duration extra = p->read_cost ? p->read_cost->DrawDuration(p->cost_rng) : Duration();
    p->stampede->LoadStarted(k);
    const PgResult r = co_await p->db->Read(k, extra);
    p->stampede->LoadFinished(k);
    DbResult d;
    d.ok = r.ok;
    if (r.ok && r.exists) d.value = Value{r.version, r.size, true, 0};
    co_return d;
  }

  Task<DbResult> Write(Key k, uint32_t size, bool acknowledges, uint64_t version,
                       uint32_t /*instance*/) {
    if (p->closed) co_return DbResult{};
    const Duration extra = p->write_cost ? p->write_cost->DrawDuration(p->cost_rng) : Duration();
    const PgResult r = co_await p->db->Write(k, size, version, extra);
    DbResult d;
    d.ok = r.ok;
    if (!r.ok) co_return d;
    d.value = Value{r.version, size, true, 0};
    if (k < p->row_sizes->size()) (*p->row_sizes)[k] = size;
    // The reply is the commit as this client learns of it: the ledger and
    // the change feed see it now.
    if (acknowledges) p->ledger->Acknowledge(k, r.version, p->rt->now());
    for (const auto& f : p->commit_listeners) f(k, r.version);
    co_return d;
  }

  void Detach(Task<CacheWriteStatus> op) { p->rt->Spawn(Ignore(std::move(op))); }

  // One Redis: node 0 holds every key (the loader refuses a cluster for live runs).
  bool CacheDown(Time t, Key) const { return CacheUpAgainAt(t, 0) > t; }
  uint32_t CacheNodes() const { return 1; }
  uint32_t CacheNodeOf(Key) const { return 0; }
  Time CacheUpAgainAt(Time t, uint32_t) const { return UpAgainAt(p->config->cache.faults, t); }
  void AddFlushListener(std::function<void(uint32_t)> f) {
    p->flush_listeners.push_back(std::move(f));
  }
  void AddCommitListener(std::function<void(Key, uint64_t)> f) {
    p->commit_listeners.push_back(std::move(f));
  }
  std::unique_ptr<Channel> MakeChannel(Duration delay, double loss,
                                       const std::string& stream) const {
    return std::make_unique<RedisChannel>(*p, delay, loss, stream);
  }
};

// One thread that lives as long as the run and does the blocking server
// operations (a restart waits for the server to answer), so the io_context's
// thread never stalls. It must outlive the servers it starts: the kernel
// sends a child its parent-death signal when the *thread* that forked it
// ends, so a server started from a short-lived thread would die at once.
class ServerThread {
 public:
  ServerThread() : thread_([this] { Loop(); }) {}
  ~ServerThread() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      done_ = true;
    }
    cv_.notify_one();
    thread_.join();
  }
  ServerThread(const ServerThread&) = delete;
  ServerThread& operator=(const ServerThread&) = delete;

  // co_await Run(io, fn): `fn` runs on the thread; the caller resumes on the
  // io_context afterwards, with fn's exception if it threw.
  class Job {
   public:
    Job(ServerThread& t, boost::asio::io_context& io, std::function<void()> fn)
        : t_(t), io_(io), fn_(std::move(fn)) {}
    bool await_ready() const noexcept { return false; }
    void await_suspend(std::coroutine_handle<> h) {
      t_.Push([this, h] {
        try {
          fn_();
        } catch (...) {
          error_ = std::current_exception();
        }
        boost::asio::post(io_, [h] { h.resume(); });
      });
    }
    void await_resume() {
      if (error_) std::rethrow_exception(error_);
    }

   private:
    ServerThread& t_;
    boost::asio::io_context& io_;
    std::function<void()> fn_;
    std::exception_ptr error_;
  };

 private:
  void Push(std::function<void()> job) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      jobs_.push_back(std::move(job));
    }
    cv_.notify_one();
  }
  void Loop() {
    while (true) {
      std::function<void()> job;
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [this] { return done_ || !jobs_.empty(); });
        if (jobs_.empty()) return;
        job = std::move(jobs_.front());
        jobs_.pop_front();
      }
      job();
    }
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> jobs_;
  bool done_ = false;
  std::thread thread_;  // last: starts once the rest is constructed
};

int64_t InfoInt(const std::map<std::string, std::string>& info, const std::string& field) {
  auto it = info.find(field);
  if (it == info.end()) return -1;
  try {
    return std::stoll(it->second);
  } catch (...) {
    return -1;
  }
}

// "keys=12,expires=3,avg_ttl=0" -> 12
int64_t KeyspaceKeys(const std::map<std::string, std::string>& info, int db) {
  auto it = info.find("db" + std::to_string(db));
  if (it == info.end()) return 0;
  const std::string& v = it->second;
  if (v.rfind("keys=", 0) != 0) return 0;
  return std::stoll(v.substr(5));
}

std::string RunPrefix() {
  const auto ns = std::chrono::steady_clock::now().time_since_epoch().count();
  char buf[64];
  std::snprintf(buf, sizeof buf, "cachelab:%d:%llx:", static_cast<int>(getpid()),
                static_cast<unsigned long long>(ns & 0xffffffffff));
  return buf;
}

// One live run. Members are declared in teardown order: the io_context
// outlives everything that posts to it; the runtime outlives the clients
// whose callbacks resume its coroutines; the servers go last.
class LiveRun {
 public:
  LiveRun(const Scenario& scenario, const LiveOptions& options)
      : scenario_(scenario),
        config_(scenario.world),
        options_(options),
        workload_(config_.workload, config_.duration, config_.seed),
        ledger_(config_.workload.keys),
        row_sizes_(workload_.sizes()) {}

  RunResult Run();

 private:
  void Say(const std::string& line) const {
    if (options_.verbose) std::fprintf(stderr, "live: %s\n", line.c_str());
  }
  void StartRedis();
  void StartPostgres();
  void ConnectRedis();
  Task<void> ConfigureRedis();
  void ConnectPostgres();
  template <class T>
  T Await(Task<T> task) {
    return RunToCompletion(*rt_, std::move(task));
  }

  Task<void> Main();
  Task<void> Generate();
  Task<void> Tick();
  Task<void> Fault(FaultWindowConfig f);
  Task<void> ServeRead(Key key, uint32_t instance, uint64_t request, Time scheduled);
  Task<void> ServeWrite(Key key, uint32_t new_size, uint32_t instance, uint64_t request,
                        Time scheduled);
  void Finish(Time scheduled, bool read, Key key);
  Task<void> EmitRow(Time end);
  void RunFlushListeners();
  // The run is over (or failed): background coroutines must not touch the
  // clients any more.
  bool Over() const { return stopped_ || parts_.closed; }
  Summary BuildSummary(Time end);
  void Teardown();

  const Scenario& scenario_;
  const WorldConfig& config_;
  LiveOptions options_;
  Workload workload_;
  VersionLedger ledger_;
  StampedeTracker stampede_;
  PolicyStats policy_stats_;
  std::vector<uint32_t> row_sizes_;
  RunMeter meter_;
  std::vector<IntervalRow> rows_;
  LatencyHistogram lag_;

  // Servers, when private, and the thread that restarts them (declared
  // first: it ends after them).
  ServerThread server_thread_;
  std::unique_ptr<PrivateRedis> private_redis_;
  std::unique_ptr<PrivatePostgres> private_pg_;
  std::string redis_url_, pg_url_;
  std::string redis_version_, pg_version_;
  int64_t baseline_memory_ = 0, baseline_keys_ = 0;
  // Redis' evicted_keys and expired_keys as counted since the run began:
  // the raw counters start again at 0 after a restart.
  struct Counter {
    int64_t raw = 0;
    uint64_t total = 0;
    void Read(int64_t v) {
      if (v < 0) return;  // no answer: keep the last figure
      total += static_cast<uint64_t>(v >= raw ? v - raw : v);
      raw = v;
    }
  };
  Counter evicted_, expired_;
  int64_t last_memory_ = 0, last_keys_ = 0;
  uint64_t peak_bytes_ = 0, peak_items_ = 0;

  boost::asio::io_context io_;
  std::unique_ptr<AsioRuntime> rt_;
  std::unique_ptr<RedisClient> redis_;
  std::unique_ptr<PgPool> db_;
  LiveParts parts_;
  std::unique_ptr<ComposedStack> stack_;
  std::unique_ptr<boost::asio::signal_set> signals_;

  bool stopped_ = false;
  bool interrupted_ = false;
  bool arrivals_done_ = false;
  bool finished_ = false;  // every request is done: the ticker stops
  bool tick_busy_ = false;
  uint64_t in_flight_ = 0;
  uint64_t issued_ = 0, dropped_ = 0, late_ = 0;
  Time last_finish_;
  Time last_scheduled_;
  uint32_t instances_ = 1;
  std::exception_ptr failure_;
  // Woken when the last request is done; all bits set is no flight key of a
  // real instance (bits 48..62 would be instance 32767).
  static constexpr uint64_t kDoneKey = ~uint64_t{0};
};

void LiveRun::StartRedis() {
  if (options_.redis_url.empty()) {
    Say("starting a private redis-server");
    PrivateRedisOptions o;
    o.port = options_.redis_port;
    private_redis_ = std::make_unique<PrivateRedis>(o);
    private_redis_->Start();
    redis_url_ = private_redis_->url();
  } else {
    redis_url_ = options_.redis_url;
  }
}

void LiveRun::StartPostgres() {
  if (options_.postgres_url.empty()) {
    Say("starting a private PostgreSQL");
    PrivatePostgresOptions o;
    o.port = static_cast<uint16_t>(options_.postgres_port);
    o.max_connections = std::max<uint32_t>(100, config_.database.connections + 10);
    private_pg_ = std::make_unique<PrivatePostgres>(o);
    private_pg_->Start();
    pg_url_ = private_pg_->conninfo();
  } else {
    pg_url_ = options_.postgres_url;
  }
}

Task<void> LiveRun::ConfigureRedis() {
  if (parts_.closed) co_return;
  const CacheConfig& cache = config_.cache;
  const PolicyInfo* eviction = FindPolicy(Role::kEviction, scenario_.stack.eviction.name);
  std::map<std::string, std::string> memory = co_await redis_->Info("memory");
  if (parts_.closed) co_return;
  const int64_t used = InfoInt(memory, "used_memory");
  if (used < 0) throw std::runtime_error("Redis at " + redis_url_ + " did not answer INFO");
  if (private_redis_) {
    // Redis counts its own start-up footprint against maxmemory; the
    // scenario's capacity is for entries.
    baseline_memory_ = used;
    const uint64_t max = cache.capacity_bytes + static_cast<uint64_t>(used);
    for (auto [k, v] : std::vector<std::pair<std::string, std::string>>{
             {"maxmemory", std::to_string(max)}, {"maxmemory-policy", eviction->redis_policy}}) {
      if (parts_.closed) co_return;  // the client may be gone
      std::string param = k, value = v;
      const RedisWrite w = co_await redis_->ConfigSet(std::move(param), std::move(value));
      if (!w.ok()) throw std::runtime_error("CONFIG SET " + k + " failed: " + w.error);
    }
    if (scenario_.stack.eviction.params.Has("samples") && !parts_.closed) {
      std::string param = "maxmemory-samples",
                  value = std::to_string(scenario_.stack.eviction.params.GetInt("samples"));
      const RedisWrite w = co_await redis_->ConfigSet(std::move(param), std::move(value));
      if (!w.ok()) throw std::runtime_error("CONFIG SET maxmemory-samples failed: " + w.error);
    }
  }
}

void LiveRun::ConnectRedis() {
  RedisClientOptions o;
  o.timeout = config_.cache.timeout > Duration() ? config_.cache.timeout : Duration::Seconds(1);
  RedisAddress address = RedisAddress::Parse(redis_url_);
  redis_ = std::make_unique<RedisClient>(io_, address, o);
  const RedisReply pong = Await(redis_->Ping());
  if (pong.error()) {
    throw InputError("cannot use Redis at " + address.ToString() + ": " + pong.str);
  }
  std::map<std::string, std::string> server = Await(redis_->Info("server"));
  redis_version_ = server.count("redis_version") ? server["redis_version"] : "unknown";
  std::map<std::string, std::string> memory = Await(redis_->Info("memory"));
  if (!private_redis_) {
    const int64_t max = InfoInt(memory, "maxmemory");
    const int64_t used = InfoInt(memory, "used_memory");
    const int64_t free = max - std::max<int64_t>(used, 0);
    if (max > 0 && (free < 0 || static_cast<uint64_t>(free) < config_.cache.capacity_bytes)) {
      throw InputError(
          "the scenario's /cache/capacity (" + std::to_string(config_.cache.capacity_bytes) +
          " bytes) does not fit in the Redis at " + address.ToString() + " (maxmemory " +
          std::to_string(max) + ", " + std::to_string(used) + " used)");
    }
    std::map<std::string, std::string> mem = memory;
    const PolicyInfo* eviction = FindPolicy(Role::kEviction, scenario_.stack.eviction.name);
    if (mem.count("maxmemory_policy") && mem["maxmemory_policy"] != eviction->redis_policy) {
      Say("note: the Redis at " + address.ToString() + " evicts with " + mem["maxmemory_policy"] +
          ", the scenario with " + eviction->redis_policy + " (left as it is)");
    }
  }
  Await(ConfigureRedis());
  std::map<std::string, std::string> stats = Await(redis_->Info("stats"));
  evicted_.raw = std::max<int64_t>(InfoInt(stats, "evicted_keys"), 0);
  expired_.raw = std::max<int64_t>(InfoInt(stats, "expired_keys"), 0);
  std::map<std::string, std::string> keyspace = Await(redis_->Info("keyspace"));
  baseline_keys_ = last_keys_ = KeyspaceKeys(keyspace, address.db);
  last_memory_ = baseline_memory_ = std::max<int64_t>(InfoInt(memory, "used_memory"), 0);
}

void LiveRun::ConnectPostgres() {
  PgPoolOptions o;
  o.connections = config_.database.connections;
  o.queue_timeout = config_.database.queue_timeout;
  o.queue_limit = config_.database.queue_limit;
  std::string table = parts_.prefix;
  std::replace(table.begin(), table.end(), ':', '_');
  o.table = table + "rows";
  db_ = std::make_unique<PgPool>(*rt_, pg_url_, o);
  db_->Connect();
  pg_version_ = db_->server_version();
  Say("loading " + std::to_string(row_sizes_.size()) + " rows into PostgreSQL table " + o.table);
  db_->CreateTable(row_sizes_);
}

void LiveRun::RunFlushListeners() {
  for (const auto& f : parts_.flush_listeners) f(0);
}

Task<void> LiveRun::Fault(FaultWindowConfig f) {
  const Time start = Time::Zero() + f.start;
  if (start > rt_->now()) co_await rt_->Sleep(start - rt_->now());
  if (Over()) co_return;
  switch (f.kind) {
    case FaultWindowConfig::Kind::kDown:
      // Every client (ours included) blocks; operations time out after
      // cache.timeout, entries survive: the simulator's `down`.
      co_await redis_->Pause(f.duration);
      break;
    case FaultWindowConfig::Kind::kFlush:
      co_await redis_->FlushAll();
      RunFlushListeners();
      break;
    case FaultWindowConfig::Kind::kRestart: {
      PrivateRedis* server = private_redis_.get();
      ServerThread::Job kill(server_thread_, io_, [server] { server->Kill(); });
      co_await kill;
      RunFlushListeners();
      co_await rt_->Sleep(f.duration);
      if (Over()) co_return;
      ServerThread::Job start(server_thread_, io_, [server] { server->Start(); });
      co_await start;
      if (Over()) co_return;
      co_await ConfigureRedis();
      break;
    }
    case FaultWindowConfig::Kind::kSlow:
      break;  // refused by CheckLiveForm
  }
}

Task<void> LiveRun::ServeRead(Key key, uint32_t instance, uint64_t request, Time scheduled) {
  ReadOutcome out;
  if (config_.cache.enabled) {
    out = co_await stack_->Read(instance, key, request);
  } else {
    LivePort port{&parts_};
    const DbResult row = co_await port.Read(key, instance);
    out = ReadOutcome{row.value, CacheOutcome::kMiss, !row.ok};
  }
  meter_.Read(out, key, ledger_, rt_->now());
  Finish(scheduled, true, key);
}

Task<void> LiveRun::ServeWrite(Key key, uint32_t new_size, uint32_t instance, uint64_t request,
                               Time scheduled) {
  const uint32_t size = new_size > 0 ? new_size : row_sizes_[key];
  bool ok;
  if (config_.cache.enabled) {
    ok = co_await stack_->Write(instance, key, size, request);
  } else {
    LivePort port{&parts_};
    ok = (co_await port.Write(key, size, true, 0, instance)).ok;
  }
  meter_.Write(ok, key);
  Finish(scheduled, false, key);
}

void LiveRun::Finish(Time scheduled, bool read, Key key) {
  const Time now = rt_->now();
  meter_.Latency((now - scheduled).nanos(), read, key);
  last_finish_ = std::max(last_finish_, now);
  --in_flight_;
  if (arrivals_done_ && in_flight_ == 0) rt_->NotifyAll(kDoneKey);
}

Task<void> LiveRun::Generate() {
  uint32_t next_instance = 0;
  uint64_t next_request = 1;
  const double span = config_.duration.seconds();
  double last_progress = 0;
  while (std::optional<Request> r = workload_.Next()) {
    if (interrupted_) break;
    const Time now = rt_->now();
    if (r->at > now) co_await rt_->Sleep(r->at - now);
    if (interrupted_) break;
    const Duration lag = rt_->now() - r->at;
    lag_.Record(std::max<int64_t>(lag.nanos(), 0));
    if (lag > Duration::Millis(1)) ++late_;
    last_scheduled_ = r->at;
    if (in_flight_ >= options_.max_in_flight) {
      ++dropped_;
      continue;
    }
    ++issued_;
    ++in_flight_;
    const uint32_t instance = next_instance;
    next_instance = (next_instance + 1) % instances_;
    const uint64_t id = next_request++;
    if (r->write) {
      rt_->Spawn(ServeWrite(r->key, r->size, instance, id, r->at));
    } else {
      rt_->Spawn(ServeRead(r->key, instance, id, r->at));
    }
    if (options_.progress && r->at.seconds() - last_progress > span / 100) {
      last_progress = r->at.seconds();
      options_.progress(std::min(1.0, last_progress / span));
    }
  }
  arrivals_done_ = true;
  if (in_flight_ == 0) rt_->NotifyAll(kDoneKey);
}

Task<void> LiveRun::EmitRow(Time end) {
  if (parts_.closed) co_return;
  std::map<std::string, std::string> stats = co_await redis_->Info("stats");
  if (parts_.closed) co_return;  // the client may be gone
  std::map<std::string, std::string> memory = co_await redis_->Info("memory");
  if (parts_.closed) co_return;
  std::map<std::string, std::string> keyspace = co_await redis_->Info("keyspace");
  if (parts_.closed) co_return;
  // A server that does not answer (paused, restarting) keeps the last figures.
  evicted_.Read(InfoInt(stats, "evicted_keys"));
  expired_.Read(InfoInt(stats, "expired_keys"));
  if (int64_t v = InfoInt(memory, "used_memory"); v >= 0) last_memory_ = v;
  if (!keyspace.empty() || InfoInt(stats, "evicted_keys") >= 0) {
    last_keys_ = KeyspaceKeys(keyspace, RedisAddress::Parse(redis_url_).db);
  }
  const DatabaseStats& db = db_->stats();
  WorldTotals t;
  t.db_queries = db.queries;
  t.db_busy_ns = db.busy_ns;
  t.db_connections = config_.database.connections;
  t.db_interval_peak_queue = db_->TakeIntervalPeakQueue();
  t.db_started = db.started;
  t.db_queued = db.queued;
  t.db_wait_ns = db.wait_ns_total;
  t.evictions = evicted_.total;
  t.expirations = expired_.total;
  t.cache_bytes = static_cast<uint64_t>(std::max<int64_t>(last_memory_ - baseline_memory_, 0));
  t.cache_items = static_cast<uint64_t>(std::max<int64_t>(last_keys_ - baseline_keys_, 0));
  t.duplicate_loads = stampede_.duplicate_loads();
  peak_bytes_ = std::max(peak_bytes_, t.cache_bytes);
  peak_items_ = std::max(peak_items_, t.cache_items);
  rows_.push_back(meter_.Row(end, t));
}

Task<void> LiveRun::Tick() {
  Time next = Time::Zero() + config_.metrics.interval;
  while (true) {
    if (next > rt_->now()) co_await rt_->Sleep(next - rt_->now());
    if (finished_ || Over()) co_return;
    tick_busy_ = true;
    co_await EmitRow(next);
    tick_busy_ = false;
    next = next + config_.metrics.interval;
  }
}

Task<void> LiveRun::Main() {
  meter_.Measure(config_.metrics, config_.duration);
  for (const FaultWindowConfig& f : config_.cache.faults) rt_->Spawn(Fault(f));
  rt_->Spawn(Tick());
  rt_->Spawn(Generate());
  // The generator and every request it issued are done.
  while (!(arrivals_done_ && in_flight_ == 0)) co_await rt_->Wait(kDoneKey);
  finished_ = true;  // the ticker starts no new row
  while (tick_busy_) co_await rt_->Sleep(Duration::Millis(1));
  const Time end = std::max(last_finish_, meter_.interval_start());
  if (end > meter_.interval_start() || rows_.empty()) co_await EmitRow(end);
  stopped_ = true;
}

Summary LiveRun::BuildSummary(Time end) {
  Summary s;
  s.scenario = config_.name;
  s.seed = config_.seed;
  s.simulated_seconds = end.seconds();
  meter_.FillSummary(s);
  const PortCounters& pc = parts_.counters;
  uint64_t evictions = 0, expirations = 0;
  for (const IntervalRow& r : rows_) {
    evictions += r.evictions;
    expirations += r.expirations;
  }
  s.cache.evictions = evictions;
  s.cache.expirations = expirations;
  s.cache.peak_bytes = peak_bytes_;
  s.cache.peak_items = peak_items_;
  s.cache.gets = pc.gets;
  s.cache.sets = pc.sets;
  s.cache.deletes = pc.deletes;
  FillDatabaseSummary(s, db_->stats(), config_.database.connections, end);
  FillStampedeSummary(s, stampede_);
  FillPolicySummary(s, policy_stats_);
  s.guard.leases_issued = pc.leases_issued;
  s.guard.lease_sets_rejected = pc.lease_sets_rejected;
  Summary::Live live;
  live.redis_version = redis_version_;
  live.postgres_version = pg_version_;
  live.private_servers = private_redis_ != nullptr && private_pg_ != nullptr;
  live.wall_seconds = end.seconds();
  const double span = config_.duration.seconds();
  live.target_rate = span > 0 ? static_cast<double>(issued_ + dropped_) / span : 0;
  live.achieved_rate = span > 0 ? static_cast<double>(issued_) / span : 0;
  live.lag_p99_ms = static_cast<double>(lag_.Quantile(0.99)) * 1e-6;
  live.lag_max_ms = static_cast<double>(lag_.max()) * 1e-6;
  live.late_requests = late_;
  live.dropped_requests = dropped_;
  live.db_service_emulated = options_.emulate_db_service;
  s.live = live;
  return s;
}

void LiveRun::Teardown() {
  parts_.closed = true;
  if (!rt_) return;
  // Let background work see `stopped` and finish without waiting out its
  // sleeps, then give the clients' last replies a moment to arrive.
  rt_->FastForward();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (rt_->running() > 0 && std::chrono::steady_clock::now() < deadline) {
    if (io_.run_one_for(std::chrono::milliseconds(50)) == 0 && io_.stopped()) break;
  }
  // Keys and tables that are ours on servers that are not.
  if (!private_redis_ && redis_) {
    try {
      Await(DeletePrefix(*redis_, parts_.prefix));
    } catch (...) {
    }
  }
  if (!private_pg_ && db_) {
    try {
      db_->DropTable();
    } catch (...) {
    }
  }
  // Clients fail what is still pending (resumed through the queue, where
  // the closed port answers errors at once); then whatever still waits is
  // destroyed.
  redis_.reset();
  db_.reset();
  io_.restart();
  io_.poll();
  signals_.reset();
  io_.poll();
  // Before the stack: a destroyed frame may still refer to it.
  rt_->DestroyPending();
  stack_.reset();
}

RunResult LiveRun::Run() {
  CheckLiveForm(scenario_, !options_.redis_url.empty());
  instances_ = std::max<uint32_t>(config_.instances.count, 1);
  rt_ = std::make_unique<AsioRuntime>(io_);
  parts_.prefix = RunPrefix();
  // Before the guard: Teardown may resume Main's frame, which sets it (found by
  // clang's AddressSanitizer: stack-use-after-scope on Ctrl-C).
  bool main_done = false;
  struct Guard {
    LiveRun* run;
    ~Guard() { run->Teardown(); }
  } guard{this};

  // Installed first: a Ctrl-C during the set-up is seen once the loop runs,
  // instead of killing cachelab with its servers' folders left behind.
  signals_ = std::make_unique<boost::asio::signal_set>(io_, SIGINT, SIGTERM);
  signals_->async_wait([this](const boost::system::error_code& ec, int) {
    if (ec) return;
    interrupted_ = true;
    io_.stop();
  });
  // Redis first: a Redis that cannot be used fails before PostgreSQL starts.
  StartRedis();
  ConnectRedis();
  StartPostgres();
  ConnectPostgres();

  parts_.rt = rt_.get();
  parts_.redis = redis_.get();
  parts_.db = db_.get();
  parts_.ledger = &ledger_;
  parts_.stampede = &stampede_;
  parts_.config = &config_;
  parts_.row_sizes = &row_sizes_;
  if (options_.emulate_db_service) {
    parts_.read_cost.emplace(config_.database.read_service);
    parts_.write_cost.emplace(config_.database.write_service);
    parts_.cost_rng = MakeStream(config_.seed, "live-db-cost");
  }

  // Time 0 of the scenario: now.
  rt_->ResetClock();
  stack_ = BuildStack(scenario_.stack, instances_);
  const OpsEnv env{*rt_, config_, policy_stats_, stopped_, nullptr, ledger_, &ledger_};
  if (config_.cache.enabled) {
    stack_->StartOn([&](const StackRules& rules) {
      return std::make_unique<PortOps<LivePort>>(env, rules, LivePort{&parts_});
    });
  }
  // Subscriptions (event invalidation, broadcast L1) are in place before
  // the first request.
  while (parts_.pending_subscriptions > 0 && !interrupted_ && io_.run_one() > 0) {
  }
  Say("running " + config_.name + " for " + std::to_string(config_.duration.seconds()) + " s");
  rt_->Spawn([](LiveRun* run, bool& done) -> Task<void> {
    co_await run->Main();
    done = true;
  }(this, main_done));
  while (!main_done && !interrupted_) {
    if (io_.run_one() == 0) break;
  }
  if (interrupted_) throw LiveInterrupted();
  rt_->Rethrow();
  if (!main_done) throw std::runtime_error("live: the run stopped before its last request");
  if (config_.cache.enabled) stack_->Finish();
  RunResult result;
  result.summary = BuildSummary(std::max(last_finish_, Time::Zero()));
  result.timeseries = std::move(rows_);
  // The rows after the arrivals stop hold only the drain (as RunScenario).
  std::vector<IntervalRow> alert_rows;
  for (const IntervalRow& row : result.timeseries) {
    if (row.time_s < config_.duration.seconds()) alert_rows.push_back(row);
  }
  result.summary.alerts = EvaluateAlerts(scenario_.alerts, alert_rows);
  return result;
}

}  // namespace

void CheckLiveForm(const Scenario& scenario, bool external_redis) {
  for (Role role : kAllRoles) {
    const PolicyChoice& choice = scenario.stack.Of(role);
    const PolicyInfo* info = FindPolicy(role, choice.name);
    if (info == nullptr) continue;  // the loader has refused it already
    const std::string why = LiveFormMissing(*info);
    if (!why.empty()) {
      throw InputError(scenario.source + ": " + RoleName(role) + " \"" + choice.name +
                       "\" has no live form: " + why);
    }
  }
  if (!scenario.world.workload.classes.empty()) {
    throw InputError(scenario.source +
                     ": /workload/classes has no live form yet (the live load generator and its "
                     "table hold one key space)");
  }
  const CacheConfig& cache = scenario.world.cache;
  if (cache.max_items > 0) {
    throw InputError(scenario.source +
                     ": /cache/max_items has no live form (Redis limits memory, not entries)");
  }
  if (cache.cluster.nodes > 1) {
    throw InputError(scenario.source +
                     ": /cache/cluster/nodes has no live form yet (a live run uses one Redis)");
  }
  if (cache.cluster.replicas.count > 0) {
    throw InputError(scenario.source +
                     ": /cache/cluster/replicas has no live form yet (a live run uses one Redis)");
  }
  if (cache.cpu.Limited()) {
    throw InputError(scenario.source +
                     ": /cache/cpu has no live form (the real Redis spends its own CPU)");
  }
  if (scenario.world.database.replicas.count > 0) {
    throw InputError(scenario.source +
                     ": /database/replicas has no live form yet (a live run uses one PostgreSQL)");
  }
  if (DatabasePools(scenario.world) > 1) {
    throw InputError(scenario.source +
                     ": /database/pool \"per_instance\" has no live form yet (a live run's "
                     "instances share one connection pool)");
  }
  if (scenario.world.database.cores > 0) {
    throw InputError(scenario.source +
                     ": /database/cores has no live form (the real PostgreSQL's own cores share "
                     "its queries)");
  }
  if (scenario.world.database.network.Limited()) {
    throw InputError(scenario.source +
                     ": /database/network has no live form (the real network carries the "
                     "values)");
  }
  for (size_t i = 0; i < cache.faults.size(); ++i) {
    const FaultWindowConfig& f = cache.faults[i];
    const std::string where = scenario.source + ": /cache/faults/" + std::to_string(i);
    if (f.kind == FaultWindowConfig::Kind::kSlow) {
      throw InputError(where +
                       ": a `slow` fault window has no live form (Redis cannot be slowed down)");
    }
    if (external_redis) {
      throw InputError(where + ": a `" + FaultName(f.kind) +
                       "` fault window needs the private Redis cachelab starts (no --redis): "
                       "it would hit a server cachelab does not own");
    }
  }
}

RunResult RunLive(const Scenario& scenario, const LiveOptions& options) {
  LiveRun run(scenario, options);
  return run.Run();
}

}  // namespace cachelab::live
