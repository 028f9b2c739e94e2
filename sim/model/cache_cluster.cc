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
    : shards_(config.cluster) {
  const uint32_t n = shards_.nodes();
  for (uint32_t i = 0; i < n; ++i) {
    CacheConfig own = config;
    own.faults.clear();
    for (const FaultWindowConfig& f : config.faults) {
      if (f.Hits(i)) own.faults.push_back(f);
    }
    std::unique_ptr<EvictionPolicy> eviction = i == 0 ? std::move(first) : more();
    const std::string stream = i == 0 ? "cache.rtt" : "cache.rtt.node" + std::to_string(i);
    nodes_.push_back(std::make_unique<CacheServer>(sim, own, std::move(eviction), seed, stream));
  }
}

void CacheCluster::AddFlushListener(std::function<void(uint32_t)> f) {
  for (uint32_t i = 0; i < nodes(); ++i) {
    nodes_[i]->AddFlushListener([f, i] { f(i); });
  }
}

void CacheCluster::SetMissHint(CacheServer::MissHint fn, const void* ctx) {
  for (auto& n : nodes_) n->SetMissHint(fn, ctx);
}

void CacheCluster::WatchExpiries(const std::vector<Key>& keys, uint64_t limit) {
  for (auto& n : nodes_) n->WatchExpiries(keys, limit);
}

void CacheCluster::Start() {
  for (auto& n : nodes_) n->Start();
}

void CacheCluster::Stop() {
  for (auto& n : nodes_) n->Stop();
}

Time CacheCluster::UpAgainAt(Time t, uint32_t node) const {
  if (node != FaultWindowConfig::kAllNodes) return nodes_[node]->UpAgainAt(t);
  // Every node up: the latest of their ends, until none moves.
  for (bool moved = true; moved;) {
    moved = false;
    for (const auto& n : nodes_) {
      const Time up = n->UpAgainAt(t);
      if (up > t) {
        t = up;
        moved = true;
      }
    }
  }
  return t;
}

CacheServerStats CacheCluster::stats() const {
  CacheServerStats s;
  for (const auto& n : nodes_) {
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
  for (const auto& n : nodes_) {
    const Store::WatchedKey& w = n->store().watched()[i];
    at.insert(at.end(), w.expiries.begin(), w.expiries.end());
    *truncated = *truncated || w.truncated;
  }
  // Lazy and active expiry, and several nodes, may count them out of order.
  std::sort(at.begin(), at.end());
  return at;
}

}  // namespace cachelab
