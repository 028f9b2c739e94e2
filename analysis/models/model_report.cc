#include "analysis/models/model_report.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <iterator>
#include <limits>

#include "analysis/models/analytic.h"
#include "analysis/scenario/run.h"
#include "sim/core/zipf.h"
#include "sim/model/workload.h"

namespace cachelab {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
// Largest hit-ratio loss a TTL may cause for Che to ignore it (header).
constexpr double kNegligibleTtlLoss = 0.01;

const char* KindName(DistributionConfig::Kind k) {
  switch (k) {
    case DistributionConfig::Kind::kConstant:
      return "constant";
    case DistributionConfig::Kind::kExponential:
      return "exponential";
    case DistributionConfig::Kind::kLognormal:
      return "lognormal";
    case DistributionConfig::Kind::kUniform:
      return "uniform";
  }
  return "?";
}

double MeanOf(const DistributionConfig& d) {
  return d.kind == DistributionConfig::Kind::kUniform ? (d.min + d.max) / 2 : d.mean;
}

std::string Count(double x) {
  return std::isinf(x) ? "unlimited" : fmt::format("{:.0f}", x);
}

// Why the IRM cache models do not describe this scenario, or empty.
std::string CacheModelBlocker(const Scenario& s) {
  const WorldConfig& w = s.world;
  if (w.workload.trace) return "the workload is a trace, not Zipf/uniform IRM traffic";
  if (!w.cache.enabled) return "the cache is disabled";
  if (w.workload.rate.kind != RateProfileConfig::Kind::kConstant) {
    return "the arrival rate varies over time (the models need a stationary Poisson stream)";
  }
  if (w.workload.missing_fraction > 0) return "reads of missing keys";
  if (s.stack.guard.name != "none") {
    return fmt::format("stampede guard {} changes when entries are refilled", s.stack.guard.name);
  }
  if (s.stack.l1.name != "none") return "an L1 near cache filters the requests the cache sees";
  if (!w.cache.faults.empty()) return "cache faults";
  return {};
}

// Why writes break the hit-ratio models (they update or delete entries), or empty.
std::string WriteBlocker(const Scenario& s) {
  if (s.world.workload.write_fraction <= 0) return {};
  if (s.stack.write.name != "write-around") {
    return fmt::format("writes go through {}, which updates or deletes cached entries",
                       s.stack.write.name);
  }
  if (s.stack.invalidation.name != "ttl") {
    return fmt::format("invalidation {} removes entries on writes", s.stack.invalidation.name);
  }
  return {};
}

struct Window {
  double from_s = 0, to_s = 0;
  uint64_t hits = 0, misses = 0, stale = 0;
};

// The second half of the workload's duration (header), or the whole run.
Window SteadyWindow(const Scenario& s, const RunResult& r) {
  const double end = s.world.duration.seconds();
  Window w{end / 2, end, 0, 0, 0};
  bool any = false;
  for (const IntervalRow& row : r.timeseries) {
    if (row.time_s < w.from_s || row.time_s >= end) continue;
    any = true;
    w.hits += row.hits;
    w.misses += row.misses;
    w.stale += row.stale_reads;
  }
  if (!any) {
    w = {0, r.summary.simulated_seconds, r.summary.cache.hits, r.summary.cache.misses,
         r.summary.staleness.stale_reads};
  }
  return w;
}

std::optional<double> Ratio(uint64_t a, uint64_t b) {
  if (b == 0) return std::nullopt;
  return static_cast<double>(a) / static_cast<double>(b);
}

void AddCacheRows(const Scenario& s, const Window& win, std::vector<ModelRow>* rows) {
  ModelRow che{"hit ratio (LRU, Che)", "", {}, Ratio(win.hits, win.hits + win.misses), {}};
  ModelRow ttl{"hit ratio (TTL, no reset)", "", {}, che.simulated, {}};
  ModelRow stale{"stale reads / reads", "", {}, Ratio(win.stale, win.hits + win.misses), {}};
  ModelRow stale_hit{"stale reads / hits", "", {}, Ratio(win.stale, win.hits), {}};
  auto finish = [&] {
    for (ModelRow* row : {&che, &ttl, &stale, &stale_hit}) rows->push_back(std::move(*row));
  };
  auto all_na = [&](const std::string& why) {
    for (ModelRow* row : {&che, &ttl, &stale, &stale_hit}) row->note = why;
    finish();
  };

  if (const std::string why = CacheModelBlocker(s); !why.empty()) return all_na(why);

  const WorldConfig& w = s.world;
  const WorkloadConfig& wl = w.workload;
  const uint64_t n = wl.keys;
  const double alpha = wl.popularity == WorkloadConfig::Popularity::kZipf ? wl.zipf_alpha : 0.0;
  const double rps = wl.rate.rps;
  const double read_rate = rps * (1 - wl.write_fraction);
  const double write_rate = rps * wl.write_fraction;
  const double ttl_s = s.stack.read.params.GetDuration("ttl").seconds();
  const std::string write_blocker = WriteBlocker(s);
  if (!(read_rate > 0)) return all_na("no reads");

  // Capacity in objects, when it can be stated in objects (header).
  const double item_limit = w.cache.max_items > 0 ? static_cast<double>(w.cache.max_items) : kInf;
  std::optional<double> objects;
  const Workload workload(wl, w.duration, w.seed);  // only for its per-key sizes
  const std::vector<uint32_t>& sizes = workload.sizes();
  if (wl.value_size.kind == DistributionConfig::Kind::kConstant) {
    const double charge = static_cast<double>(sizes.front() + w.cache.entry_overhead);
    objects =
        std::min(item_limit, std::floor(static_cast<double>(w.cache.capacity_bytes) / charge));
  } else {
    double all = 0;
    for (uint32_t size : sizes) all += static_cast<double>(size + w.cache.entry_overhead);
    if (all <= static_cast<double>(w.cache.capacity_bytes)) objects = item_limit;
  }

  // Expected live entries (and bytes) under the TTL alone.
  double live = static_cast<double>(n), live_bytes = 0;
  if (ttl_s > 0) live = TtlCacheZipf(n, alpha, read_rate, ttl_s, false).occupancy;
  if (!objects) {
    const ZipfSampler zipf(n, alpha);
    for (uint64_t k = 0; k < n; ++k) {
      const double h = ttl_s > 0 ? TtlHitRatioNoReset(read_rate * zipf.Probability(k), ttl_s) : 1;
      live_bytes += h * static_cast<double>(sizes[k] + w.cache.entry_overhead);
    }
  }
  const bool capacity_binds =
      objects ? live > *objects
              : live > item_limit || live_bytes > static_cast<double>(w.cache.capacity_bytes);
  const std::string capacity_text = objects ? fmt::format("{} objects", Count(*objects))
                                            : fmt::format("{} bytes", w.cache.capacity_bytes);
  const std::string live_text =
      objects ? fmt::format("{:.0f} expected live entries under the TTL alone", live)
              : fmt::format("{:.0f} expected live bytes under the TTL alone", live_bytes);

  // Che.
  const double cached = objects ? std::min(*objects, static_cast<double>(n)) : item_limit;
  const double ttl_loss = ttl_s > 0 ? std::min(cached, live) / ttl_s / read_rate : 0;
  if (!write_blocker.empty()) {
    che.note = write_blocker;
  } else if (ttl_s > 0 && ttl_loss > kNegligibleTtlLoss) {
    che.note =
        capacity_binds
            ? fmt::format("both the capacity ({}) and the TTL bind; no model", capacity_text)
            : fmt::format("the TTL binds, not the capacity ({} <= {})", live_text, capacity_text);
  } else if (!objects) {
    che.note =
        fmt::format("value sizes vary ({}) and the bytes bind: Che needs the capacity in objects",
                    KindName(wl.value_size.kind));
  } else if (*objects < n && s.stack.eviction.name != "lru") {
    che.note = fmt::format("eviction is {}; Che's approximation is for LRU", s.stack.eviction.name);
  } else {
    const CheResult r = CheLruZipf(n, alpha, *objects);
    che.model = r.hit_ratio;
    che.note = *objects >= n
                   ? fmt::format("all {} keys fit", n)
                   : fmt::format("C = {}, T = {:.4g} s{}", capacity_text,
                                 r.characteristic_time / read_rate,
                                 ttl_s > 0 ? fmt::format(", TTL loss <= {:.4f}", ttl_loss) : "");
  }

  // TTL, no reset.
  if (!write_blocker.empty()) {
    ttl.note = write_blocker;
  } else if (!(ttl_s > 0)) {
    ttl.note = "no TTL (entries never expire)";
  } else if (capacity_binds) {
    ttl.note = fmt::format("the capacity binds ({} > {})", live_text, capacity_text);
  } else {
    ttl.model = TtlCacheZipf(n, alpha, read_rate, ttl_s, false).hit_ratio;
    ttl.note = fmt::format("TTL {} s, {}", ttl_s, live_text);
  }

  // Staleness under the TTL alone.
  std::string stale_why;
  if (wl.write_fraction <= 0) {
    stale_why = "no writes";
  } else if (!write_blocker.empty()) {
    stale_why = write_blocker + ": stale reads then come only from races";
  } else if (!(ttl_s > 0)) {
    stale_why = "no TTL: every entry ends up stale";
  } else if (capacity_binds) {
    stale_why = fmt::format("the capacity binds ({} > {})", live_text, capacity_text);
  }
  if (!stale_why.empty()) {
    stale.note = stale_hit.note = stale_why;
  } else {
    const TtlStaleness m = TtlStalenessZipf(n, alpha, read_rate, write_rate, ttl_s);
    stale.model = m.stale_fraction;
    stale_hit.model = m.stale_given_hit;
    stale.note = stale_hit.note =
        fmt::format("writes {:.4g}/s, TTL {} s, instant refill assumed", write_rate, ttl_s);
  }
  finish();
}

void AddDbRows(const Scenario& s, const Summary& sum, std::vector<ModelRow>* rows) {
  ModelRow util{"DB utilization", "", {}, sum.db.utilization, {}};
  ModelRow pwait{"DB P(wait)", "", {}, sum.db.wait_probability, {}};
  ModelRow wait{"DB mean wait (ms)", "ms", {}, sum.db.mean_wait_ms, {}};
  const DatabaseConfig& db = s.world.database;
  const double duration_s = s.world.duration.seconds();
  const double queries = static_cast<double>(sum.db.queries);
  std::string why;
  double rate = 0, service_s = 0;
  if (sum.db.queries == 0) {
    why = "no DB queries";
  } else {
    rate = queries / duration_s;
    service_s = (static_cast<double>(sum.db.reads) * MeanOf(db.read_service) +
                 static_cast<double>(sum.db.writes) * MeanOf(db.write_service)) /
                queries * 1e-9;
    util.model = rate * service_s / db.connections;
    util.note = fmt::format("{:.4g} queries/s x {:.4g} ms / {} connections", rate, service_s * 1e3,
                            db.connections);
    if (db.queue_timeout.nanos() > 0) {
      why = "a queue timeout (Erlang C has no abandonment)";
    } else if (sum.db.reads > 0 && db.read_service.kind != DistributionConfig::Kind::kExponential) {
      why = fmt::format("DB read service is {}; Erlang C assumes exponential service",
                        KindName(db.read_service.kind));
    } else if (sum.db.writes > 0 &&
               db.write_service.kind != DistributionConfig::Kind::kExponential) {
      why = fmt::format("DB write service is {}; Erlang C assumes exponential service",
                        KindName(db.write_service.kind));
    } else if (rate * service_s >= db.connections) {
      why = fmt::format("overloaded: offered load {:.4g} >= {} connections", rate * service_s,
                        db.connections);
    }
  }
  if (!why.empty()) {
    pwait.note = wait.note = why;
    if (!util.model) util.note = why;
  } else {
    const ErlangC q = DbConnectionWait(db.connections, rate, service_s);
    pwait.model = q.prob_wait;
    wait.model = q.mean_wait_s * 1e3;
    wait.note = s.world.cache.enabled ? "M/M/c; DB arrivals are cache misses, only roughly Poisson"
                                      : "M/M/c (every read goes to the DB: Poisson arrivals)";
    pwait.note = wait.note;
  }
  for (ModelRow* row : {&util, &pwait, &wait}) rows->push_back(std::move(*row));
}

std::string Cell(const std::optional<double>& x, const std::string& unit) {
  if (!x) return "-";
  return unit == "ms" ? fmt::format("{:.3f}", *x) : fmt::format("{:.4f}", *x);
}

}  // namespace

ModelReport CompareWithModels(const Scenario& scenario, const RunResult& result) {
  ModelReport r;
  r.scenario = scenario.name;
  r.seed = scenario.world.seed;
  const Window win = SteadyWindow(scenario, result);
  r.window_from_s = win.from_s;
  r.window_to_s = win.to_s;
  AddCacheRows(scenario, win, &r.rows);
  AddDbRows(scenario, result.summary, &r.rows);
  return r;
}

ModelReport RunModelReport(const Scenario& scenario, const RunOptions& options) {
  return CompareWithModels(scenario, RunScenario(scenario, options));
}

std::string FormatModelReport(const ModelReport& r) {
  std::string out = fmt::format(
      "{} (seed {}): analytical models vs the simulation\n"
      "simulated cache ratios over [{:g} s, {:g} s), DB figures over the whole run\n\n",
      r.scenario, r.seed, r.window_from_s, r.window_to_s);
  std::vector<std::vector<std::string>> table{
      {"quantity", "model", "simulated", "difference", "note"}};
  for (const ModelRow& row : r.rows) {
    const std::string diff =
        row.model && row.simulated
            ? (row.unit == "ms" ? fmt::format("{:+.3f}", *row.simulated - *row.model)
                                : fmt::format("{:+.4f}", *row.simulated - *row.model))
            : "-";
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
          {"window_s", {r.window_from_s, r.window_to_s}},
          {"rows", std::move(rows)}};
}

}  // namespace cachelab
