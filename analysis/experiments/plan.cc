#include "analysis/experiments/plan.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <cmath>
#include <limits>
#include <map>

#include "analysis/common/atomic_files.h"
#include "analysis/common/errors.h"
#include "analysis/experiments/value_list.h"
#include "analysis/outputs/run_outputs.h"

namespace cachelab {
namespace {

using nlohmann::json;

std::string Trim(const std::string& s) {
  const size_t b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return {};
  return s.substr(b, s.find_last_not_of(" \t") - b + 1);
}

size_t EditDistance(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] != b[j - 1] ? 1 : 0)});
      diag = up;
    }
  }
  return row[b.size()];
}

const char* OpText(Slo::Op op) {
  switch (op) {
    case Slo::Op::kLessEqual:
      return "<=";
    case Slo::Op::kLess:
      return "<";
    case Slo::Op::kGreaterEqual:
      return ">=";
    case Slo::Op::kGreater:
      return ">";
  }
  return "?";
}

// The candidates lo + k * step (k = 0..count-1), the last one clamped to hi.
struct Candidates {
  Quantity lo, hi, step;
  int64_t last = 0;  // index of hi

  Quantity At(int64_t k) const {
    if (k >= last) return hi;
    Quantity q = lo;
    if (q.kind == Quantity::Kind::kReal) {
      q.real = lo.real + static_cast<double>(k) * step.real;
      if (lo.decimals >= 0 && step.decimals >= 0) {
        q.decimals = std::max(lo.decimals, step.decimals);
        const double scale = std::pow(10.0, q.decimals);
        q.real = std::round(q.real * scale) / scale;
      } else {
        q.decimals = -1;
      }
    } else {
      q.whole = lo.whole + k * step.whole;
    }
    return q;
  }
};

}  // namespace

Slo ParseSlo(const std::string& text) {
  auto fail = [&](const std::string& what) {
    throw InputError(fmt::format("--slo {}: {}", text, what));
  };
  const size_t at = text.find_first_of("<>");
  if (at == std::string::npos) {
    fail("expected METRIC<=X, METRIC<X, METRIC>=X or METRIC>X, e.g. latency_ms.p99<=10");
  }
  Slo slo;
  slo.text = text;
  slo.metric = Trim(text.substr(0, at));
  const bool eq = at + 1 < text.size() && text[at + 1] == '=';
  slo.op = text[at] == '<' ? (eq ? Slo::Op::kLessEqual : Slo::Op::kLess)
                           : (eq ? Slo::Op::kGreaterEqual : Slo::Op::kGreater);
  const std::string number = Trim(text.substr(at + (eq ? 2 : 1)));
  if (slo.metric.empty()) fail("no metric before the comparison, e.g. latency_ms.p99<=10");
  if (slo.metric.find_first_not_of(
          "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.") !=
      std::string::npos) {
    fail(
        fmt::format("\"{}\" is not a metric name (a dotted summary.json path such as "
                    "latency_ms.p99); comparisons are <=, <, >= and >",
                    slo.metric));
  }
  const char* first = number.data();
  const char* last = number.data() + number.size();
  auto [end, ec] = std::from_chars(first, last, slo.threshold);
  if (number.empty() || ec != std::errc() || end != last || !std::isfinite(slo.threshold)) {
    fail(fmt::format("expected a number after {}, got \"{}\"", OpText(slo.op), number));
  }
  return slo;
}

void CheckSloMetrics(const std::vector<Slo>& slos, const std::vector<std::string>& names) {
  for (const Slo& slo : slos) {
    if (std::find(names.begin(), names.end(), slo.metric) != names.end()) continue;
    std::vector<std::pair<size_t, std::string>> ranked;
    for (const std::string& n : names) ranked.emplace_back(EditDistance(slo.metric, n), n);
    std::stable_sort(ranked.begin(), ranked.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    std::vector<std::string> close;
    for (size_t i = 0; i < ranked.size() && i < 5; ++i) close.push_back(ranked[i].second);
    throw InputError(
        fmt::format("--slo {}: unknown metric {} (a numeric field of summary.json); closest: {}",
                    slo.text, slo.metric, fmt::join(close, ", ")));
  }
}

std::string SloWindow(const Slo& slo, const MetricsConfig& metrics, Duration duration) {
  const std::string first = slo.metric.substr(0, slo.metric.find('.'));
  auto span = [](Duration from, Duration to) {
    return fmt::format("{} to {}", FormatDuration(from), FormatDuration(to));
  };
  if (first == "peak") {
    return metrics.warmup > Duration()
               ? "worst interval from " + FormatDuration(metrics.warmup) + " (after the warmup)"
               : "worst interval of the whole run";
  }
  if (first == "steady" && metrics.warmup > Duration()) {
    return "window steady (" + span(metrics.warmup, duration) + ")";
  }
  for (const MetricsWindow& w : metrics.windows) {
    if (w.name == first) return "window " + w.name + " (" + span(w.from, w.to) + ")";
  }
  return metrics.warmup > Duration() ? "whole run, warmup included" : "whole run";
}

bool SloMet(const Slo& slo, const MetricStats& m) {
  const double ci = m.ci95.value_or(0);
  switch (slo.op) {
    case Slo::Op::kLessEqual:
      return m.mean + ci <= slo.threshold;
    case Slo::Op::kLess:
      return m.mean + ci < slo.threshold;
    case Slo::Op::kGreaterEqual:
      return m.mean - ci >= slo.threshold;
    case Slo::Op::kGreater:
      return m.mean - ci > slo.threshold;
  }
  return false;
}

double SloMargin(const Slo& slo, const MetricStats& m) {
  const double ci = m.ci95.value_or(0);
  switch (slo.op) {
    case Slo::Op::kLessEqual:
    case Slo::Op::kLess:
      return slo.threshold - (m.mean + ci);
    case Slo::Op::kGreaterEqual:
    case Slo::Op::kGreater:
      return (m.mean - ci) - slo.threshold;
  }
  return 0;
}

PlanResult RunPlan(const PlanSpec& spec) {
  PlanResult out;
  out.spec = spec;
  if (spec.slos.empty()) throw InputError("--slo: give at least one objective");
  if (spec.replications < 2) {
    throw InputError(fmt::format(
        "--replications: plan needs at least 2 (the SLOs are checked at the confidence bound), "
        "got {}",
        spec.replications));
  }
  if (spec.pointer.empty() || spec.pointer[0] != '/') {
    throw InputError("--minimize " + spec.pointer +
                     ": expected a JSON pointer starting with '/' such as /database/connections");
  }
  if (spec.pointer == "/seed") {
    throw InputError("--minimize /seed: the seed is not a capacity; the replications choose it");
  }

  // --range LO..HI, --step.
  const std::string where = "--range " + spec.range;
  const size_t dots = spec.range.find("..");
  if (dots == std::string::npos) {
    throw InputError(where + ": expected LO..HI such as 1..64 or 64MiB..4GiB");
  }
  const std::string lo_text = spec.range.substr(0, dots), hi_text = spec.range.substr(dots + 2);
  Candidates c;
  c.lo = ParseQuantity(lo_text, where);
  c.hi = ParseQuantityLike(c.lo, hi_text, where);
  const bool numeric = c.lo.kind == Quantity::Kind::kInteger || c.lo.kind == Quantity::Kind::kReal;
  if (!spec.step.empty()) {
    c.step = ParseQuantityLike(c.lo, spec.step, "--step " + spec.step);
    if (!(c.step.AsDouble() > 0)) throw InputError("--step " + spec.step + ": must be > 0");
  } else {
    c.step = c.lo;
    c.step.whole = 1;
  }
  auto to_real = [](Quantity& q) {
    if (q.kind != Quantity::Kind::kInteger) return;
    q.real = static_cast<double>(q.whole);
    q.decimals = 0;
    q.kind = Quantity::Kind::kReal;
  };
  if (numeric && (c.lo.kind == Quantity::Kind::kReal || c.hi.kind == Quantity::Kind::kReal ||
                  c.step.kind == Quantity::Kind::kReal)) {
    const bool default_step = spec.step.empty();
    to_real(c.lo);
    to_real(c.hi);
    to_real(c.step);
    if (default_step) {
      c.step.real = (c.hi.real - c.lo.real) / 100;
      c.step.decimals = -1;
    }
  }
  if (c.lo.AsDouble() > c.hi.AsDouble()) {
    throw InputError(fmt::format("{}: empty range: {} > {}", where, lo_text, hi_text));
  }
  const double span = c.hi.AsDouble() - c.lo.AsDouble();
  if (c.lo.kind == Quantity::Kind::kReal) {
    c.last = c.step.real > 0 ? static_cast<int64_t>(std::ceil(span / c.step.real - 1e-9)) : 0;
  } else {
    c.last = (c.hi.whole - c.lo.whole + c.step.whole - 1) / c.step.whole;
  }
  out.lo = FormatQuantity(c.lo);
  out.hi = FormatQuantity(c.hi);
  out.step = FormatQuantity(c.step);

  // The uncertain inputs' combinations (--uncertain): every probe must meet
  // the SLOs at each of them. One empty combination without --uncertain.
  for (const Grid& g : spec.uncertain) {
    if (g.pointer == spec.pointer) {
      throw InputError("--uncertain " + g.text + ": " + g.pointer + " is the --minimize parameter");
    }
  }
  const std::vector<std::vector<Override>> combos = Combinations(spec.uncertain, "--uncertain");
  auto load = [&](const std::string& value, const std::vector<Override>& combo) {
    std::vector<Override> all = spec.sets;
    all.insert(all.end(), combo.begin(), combo.end());
    all.push_back({spec.pointer, value, "--minimize"});
    return spec.scenario_path.empty() ? LoadDefaultScenario(all)
                                      : LoadScenarioFile(spec.scenario_path, all);
  };
  // Bad input at either end (and in any combination) shows before anything runs.
  for (const auto& combo : combos) {
    for (const std::string& end : {out.lo, out.hi}) {
      const Scenario s = load(end, combo);
      CheckSloMetrics(spec.slos, SummaryMetricNames(s.world.metrics));
    }
  }
  const Scenario at_lo = load(out.lo, combos.front());
  for (const Slo& slo : spec.slos) {
    out.slo_windows.push_back(SloWindow(slo, at_lo.world.metrics, at_lo.world.duration));
  }
  for (const auto& combo : combos) {
    std::vector<std::string> parts;
    for (const Override& o : combo) parts.push_back(o.pointer + "=" + o.value);
    out.combinations.push_back(fmt::format("{}", fmt::join(parts, " ")));
  }
  out.name = at_lo.name;
  out.seeds = ReplicationSeeds(at_lo.world.seed, spec.replications);

  std::map<int64_t, size_t> probed;  // candidate index -> probe
  auto probe = [&](int64_t k) -> const PlanProbe& {
    PlanProbe p;
    p.value = FormatQuantity(c.At(k));
    if (spec.progress) {
      // Both ends, then one halving of [fails, meets] per probe.
      const auto halvings =
          c.last > 1 ? static_cast<size_t>(std::ceil(std::log2(static_cast<double>(c.last)))) : 0;
      spec.progress(out.probes.size(), 2 + halvings, p.value);
    }
    // A replication whose database cannot keep up stops its arrivals and
    // cancels the others: the probe fails whatever its SLOs say. Whether
    // some replication is unstable does not depend on the timing, so the
    // outcome is the same on any number of threads.
    p.meets = true;
    p.slo_metrics.resize(spec.slos.size());
    p.worst_at.resize(spec.slos.size());
    std::vector<double> margin(spec.slos.size(), std::numeric_limits<double>::infinity());
    for (size_t u = 0; u < combos.size() && p.stopped.empty(); ++u) {
      const Scenario scenario = load(p.value, combos[u]);
      std::atomic<bool> unstable{false};
      const std::vector<json> summaries =
          RunReplications(scenario, out.seeds, spec.threads, &unstable);
      out.runs += out.seeds.size();
      if (unstable) {
        p.stopped = "database unstable: queries arrive faster than it serves them";
        if (!out.combinations[u].empty()) p.stopped += " (at " + out.combinations[u] + ")";
        p.meets = false;
        p.slo_metrics.clear();
        p.worst_at.clear();
        break;
      }
      const std::vector<MetricStats> stats = SummarizeReplications(summaries);
      for (size_t i = 0; i < spec.slos.size(); ++i) {
        const Slo& slo = spec.slos[i];
        auto it = std::find_if(stats.begin(), stats.end(),
                               [&](const MetricStats& m) { return m.name == slo.metric; });
        // CheckSloMetrics: every summary has it. The combination with the
        // least room under its threshold speaks for the probe.
        if (const double room = SloMargin(slo, *it); room < margin[i]) {
          margin[i] = room;
          p.slo_metrics[i] = *it;
          p.worst_at[i] = out.combinations[u];
        }
      }
    }
    if (p.stopped.empty()) {
      for (size_t i = 0; i < spec.slos.size(); ++i) {
        if (!SloMet(spec.slos[i], p.slo_metrics[i])) p.meets = false;
      }
    }
    probed[k] = out.probes.size();
    out.probes.push_back(std::move(p));
    return out.probes.back();
  };
  auto violations = [&](const PlanProbe& p) {
    if (!p.stopped.empty()) return p.stopped;
    std::vector<std::string> v;
    for (size_t i = 0; i < spec.slos.size(); ++i) {
      if (!SloMet(spec.slos[i], p.slo_metrics[i])) {
        v.push_back(fmt::format("{} is {}", spec.slos[i].text, MeanCi(p.slo_metrics[i])));
      }
    }
    return fmt::format("{}", fmt::join(v, "; "));
  };

  const PlanProbe top = probe(c.last);
  if (!top.meets) {
    if (c.last > 0 && probe(0).meets) {
      throw InputError(fmt::format(
          "--minimize {}: not monotone: {} meets every SLO but the larger {} does not ({}); "
          "plan needs a parameter where larger is never worse",
          spec.pointer, out.lo, out.hi, violations(top)));
    }
    throw InputError(fmt::format(
        "{}: no value in the range meets the SLOs: at {} = {}, {} (widen --range or relax --slo)",
        where, spec.pointer, out.hi, violations(top)));
  }
  if (c.last == 0 || probe(0).meets) {
    out.answer = probed.at(0);
    return out;
  }
  int64_t fails = 0, meets = c.last;
  while (meets - fails > 1) {
    const int64_t mid = fails + (meets - fails) / 2;
    (probe(mid).meets ? meets : fails) = mid;
  }
  out.answer = probed.at(meets);
  out.below = probed.at(fails);
  return out;
}

std::string FormatPlan(const PlanResult& r) {
  const PlanSpec& s = r.spec;
  std::string out = fmt::format(
      "{}: smallest {} in {}..{} (step {}) meeting every SLO at the 95% confidence bound\n"
      "{} replications per value, seeds {}\n\n",
      r.name, s.pointer, r.lo, r.hi, r.step, r.seeds.size(), fmt::join(r.seeds, ", "));
  const PlanProbe& a = r.probes[r.answer];
  out += fmt::format(
      "answer: {} = {}  ({} runs: {} values x {} replications{})\n\n", s.pointer, a.value, r.runs,
      r.probes.size(), r.seeds.size(),
      r.combinations.size() > 1
          ? fmt::format(" x {} combinations of the uncertain inputs", r.combinations.size())
          : "");
  if (r.combinations.size() > 1) {
    out += "every SLO must hold at each of:\n";
    for (const std::string& c : r.combinations) out += "  " + c + "\n";
    out += "\n";
  }
  auto section = [&](const std::string& title, const PlanProbe& p) {
    out += title + "\n";
    if (!p.stopped.empty()) {
      out += "  stopped early, " + p.stopped + "\n";
      return;
    }
    for (size_t i = 0; i < s.slos.size(); ++i) {
      out += fmt::format("  {:<32} {:>24}  {}{}\n", s.slos[i].text, MeanCi(p.slo_metrics[i]),
                         SloMet(s.slos[i], p.slo_metrics[i]) ? "ok" : "VIOLATED",
                         p.worst_at[i].empty() ? "" : "  (worst at " + p.worst_at[i] + ")");
    }
  };
  out += "measured over:\n";
  for (size_t i = 0; i < s.slos.size() && i < r.slo_windows.size(); ++i) {
    out += fmt::format("  {:<32} {}\n", s.slos[i].text, r.slo_windows[i]);
  }
  out += "\n";
  section(fmt::format("at {} (the answer):", a.value), a);
  if (r.below) {
    section(fmt::format("at {} (one step below):", r.probes[*r.below].value), r.probes[*r.below]);
  } else {
    out += fmt::format("{} is the lower end of --range: nothing below it was probed\n", a.value);
  }
  std::vector<std::string> order;
  for (const PlanProbe& p : r.probes) {
    order.push_back(fmt::format("{} {}", p.value,
                                p.meets              ? "ok"
                                : !p.stopped.empty() ? "unstable (stopped early)"
                                                     : "violates"));
  }
  out += fmt::format("\nprobes in order: {}\n", fmt::join(order, ", "));
  // Seeds that disagree this much mean the answer near here is a coin toss.
  for (const PlanProbe& p : r.probes) {
    for (size_t i = 0; i < p.slo_metrics.size(); ++i) {
      const MetricStats& m = p.slo_metrics[i];
      if (!m.unstable) continue;
      out += fmt::format(
          "WARNING: at {} the replications of {} split into two groups ({} at {:g}, {} at {:g}): "
          "the system is unstable there; run more replications or inspect the runs\n",
          p.value, m.name, m.unstable->low_count, m.unstable->low_mean, m.unstable->high_count,
          m.unstable->high_mean);
    }
  }
  return out;
}

json PlanToJson(const PlanResult& r) {
  json slos = json::array();
  for (const Slo& s : r.spec.slos) slos.push_back(s.text);
  json probes = json::array();
  for (const PlanProbe& p : r.probes) {
    json metrics = json::object();
    json violated = json::array();
    for (size_t i = 0; i < r.spec.slos.size(); ++i) {
      if (!p.stopped.empty()) {  // no figures: every SLO counts as violated
        metrics[r.spec.slos[i].metric] = nullptr;
        violated.push_back(r.spec.slos[i].text);
        continue;
      }
      const MetricStats& m = p.slo_metrics[i];
      metrics[m.name] = MetricStatsJson(m);
      if (!p.worst_at[i].empty()) metrics[m.name]["worst_at"] = p.worst_at[i];
      if (!SloMet(r.spec.slos[i], m)) violated.push_back(r.spec.slos[i].text);
    }
    probes.push_back({{"value", OverrideValueJson(p.value)},
                      {"meets", p.meets},
                      {"metrics", std::move(metrics)},
                      {"violated", std::move(violated)},
                      {"stopped", p.stopped.empty() ? json(nullptr) : json(p.stopped)}});
  }
  return {{"scenario", r.name},
          {"pointer", r.spec.pointer},
          {"range", {{"lo", OverrideValueJson(r.lo)}, {"hi", OverrideValueJson(r.hi)}}},
          {"step", OverrideValueJson(r.step)},
          {"slos", std::move(slos)},
          {"slo_windows", r.slo_windows},
          {"uncertain", r.combinations.size() > 1 ? json(r.combinations) : json::array()},
          {"replications", r.seeds.size()},
          {"seeds", r.seeds},
          {"answer", OverrideValueJson(r.probes[r.answer].value)},
          {"below", r.below ? OverrideValueJson(r.probes[*r.below].value) : json(nullptr)},
          {"runs", r.runs},
          {"probes", std::move(probes)}};
}

void WritePlanOutputs(const std::string& dir, const PlanResult& r) {
  WriteFolderAtomically(dir, {{"plan.json", PlanToJson(r).dump(2) + "\n"}});
}

std::string DefaultPlanDir(const std::string& scenario_name) {
  Scenario s;
  s.name = scenario_name;
  const std::string run_dir = DefaultRunDir(s);  // results/runs/<safe name>-<seed>
  return run_dir.substr(0, run_dir.rfind('-')) + "-plan";
}

}  // namespace cachelab
