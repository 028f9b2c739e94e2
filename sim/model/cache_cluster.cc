#include "sim/model/cache_cluster.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <string>

namespace cachelab {

namespace {

// CRC16/XMODEM (polynomial 0x1021, initial value 0), the CRC of Redis
// Cluster's key hashing (the Redis Cluster specification, "Keys distribution
// model").
constexpr std::array<uint16_t, 256> MakeCrc16Table() {
  std::array<uint16_t, 256> t{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint16_t crc = static_cast<uint16_t>(i << 8);
    for (int b = 0; b < 8; ++b) {
      crc = static_cast<uint16_t>((crc & 0x8000) ? (crc << 1) ^ 0x1021 : crc << 1);
    }
    t[i] = crc;
  }
  return t;
}
constexpr std::array<uint16_t, 256> kCrc16 = MakeCrc16Table();

// A key's decimal text: what the hash functions see of it.
std::string_view KeyText(Key k, char (&buf)[24]) {
  const auto r = std::to_chars(buf, buf + sizeof buf, k);
  return {buf, static_cast<size_t>(r.ptr - buf)};
}

// FNV-1a then a SplitMix64 finalizer: a 64-bit hash of a text for the ring.
uint64_t Hash64(std::string_view text) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : text) h = (h ^ c) * 0x100000001b3ULL;
  h ^= h >> 30;
  h *= 0xbf58476d1ce4e5b9ULL;
  h ^= h >> 27;
  h *= 0x94d049bb133111ebULL;
  return h ^ (h >> 31);
}

}  // namespace

uint32_t ShardMap::Slot(std::string_view text) {
  uint16_t crc = 0;
  for (unsigned char c : text) crc = static_cast<uint16_t>((crc << 8) ^ kCrc16[(crc >> 8) ^ c]);
  return crc % kSlots;
}

uint32_t ShardMap::SlotOfKey(Key cache_key) {
  char buf[24];
  return Slot(KeyText(cache_key, buf));
}

ShardMap::ShardMap(const ClusterConfig& config)
    : nodes_(std::max<uint32_t>(config.nodes, 1)), sharding_(config.sharding) {
  if (nodes_ == 1) return;
  if (sharding_ == ClusterConfig::Sharding::kHashSlots) {
    // redis-cli --cluster create's allocation: node n gets the slots up to
    // round((n + 1) * 16384 / N - 1), the last node the rest.
    slot_node_.resize(kSlots);
    const double per = static_cast<double>(kSlots) / nodes_;
    uint32_t first = 0;
    for (uint32_t n = 0; n < nodes_; ++n) {
      uint32_t last = static_cast<uint32_t>(std::llround(per * n + per - 1));
      if (last > kSlots - 1 || n == nodes_ - 1) last = kSlots - 1;
      for (uint32_t s = first; s <= last; ++s) slot_node_[s] = static_cast<uint16_t>(n);
      first = last + 1;
    }
    return;
  }
  ring_.reserve(uint64_t{nodes_} * config.virtual_nodes);
  for (uint32_t n = 0; n < nodes_; ++n) {
    for (uint32_t v = 0; v < config.virtual_nodes; ++v) {
      const std::string point = "node" + std::to_string(n) + "-" + std::to_string(v);
      ring_.push_back(Point{Hash64(point), n});
    }
  }
  std::sort(ring_.begin(), ring_.end(), [](const Point& a, const Point& b) {
    return a.hash != b.hash ? a.hash < b.hash : a.node < b.node;
  });
}

uint32_t ShardMap::NodeOf(Key cache_key) const {
  if (nodes_ == 1) return 0;
  char buf[24];
  const std::string_view text = KeyText(cache_key, buf);
  if (sharding_ == ClusterConfig::Sharding::kHashSlots) return slot_node_[Slot(text)];
  const uint64_t h = Hash64(text);
  auto it = std::lower_bound(ring_.begin(), ring_.end(), h,
                             [](const Point& p, uint64_t x) { return p.hash < x; });
  if (it == ring_.end()) it = ring_.begin();  // the ring wraps around
  return it->node;
}

double ShardMap::Share(uint32_t node) const {
  if (nodes_ == 1) return 1;
  if (sharding_ == ClusterConfig::Sharding::kHashSlots) {
    return static_cast<double>(std::count(slot_node_.begin(), slot_node_.end(), node)) / kSlots;
  }
  // A point owns the arc from the point before it (wrapping: unsigned arithmetic).
  long double owned = 0;
  for (size_t i = 0; i < ring_.size(); ++i) {
    if (ring_[i].node != node) continue;
    const uint64_t before = ring_[i == 0 ? ring_.size() - 1 : i - 1].hash;
    owned += static_cast<long double>(ring_[i].hash - before);
  }
  return static_cast<double>(owned / 18446744073709551616.0L);
}

CacheCluster::CacheCluster(Simulator& sim, const CacheConfig& config,
                           std::unique_ptr<EvictionPolicy> first, const EvictionFactory& more,
                           uint64_t seed)
    : sim_(sim), shards_(config.cluster), replicas_(config.cluster.replicas.count) {
  const uint32_t n = shards_.nodes();
  const uint32_t total = n * (1 + replicas_);
  // Each server's own fault windows.
  std::vector<std::vector<FaultWindowConfig>> own(total);
  if (replicas_ == 0) {
    for (uint32_t i = 0; i < n; ++i) {
      for (const FaultWindowConfig& f : config.faults) {
        if (f.Hits(i)) own[i].push_back(f);
      }
    }
  } else {
    Plan(config, &own);
  }
  for (uint32_t i = 0; i < total; ++i) {
    CacheConfig c = config;
    c.faults = std::move(own[i]);
    std::unique_ptr<EvictionPolicy> eviction = i == 0 ? std::move(first) : more();
    const std::string stream = i == 0 ? "cache.rtt" : "cache.rtt.node" + std::to_string(i);
    servers_.push_back(std::make_unique<CacheServer>(sim, c, std::move(eviction), seed, stream));
  }
  primary_.resize(n);
  for (uint32_t i = 0; i < n; ++i) primary_[i] = i;
  if (replicas_ == 0) return;

  const CacheReplicaConfig& r = config.cluster.replicas;
  read_from_ = r.read_from;
  read_replicas_ = r.read_from != CacheReplicaConfig::ReadFrom::kPrimary;
  lag_ = std::make_unique<Sampler>(r.lag);
  streams_.resize(total);
  last_due_.assign(total, Time::Zero());
  epoch_.assign(total, 0);
  next_read_.assign(n, 0);
  past_.resize(n);
  ever_primary_.assign(total, false);
  for (uint32_t i = 0; i < n; ++i) ever_primary_[i] = true;
  sinks_.reserve(total);
  for (uint32_t i = 0; i < total; ++i) {
    lag_rng_.push_back(MakeStream(seed, "cache.replication.node" + std::to_string(i)));
    sinks_.push_back(SinkCtx{this, i});
  }
  for (uint32_t i = 0; i < total; ++i)
    servers_[i]->SetChangeSink(&CacheCluster::OnChange, &sinks_[i]);
}

// Works out, from the fault windows alone, which server each window hits,
// when each shard fails over and to whom, and when each server is back.
void CacheCluster::Plan(const CacheConfig& config,
                        std::vector<std::vector<FaultWindowConfig>>* own) {
  const uint32_t n = shards_.nodes(), members = 1 + replicas_;
  const Duration after = config.cluster.replicas.failover_after;
  shard_down_.resize(n);
  std::vector<uint32_t> cur(n, 0);  // per shard: its primary member
  std::vector<size_t> order(config.faults.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return config.faults[a].start < config.faults[b].start;
  });
  struct Candidate {
    Time crash, at;
    uint32_t shard, from;  // members
  };
  std::vector<Candidate> pending;  // promotions to decide, in time order of `at`
  const auto is_down = [](const FaultWindowConfig& f) {
    return f.kind == FaultWindowConfig::Kind::kDown || f.kind == FaultWindowConfig::Kind::kRestart;
  };
  const auto decide = [&](const Candidate& c) {
    const uint32_t victim = Member(c.shard, c.from);
    if (cur[c.shard] != c.from || cachelab::UpAgainAt((*own)[victim], c.at) <= c.at) return;
    for (uint32_t step = 1; step < members; ++step) {
      const uint32_t m = (c.from + step) % members;
      if (cachelab::UpAgainAt((*own)[Member(c.shard, m)], c.at) > c.at) continue;
      cur[c.shard] = m;
      shard_down_[c.shard].push_back(FaultWindowConfig{FaultWindowConfig::Kind::kDown,
                                                       c.crash - Time::Zero(), c.at - c.crash});
      const uint32_t to = Member(c.shard, m);
      scheduled_.push_back({Scheduled::Kind::kCrash, c.crash, c.shard, victim, to, false, c.crash});
      scheduled_.push_back({Scheduled::Kind::kPromote, c.at, c.shard, victim, to, false, c.crash});
      return;
    }
    // No replica is up: the shard waits for its primary.
    ++repl_.failed_failovers;
    shard_down_[c.shard].push_back(
        FaultWindowConfig{FaultWindowConfig::Kind::kDown, c.crash - Time::Zero(),
                          cachelab::UpAgainAt((*own)[victim], c.at) - c.crash});
  };
  for (size_t i : order) {
    const FaultWindowConfig& f = config.faults[i];
    const Time start = Time::Zero() + f.start;
    // Promotions due by this window's start come first: a window at the
    // moment of a promotion hits the new primary.
    std::stable_sort(pending.begin(), pending.end(),
                     [](const Candidate& a, const Candidate& b) { return a.at < b.at; });
    while (!pending.empty() && pending.front().at <= start) {
      decide(pending.front());
      pending.erase(pending.begin());
    }
    if (f.node == FaultWindowConfig::kAllNodes) {
      for (auto& o : *own) o.push_back(f);
      if (is_down(f)) {
        for (auto& d : shard_down_)
          d.push_back(FaultWindowConfig{FaultWindowConfig::Kind::kDown, f.start, f.duration});
      }
      continue;
    }
    const uint32_t s = f.node, victim = cur[s];
    (*own)[Member(s, victim)].push_back(f);
    if (!is_down(f)) continue;
    if (f.duration > after) {
      pending.push_back(Candidate{start, start + after, s, victim});
    } else {
      shard_down_[s].push_back(
          FaultWindowConfig{FaultWindowConfig::Kind::kDown, f.start, f.duration});
    }
  }
  std::stable_sort(pending.begin(), pending.end(),
                   [](const Candidate& a, const Candidate& b) { return a.at < b.at; });
  for (const Candidate& c : pending) decide(c);
  // Every server's returns: the ends of its chains of down windows.
  for (uint32_t srv = 0; srv < own->size(); ++srv) {
    std::vector<Time> backs;
    for (const FaultWindowConfig& f : (*own)[srv]) {
      if (!is_down(f)) continue;
      const Time back = cachelab::UpAgainAt((*own)[srv], Time::Zero() + f.start);
      if (std::find(backs.begin(), backs.end(), back) != backs.end()) continue;
      backs.push_back(back);
      bool restarted = false;
      for (const FaultWindowConfig& g : (*own)[srv]) {
        const Time gs = Time::Zero() + g.start;
        restarted = restarted || (g.kind == FaultWindowConfig::Kind::kRestart && gs < back &&
                                  cachelab::UpAgainAt((*own)[srv], gs) == back);
      }
      scheduled_.push_back({Scheduled::Kind::kBack, back, srv % n, srv, 0, restarted, back});
    }
  }
}

void CacheCluster::AddFlushListener(std::function<void(uint32_t)> f) {
  if (replicas_ == 0) {
    for (uint32_t i = 0; i < nodes(); ++i) {
      servers_[i]->AddFlushListener([f, i] { f(i); });
    }
    return;
  }
  const bool first = flush_listeners_.empty();
  flush_listeners_.push_back(std::move(f));
  if (!first) return;
  for (uint32_t i = 0; i < servers(); ++i) {
    servers_[i]->AddFlushListener([this, i] {
      if (!IsPrimary(i)) return;  // a replica's crash loses nothing of the shard
      const uint32_t shard = ShardOf(i);
      if (servers_[i]->IsDown(sim_.now())) {
        // A crash: the data survives if a replica is about to take over.
        for (const Scheduled& e : scheduled_) {
          if (e.kind == Scheduled::Kind::kCrash && e.server == i && e.at == sim_.now()) return;
        }
      }
      for (const auto& l : flush_listeners_) l(shard);
    });
  }
}

void CacheCluster::SetMissHint(CacheServer::MissHint fn, const void* ctx) {
  for (auto& n : servers_) n->SetMissHint(fn, ctx);
}

void CacheCluster::WatchExpiries(const std::vector<Key>& keys, uint64_t limit) {
  for (auto& n : servers_) n->WatchExpiries(keys, limit);
}

void CacheCluster::Start() {
  for (auto& n : servers_) n->Start();
  for (size_t i = 0; i < scheduled_.size(); ++i) {
    sim_.Schedule(scheduled_[i].at, &CacheCluster::OnScheduled, this, i);
  }
}

void CacheCluster::Stop() {
  stopped_ = true;
  for (auto& n : servers_) n->Stop();
}

Time CacheCluster::UpAgainAt(Time t, uint32_t node) const {
  const auto shard_up = [&](uint32_t s, Time at) {
    return replicas_ == 0 ? servers_[s]->UpAgainAt(at) : cachelab::UpAgainAt(shard_down_[s], at);
  };
  if (node != FaultWindowConfig::kAllNodes) return shard_up(node, t);
  // Every node up: the latest of their ends, until none moves.
  for (bool moved = true; moved;) {
    moved = false;
    for (uint32_t s = 0; s < nodes(); ++s) {
      const Time up = shard_up(s, t);
      if (up > t) {
        t = up;
        moved = true;
      }
    }
  }
  return t;
}

Delayed<CacheGetResult> CacheCluster::ReplicaGet(Key k) {
  const uint32_t shard = NodeOf(k), members = 1 + replicas_;
  const uint32_t primary = primary_[shard];
  const Time now = sim_.now();
  uint32_t chosen = primary;
  for (uint32_t tries = 0; tries < members; ++tries) {
    const uint32_t srv = Member(shard, next_read_[shard]++ % members);
    if (read_from_ == CacheReplicaConfig::ReadFrom::kReplicas && srv == primary) continue;
    if (servers_[srv]->IsDown(now)) continue;
    chosen = srv;
    break;
  }
  if (chosen == primary) return servers_[primary]->Get(k);
  Delayed<CacheGetResult> r = servers_[chosen]->Get(k);
  ++repl_.replica_reads;
  // What the primary would have answered now.
  const Store::Entry* e =
      servers_[primary]->IsDown(now) ? nullptr : servers_[primary]->store().Find(k, now);
  const CacheGetResult& got = r.value();
  if (got.status != CacheStatus::kError &&
      (got.hit() != (e != nullptr) || (e != nullptr && e->value.version != got.value.version))) {
    ++repl_.behind_reads;
  }
  return r;
}

void CacheCluster::OnChange(void* ctx, const ReplicatedChange& c) {
  const auto* s = static_cast<const SinkCtx*>(ctx);
  if (s->cluster->IsPrimary(s->server)) s->cluster->Stream(s->server, c);
}

void CacheCluster::Stream(uint32_t from, const ReplicatedChange& c) {
  const uint32_t shard = ShardOf(from);
  const Time now = sim_.now();
  for (uint32_t m = 0; m <= replicas_; ++m) {
    const uint32_t to = Member(shard, m);
    if (to == from || servers_[to]->IsDown(now)) continue;  // it resyncs when it is back
    const Time due = std::max(last_due_[to], now + lag_->DrawDuration(lag_rng_[to]));
    last_due_[to] = due;
    std::deque<Pending>& q = streams_[to];
    q.push_back(Pending{due, c});
    repl_.peak_backlog = std::max<uint64_t>(repl_.peak_backlog, q.size());
    if (q.size() == 1) ScheduleDue(to);
  }
}

void CacheCluster::ScheduleDue(uint32_t server) {
  sim_.Schedule(streams_[server].front().due, &CacheCluster::OnDue, this,
                (uint64_t{epoch_[server]} << 32) | server);
}

void CacheCluster::OnDue(void* self, uint64_t arg) {
  auto* c = static_cast<CacheCluster*>(self);
  const auto server = static_cast<uint32_t>(arg);
  if (c->stopped_ || static_cast<uint32_t>(arg >> 32) != c->epoch_[server]) return;
  std::deque<Pending>& q = c->streams_[server];
  const Time now = c->sim_.now();
  CacheServer& to = *c->servers_[server];
  const bool down = to.IsDown(now);  // a down replica resyncs when it is back
  while (!q.empty() && q.front().due <= now) {
    if (!down) {
      to.Apply(q.front().change);
      ++c->repl_.applied;
    }
    q.pop_front();
  }
  if (!q.empty()) c->ScheduleDue(server);
}

void CacheCluster::Resync(uint32_t replica, uint32_t primary) {
  DropStream(replica);
  last_due_[replica] = sim_.now();
  servers_[replica]->ResyncFrom(*servers_[primary]);
  ++repl_.resyncs;
}

void CacheCluster::OnScheduled(void* self, uint64_t index) {
  auto* c = static_cast<CacheCluster*>(self);
  if (c->stopped_) return;
  const Scheduled& e = c->scheduled_[index];
  switch (e.kind) {
    case Scheduled::Kind::kCrash:
      // What had not reached the replica to be promoted is lost; the others
      // resync from it once it is primary.
      c->repl_.lost_changes += c->streams_[e.to].size();
      for (uint32_t m = 0; m <= c->replicas_; ++m) c->DropStream(c->Member(e.shard, m));
      return;
    case Scheduled::Kind::kPromote:
      c->Promote(e.shard, e.to);
      c->failovers_.push_back(Failover{e.shard, e.crash, e.at, e.server, e.to});
      return;
    case Scheduled::Kind::kBack: {
      const uint32_t primary = c->primary_[e.shard];
      if (e.server != primary) {
        c->Resync(e.server, primary);
      } else if (e.restarted) {
        // An empty primary back before any failover: its replicas resync to empty.
        for (uint32_t m = 0; m <= c->replicas_; ++m) {
          const uint32_t srv = c->Member(e.shard, m);
          if (srv != primary && !c->servers_[srv]->IsDown(c->sim_.now())) c->Resync(srv, primary);
        }
      }
      return;
    }
  }
}

void CacheCluster::Promote(uint32_t shard, uint32_t to) {
  const uint32_t from = primary_[shard];
  Past& p = past_[shard];
  const Store& old_store = servers_[from]->store();
  const Store& new_store = servers_[to]->store();
  for (size_t i = 0; i < 4; ++i) {
    p.counted[i] += (old_store.*kCounters[i])() - p.base[i];
    p.base[i] = (new_store.*kCounters[i])();
  }
  for (size_t i = 0; i < 2; ++i) p.peak[i] = std::max(p.peak[i], (old_store.*kPeaks[i])());
  primary_[shard] = to;
  ever_primary_[to] = true;
  ++repl_.failovers;
  for (uint32_t m = 0; m <= replicas_; ++m) {
    const uint32_t srv = Member(shard, m);
    if (srv != to && srv != from && !servers_[srv]->IsDown(sim_.now())) Resync(srv, to);
  }
}

uint64_t CacheCluster::Counted(Counter c) const {
  size_t i = 0;
  while (kCounters[i] != c) ++i;
  uint64_t total = 0;
  for (uint32_t s = 0; s < nodes(); ++s) {
    const uint64_t now = (servers_[primary_[s]]->store().*c)();
    total += past_.empty() ? now : past_[s].counted[i] + now - past_[s].base[i];
  }
  return total;
}

uint64_t CacheCluster::Peak(Counter c) const {
  const size_t i = c == kPeaks[0] ? 0 : 1;
  uint64_t total = 0;
  for (uint32_t s = 0; s < nodes(); ++s) {
    const uint64_t now = (servers_[primary_[s]]->store().*c)();
    total += past_.empty() ? now : std::max(past_[s].peak[i], now);
  }
  return total;
}

CacheServerStats CacheCluster::stats() const {
  CacheServerStats s;
  for (const auto& n : servers_) {
    const CacheServerStats& o = n->stats();
    s.gets += o.gets;
    s.sets += o.sets;
    s.deletes += o.deletes;
    s.errors += o.errors;
    s.hits += o.hits;
    s.cpu_ops += o.cpu_ops;
    s.cpu_busy_ns += o.cpu_busy_ns;
    s.cpu_wait_ns += o.cpu_wait_ns;
    s.leases_issued += o.leases_issued;
    s.lease_sets_rejected += o.lease_sets_rejected;
    s.flushes += o.flushes;
    s.bytes_in += o.bytes_in;
    s.bytes_out += o.bytes_out;
  }
  return s;
}

std::vector<Time> CacheCluster::WatchedExpiries(size_t i, bool* truncated) const {
  std::vector<Time> at;
  *truncated = false;
  for (uint32_t srv = 0; srv < servers(); ++srv) {
    if (replicas_ > 0 && !ever_primary_[srv]) continue;
    const Store::WatchedKey& w = servers_[srv]->store().watched()[i];
    at.insert(at.end(), w.expiries.begin(), w.expiries.end());
    *truncated = *truncated || w.truncated;
  }
  // Lazy and active expiry, and several nodes, may count them out of order.
  std::sort(at.begin(), at.end());
  return at;
}

}  // namespace cachelab
