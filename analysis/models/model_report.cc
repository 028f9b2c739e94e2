#include "analysis/models/model_report.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <iterator>
#include <limits>

#include "analysis/models/analytic.h"
#include "analysis/scenario/run.h"
#include "sim/core/random.h"
#include "sim/model/distribution.h"
#include "sim/model/workload.h"

namespace cachelab {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
// A queue timeout or limit that fewer queries than this reach is ignored.
constexpr double kNegligible = 1e-3;
constexpr int kLatencyDraws = 200'000;

using Kind = DistributionConfig::Kind;

// Squared coefficient of variation (analytic.h, AllenCunneenWait).
double Cv2Of(const DistributionConfig& d) {
  switch (d.kind) {
    case Kind::kConstant:
      return 0;
    case Kind::kExponential:
      return 1;
    case Kind::kLognormal:
      return LognormalCv2(d.sigma);
    case Kind::kUniform: {
      const double s = d.min + d.max;
      return s > 0 ? (d.max - d.min) * (d.max - d.min) / (3 * s * s) : 0;
    }
  }
  return 0;
}

// Why the IRM cache models do not describe this scenario, or empty.
std::string CacheModelBlocker(const Scenario& s) {
  const WorldConfig& w = s.world;
  if (w.workload.trace) return "the workload is a trace, not Zipf/uniform IRM traffic";
  // Without a cache the popularity does not matter: every read is a DB query.
  if (w.workload.popularity == WorkloadConfig::Popularity::kLruStack && w.cache.enabled) {
    return "no analytic model for an LRU-stack (recency) workload; the check in `fit` compares it "
           "by replay";
  }
  // Each class has its own popularity, TTL and service times; the models take one of each.
  if (!w.workload.classes.empty()) return "key classes (the models take one popularity and TTL)";
  if (w.workload.rate.kind != RateProfileConfig::Kind::kConstant) {
    return "the arrival rate varies over time (the models need a stationary Poisson stream)";
  }
  if (!w.cache.enabled) return {};
  if (w.workload.missing_fraction > 0) return "reads of missing keys";
  if (s.stack.guard.name != "none") {
    return fmt::format("stampede guard {} changes when entries are refilled", s.stack.guard.name);
  }
  if (s.stack.l1.name != "none") return "an L1 near cache filters the requests the cache sees";
  if (!w.cache.faults.empty()) return "cache faults";
  if (s.stack.invalidation.name != "ttl") {
    return fmt::format("invalidation {} (only TTL invalidation is modelled)",
                       s.stack.invalidation.name);
  }
  if (s.stack.read.name != "cache-aside" && s.stack.read.name != "read-through") {
    return fmt::format("read policy {} (only cache-aside and read-through are modelled)",
                       s.stack.read.name);
  }
  if (s.stack.warming.name != "none") return fmt::format("warming {}", s.stack.warming.name);
  return {};
}

std::optional<ModelWrites> WritesOf(const std::string& name) {
  if (name == "write-around") return ModelWrites::kNone;
  if (name == "invalidate-on-write") return ModelWrites::kDelete;
  if (name == "write-through" || name == "write-behind") return ModelWrites::kUpdate;
  return std::nullopt;
}

std::optional<ModelEviction> EvictionOf(const std::string& name) {
  if (name == "lru" || name == "allkeys-lru") return ModelEviction::kLru;
  if (name == "fifo") return ModelEviction::kFifo;
  if (name == "random") return ModelEviction::kRandom;
  return std::nullopt;
}

const char* EvictionText(ModelEviction e) {
  switch (e) {
    case ModelEviction::kLru:
      return "LRU (Che)";
    case ModelEviction::kFifo:
      return "FIFO (TTL without reset)";
    case ModelEviction::kRandom:
      return "RANDOM (exponential timer)";
  }
  return "?";
}

struct Window {
  std::string name;
  double from_s = 0, to_s = 0;
};

Window WindowOf(const Scenario& s) {
  const double duration = s.world.duration.seconds();
  const double warmup = s.world.metrics.warmup.seconds();
  if (warmup > 0 && warmup < duration) return {"steady", warmup, duration};
  return {"whole run", 0, duration};
}

ModelRow Row(const char* quantity, const char* unit = "") {
  return ModelRow{quantity, unit, {}, {}, {}};
}

// The model's side of every row.
struct Prediction {
  std::vector<ModelRow> rows;
  ModelRow& operator[](const std::string& q) {
    for (ModelRow& r : rows) {
      if (r.quantity == q) return r;
    }
    rows.push_back(Row("?"));
    return rows.back();
  }
};

// The cache part: the window's hit ratio (empty with the reason when n/a).
struct CachePart {
  std::optional<double> hit_ratio;
  std::string note;
};

CachePart PredictCache(const Scenario& s, const Window& win, double fill_delay_s, Prediction& p) {
  const WorldConfig& w = s.world;
  const WorkloadConfig& wl = w.workload;
  CachePart part;
  auto na = [&](const std::string& why) {
    part.note = why;
    for (const char* q : {"hit ratio", "stale reads / reads", "stale reads / hits"}) {
      p[q].note = why;
    }
    return part;
  };
  if (const std::string why = CacheModelBlocker(s); !why.empty()) return na(why);
  if (!w.cache.enabled) {
    part.hit_ratio = 0;
    part.note = "the cache is disabled: every read goes to the DB";
    p["hit ratio"].model = 0;
    p["hit ratio"].note = part.note;
    p["stale reads / reads"].note = p["stale reads / hits"].note = part.note;
    return part;
  }
  const double rps = wl.rate.rps;
  const double read_rate = rps * (1 - wl.write_fraction);
  const double write_rate = rps * wl.write_fraction;
  if (!(read_rate > 0)) return na("no reads");
  const std::optional<ModelWrites> writes = WritesOf(s.stack.write.name);
  if (!writes && write_rate > 0) {
    return na(fmt::format("write path {} is not modelled", s.stack.write.name));
  }

  CacheModelInput in;
  in.keys = wl.keys;
  // Zipf or uniform: an LRU-stack workload never gets here (CacheModelBlocker).
  in.alpha = wl.popularity == WorkloadConfig::Popularity::kZipf ? wl.zipf_alpha : 0.0;
  in.read_rate = read_rate;
  in.write_rate = write_rate;
  const Duration ttl = s.stack.read.params.GetDuration("ttl");
  in.rule.ttl_s = ttl.nanos() > 0 ? ttl.seconds() : kInf;
  in.rule.writes = writes.value_or(ModelWrites::kNone);
  in.rule.fill_delay_s = fill_delay_s;
  const std::optional<ModelEviction> eviction = EvictionOf(s.stack.eviction.name);
  in.rule.eviction = eviction.value_or(ModelEviction::kLru);
  in.capacity_bytes = static_cast<double>(w.cache.capacity_bytes);
  in.capacity_items = w.cache.max_items > 0 ? static_cast<double>(w.cache.max_items) : kInf;
  {
    // The world's own per-key sizes, drawn from value_size or from its
    // empirical table (value_size then holds only the table's mean).
    const Workload workload(wl, w.duration, w.seed);
    in.charges.reserve(workload.sizes().size());
    const EntryCharge charge(w.cache.memory);
    for (uint32_t size : workload.sizes()) {
      in.charges.push_back(static_cast<double>(charge(size, ttl.nanos() > 0)));
    }
  }
  const CacheModel m = SolveCacheModel(in);
  if (m.capacity_binds && !eviction) {
    return na(fmt::format(
        "the capacity binds and eviction is {}: no published IRM approximation is used for it",
        s.stack.eviction.name));
  }
  const double h = CacheWindowHitRatio(in, m, win.from_s, win.to_s);
  part.hit_ratio = h;
  const std::string ttl_text =
      std::isinf(in.rule.ttl_s) ? "no TTL" : fmt::format("TTL {:g} s", in.rule.ttl_s);
  const char* writes_text = !(write_rate > 0)                        ? ""
                            : in.rule.writes == ModelWrites::kDelete ? ", writes delete entries"
                            : in.rule.writes == ModelWrites::kUpdate ? ", writes update entries"
                                                                     : "";
  p["hit ratio"].model = h;
  p["hit ratio"].note =
      m.capacity_binds
          ? fmt::format("{}, tau = {:.4g} s, {}{}, {:.0f} entries / {:.4g} MiB; stationary {:.4f}",
                        EvictionText(in.rule.eviction), m.tau_s, ttl_text, writes_text, m.items,
                        m.bytes / 1048576, m.hit_ratio)
          : fmt::format(
                "capacity does not bind ({:.0f} entries / {:.4g} MiB), {}{}; stationary {:.4f}",
                m.items, m.bytes / 1048576, ttl_text, writes_text, m.hit_ratio);
  p["hit ratio"].note += fmt::format(", fill delay {:.3g} ms", fill_delay_s * 1e3);
  if (s.stack.eviction.name == "allkeys-lru" && m.capacity_binds) {
    p["hit ratio"].note += "; Redis' sampled LRU taken as LRU";
  }

  // Staleness: TTL-only (write-around), capacity not binding (analytic.h).
  std::string stale_why;
  if (!(write_rate > 0)) {
    stale_why = "no writes";
  } else if (in.rule.writes != ModelWrites::kNone) {
    stale_why = fmt::format("{} keeps the cache current: stale reads then come only from races",
                            s.stack.write.name);
  } else if (std::isinf(in.rule.ttl_s)) {
    stale_why = "no TTL: every entry ends up stale";
  } else if (m.capacity_binds) {
    stale_why = "the capacity binds (the staleness model is for a TTL cache alone)";
  } else if (win.from_s < in.rule.ttl_s) {
    stale_why = "the window starts before one TTL has passed (the staleness model is stationary)";
  }
  if (!stale_why.empty()) {
    p["stale reads / reads"].note = p["stale reads / hits"].note = stale_why;
  } else {
    const TtlStaleness st =
        TtlStalenessZipf(in.keys, in.alpha, read_rate, write_rate, in.rule.ttl_s);
    p["stale reads / reads"].model = st.stale_fraction;
    p["stale reads / hits"].model = st.stale_given_hit;
    p["stale reads / reads"].note = p["stale reads / hits"].note = fmt::format(
        "writes {:.4g}/s, TTL {:g} s, instant refill assumed", write_rate, in.rule.ttl_s);
  }
  return part;
}

struct DbPart {
  std::optional<MgcWait> wait;
  std::string why;  // why the wait is n/a
};

DbPart PredictDb(const Scenario& s, const CachePart& cache, Prediction& p) {
  DbPart part;
  const WorldConfig& w = s.world;
  const DatabaseConfig& db = w.database;
  auto na_wait = [&](const std::string& why) {
    part.why = why;
    p["DB P(wait)"].note = p["DB mean wait (ms)"].note = why;
    return part;
  };
  if (!cache.hit_ratio) {
    for (const char* q : {"DB queries/s", "DB utilization"}) p[q].note = cache.note;
    return na_wait(cache.note);
  }
  const double rps = w.workload.rate.rps;
  const double reads = rps * (1 - w.workload.write_fraction) * (1 - *cache.hit_ratio);
  const double writes = rps * w.workload.write_fraction;
  const double rate = reads + writes;
  p["DB queries/s"].model = rate;
  p["DB queries/s"].note = fmt::format("read misses {:.4g}/s + writes {:.4g}/s", reads, writes);
  if (!(rate > 0)) {
    p["DB utilization"].model = 0;
    p["DB utilization"].note = "no DB queries";
    return na_wait("no DB queries");
  }
  const double sr = DistributionMean(db.read_service) * 1e-9,
               sw = DistributionMean(db.write_service) * 1e-9;
  const double mean = (reads * sr + writes * sw) / rate;
  const double second = (reads * sr * sr * (1 + Cv2Of(db.read_service)) +
                         writes * sw * sw * (1 + Cv2Of(db.write_service))) /
                        rate;
  const double cv2 = mean > 0 ? std::max(0.0, second / (mean * mean) - 1) : 0;
  // Per-instance pools: each instance's pool takes 1/pools of the queries
  // (requests are dealt round robin) and is an M/G/c queue of its own.
  const uint32_t pools = DatabasePools(w);
  const uint64_t connections = uint64_t{db.connections} * pools;
  const double load = rate * mean;
  if (db.cores > 0 && db.cores < connections) {
    p["DB utilization"].note = fmt::format(
        "{} cores for {} connections: processor sharing stretches service under load (no "
        "M/G/c formula)",
        db.cores, connections);
    return na_wait(p["DB utilization"].note);
  }
  p["DB utilization"].model = load / static_cast<double>(connections);
  p["DB utilization"].note =
      fmt::format("{:.4g} queries/s x {:.4g} ms / {} connections", rate, mean * 1e3, connections);
  if (load >= static_cast<double>(connections)) {
    return na_wait(
        fmt::format("overloaded: offered load {:.4g} >= {} connections", load, connections));
  }
  const double pool_rate = rate / pools;
  const MgcWait q = AllenCunneenWait(db.connections, pool_rate, mean, cv2);
  const double beyond_timeout =
      db.queue_timeout.nanos() > 0 && q.conditional_wait_s > 0
          ? q.prob_wait * std::exp(-db.queue_timeout.seconds() / q.conditional_wait_s)
          : 0;
  if (beyond_timeout > kNegligible) {
    return na_wait(fmt::format(
        "the queue timeout binds ({:.3g} of queries would wait longer): no abandonment in M/G/c",
        beyond_timeout));
  }
  const double rho = load / static_cast<double>(connections);
  const double at_limit =
      db.queue_limit > 0 ? q.prob_wait * std::pow(rho, static_cast<double>(db.queue_limit)) : 0;
  if (at_limit > kNegligible) {
    return na_wait(
        fmt::format("the queue limit binds ({:.3g} of queries would find it full)", at_limit));
  }
  part.wait = q;
  p["DB P(wait)"].model = q.prob_wait;
  p["DB P(wait)"].note = "Erlang C";
  p["DB mean wait (ms)"].model = q.mean_wait_s * 1e3;
  p["DB mean wait (ms)"].note =
      fmt::format("Allen-Cunneen M/G/{}: Erlang C x (1 + {:.3g}) / 2{}{}", db.connections, cv2,
                  pools > 1 ? fmt::format(" in each of {} per-instance pools at 1/{} of the "
                                          "queries (taken as Poisson)",
                                          pools, pools)
                            : "",
                  w.cache.enabled ? "; misses taken as Poisson" : "");
  return part;
}

void PredictLatency(const Scenario& s, const CachePart& cache, const DbPart& db, Prediction& p) {
  const char* rows[] = {"latency mean (ms)", "latency p50 (ms)", "latency p99 (ms)"};
  auto na = [&](const std::string& why) {
    for (const char* q : rows) p[q].note = why;
  };
  const WorldConfig& w = s.world;
  if (!cache.hit_ratio) return na(cache.note);
  if (!db.wait) return na("no DB wait model: " + db.why);
  if (w.instances.serialization.per_kib.nanos() > 0) {
    return na("(de)serialization time per KiB is not modelled");
  }
  const bool on = w.cache.enabled;
  const bool fill_rtt = s.stack.read.name == "cache-aside";
  // Cache round trips a write pays (write path, above).
  int write_rtts = 0;
  bool write_db = true;
  if (on) {
    if (s.stack.write.name == "invalidate-on-write" || s.stack.write.name == "write-through") {
      write_rtts = 1;
    } else if (s.stack.write.name == "write-behind") {
      write_rtts = 1;
      write_db = false;
    } else if (s.stack.write.name != "write-around") {
      return na(fmt::format("write path {} is not modelled", s.stack.write.name));
    }
  }
  const double wf = w.workload.write_fraction;
  const double h = *cache.hit_ratio;
  const double rtt = on ? DistributionMean(w.cache.rtt) * 1e-6 : 0;  // ms
  const double wq = db.wait->mean_wait_s * 1e3;
  const double sr = DistributionMean(w.database.read_service) * 1e-6;
  const double sw = DistributionMean(w.database.write_service) * 1e-6;
  const double hit = rtt, miss = rtt + wq + sr + (on && fill_rtt ? rtt : 0);
  const double write = (write_db ? wq + sw : 0) + write_rtts * rtt;
  p["latency mean (ms)"].model = (1 - wf) * (h * hit + (1 - h) * miss) + wf * write;

  // Quantiles of the mixture by Monte Carlo (header).
  RandomEngine rng = MakeStream(w.seed, "model-latency");
  std::optional<Sampler> rtt_draw;
  if (on) rtt_draw.emplace(w.cache.rtt);
  Sampler read_draw(w.database.read_service), write_draw(w.database.write_service);
  const double pw = db.wait->prob_wait, cond = db.wait->conditional_wait_s * 1e3;
  auto wait_draw = [&] { return Uniform01(rng) < pw ? -cond * std::log(1 - Uniform01(rng)) : 0.0; };
  auto rtt_ms = [&] { return rtt_draw ? (*rtt_draw)(rng)*1e-6 : 0.0; };
  std::vector<double> x(kLatencyDraws);
  for (double& v : x) {
    const double u = Uniform01(rng);
    if (u < wf) {
      v = write_db ? wait_draw() + write_draw(rng) * 1e-6 : 0.0;
      for (int i = 0; i < write_rtts; ++i) v += rtt_ms();
    } else if (Uniform01(rng) < h) {
      v = rtt_ms();
    } else {
      v = rtt_ms() + wait_draw() + read_draw(rng) * 1e-6 + (on && fill_rtt ? rtt_ms() : 0.0);
    }
  }
  auto quantile = [&](double q) {
    auto it = x.begin() + static_cast<std::ptrdiff_t>(q * (x.size() - 1));
    std::nth_element(x.begin(), it, x.end());
    return *it;
  };
  p["latency p50 (ms)"].model = quantile(0.5);
  p["latency p99 (ms)"].model = quantile(0.99);
  const std::string note =
      fmt::format("hit {:.3g} ms, miss {:.3g} ms, write {:.3g} ms (means); independent components",
                  hit, miss, write);
  p["latency mean (ms)"].note = note;
  p["latency p50 (ms)"].note = p["latency p99 (ms)"].note =
      "mixture quantile, Monte Carlo over the model's distributions";
}

std::optional<double> Ratio(uint64_t a, uint64_t b) {
  if (b == 0) return std::nullopt;
  return static_cast<double>(a) / static_cast<double>(b);
}

std::string Cell(const std::optional<double>& x, const std::string& unit) {
  if (!x) return "-";
  if (unit == "ms") return fmt::format("{:.3f}", *x);
  if (unit == "1/s") return fmt::format("{:.2f}", *x);
  return fmt::format("{:.4f}", *x);
}

}  // namespace

Scenario WithModelWindow(Scenario s) {
  if (s.world.metrics.warmup.nanos() > 0) return s;
  const int64_t interval = s.world.metrics.interval.nanos();
  if (interval <= 0) return s;
  const int64_t half = s.world.duration.nanos() / 2 / interval * interval;
  if (half > 0 && half < s.world.duration.nanos()) s.world.metrics.warmup = Duration::Nanos(half);
  return s;
}

ModelReport PredictScenario(const Scenario& scenario) {
  const Window win = WindowOf(scenario);
  Prediction p;
  for (const char* q : kModelRowNames) {
    const std::string name = q;
    p.rows.push_back(Row(q, name.find("(ms)") != std::string::npos ? "ms"
                            : name == "DB queries/s"               ? "1/s"
                                                                   : ""));
  }
  // The fill delay (a miss's load: get round trip + DB wait + read service)
  // depends on the DB wait, which depends on the misses: a few rounds of
  // fixed-point iteration, starting from an idle DB.
  const WorldConfig& w = scenario.world;
  const double base_delay_s =
      (scenario.world.cache.enabled ? DistributionMean(w.cache.rtt) * 1e-9 : 0) +
      DistributionMean(w.database.read_service) * 1e-9;
  double delay_s = base_delay_s;
  const std::vector<ModelRow> blank = p.rows;
  CachePart cache;
  DbPart db;
  for (int round = 0; round < 3; ++round) {
    p.rows = blank;
    cache = PredictCache(scenario, win, delay_s, p);
    db = PredictDb(scenario, cache, p);
    const double next = base_delay_s + (db.wait ? db.wait->mean_wait_s : 0);
    if (std::abs(next - delay_s) <= 1e-6 * delay_s) break;
    delay_s = next;
  }
  PredictLatency(scenario, cache, db, p);
  ModelReport r;
  r.scenario = scenario.name;
  r.seed = scenario.world.seed;
  r.window = win.name;
  r.window_from_s = win.from_s;
  r.window_to_s = win.to_s;
  r.rows = std::move(p.rows);
  return r;
}

ModelReport CompareWithModels(const Scenario& scenario, const RunResult& result) {
  ModelReport r = PredictScenario(scenario);
  const Summary& sum = result.summary;
  const Summary::Window* win = nullptr;
  for (const Summary::Window& w : sum.windows) {
    if (w.name == "steady") win = &w;
  }
  auto set = [&](const char* q, std::optional<double> v) {
    for (ModelRow& row : r.rows) {
      if (row.quantity == q) row.simulated = v;
    }
  };
  if (win) {
    const double len = win->to_s - win->from_s;
    set("hit ratio", Ratio(win->hits, win->hits + win->misses));
    set("stale reads / reads", Ratio(win->stale_reads, win->hits + win->misses));
    set("stale reads / hits", Ratio(win->stale_reads, win->hits));
    if (len > 0) set("DB queries/s", static_cast<double>(win->db_queries) / len);
    set("DB utilization", win->db_utilization);
    set("DB P(wait)", win->db_wait_probability);
    set("DB mean wait (ms)", win->db_mean_wait_ms);
    set("latency mean (ms)", win->latency_ms.mean);
    set("latency p50 (ms)", win->latency_ms.p50);
    set("latency p99 (ms)", win->latency_ms.p99);
  } else if (r.window == "whole run" && sum.requests.total > 0) {
    const double len = sum.simulated_seconds;
    set("hit ratio", Ratio(sum.cache.hits, sum.cache.hits + sum.cache.misses));
    set("stale reads / reads", Ratio(sum.staleness.stale_reads, sum.cache.hits + sum.cache.misses));
    set("stale reads / hits", Ratio(sum.staleness.stale_reads, sum.cache.hits));
    if (len > 0) set("DB queries/s", static_cast<double>(sum.db.queries) / len);
    set("DB utilization", sum.db.utilization);
    set("DB P(wait)", sum.db.wait_probability);
    set("DB mean wait (ms)", sum.db.mean_wait_ms);
    set("latency mean (ms)", sum.latency_ms.mean);
    set("latency p50 (ms)", sum.latency_ms.p50);
    set("latency p99 (ms)", sum.latency_ms.p99);
  }
  return r;
}

ModelReport RunModelReport(const Scenario& scenario, const RunOptions& options) {
  const Scenario s = WithModelWindow(scenario);
  return CompareWithModels(s, RunScenario(s, options));
}

std::string FormatModelReport(const ModelReport& r) {
  std::string out = fmt::format(
      "{} (seed {}): analytical models vs the simulation\n"
      "model and simulation over the {} window [{:g} s, {:g} s) of a run from an empty cache\n\n",
      r.scenario, r.seed, r.window, r.window_from_s, r.window_to_s);
  std::vector<std::vector<std::string>> table{
      {"quantity", "model", "simulated", "difference", "note"}};
  for (const ModelRow& row : r.rows) {
    std::string diff = "-";
    if (row.model && row.simulated) {
      const double d = *row.simulated - *row.model;
      diff = row.unit == "ms"    ? fmt::format("{:+.3f}", d)
             : row.unit == "1/s" ? fmt::format("{:+.2f}", d)
                                 : fmt::format("{:+.4f}", d);
    }
    table.push_back({row.quantity, row.model ? Cell(row.model, row.unit) : "n/a",
                     Cell(row.simulated, row.unit), diff, row.note});
  }
  std::vector<size_t> width(4, 0);
  for (const auto& line : table) {
    for (size_t i = 0; i < width.size(); ++i) width[i] = std::max(width[i], line[i].size());
  }
  for (const auto& line : table) {
    fmt::format_to(std::back_inserter(out), "{:<{}}  {:>{}}  {:>{}}  {:>{}}  {}\n", line[0],
                   width[0], line[1], width[1], line[2], width[2], line[3], width[3], line[4]);
  }
  return out;
}

nlohmann::json ModelReportToJson(const ModelReport& r) {
  using nlohmann::json;
  auto opt = [](const std::optional<double>& x) { return x ? json(*x) : json(nullptr); };
  json rows = json::array();
  for (const ModelRow& row : r.rows) {
    std::optional<double> diff, rel;
    if (row.model && row.simulated) {
      diff = *row.simulated - *row.model;
      if (*row.model != 0) rel = *diff / *row.model;
    }
    rows.push_back({{"quantity", row.quantity},
                    {"unit", row.unit},
                    {"model", opt(row.model)},
                    {"simulated", opt(row.simulated)},
                    {"difference", opt(diff)},
                    {"relative_difference", opt(rel)},
                    {"note", row.note}});
  }
  return {{"scenario", r.scenario},
          {"seed", r.seed},
          {"window", r.window},
          {"window_s", {r.window_from_s, r.window_to_s}},
          {"rows", std::move(rows)}};
}

}  // namespace cachelab
