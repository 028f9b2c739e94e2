// The output contract of a run (results/README.md): summary.json,
// timeseries.csv, scenario.resolved.json, events.json, and the terminal table.
#include "analysis/outputs/run_outputs.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <optional>
#include <stdexcept>
#include <type_traits>
#include <utility>

#include "analysis/common/atomic_files.h"
#include "analysis/common/errors.h"
#include "analysis/common/from_chars.h"
#include "analysis/common/json_reader.h"
#include "analysis/outputs/metrics.h"
#include "analysis/scenario/keys.h"

namespace cachelab {
namespace {

// Doubles in the outputs carry this many significant digits: enough for any
// analysis, few enough that a file is readable and does not show the last-bit
// noise of a floating-point sum.
constexpr int kSignificantDigits = 6;
// Times in events.json: 10 ns resolution up to 1000 s.
constexpr int kTimeDigits = 12;
// Deploys listed in events.json at most (a bump every second of a long run).
constexpr size_t kMaxDeploys = 10'000;

}  // namespace

// Goes through the decimal text (fmt and from_chars are locale-independent and
// exact), so the result is the double nearest to the printed value and prints
// back as that short text.
double RoundSignificant(double x, int digits) {
  if (!std::isfinite(x)) return x;  // nlohmann writes these as null
  if (x == 0) return 0;             // also turns -0.0 into 0
  std::string text = fmt::format("{:.{}g}", x, digits);
  double out = 0;
  FromChars(text.data(), text.data() + text.size(), out);
  return out;
}

namespace {

// For CSV cells: the shortest text that reads back as the rounded value.
std::string FormatDouble(double x, int digits = kSignificantDigits) {
  if (!std::isfinite(x)) return "";
  return fmt::format("{}", RoundSignificant(x, digits));
}

// ---- summary.json --------------------------------------------------------

nlohmann::json RoundedJson(double x) {
  return nlohmann::json(RoundSignificant(x));
}

// ---- terminal table ------------------------------------------------------

// 1234567 -> "1,234,567".
std::string Grouped(uint64_t v) {
  std::string digits = std::to_string(v);
  std::string out;
  out.reserve(digits.size() + digits.size() / 3);
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string HumanBytes(uint64_t bytes) {
  static constexpr const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(bytes);
  size_t unit = 0;
  while (v >= 1024 && unit + 1 < std::size(kUnits)) {
    v /= 1024;
    ++unit;
  }
  return unit == 0 ? fmt::format("{} B", bytes) : fmt::format("{:.1f} {}", v, kUnits[unit]);
}

std::string Percent(double ratio) {
  return fmt::format("{:.2f} %", ratio * 100);
}
}  // namespace

std::string Significant(double x) {
  if (!std::isfinite(x)) return "-";
  if (std::fabs(x) >= 9999.5) return Grouped(static_cast<uint64_t>(std::llround(std::fabs(x))));
  return fmt::format("{:.4g}", x);
}

std::string Millis(double ms) {
  if (!std::isfinite(ms)) return "-";
  if (ms == 0) return "0 ms";
  // The unit keeps 1-4 digits before the point, so a projector shows "21.83 min",
  // not "1,309,965.025".
  struct Unit {
    double ms;
    const char* name;
  };
  static constexpr Unit kUnits[] = {
      {1e-3, "us"}, {1, "ms"}, {1e3, "s"}, {60e3, "min"}, {3600e3, "h"}};
  const Unit* unit = &kUnits[0];
  for (const Unit& u : kUnits) {
    if (std::fabs(ms) >= u.ms) unit = &u;
  }
  std::string text = Significant(ms / unit->ms);
  return text + " " + unit->name;
}

namespace {

// size_counts as "peak:episodes" pairs for the non-empty sizes, the largest last.
std::string SizeCounts(const std::vector<uint64_t>& counts) {
  constexpr int kMaxShown = 5;  // keeps the table's column width bounded
  std::vector<std::string> parts;
  for (size_t k = 0; k < counts.size(); ++k) {
    if (counts[k] != 0) parts.push_back(fmt::format("{}:{}", k, counts[k]));
  }
  if (parts.empty()) return "-";
  std::string out;
  size_t first = 0;
  if (parts.size() > kMaxShown) {
    // The tail (largest stampedes) is the interesting part.
    first = parts.size() - kMaxShown;
    out = "... ";
  }
  for (size_t i = first; i < parts.size(); ++i) {
    if (i > first) out += ' ';
    out += parts[i];
  }
  return out;
}

struct Section {
  std::string title;
  std::vector<std::pair<std::string, std::string>> rows;
};

std::string FormatConsoleValue(ConsoleFormat format, const MetricValue& v) {
  auto count = [&] { return std::get<uint64_t>(v); };
  auto real = [&] { return std::get<double>(v); };
  switch (format) {
    case ConsoleFormat::kGrouped:
      return Grouped(count());
    case ConsoleFormat::kMillis:
      return Millis(real());
    case ConsoleFormat::kPercent:
      return Percent(real());
    case ConsoleFormat::kBytes:
      return HumanBytes(count());
    case ConsoleFormat::kPeakCounts:
      return SizeCounts(std::get<std::vector<uint64_t>>(v));
    case ConsoleFormat::kNone:
      break;
  }
  throw std::logic_error("FormatConsoleValue: a console row without a format");
}

constexpr size_t kLabelWidth = 20;
constexpr size_t kValueWidth = 14;
constexpr size_t kColumnWidth = 2 + kLabelWidth + kValueWidth;
constexpr size_t kGutter = 4;

std::vector<std::string> RenderSection(const Section& s) {
  std::vector<std::string> lines;
  if (s.title.empty() && s.rows.empty()) return lines;
  lines.push_back(s.title);
  for (const auto& [label, value] : s.rows) {
    lines.push_back(fmt::format("  {:<{}}{:>{}}", label, kLabelWidth, value, kValueWidth));
  }
  return lines;
}

// Two sections side by side.
void AppendPair(std::string& out, const Section& left, const Section& right) {
  std::vector<std::string> l = RenderSection(left);
  std::vector<std::string> r = RenderSection(right);
  for (size_t i = 0; i < std::max(l.size(), r.size()); ++i) {
    std::string line = i < l.size() ? l[i] : std::string();
    if (i < r.size()) {
      // A long value may overflow its column; keep at least one space between columns.
      size_t pad = line.size() < kColumnWidth + kGutter ? kColumnWidth + kGutter - line.size() : 1;
      line.append(pad, ' ');
      line += r[i];
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line;
    out += '\n';
  }
}

}  // namespace

namespace {

void PutMetric(nlohmann::json& slot, const MetricValue& value) {
  std::visit(
      [&](const auto& v) {
        if constexpr (std::is_same_v<std::decay_t<decltype(v)>, double>) {
          slot = RoundedJson(v);
        } else {
          slot = v;
        }
      },
      value);
}

}  // namespace

nlohmann::json SummaryToJson(const Summary& s) {
  nlohmann::json j = nlohmann::json::object();
  for (const SummaryMetric& m : SummaryMetrics()) {
    PutMetric(j[nlohmann::json::json_pointer(MetricPointer(m.name))], m.get(s));
  }
  for (const Summary::Window& w : s.windows) {
    nlohmann::json& o = j[w.name] = nlohmann::json::object();
    for (const WindowMetric& m : WindowMetrics()) {
      PutMetric(o[nlohmann::json::json_pointer(MetricPointer(m.name))], m.get(w));
    }
  }
  nlohmann::json alerts = nlohmann::json::array();
  for (const Summary::Alert& a : s.alerts) {
    nlohmann::json fired = nlohmann::json::array(), resolved = nlohmann::json::array();
    for (double t : a.fired_at_s) fired.push_back(RoundedJson(t));
    for (double t : a.resolved_at_s) resolved.push_back(RoundedJson(t));
    alerts.push_back({{"name", a.name},
                      {"rule", a.rule},
                      {"intervals_firing", a.intervals_firing},
                      {"fired_at_s", std::move(fired)},
                      {"resolved_at_s", std::move(resolved)}});
  }
  j["alerts"] = std::move(alerts);
  // Key classes by name, so a reader writes classes.config.hit_ratio.
  nlohmann::json classes = nlohmann::json::object();
  for (const Summary::KeyClass& c : s.classes) {
    classes[c.name] = {
        {"reads", c.reads},
        {"writes", c.writes},
        {"hits", c.hits},
        {"misses", c.misses},
        {"errors", c.errors},
        {"stale_reads", c.stale_reads},
        {"wrong_reads", c.wrong_reads},
        {"hit_ratio", RoundedJson(c.hit_ratio)},
        {"read_latency_ms",
         {{"mean", RoundedJson(c.read_mean_ms)}, {"p99", RoundedJson(c.read_p99_ms)}}}};
  }
  j["classes"] = std::move(classes);
  // Only with a limited database link: an unlimited database's summary is unchanged.
  if (s.db.link) {
    j["db"]["link_in_utilization"] = RoundedJson(s.db.link->in_utilization);
    j["db"]["link_out_utilization"] = RoundedJson(s.db.link->out_utilization);
    j["db"]["link_wait_ms"] = RoundedJson(s.db.link->wait_ms);
  }
  // Only with several nodes or a CPU limit: a single server's summary is unchanged.
  if (s.cluster) {
    const Summary::Cluster& c = *s.cluster;
    nlohmann::json nodes = nlohmann::json::array();
    for (const Summary::CacheNode& n : c.per_node) {
      nodes.push_back({{"node", n.node},
                       {"key_share", RoundedJson(n.key_share)},
                       {"ops", n.ops},
                       {"gets", n.gets},
                       {"hits", n.hits},
                       {"errors", n.errors},
                       {"hit_ratio", RoundedJson(n.hit_ratio)},
                       {"ops_per_s", RoundedJson(n.ops_per_s)},
                       {"cpu_utilization", RoundedJson(n.cpu_utilization)},
                       {"cpu_wait_ms", RoundedJson(n.cpu_wait_ms)},
                       {"net_in_utilization", RoundedJson(n.net_in_utilization)},
                       {"net_out_utilization", RoundedJson(n.net_out_utilization)},
                       {"bytes", n.bytes},
                       {"items", n.items},
                       {"peak_bytes", n.peak_bytes},
                       {"evictions", n.evictions},
                       {"flushes", n.flushes}});
      if (c.replication) {
        nodes.back()["shard"] = n.shard;
        nodes.back()["role"] = n.role;
      }
    }
    j["cluster"] = {{"nodes", c.nodes},
                    {"sharding", c.sharding},
                    {"busiest_node", c.busiest_node},
                    {"ops_imbalance", RoundedJson(c.ops_imbalance)},
                    {"max_cpu_utilization", RoundedJson(c.max_cpu_utilization)},
                    {"max_net_utilization", RoundedJson(c.max_net_utilization)},
                    {"per_node", std::move(nodes)}};
    if (c.replication) {
      const Summary::CacheReplication& r = *c.replication;
      nlohmann::json promotions = nlohmann::json::array();
      for (const auto& p : r.promotions) {
        promotions.push_back({{"shard", p.shard},
                              {"from", p.from},
                              {"to", p.to},
                              {"crash_s", RoundedJson(p.crash_s)},
                              {"at_s", RoundedJson(p.at_s)}});
      }
      j["cluster"]["replication"] = {{"replicas_per_shard", r.replicas_per_shard},
                                     {"read_from", r.read_from},
                                     {"replica_reads", r.replica_reads},
                                     {"behind_reads", r.behind_reads},
                                     {"behind_ratio", RoundedJson(r.behind_ratio)},
                                     {"applied", r.applied},
                                     {"peak_backlog", r.peak_backlog},
                                     {"failovers", r.failovers},
                                     {"failed_failovers", r.failed_failovers},
                                     {"lost_changes", r.lost_changes},
                                     {"resyncs", r.resyncs},
                                     {"promotions", std::move(promotions)}};
    }
  }
  if (s.memory) {
    const Summary::Memory& m = *s.memory;
    j["memory"] = {{"model", m.model},
                   {"fullest_node", m.fullest_node},
                   {"maxmemory_bytes", m.maxmemory_bytes},
                   {"peak_used_bytes", m.peak_used_bytes},
                   {"fragmentation", RoundedJson(m.fragmentation)},
                   {"peak_rss_bytes", m.peak_rss_bytes},
                   {"ram_bytes", m.ram_bytes},
                   {"ram_utilization", RoundedJson(m.ram_utilization)},
                   {"verdict", m.verdict}};
  }
  if (s.cost) {
    const Summary::Cost& c = *s.cost;
    j["cost"] = {{"currency", c.currency},
                 {"cache_node_type", c.cache_node_type},
                 {"cache_nodes", c.cache_nodes},
                 {"cache_per_month", RoundedJson(c.cache_per_month)},
                 {"database_per_month", RoundedJson(c.database_per_month)},
                 {"replicas_per_month", RoundedJson(c.replicas_per_month)},
                 {"network_gib_per_month", RoundedJson(c.network_gib_per_month)},
                 {"network_per_month", RoundedJson(c.network_per_month)},
                 {"per_month", RoundedJson(c.per_month)}};
  }
  if (s.replicas) {
    const Summary::Replicas& r = *s.replicas;
    j["replicas"] = {{"count", r.count},
                     {"reads", r.reads},
                     {"pinned_reads", r.pinned_reads},
                     {"timeouts", r.timeouts},
                     {"rejected", r.rejected},
                     {"peak_queue_depth", r.peak_queue_depth},
                     {"max_utilization", RoundedJson(r.max_utilization)}};
    if (r.max_link_utilization) {
      j["replicas"]["max_link_utilization"] = RoundedJson(*r.max_link_utilization);
    }
  }
  // Only with a pool per application instance: a global pool's summary is unchanged.
  if (s.pools) {
    const Summary::Pools& p = *s.pools;
    nlohmann::json per = nlohmann::json::array();
    for (const Summary::Pool& o : p.per_instance) {
      per.push_back({{"instance", o.instance},
                     {"queries", o.queries},
                     {"timeouts", o.timeouts},
                     {"rejected", o.rejected},
                     {"peak_queue_depth", o.peak_queue_depth},
                     {"wait_probability", RoundedJson(o.wait_probability)},
                     {"mean_wait_ms", RoundedJson(o.mean_wait_ms)},
                     {"utilization", RoundedJson(o.utilization)}});
    }
    j["pools"] = {{"count", p.count},
                  {"connections", p.connections},
                  {"busiest_pool", p.busiest_pool},
                  {"queries_imbalance", RoundedJson(p.queries_imbalance)},
                  {"max_utilization", RoundedJson(p.max_utilization)},
                  {"max_wait_probability", RoundedJson(p.max_wait_probability)},
                  {"max_mean_wait_ms", RoundedJson(p.max_mean_wait_ms)},
                  {"max_peak_queue_depth", p.max_peak_queue_depth},
                  {"per_instance", std::move(per)}};
  }
  if (s.live) {
    const Summary::Live& l = *s.live;
    j["live"] = {{"redis_version", l.redis_version},
                 {"postgres_version", l.postgres_version},
                 {"private_servers", l.private_servers},
                 {"wall_seconds", RoundedJson(l.wall_seconds)},
                 {"target_rate", RoundedJson(l.target_rate)},
                 {"achieved_rate", RoundedJson(l.achieved_rate)},
                 {"lag_p99_ms", RoundedJson(l.lag_p99_ms)},
                 {"lag_max_ms", RoundedJson(l.lag_max_ms)},
                 {"late_requests", l.late_requests},
                 {"dropped_requests", l.dropped_requests},
                 {"db_service_emulated", l.db_service_emulated}};
  }
  return j;
}

std::string TimeSeriesToCsv(const std::vector<IntervalRow>& rows) {
  const std::vector<IntervalColumn>& columns = IntervalColumns();
  std::string out;
  for (size_t i = 0; i < columns.size(); ++i) {
    if (i > 0) out += ',';
    out += columns[i].name;
  }
  out += '\n';
  for (const IntervalRow& r : rows) {
    for (size_t i = 0; i < columns.size(); ++i) {
      if (i > 0) out += ',';
      std::visit(
          [&](auto v) {
            if constexpr (std::is_same_v<decltype(v), double>) {
              out += FormatDouble(v, columns[i].digits);
            } else {
              fmt::format_to(std::back_inserter(out), "{}", v);
            }
          },
          columns[i].get(r));
    }
    out += '\n';
  }
  return out;
}

std::string NodeTimeSeriesToCsv(const std::vector<NodeIntervalRow>& rows) {
  std::string out = "time_s,node,ops,gets,hits,errors,hit_ratio,cpu_utilization,bytes,items\n";
  for (const NodeIntervalRow& r : rows) {
    const double hit_ratio = GetHitRatio(r.gets, r.hits, r.errors);
    fmt::format_to(std::back_inserter(out), "{},{},{},{},{},{},{},{},{},{}\n",
                   FormatDouble(r.time_s, kTimeDigits), r.node, r.ops, r.gets, r.hits, r.errors,
                   FormatDouble(hit_ratio, 6), FormatDouble(r.cpu_utilization, 6), r.bytes,
                   r.items);
  }
  return out;
}

std::string PoolTimeSeriesToCsv(const std::vector<PoolIntervalRow>& rows) {
  std::string out =
      "time_s,instance,queries,timeouts,wait_probability,mean_wait_ms,utilization,"
      "peak_queue_depth\n";
  for (const PoolIntervalRow& r : rows) {
    const double wait_probability =
        r.queries > 0 ? static_cast<double>(r.queued) / static_cast<double>(r.queries) : 0;
    const double mean_wait_ms =
        r.started > 0 ? static_cast<double>(r.wait_ns) * 1e-6 / static_cast<double>(r.started) : 0;
    fmt::format_to(std::back_inserter(out), "{},{},{},{},{},{},{},{}\n",
                   FormatDouble(r.time_s, kTimeDigits), r.instance, r.queries, r.timeouts,
                   FormatDouble(wait_probability, 6), FormatDouble(mean_wait_ms, 6),
                   FormatDouble(r.utilization, 6), r.peak_queue_depth);
  }
  return out;
}

nlohmann::json EventsToJson(const Scenario& scenario, const RunResult& result) {
  using nlohmann::json;
  // Times keep more digits than summary.json: an expiry at 3599.98 s must not
  // round onto the hour.
  auto seconds = [](double s) { return json(RoundSignificant(s, kTimeDigits)); };
  json j = json::object();

  std::vector<FaultWindowConfig> faults = scenario.world.cache.faults;
  std::stable_sort(faults.begin(), faults.end(),
                   [](const auto& a, const auto& b) { return a.start < b.start; });
  json fault_list = json::array();
  for (const FaultWindowConfig& f : faults) {
    static const char* const kKinds[] = {"down", "slow", "flush", "restart"};
    json item = {{"kind", kKinds[static_cast<int>(f.kind)]},
                 {"start_s", seconds(f.start.seconds())},
                 {"end_s", f.kind == FaultWindowConfig::Kind::kFlush
                               ? json(nullptr)
                               : seconds((f.start + f.duration).seconds())}};
    if (f.kind == FaultWindowConfig::Kind::kSlow) item["factor"] = RoundedJson(f.factor);
    fault_list.push_back(std::move(item));
  }
  j["faults"] = std::move(fault_list);

  // Deploys: only the versioned invalidation models one (a flush fault is a
  // deploy too, but it is listed with the faults).
  json deploys = json::array();
  bool deploys_truncated = false;
  const PolicyChoice& invalidation = scenario.stack.invalidation;
  if (invalidation.name == "versioned") {
    const Duration bump_at = invalidation.params.GetDuration("bump_at");
    const Duration every = invalidation.params.GetDuration("bump_every");
    const Duration end = scenario.world.duration;
    uint64_t generation = 1;
    for (Duration t = bump_at; bump_at > Duration() && t < end; t = t + every, ++generation) {
      if (deploys.size() == kMaxDeploys) {
        deploys_truncated = true;
        break;
      }
      deploys.push_back({{"at_s", seconds(t.seconds())},
                         {"what", "key generation bump (versioned invalidation)"},
                         {"generation", generation}});
      if (every <= Duration()) break;
    }
  }
  j["deploys"] = std::move(deploys);
  j["deploys_truncated"] = deploys_truncated;

  const WorkloadConfig& w = scenario.world.workload;
  // An LRU-stack workload has no hot key by id: its hot_keys are keys 0..4
  // by convention (Workload::HottestKeys), as for uniform.
  j["popularity"] = w.trace                                                 ? "trace"
                    : w.popularity == WorkloadConfig::Popularity::kLruStack ? "lru-stack"
                    : w.popularity == WorkloadConfig::Popularity::kUniform || w.zipf_alpha == 0
                        ? "uniform"
                        : "zipf";
  json hot = json::array();
  for (size_t i = 0; i < result.hot_keys.size(); ++i) {
    const HotKeyExpiries& h = result.hot_keys[i];
    json expiries = json::array();
    for (double t : h.expiries_s) expiries.push_back(seconds(t));
    hot.push_back({{"key", h.key},
                   {"name", KeyName(scenario.world.workload, h.key)},
                   {"rank", i + 1},
                   {"expiries_s", std::move(expiries)},
                   {"truncated", h.truncated}});
  }
  j["hot_keys"] = std::move(hot);
  return j;
}

std::string FormatSummaryTable(const Summary& s) {
  // The metric rows of each section, in SummaryMetrics() order.
  auto section = [&](ConsoleSection which, std::string title) {
    Section out{std::move(title), {}};
    for (const SummaryMetric& m : SummaryMetrics()) {
      if (m.section != which) continue;
      MetricValue v = m.get(s);
      // Policy rows only when the stack used them, so a plain run stays short.
      if (which == ConsoleSection::kPolicyStack && std::holds_alternative<uint64_t>(v) &&
          std::get<uint64_t>(v) == 0) {
        continue;
      }
      out.rows.push_back({std::string(m.label), FormatConsoleValue(m.format, v)});
    }
    return out;
  };
  const Section requests = section(ConsoleSection::kRequests, "requests");
  const Section db = section(ConsoleSection::kDatabase, "database");
  const Section cache = section(ConsoleSection::kCache, "cache");
  const Section latency = section(ConsoleSection::kLatency, "latency");
  const Section staleness = section(ConsoleSection::kStaleness, "staleness");
  const Section stampede = section(ConsoleSection::kStampede, "stampede");

  std::string out =
      fmt::format("{}  seed {}  simulated {:.1f} s\n\n", s.scenario, s.seed, s.simulated_seconds);
  AppendPair(out, requests, db);
  out += '\n';
  AppendPair(out, cache, latency);
  out += '\n';
  AppendPair(out, staleness, stampede);
  const Section policy = section(ConsoleSection::kPolicyStack, "policy stack");
  if (!policy.rows.empty()) {
    out += '\n';
    AppendPair(out, policy, Section{});
  }
  if (!s.classes.empty()) {
    out += "\nkey classes\n";
    for (const Summary::KeyClass& c : s.classes) {
      out += fmt::format(
          "  {:<12} {:>12} reads  hit ratio {:>8}  read p99 {:>10}  {:>10} stale  {:>10} writes\n",
          c.name, Grouped(c.reads), Percent(c.hit_ratio), Millis(c.read_p99_ms),
          Grouped(c.stale_reads), Grouped(c.writes));
    }
  }
  if (s.cluster) {
    const Summary::Cluster& c = *s.cluster;
    out += fmt::format("\ncache nodes ({}, busiest node {} with {:.2f}x the mean operations)\n",
                       c.sharding, c.busiest_node, c.ops_imbalance);
    for (const Summary::CacheNode& n : c.per_node) {
      out += fmt::format(
          "  node {:<4} {:>7} keys {:>12} ops  hit ratio {:>8}  cpu {:>7}  wait {:>10}  {:>10}  "
          "{:>8} evictions\n",
          n.node, Percent(n.key_share), Grouped(n.ops), Percent(n.hit_ratio),
          Percent(n.cpu_utilization), Millis(n.cpu_wait_ms), HumanBytes(n.bytes),
          Grouped(n.evictions));
    }
    if (c.replication) {
      const Summary::CacheReplication& r = *c.replication;
      out += fmt::format(
          "  replication: {} replica(s) per node, reads from {}; {} replica reads, {} behind the "
          "primary ({}); {} failover(s), {} change(s) lost, {} resync(s)\n",
          r.replicas_per_shard, r.read_from, Grouped(r.replica_reads), Grouped(r.behind_reads),
          Percent(r.behind_ratio), r.failovers, Grouped(r.lost_changes), r.resyncs);
    }
  }
  if (s.memory) {
    const Summary::Memory& m = *s.memory;
    out += fmt::format("\ncache memory ({} model): fullest node {} peaked at {} of {} maxmemory",
                       m.model, m.fullest_node, HumanBytes(m.peak_used_bytes),
                       HumanBytes(m.maxmemory_bytes));
    if (m.ram_bytes > 0) {
      out += fmt::format(", RSS {} (x{}) of {} RAM: {}", HumanBytes(m.peak_rss_bytes),
                         Significant(m.fragmentation), HumanBytes(m.ram_bytes), m.verdict);
    }
    out += '\n';
  }
  if (s.cost) {
    const Summary::Cost& c = *s.cost;
    out += fmt::format(
        "\ncost per month: {:.2f} {} = cache {:.2f} ({} nodes{}) + database {:.2f} + replicas "
        "{:.2f} + network {:.2f} ({} GiB)\n",
        c.per_month, c.currency, c.cache_per_month, c.cache_nodes,
        c.cache_node_type.empty() ? "" : " of " + c.cache_node_type, c.database_per_month,
        c.replicas_per_month, c.network_per_month, Significant(c.network_gib_per_month));
  }
  if (s.db.link) {
    const Summary::Db::Link& l = *s.db.link;
    out += fmt::format(
        "\ndatabase link: answers out at {}, values in at {}; mean wait for the link {}\n",
        Percent(l.out_utilization), Percent(l.in_utilization), Millis(l.wait_ms));
  }
  if (s.replicas) {
    const Summary::Replicas& r = *s.replicas;
    out += fmt::format(
        "\ndatabase replicas: {} reads on {} replicas (busiest at {}), {} pinned to the "
        "primary by read_your_writes\n",
        Grouped(r.reads), r.count, Percent(r.max_utilization), Grouped(r.pinned_reads));
  }
  if (s.pools) {
    const Summary::Pools& p = *s.pools;
    const Summary::Pool& b = p.per_instance[p.busiest_pool];
    out += fmt::format(
        "\ndatabase pools: {} per instance of {} connections; busiest pool (instance {}) at {}, "
        "P(wait) {}, mean wait {}, peak queue {}; the worst pool waits with P {} for {} on "
        "average\n",
        p.count, p.connections, p.busiest_pool, Percent(b.utilization), Percent(b.wait_probability),
        Millis(b.mean_wait_ms), Grouped(b.peak_queue_depth), Percent(p.max_wait_probability),
        Millis(p.max_mean_wait_ms));
  }
  // Full width: an alert's name and every firing do not fit a column.
  if (!s.alerts.empty()) {
    out += "\nalerts\n";
    for (const std::string& line : AlertLines(s)) out += "  " + line + "\n";
  }
  // The one verdict a planner must not miss, on a line of its own.
  if (s.db.verdict != "stable" && s.db.verdict != "not judged") {
    out += fmt::format("\ndatabase {} (offered load {:.2f} of {:.0f} queries/s)\n", s.db.verdict,
                       s.db.offered_load, s.db.capacity_qps);
  }
  if (const std::string growth = QueueGrowthNote(s); !growth.empty()) out += growth + '\n';
  return out;
}

std::vector<std::string> AlertLines(const Summary& s) {
  constexpr size_t kShown = 6;  // firings listed per alert; the rest are counted
  std::vector<std::string> lines;
  for (const Summary::Alert& a : s.alerts) {
    std::string line = a.name + ": ";
    if (a.fired_at_s.empty()) {
      lines.push_back(line + "never fired");
      continue;
    }
    std::vector<std::string> spans;
    for (size_t i = 0; i < a.fired_at_s.size() && i < kShown; ++i) {
      // A firing resolves at the first resolution after it, if any.
      auto end = std::upper_bound(a.resolved_at_s.begin(), a.resolved_at_s.end(), a.fired_at_s[i]);
      spans.push_back(end == a.resolved_at_s.end()
                          ? fmt::format("{:g} s to the end", a.fired_at_s[i])
                          : fmt::format("{:g}-{:g} s", a.fired_at_s[i], *end));
    }
    line += fmt::format("fired {} time{} ({} interval{}): {}", a.fired_at_s.size(),
                        a.fired_at_s.size() == 1 ? "" : "s", a.intervals_firing,
                        a.intervals_firing == 1 ? "" : "s", fmt::join(spans, ", "));
    if (a.fired_at_s.size() > kShown)
      line += fmt::format(", ... ({} more)", a.fired_at_s.size() - kShown);
    lines.push_back(std::move(line));
  }
  return lines;
}

namespace {

const SummaryMetric* FindMetric(std::string_view name) {
  for (const SummaryMetric& m : SummaryMetrics()) {
    if (m.name == name) return &m;
  }
  return nullptr;
}

std::string_view SectionTitle(ConsoleSection section) {
  switch (section) {
    case ConsoleSection::kRequests:
      return "requests";
    case ConsoleSection::kDatabase:
      return "database";
    case ConsoleSection::kCache:
      return "cache";
    case ConsoleSection::kLatency:
      return "latency";
    case ConsoleSection::kStaleness:
      return "staleness";
    case ConsoleSection::kStampede:
      return "stampede";
    case ConsoleSection::kPolicyStack:
    case ConsoleSection::kNone:
      break;
  }
  return {};
}

}  // namespace

// A key class's metric: classes.<name>.<field> (summary.json's classes object).
struct ClassMetric {
  std::string name, field;
};
std::optional<ClassMetric> AsClassMetric(std::string_view metric) {
  static const std::vector<std::string_view> kFields = {"reads",
                                                        "writes",
                                                        "hits",
                                                        "misses",
                                                        "errors",
                                                        "stale_reads",
                                                        "wrong_reads",
                                                        "hit_ratio",
                                                        "read_latency_ms.mean",
                                                        "read_latency_ms.p99"};
  if (metric.rfind("classes.", 0) != 0) return std::nullopt;
  const std::string_view rest = metric.substr(8);
  const size_t dot = rest.find('.');
  if (dot == std::string_view::npos || dot == 0) return std::nullopt;
  const std::string_view field = rest.substr(dot + 1);
  if (std::find(kFields.begin(), kFields.end(), field) == kFields.end()) return std::nullopt;
  return ClassMetric{std::string(rest.substr(0, dot)), std::string(field)};
}

// A cache cluster's metric (summary.json's cluster object): cluster.<field>
// or cluster.per_node.<i>.<field>.
struct ClusterMetric {
  std::optional<size_t> node;
  std::string field;
};
std::optional<ClusterMetric> AsClusterMetric(std::string_view metric) {
  static const std::vector<std::string_view> kTop = {"nodes", "busiest_node", "ops_imbalance",
                                                     "max_cpu_utilization", "max_net_utilization"};
  static const std::vector<std::string_view> kNode = {"key_share",
                                                      "ops",
                                                      "gets",
                                                      "hits",
                                                      "errors",
                                                      "hit_ratio",
                                                      "ops_per_s",
                                                      "cpu_utilization",
                                                      "cpu_wait_ms",
                                                      "bytes",
                                                      "items",
                                                      "peak_bytes",
                                                      "evictions",
                                                      "flushes",
                                                      "net_in_utilization",
                                                      "net_out_utilization"};
  static const std::vector<std::string_view> kReplication = {
      "replica_reads", "behind_reads", "behind_ratio", "applied",
      "peak_backlog",  "failovers",    "lost_changes", "resyncs"};
  if (metric.rfind("cluster.", 0) != 0) return std::nullopt;
  std::string_view rest = metric.substr(8);
  if (std::find(kTop.begin(), kTop.end(), rest) != kTop.end()) {
    return ClusterMetric{std::nullopt, std::string(rest)};
  }
  if (rest.rfind("replication.", 0) == 0 &&
      std::find(kReplication.begin(), kReplication.end(), rest.substr(12)) != kReplication.end()) {
    return ClusterMetric{std::nullopt, std::string(rest)};
  }
  if (rest.rfind("per_node.", 0) != 0) return std::nullopt;
  rest = rest.substr(9);
  const size_t dot = rest.find('.');
  if (dot == std::string_view::npos || dot == 0) return std::nullopt;
  size_t node = 0;
  const auto [end, ec] = std::from_chars(rest.data(), rest.data() + dot, node);
  if (ec != std::errc() || end != rest.data() + dot) return std::nullopt;
  const std::string_view field = rest.substr(dot + 1);
  if (std::find(kNode.begin(), kNode.end(), field) == kNode.end()) return std::nullopt;
  return ClusterMetric{node, std::string(field)};
}

std::string FormatClusterMetric(const ClusterMetric& c, const Summary& s) {
  if (!s.cluster) return "-";  // one node without a CPU limit
  const Summary::Cluster& k = *s.cluster;
  const std::string& f = c.field;
  if (!c.node && f.rfind("replication.", 0) == 0) {
    if (!k.replication) return "-";  // no replicas
    const Summary::CacheReplication& r = *k.replication;
    const std::string_view g = std::string_view(f).substr(12);
    if (g == "behind_ratio") return Percent(r.behind_ratio);
    return Grouped(g == "replica_reads"  ? r.replica_reads
                   : g == "behind_reads" ? r.behind_reads
                   : g == "applied"      ? r.applied
                   : g == "peak_backlog" ? r.peak_backlog
                   : g == "failovers"    ? r.failovers
                   : g == "lost_changes" ? r.lost_changes
                                         : r.resyncs);
  }
  if (!c.node) {
    if (f == "nodes") return Grouped(k.nodes);
    if (f == "busiest_node") return Grouped(k.busiest_node);
    if (f == "ops_imbalance") return Significant(k.ops_imbalance) + "x";
    if (f == "max_net_utilization") return Percent(k.max_net_utilization);
    return Percent(k.max_cpu_utilization);
  }
  if (*c.node >= k.per_node.size()) return "-";
  const Summary::CacheNode& n = k.per_node[*c.node];
  if (f == "key_share" || f == "hit_ratio" || f == "cpu_utilization") {
    return Percent(f == "key_share"   ? n.key_share
                   : f == "hit_ratio" ? n.hit_ratio
                                      : n.cpu_utilization);
  }
  if (f == "net_in_utilization") return Percent(n.net_in_utilization);
  if (f == "net_out_utilization") return Percent(n.net_out_utilization);
  if (f == "cpu_wait_ms") return Millis(n.cpu_wait_ms);
  if (f == "ops_per_s") return Significant(n.ops_per_s) + " /s";
  if (f == "bytes" || f == "peak_bytes") return HumanBytes(f == "bytes" ? n.bytes : n.peak_bytes);
  return Grouped(f == "ops"         ? n.ops
                 : f == "gets"      ? n.gets
                 : f == "hits"      ? n.hits
                 : f == "errors"    ? n.errors
                 : f == "items"     ? n.items
                 : f == "evictions" ? n.evictions
                                    : n.flushes);
}

// A figure of summary.json's cost or memory object (present only when the
// scenario prices something, or has a memory model or RAM): cost.<field>,
// memory.<field>.
std::optional<std::string_view> AsCostOrMemoryMetric(std::string_view metric) {
  static const std::vector<std::string_view> kNames = {
      "cost.per_month",          "cost.cache_per_month",   "cost.database_per_month",
      "cost.replicas_per_month", "cost.network_per_month", "cost.network_gib_per_month",
      "cost.cache_nodes",        "memory.peak_used_bytes", "memory.peak_rss_bytes",
      "memory.maxmemory_bytes",  "memory.ram_bytes",       "memory.ram_utilization",
      "memory.fragmentation",    "memory.fullest_node"};
  for (std::string_view n : kNames) {
    if (n == metric) return n;
  }
  return std::nullopt;
}

std::string FormatCostOrMemoryMetric(std::string_view name, const Summary& s) {
  if (name.rfind("cost.", 0) == 0) {
    if (!s.cost) return "-";
    const Summary::Cost& c = *s.cost;
    if (name == "cost.cache_nodes") return Grouped(c.cache_nodes);
    if (name == "cost.network_gib_per_month") return Significant(c.network_gib_per_month) + " GiB";
    const double v = name == "cost.per_month"            ? c.per_month
                     : name == "cost.cache_per_month"    ? c.cache_per_month
                     : name == "cost.database_per_month" ? c.database_per_month
                     : name == "cost.replicas_per_month" ? c.replicas_per_month
                                                         : c.network_per_month;
    return fmt::format("{:.2f} {}", v, c.currency);
  }
  if (!s.memory) return "-";
  const Summary::Memory& m = *s.memory;
  if (name == "memory.ram_utilization") return Percent(m.ram_utilization);
  if (name == "memory.fragmentation") return Significant(m.fragmentation);
  if (name == "memory.fullest_node") return Grouped(m.fullest_node);
  return HumanBytes(name == "memory.peak_used_bytes"   ? m.peak_used_bytes
                    : name == "memory.peak_rss_bytes"  ? m.peak_rss_bytes
                    : name == "memory.maxmemory_bytes" ? m.maxmemory_bytes
                                                       : m.ram_bytes);
}

// A named window's metric (metrics.windows, or "steady" with a warmup):
// <window>.<field>, the field one of WindowMetrics(). Which windows a run has
// is the scenario's business: a name no window has formats as "-".
struct WindowMetricRef {
  std::string window;
  const WindowMetric* metric;
};
std::optional<WindowMetricRef> AsWindowMetric(std::string_view name) {
  const size_t dot = name.find('.');
  if (dot == std::string_view::npos || dot == 0) return std::nullopt;
  const std::string_view window = name.substr(0, dot), field = name.substr(dot + 1);
  for (const SummaryGroup& g : SummaryGroups()) {
    if (g.name == window) return std::nullopt;  // a summary section, not a window
  }
  for (const WindowMetric& m : WindowMetrics()) {
    if (m.name == field) return WindowMetricRef{std::string(window), &m};
  }
  return std::nullopt;
}

// A count, or a real number as its unit reads best (summary and window metrics alike).
std::string FormatByUnit(const MetricValue& v, std::string_view unit) {
  if (const auto* count = std::get_if<uint64_t>(&v)) return Grouped(*count);
  const double x = std::get<double>(v);
  if (unit == "ms") return Millis(x);
  if (unit == "s") return Millis(x * 1e3);
  if (unit == "fraction") return Percent(x);
  return Significant(x) + (unit == "1/s" ? " /s" : "");
}

std::string FormatWindowMetric(const WindowMetricRef& w, const Summary& s) {
  for (const Summary::Window& win : s.windows) {
    if (win.name == w.window) return FormatByUnit(w.metric->get(win), w.metric->unit);
  }
  return "-";  // no such window in this run
}

std::vector<std::string> ParseMetricList(const std::string& text) {
  std::vector<std::string> names;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    std::string name = text.substr(start, comma - start);
    const SummaryMetric* m = FindMetric(name);
    if (name != "alerts" && !AsClassMetric(name) && !AsClusterMetric(name) &&
        !AsCostOrMemoryMetric(name) && !AsWindowMetric(name) &&
        (m == nullptr || m->kind == MetricKind::kString)) {
      throw InputError(fmt::format(
          "--metrics {}: {} is not a metric of summary.json; expected dotted names such as "
          "cache.hit_ratio,latency_ms.p99 (results/README.md lists them), "
          "classes.<class>.hit_ratio, cluster.max_cpu_utilization, "
          "cluster.per_node.<i>.cpu_utilization, cluster.replication.behind_ratio, cost.per_month, "
          "memory.peak_rss_bytes, "
          "<window>.latency_ms.p99, or alerts",
          jsonread::QuoteClipped(text), jsonread::QuoteClipped(name)));
    }
    names.push_back(std::move(name));
    start = comma + 1;
  }
  return names;
}

std::string MetricRowLabel(std::string_view name) {
  if (const std::optional<ClassMetric> c = AsClassMetric(name)) {
    std::string field = c->field;
    std::replace(field.begin(), field.end(), '_', ' ');
    if (field.rfind("read latency ms.", 0) == 0) field = "read " + field.substr(16);
    return c->name + " " + field;
  }
  if (const std::optional<WindowMetricRef> w = AsWindowMetric(name)) {
    std::string field(w->metric->name);
    std::replace(field.begin(), field.end(), '_', ' ');
    std::replace(field.begin(), field.end(), '.', ' ');
    return w->window + ": " + field;
  }
  if (AsCostOrMemoryMetric(name)) {
    std::string label(name);
    std::replace(label.begin(), label.end(), '_', ' ');
    std::replace(label.begin(), label.end(), '.', ' ');
    return label;
  }
  if (const std::optional<ClusterMetric> c = AsClusterMetric(name)) {
    std::string field = c->field;
    std::replace(field.begin(), field.end(), '_', ' ');
    return c->node ? fmt::format("cache node {} {}", *c->node, field) : "cache nodes " + field;
  }
  const SummaryMetric* m = FindMetric(name);
  if (m == nullptr || m->label.empty()) return std::string(name);
  const std::string_view title = SectionTitle(m->section);
  return title.empty() ? std::string(m->label) : fmt::format("{} {}", title, m->label);
}

std::string FormatMetric(std::string_view name, const Summary& s) {
  if (const std::optional<ClassMetric> c = AsClassMetric(name)) {
    for (const Summary::KeyClass& k : s.classes) {
      if (k.name != c->name) continue;
      const std::string& f = c->field;
      if (f == "hit_ratio") return Percent(k.hit_ratio);
      if (f == "read_latency_ms.mean") return Millis(k.read_mean_ms);
      if (f == "read_latency_ms.p99") return Millis(k.read_p99_ms);
      return Grouped(f == "reads"         ? k.reads
                     : f == "writes"      ? k.writes
                     : f == "hits"        ? k.hits
                     : f == "misses"      ? k.misses
                     : f == "errors"      ? k.errors
                     : f == "wrong_reads" ? k.wrong_reads
                                          : k.stale_reads);
    }
    return "-";  // no such class in this run
  }
  if (const std::optional<ClusterMetric> c = AsClusterMetric(name)) {
    return FormatClusterMetric(*c, s);
  }
  if (AsCostOrMemoryMetric(name)) return FormatCostOrMemoryMetric(name, s);
  if (const std::optional<WindowMetricRef> w = AsWindowMetric(name)) {
    return FormatWindowMetric(*w, s);
  }
  const SummaryMetric* m = FindMetric(name);
  if (m == nullptr) throw std::logic_error("FormatMetric: unknown metric " + std::string(name));
  const MetricValue v = m->get(s);
  if (m->format != ConsoleFormat::kNone) return FormatConsoleValue(m->format, v);
  if (const auto* counts = std::get_if<std::vector<uint64_t>>(&v)) return SizeCounts(*counts);
  if (const auto* text = std::get_if<std::string>(&v)) return *text;
  return FormatByUnit(v, m->unit);
}

std::string FormatSelectedMetrics(const Summary& s, const std::vector<std::string>& names) {
  std::string out =
      fmt::format("{}  seed {}  simulated {:.1f} s\n\n", s.scenario, s.seed, s.simulated_seconds);
  size_t width = 0;
  for (const std::string& n : names) width = std::max(width, MetricRowLabel(n).size());
  for (const std::string& n : names) {
    if (n == "alerts") {
      out += "alerts\n";
      for (const std::string& line : AlertLines(s)) out += "  " + line + "\n";
      if (s.alerts.empty()) out += "  (the scenario has no alert rules)\n";
      continue;
    }
    out += fmt::format("{:<{}}  {:>14}\n", MetricRowLabel(n), width, FormatMetric(n, s));
  }
  return out;
}

std::string QueueGrowthNote(const Summary& s) {
  if (!(s.db.offered_load > 1) || !(s.db.capacity_qps > 0)) return {};
  // Measured: the queries the run issued per second, less what the
  // database can serve; the queue grows by the difference until its limit.
  const double growth = (s.db.offered_load - 1) * s.db.capacity_qps;
  std::string note = fmt::format(
      "the system is unstable: arrivals exceed service capacity, so the database queue grows by "
      "about {:.0f} queries/s without bound",
      growth);
  if (s.db.rejected > 0) {
    note += fmt::format(" (held at database.queue_limit: {} queries rejected)", s.db.rejected);
  } else {
    note += " (unbounded: every waiting request holds memory; see database.queue_limit)";
  }
  return note;
}

void WriteRunOutputs(const std::string& dir, const Scenario& scenario, const RunResult& result) {
  // Serialise before touching the file system: a failure here leaves nothing.
  std::vector<std::pair<std::string, std::string>> files = {
      {"summary.json", SummaryToJson(result.summary).dump(2) + "\n"},
      {"timeseries.csv", TimeSeriesToCsv(result.timeseries)},
      {"scenario.resolved.json", scenario.resolved.dump(2) + "\n"},
      {"events.json", EventsToJson(scenario, result).dump(2) + "\n"}};
  if (result.summary.cluster) {
    files.emplace_back("nodes.csv", NodeTimeSeriesToCsv(result.node_timeseries));
  }
  if (result.summary.pools) {
    files.emplace_back("pools.csv", PoolTimeSeriesToCsv(result.pool_timeseries));
  }
  WriteFolderAtomically(dir, files);
}

std::string DefaultRunDir(const Scenario& scenario) {
  // The name becomes one path component: anything but [A-Za-z0-9._-] (a '/',
  // a space) is replaced so the folder stays where the contract says.
  std::string name = scenario.name.empty() ? "scenario" : scenario.name;
  for (char& c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.';
    if (!ok) c = '_';
  }
  if (name.front() == '.') name.front() = '_';  // no hidden folders, no ".."
  return fmt::format("results/runs/{}-{}", name, scenario.world.seed);
}

}  // namespace cachelab
