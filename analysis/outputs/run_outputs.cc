// The output contract of a run (results/README.md): summary.json,
// timeseries.csv, scenario.resolved.json, events.json, and the terminal table.
#include "analysis/outputs/run_outputs.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <utility>

#include "analysis/common/atomic_files.h"

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
  std::from_chars(text.data(), text.data() + text.size(), out);
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
std::string Millis(double ms) {
  return fmt::format("{:.3f}", ms);
}

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

constexpr size_t kLabelWidth = 20;
constexpr size_t kValueWidth = 14;
constexpr size_t kColumnWidth = 2 + kLabelWidth + kValueWidth;
constexpr size_t kGutter = 4;

std::vector<std::string> RenderSection(const Section& s) {
  std::vector<std::string> lines;
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

nlohmann::json SummaryToJson(const Summary& s) {
  nlohmann::json j;
  j["scenario"] = s.scenario;
  j["seed"] = s.seed;
  j["simulated_seconds"] = RoundedJson(s.simulated_seconds);
  j["requests"] = {
      {"total", s.requests.total},
      {"reads", s.requests.reads},
      {"writes", s.requests.writes},
      {"failed", s.requests.failed},
  };
  j["cache"] = {
      {"hits", s.cache.hits},
      {"misses", s.cache.misses},
      {"errors", s.cache.errors},
      {"hit_ratio", RoundedJson(s.cache.hit_ratio)},
      {"evictions", s.cache.evictions},
      {"expirations", s.cache.expirations},
      {"peak_bytes", s.cache.peak_bytes},
      {"peak_items", s.cache.peak_items},
      {"gets", s.cache.gets},
      {"sets", s.cache.sets},
      {"deletes", s.cache.deletes},
  };
  j["db"] = {
      {"queries", s.db.queries},
      {"reads", s.db.reads},
      {"writes", s.db.writes},
      {"timeouts", s.db.timeouts},
      {"peak_concurrency", s.db.peak_concurrency},
      {"peak_queue_depth", s.db.peak_queue_depth},
      {"mean_wait_ms", RoundedJson(s.db.mean_wait_ms)},
      {"wait_probability", RoundedJson(s.db.wait_probability)},
      {"utilization", RoundedJson(s.db.utilization)},
  };
  j["latency_ms"] = {
      {"mean", RoundedJson(s.latency_ms.mean)}, {"p50", RoundedJson(s.latency_ms.p50)},
      {"p90", RoundedJson(s.latency_ms.p90)},   {"p99", RoundedJson(s.latency_ms.p99)},
      {"p999", RoundedJson(s.latency_ms.p999)}, {"max", RoundedJson(s.latency_ms.max)},
  };
  j["staleness"] = {
      {"stale_reads", s.staleness.stale_reads},
      {"stale_read_ratio", RoundedJson(s.staleness.stale_read_ratio)},
      {"max_age_ms", RoundedJson(s.staleness.max_age_ms)},
      {"mean_age_ms", RoundedJson(s.staleness.mean_age_ms)},
  };
  j["stampede"] = {
      {"episodes", s.stampede.episodes},
      {"max_concurrent_loads", s.stampede.max_concurrent_loads},
      {"duplicate_loads", s.stampede.duplicate_loads},
      // Built explicitly: a brace list of integers would be taken for an array of arrays.
      {"size_counts", nlohmann::json(s.stampede.size_counts)},
  };
  j["writes"] = {{"lost", s.writes.lost}, {"pending_at_end", s.writes.pending_at_end}};
  j["l1"] = {
      {"hits", s.l1.hits}, {"misses", s.l1.misses}, {"hit_ratio", RoundedJson(s.l1.hit_ratio)}};
  j["guard"] = {
      {"early_refreshes", s.guard.early_refreshes},
      {"background_refreshes", s.guard.background_refreshes},
      {"coalesced_reads", s.guard.coalesced_reads},
      {"waits", s.guard.waits},
      {"gave_up", s.guard.gave_up},
      {"stale_served", s.guard.stale_served},
      {"leases_issued", s.guard.leases_issued},
      {"lease_sets_rejected", s.guard.lease_sets_rejected},
  };
  j["invalidation"] = {{"published", s.invalidation.published},
                       {"delivered", s.invalidation.delivered},
                       {"lost", s.invalidation.lost}};
  j["degradation"] = {{"breaker_bypasses", s.degradation.breaker_bypasses}};
  j["warming"] = {{"keys_loaded", s.warming.keys_loaded}};
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
  return j;
}

std::string TimeSeriesToCsv(const std::vector<IntervalRow>& rows) {
  std::string out =
      "time_s,requests,reads,writes,failed,hits,misses,errors,hit_ratio,db_queries,"
      "db_queue_depth,db_utilization,p50_ms,p99_ms,stale_reads,evictions,expirations,"
      "cache_bytes,cache_items,stampede_loads\n";
  for (const IntervalRow& r : rows) {
    // time_s keeps more digits: interval starts of a long run with sub-second
    // intervals must stay distinct.
    fmt::format_to(
        std::back_inserter(out), "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n",
        FormatDouble(r.time_s, 12), r.requests, r.reads, r.writes, r.failed, r.hits, r.misses,
        r.errors, FormatDouble(r.hit_ratio), r.db_queries, r.db_queue_depth,
        FormatDouble(r.db_utilization), FormatDouble(r.p50_ms), FormatDouble(r.p99_ms),
        r.stale_reads, r.evictions, r.expirations, r.cache_bytes, r.cache_items, r.stampede_loads);
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
  j["popularity"] = w.trace ? "trace"
                    : w.popularity == WorkloadConfig::Popularity::kUniform || w.zipf_alpha == 0
                        ? "uniform"
                        : "zipf";
  json hot = json::array();
  for (size_t i = 0; i < result.hot_keys.size(); ++i) {
    const HotKeyExpiries& h = result.hot_keys[i];
    json expiries = json::array();
    for (double t : h.expiries_s) expiries.push_back(seconds(t));
    hot.push_back({{"key", h.key},
                   {"rank", i + 1},
                   {"expiries_s", std::move(expiries)},
                   {"truncated", h.truncated}});
  }
  j["hot_keys"] = std::move(hot);
  return j;
}

std::string FormatSummaryTable(const Summary& s) {
  Section requests{"requests",
                   {{"total", Grouped(s.requests.total)},
                    {"reads", Grouped(s.requests.reads)},
                    {"writes", Grouped(s.requests.writes)},
                    {"failed", Grouped(s.requests.failed)}}};
  Section db{"database",
             {{"queries", Grouped(s.db.queries)},
              {"reads", Grouped(s.db.reads)},
              {"writes", Grouped(s.db.writes)},
              {"timeouts", Grouped(s.db.timeouts)},
              {"peak concurrency", Grouped(s.db.peak_concurrency)},
              {"peak queue depth", Grouped(s.db.peak_queue_depth)},
              {"mean wait (ms)", Millis(s.db.mean_wait_ms)},
              {"P(wait)", Percent(s.db.wait_probability)},
              {"utilization", Percent(s.db.utilization)}}};
  Section cache{"cache",
                {{"hits", Grouped(s.cache.hits)},
                 {"misses", Grouped(s.cache.misses)},
                 {"errors", Grouped(s.cache.errors)},
                 {"hit ratio", Percent(s.cache.hit_ratio)},
                 {"evictions", Grouped(s.cache.evictions)},
                 {"expirations", Grouped(s.cache.expirations)},
                 {"peak bytes", HumanBytes(s.cache.peak_bytes)},
                 {"peak items", Grouped(s.cache.peak_items)},
                 {"gets", Grouped(s.cache.gets)},
                 {"sets", Grouped(s.cache.sets)},
                 {"deletes", Grouped(s.cache.deletes)}}};
  Section latency{"latency (ms)",
                  {{"mean", Millis(s.latency_ms.mean)},
                   {"p50", Millis(s.latency_ms.p50)},
                   {"p90", Millis(s.latency_ms.p90)},
                   {"p99", Millis(s.latency_ms.p99)},
                   {"p99.9", Millis(s.latency_ms.p999)},
                   {"max", Millis(s.latency_ms.max)}}};
  Section staleness{"staleness",
                    {{"stale reads", Grouped(s.staleness.stale_reads)},
                     {"stale read ratio", Percent(s.staleness.stale_read_ratio)},
                     {"max age (ms)", Millis(s.staleness.max_age_ms)},
                     {"mean age (ms)", Millis(s.staleness.mean_age_ms)}}};
  Section stampede{"stampede",
                   {{"episodes", Grouped(s.stampede.episodes)},
                    {"max concurrent loads", Grouped(s.stampede.max_concurrent_loads)},
                    {"duplicate loads", Grouped(s.stampede.duplicate_loads)},
                    {"peak:episodes", SizeCounts(s.stampede.size_counts)}}};

  std::string out =
      fmt::format("{}  seed {}  simulated {:.1f} s\n\n", s.scenario, s.seed, s.simulated_seconds);
  AppendPair(out, requests, db);
  out += '\n';
  AppendPair(out, cache, latency);
  out += '\n';
  AppendPair(out, staleness, stampede);
  // Policy sections only when the stack used them, so a plain run stays short.
  Section policy{"policy stack", {}};
  auto add = [&](const char* label, uint64_t v) {
    if (v > 0) policy.rows.push_back({label, Grouped(v)});
  };
  add("L1 hits", s.l1.hits);
  add("early refreshes", s.guard.early_refreshes);
  add("background refreshes", s.guard.background_refreshes);
  add("coalesced reads", s.guard.coalesced_reads);
  add("guard waits", s.guard.waits);
  add("guard gave up", s.guard.gave_up);
  add("stale served", s.guard.stale_served);
  add("lease sets rejected", s.guard.lease_sets_rejected);
  add("invalidations sent", s.invalidation.published);
  add("invalidations lost", s.invalidation.lost);
  add("breaker bypasses", s.degradation.breaker_bypasses);
  add("keys warmed", s.warming.keys_loaded);
  add("writes lost", s.writes.lost);
  add("writes pending", s.writes.pending_at_end);
  Section alerts{"alerts", {}};
  for (const Summary::Alert& a : s.alerts) {
    alerts.rows.push_back({a.name, a.fired_at_s.empty()
                                       ? std::string("never fired")
                                       : fmt::format("fired at {:g} s ({} intervals)",
                                                     a.fired_at_s.front(), a.intervals_firing)});
  }
  if (!policy.rows.empty() || !alerts.rows.empty()) {
    out += '\n';
    AppendPair(out, policy, alerts);
  }
  return out;
}

void WriteRunOutputs(const std::string& dir, const Scenario& scenario, const RunResult& result) {
  // Serialise before touching the file system: a failure here leaves nothing.
  WriteFolderAtomically(dir, {{"summary.json", SummaryToJson(result.summary).dump(2) + "\n"},
                              {"timeseries.csv", TimeSeriesToCsv(result.timeseries)},
                              {"scenario.resolved.json", scenario.resolved.dump(2) + "\n"},
                              {"events.json", EventsToJson(scenario, result).dump(2) + "\n"}});
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
