// The engine issue's yardstick: the smallest honest C++20 coroutine
// discrete-event simulation of the engine model (bench/engine_model.json),
// with none of cachelab's metrics, policies or configuration. What cachelab
// does beyond this (every metric, pluggable policies, the time series) is
// what its extra cost buys; bench/engine_whole.sh runs both side by side.
//
// The model: Poisson arrivals at 50,000 req/s for 400 simulated seconds,
// 1M keys with Zipf 1.0 popularity (cachelab's rejection-inversion sampler,
// so both draw keys at the same cost), one application instance doing
// cache-aside reads with a 60 s TTL on an ample cache: GET (the store is
// consulted when the request leaves, the caller waits a constant 300 us
// round trip); on a miss a query on one of 64 connections (FIFO queue,
// exponential 5 ms service), then SET (applied when sent, 300 us round trip).
//
// The engine: a binary min-heap of (time, sequence, coroutine handle), so
// ties run in scheduling order; coroutine frames from a free list; the cache
// a Boost flat map from key to expiry time. Time is int64 nanoseconds.
//
// Usage: cachelab_mini_des [SECONDS] [SEED]
// Prints "requests hits hit_ratio" on stdout.
#include <boost/unordered/unordered_flat_map.hpp>
#include <cmath>
#include <coroutine>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <queue>
#include <vector>

#include "sim/core/zipf.h"

namespace {

constexpr int64_t kRttNs = 300'000;
constexpr int64_t kTtlNs = 60'000'000'000;
constexpr double kRate = 50'000;
constexpr double kServiceMeanNs = 5e6;
constexpr int kConnections = 64;
constexpr uint64_t kKeys = 1'000'000;

// Frames of one size (the request coroutine's) recycled through a free list.
struct FramePool {
  struct Node {
    Node* next;
  };
  Node* free = nullptr;
  size_t size = 0;
  void* Get(size_t n) {
    if (size == 0) size = n;
    if (n != size) return ::operator new(n);
    if (free == nullptr) return ::operator new(n);
    Node* p = free;
    free = p->next;
    return p;
  }
  void Put(void* p, size_t n) {
    if (n != size) return ::operator delete(p);
    auto* node = static_cast<Node*>(p);
    node->next = free;
    free = node;
  }
};
FramePool pool;

struct Event {
  int64_t time;
  uint64_t seq;
  std::coroutine_handle<> h;
  bool operator>(const Event& o) const { return time > o.time || (time == o.time && seq > o.seq); }
};

struct Sim {
  int64_t now = 0;
  uint64_t seq = 0;
  std::priority_queue<Event, std::vector<Event>, std::greater<Event>> heap;
  void At(int64_t t, std::coroutine_handle<> h) { heap.push(Event{t, seq++, h}); }
  void Run() {
    while (!heap.empty()) {
      const Event e = heap.top();
      heap.pop();
      now = e.time;
      e.h.resume();
    }
  }
};
Sim sim;

// A detached process: starts at once, frees its frame when it ends.
struct Process {
  struct promise_type {
    Process get_return_object() { return {}; }
    std::suspend_never initial_suspend() noexcept { return {}; }
    std::suspend_never final_suspend() noexcept { return {}; }
    void return_void() {}
    void unhandled_exception() { std::abort(); }
    static void* operator new(size_t n) { return pool.Get(n); }
    static void operator delete(void* p, size_t n) { pool.Put(p, n); }
  };
};

struct Sleep {
  int64_t ns;
  bool await_ready() const noexcept { return false; }
  void await_suspend(std::coroutine_handle<> h) const { sim.At(sim.now + ns, h); }
  void await_resume() const noexcept {}
};

// Connections: a free count and a FIFO of waiters; a release hands the
// connection straight to the first waiter.
struct Pool {
  int free = kConnections;
  std::deque<std::coroutine_handle<>> waiting;
  struct Acquire {
    Pool* p;
    bool await_ready() const noexcept {
      if (p->free > 0) {
        --p->free;
        return true;
      }
      return false;
    }
    void await_suspend(std::coroutine_handle<> h) const { p->waiting.push_back(h); }
    void await_resume() const noexcept {}
  };
  Acquire Get() { return Acquire{this}; }
  void Release() {
    if (waiting.empty()) {
      ++free;
      return;
    }
    sim.At(sim.now, waiting.front());
    waiting.pop_front();
  }
};

struct Model {
  cachelab::RandomEngine arrivals{1}, keys{2}, service{3};
  cachelab::ZipfSampler zipf{kKeys, 1.0};
  boost::unordered_flat_map<uint64_t, int64_t> cache;
  Pool db;
  uint64_t requests = 0, hits = 0;

  double Exp(cachelab::RandomEngine& rng, double mean) {
    return -mean * std::log1p(-cachelab::Uniform01(rng));
  }

  Process Read(uint64_t key) {
    ++requests;
    const auto it = cache.find(key);
    const bool hit = it != cache.end() && it->second > sim.now;
    co_await Sleep{kRttNs};
    if (hit) {
      ++hits;
      co_return;
    }
    co_await db.Get();
    co_await Sleep{static_cast<int64_t>(Exp(service, kServiceMeanNs))};
    db.Release();
    cache[key] = sim.now + kTtlNs;
    co_await Sleep{kRttNs};
  }

  Process Arrivals(int64_t end_ns) {
    for (;;) {
      co_await Sleep{static_cast<int64_t>(Exp(arrivals, 1e9 / kRate))};
      if (sim.now >= end_ns) co_return;
      Read(zipf(keys));
    }
  }
};

}  // namespace

int main(int argc, char** argv) {
  const double seconds = argc > 1 ? std::atof(argv[1]) : 400;
  const uint64_t seed = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 1;
  if (!(seconds > 0)) {
    std::fprintf(stderr, "cachelab_mini_des: SECONDS must be positive\n");
    return 2;
  }
  static Model m;
  m.arrivals.seed(seed);
  m.keys.seed(seed + 1);
  m.service.seed(seed + 2);
  m.Arrivals(static_cast<int64_t>(seconds * 1e9));
  sim.Run();
  std::printf("%llu %llu %.4f\n", static_cast<unsigned long long>(m.requests),
              static_cast<unsigned long long>(m.hits),
              static_cast<double>(m.hits) / static_cast<double>(m.requests));
  return 0;
}
