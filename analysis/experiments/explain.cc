#include "analysis/experiments/explain.h"

#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <optional>
#include <set>
#include <string_view>
#include <vector>

#include "analysis/common/atomic_files.h"
#include "analysis/common/errors.h"
#include "analysis/common/json_reader.h"
#include "analysis/outputs/run_outputs.h"
#include "analysis/scenario/keys.h"
#include "analysis/scenario/run.h"

namespace cachelab {
namespace {

constexpr size_t kColumnWidth = 8;
constexpr size_t kMaxInstanceColumns = 6;  // more instances share one "app" column

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

bool Contains(std::string_view s, std::string_view part) {
  return s.find(part) != std::string_view::npos;
}

// A message the instance sends (drawn instance -> actor) rather than an
// answer it got back (actor -> instance).
bool Outbound(const TraceEvent& e) {
  return Contains(e.text, "issued") || StartsWith(e.text, "SET") || StartsWith(e.text, "DEL");
}

// Events inside an instance (the request itself, its L1) are drawn on the
// instance's column.
bool InProcess(const TraceEvent& e) {
  return e.actor == "app" || e.actor == "l1";
}

struct Columns {
  std::vector<std::string> names;
  size_t instance_columns = 0;  // the first columns; 1 when instances share one

  size_t Of(const TraceEvent& e) const {
    if (InProcess(e) && e.instance >= 0) return InstanceColumn(e.instance);
    const auto it =
        std::find(names.begin() + static_cast<long>(instance_columns), names.end(), e.actor);
    return std::min(static_cast<size_t>(it - names.begin()), names.size() - 1);
  }
  size_t InstanceColumn(int32_t instance) const {
    return instance_columns == 1 ? 0 : static_cast<size_t>(instance);
  }
};

Columns MakeColumns(const Scenario& scenario, const std::vector<TraceEvent>& events) {
  Columns c;
  const uint32_t instances = std::max<uint32_t>(scenario.world.instances.count, 1);
  if (instances <= kMaxInstanceColumns) {
    for (uint32_t i = 0; i < instances; ++i) c.names.push_back(fmt::format("app{}", i));
  } else {
    c.names.push_back("app");
  }
  c.instance_columns = c.names.size();
  // Fixed order for the usual actors, then any other in order of appearance.
  std::vector<std::string> actors = {"cache", "db"};
  for (const TraceEvent& e : events) {
    if (InProcess(e)) continue;
    if (std::find(actors.begin(), actors.end(), e.actor) == actors.end()) actors.push_back(e.actor);
  }
  c.names.insert(c.names.end(), actors.begin(), actors.end());
  return c;
}

// One row of the diagram: a lifeline ':' per column, and the event drawn on it.
std::string Diagram(const Columns& c, const TraceEvent& e) {
  std::string row(c.names.size() * kColumnWidth, ' ');
  auto center = [](size_t col) { return col * kColumnWidth + kColumnWidth / 2; };
  for (size_t col = 0; col < c.names.size(); ++col) row[center(col)] = ':';
  const size_t to = center(c.Of(e));
  const bool background = e.request == 0 || e.instance < 0;
  if (background || InProcess(e)) {
    row[to] = '*';
  } else {
    const size_t from = center(c.InstanceColumn(e.instance));
    for (size_t i = from; i <= to; ++i) row[i] = '-';
    if (Outbound(e)) {
      row[from] = 'o';
      row[to] = '>';
    } else {
      row[from] = '<';
      row[to] = 'o';
    }
  }
  while (!row.empty() && row.back() == ' ') row.pop_back();
  return row;
}

// An event's answer was stale (World::ServeRead's note).
bool Stale(const TraceEvent& e) {
  return e.actor == "app" && Contains(e.text, "STALE");
}

// Follows the key's DB loads: `in_flight` counts SELECTs issued and not yet
// answered; returns whether `e` issued one.
bool TrackLoads(const TraceEvent& e, uint64_t& in_flight) {
  if (e.actor != "db" || !StartsWith(e.text, "SELECT ")) return false;
  if (e.text == "SELECT issued") {
    ++in_flight;
    return true;
  }
  if (in_flight > 0) --in_flight;
  return false;
}

}  // namespace

ExplainSummary SummarizeExplain(const std::vector<TraceEvent>& events) {
  ExplainSummary s;
  s.events = events.size();
  std::set<uint64_t> requests;
  uint64_t in_flight = 0;
  for (const TraceEvent& e : events) {
    if (e.request != 0) requests.insert(e.request);
    if (e.actor == "app" && e.text == "read request") ++s.reads;
    if (e.actor == "app" && e.text == "write request") ++s.writes;
    if (e.actor == "app" && Contains(e.text, "(hit)")) ++s.hits;
    if (Stale(e)) ++s.stale;
    if (e.actor == "app" && Contains(e.text, "FAILED")) ++s.failed;
    if (TrackLoads(e, in_flight)) {
      ++s.db_loads;
      s.max_concurrent_loads = std::max(s.max_concurrent_loads, in_flight);
    }
  }
  s.requests = requests.size();
  return s;
}

namespace {

// "user:3 (id 3)" with key classes, the number without.
std::string KeyLabel(const WorkloadConfig& w, Key k) {
  return w.classes.empty() ? std::to_string(k) : fmt::format("{} (id {})", KeyName(w, k), k);
}

// The time of the key's first moment of `kind` (ExplainOptions::around), by a
// run that passes the key's events to a detector instead of keeping them.
Time FindMoment(const Scenario& scenario, Key key, const std::string& kind) {
  std::function<bool(const TraceEvent&)> is_it;
  bool stored = false;
  uint64_t in_flight = 0;
  if (kind == "first-expiry") {
    is_it = [&](const TraceEvent& e) {
      if (e.actor != "cache") return false;
      if (StartsWith(e.text, "SET ") && !Contains(e.text, "rejected")) stored = true;
      return stored && StartsWith(e.text, "GET miss");
    };
  } else if (kind == "first-stampede") {
    is_it = [&](const TraceEvent& e) { return TrackLoads(e, in_flight) && in_flight >= 2; };
  } else if (kind == "first-stale") {
    is_it = [](const TraceEvent& e) { return Stale(e); };
  } else {
    throw InputError("--around " + jsonread::QuoteClipped(kind) +
                     ": expected first-expiry, first-stampede or first-stale");
  }
  std::optional<Time> found;
  KeyTrace finder(key, Time::Zero(), Time::Max(), [&](const TraceEvent& e) {
    if (!found && is_it(e)) found = e.at;
  });
  RunOptions run;
  run.trace = &finder;
  RunScenario(scenario, run);
  if (!found) {
    throw InputError(
        fmt::format("--around {}: key {} has no {} in {} (try another key, or --from/--to)", kind,
                    KeyName(scenario.world.workload, key), kind.substr(6), scenario.name));
  }
  return *found;
}

}  // namespace

ExplainResult RunExplain(const Scenario& scenario, const ExplainOptions& options) {
  const WorldConfig& w = scenario.world;
  const uint64_t keys = w.workload.keys;
  const bool missing = w.workload.missing_fraction > 0;
  if (options.key >= (missing ? 2 * keys : keys)) {
    throw InputError(fmt::format(
        "--key {}: no such key in {}: keys are 0..{}{}", options.key, scenario.name, keys - 1,
        missing ? fmt::format(" (rows) and {}..{} (missing rows)", keys, 2 * keys - 1) : ""));
  }
  Duration from =
      options.from.empty() ? Duration() : ParseDuration(options.from, "--from " + options.from);
  Duration to = options.to.empty() ? w.duration : ParseDuration(options.to, "--to " + options.to);
  if (!options.around.empty()) {
    if (!options.from.empty() || !options.to.empty()) {
      throw InputError("--around " + jsonread::QuoteClipped(options.around) +
                       ": give either --around or --from/--to, not both");
    }
    const Duration window = options.window.empty()
                                ? Duration::Seconds(1)
                                : ParseDuration(options.window, "--window " + options.window);
    if (window <= Duration()) {
      throw InputError("--window " + options.window + ": must be longer than 0");
    }
    const Time at = FindMoment(scenario, options.key, options.around);
    // A stale answer comes from a load that began earlier: show more before it.
    const Duration before =
        Duration::Nanos(window.nanos() / (options.around == "first-stale" ? 4 : 20));
    from = at - Time::Zero() > before ? (at - Time::Zero()) - before : Duration();
    to = from + window;
    if (from >= w.duration) from = w.duration - Duration::Nanos(1);
  }
  if (from >= w.duration) {
    throw InputError(fmt::format("--from {}: must be before the end of the scenario ({})",
                                 options.from, FormatDuration(w.duration)));
  }
  if (to <= from) {
    throw InputError(fmt::format("--to {}: must be after --from ({})",
                                 options.to.empty() ? FormatDuration(to) : options.to,
                                 FormatDuration(from)));
  }
  ExplainResult r;
  r.key = options.key;
  r.from = Time::Zero() + from;
  r.to = Time::Zero() + to;
  r.trace = KeyTrace(options.key, r.from, r.to);
  RunOptions run;
  run.trace = &r.trace;
  r.run = RunScenario(scenario, run);
  return r;
}

nlohmann::json ExplainToJson(const Scenario& scenario, const ExplainResult& r, size_t limit) {
  using nlohmann::json;
  const std::vector<TraceEvent>& events = r.trace.events();
  const Columns columns = MakeColumns(scenario, events);
  auto seconds = [](double s) { return json(RoundSignificant(s, 12)); };
  json list = json::array();
  const size_t shown = std::min(limit, events.size());
  for (size_t i = 0; i < shown; ++i) {
    const TraceEvent& e = events[i];
    list.push_back({{"at_s", seconds(e.at.seconds())},
                    {"request", e.request == 0 ? json(nullptr) : json(e.request)},
                    {"instance", e.instance < 0 ? json(nullptr) : json(e.instance)},
                    {"actor", e.actor},
                    {"column", columns.Of(e)},
                    {"text", e.text},
                    {"stale", Stale(e)}});
  }
  const ExplainSummary sum = SummarizeExplain(events);
  return {{"scenario", scenario.name},
          {"seed", scenario.world.seed},
          {"key", r.key},
          {"key_name", KeyName(scenario.world.workload, r.key)},
          {"from_s", seconds(r.from.seconds())},
          {"to_s", seconds(r.to.seconds())},
          {"actors", columns.names},
          {"events", std::move(list)},
          {"events_total", events.size()},
          {"truncated", shown < events.size()},
          {"summary",
           {{"events", sum.events},
            {"requests", sum.requests},
            {"reads", sum.reads},
            {"writes", sum.writes},
            {"hits", sum.hits},
            {"db_loads", sum.db_loads},
            {"max_concurrent_loads", sum.max_concurrent_loads},
            {"stale", sum.stale},
            {"failed", sum.failed}}}};
}

void WriteExplainOutputs(const std::string& dir, const Scenario& scenario, const ExplainResult& r,
                         size_t limit) {
  WriteFolderAtomically(dir, {{"explain.json", ExplainToJson(scenario, r, limit).dump(2) + "\n"}});
}

std::string FormatExplain(const Scenario& scenario, const ExplainResult& r, size_t limit) {
  const std::vector<TraceEvent>& events = r.trace.events();
  const Columns columns = MakeColumns(scenario, events);
  std::string out =
      fmt::format("key {} in {} (seed {}), t = {:g} s .. {:g} s; times in ms after {:g} s\n\n",
                  KeyLabel(scenario.world.workload, r.key), scenario.name, scenario.world.seed,
                  r.from.seconds(), r.to.seconds(), r.from.seconds());

  std::string header = fmt::format("{:>12}  {:>8}  ", "t (ms)", "request");
  for (const std::string& name : columns.names) {
    header += fmt::format("{:^{}}", name.substr(0, kColumnWidth - 1), kColumnWidth);
  }
  while (!header.empty() && header.back() == ' ') header.pop_back();
  out += header + "\n";

  const size_t shown = std::min(limit, events.size());
  for (size_t i = 0; i < shown; ++i) {
    const TraceEvent& e = events[i];
    const std::string who = e.request == 0
                                ? std::string("-")
                                : fmt::format("#{}{}", e.request,
                                              columns.instance_columns == 1 && e.instance >= 0
                                                  ? fmt::format("@{}", e.instance)
                                                  : std::string());
    const std::string diagram = Diagram(columns, e);
    out += fmt::format("{:>12.3f}  {:>8}  {:<{}}  {}{}\n", (e.at - r.from).millis(), who, diagram,
                       columns.names.size() * kColumnWidth, e.request == 0 ? e.actor + ": " : "",
                       e.text);
  }
  if (events.empty()) out += "  (no events: the key was not touched in this window)\n";
  if (shown < events.size()) {
    out += fmt::format("  ... truncated: {} more events (raise --limit or narrow --from/--to)\n",
                       events.size() - shown);
  }

  const ExplainSummary sum = SummarizeExplain(events);
  out += fmt::format(
      "\nlegend: o---> a request sent to that actor, <---o its answer, * an event at the actor;\n"
      "        request '-' is background work (warmer, worker, channel), shown with its actor\n");
  out += fmt::format(
      "summary: {} events, {} requests ({} reads, {} writes), {} read hits, {} DB loads "
      "(at most {} in flight at once{}), {} stale answers, {} failed\n",
      sum.events, sum.requests, sum.reads, sum.writes, sum.hits, sum.db_loads,
      sum.max_concurrent_loads,
      sum.max_concurrent_loads > 2   ? ": a stampede"
      : sum.max_concurrent_loads > 1 ? ": a duplicate load"
                                     : "",
      sum.stale, sum.failed);
  return out;
}

}  // namespace cachelab
