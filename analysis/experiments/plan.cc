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
#include "analysis/common/from_chars.h"
#include "analysis/common/json_reader.h"
#include "analysis/common/parallel.h"
#include "analysis/experiments/value_list.h"
#include "analysis/outputs/run_outputs.h"
#include "analysis/scenario/run.h"
#include "sim/core/cancel.h"

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

// The replications of one probe at one combination of the uncertain inputs.
struct ProbeRuns {
  const Scenario* scenario = nullptr;
  std::atomic<bool> unstable{false};
  std::vector<json> summaries;  // in seed order
};

// Every (probe, seed) run of `batch` spread over up to `threads` threads, as
// RunReplications runs one probe's: a run whose database is certain to be
// unstable stops its arrivals, sets its probe's flag and cancels that
// probe's other runs (only that probe's: whether a probe ends up unstable
// does not depend on the thread count nor on the other probes of the batch).
void RunBatch(std::vector<ProbeRuns>& batch, const std::vector<uint64_t>& seeds, unsigned threads) {
  const size_t r = seeds.size();
  for (ProbeRuns& p : batch) p.summaries.assign(r, json());
  ParallelFor(batch.size() * r, threads, [&](size_t t) {
    ProbeRuns& p = batch[t / r];
    if (p.unstable.load()) return;
    Scenario s = *p.scenario;
    s.world.seed = seeds[t % r];
    s.resolved["seed"] = seeds[t % r];
    RunOptions o;
    o.stop.when_unstable = true;
    o.stop.cancel = &p.unstable;
    const RunResult run = RunScenario(s, o);
    if (run.stopped_early.rfind("database unstable", 0) == 0) p.unstable = true;
    p.summaries[t % r] = SummaryToJson(run.summary);
  });
}

// Worst cases of the search (RunPlan), for the progress display's `at_most`:
// the most probes each part can still take, whatever the probes find.

// Bisection of [fails, meets], meets - fails = width: ceil(log2(width)).
size_t BisectionWorst(int64_t width) {
  size_t n = 0;
  for (; width > 1; ++n) width -= width / 2;
  return n;
}

// Galloping down from the start s: m (the smallest value known to meet) > 0,
// the next probe at max(0, s - d). Each probe either fails (then the bracket
// is bisected) or meets and the gallop goes on, until lo meets.
size_t GallopDownWorst(int64_t s, int64_t m, int64_t d) {
  size_t worst = 0, count = 0;
  for (;; d *= 2) {
    if (m == 0) return std::max(worst, count);
    const int64_t k = std::max<int64_t>(0, s - d);
    ++count;
    worst = std::max(worst, count + BisectionWorst(m - k));  // k fails
    m = k;                                                   // k meets
  }
}

// Galloping up from the start s: `fails` the largest value known to fail,
// the next probe at min(last, s + d). hi failing ends it (with lo probed
// when its outcome is not known yet).
size_t GallopUpWorst(int64_t s, int64_t fails, int64_t d, int64_t last, bool lo_known) {
  size_t worst = 0, count = 0;
  for (;; d *= 2) {
    if (fails == last) return std::max(worst, count + (lo_known ? 0 : 1));
    const int64_t k = d >= last - s ? last : s + d;
    ++count;
    worst = std::max(worst, count + BisectionWorst(k - fails));  // k meets
    fails = k;                                                   // k fails
  }
}

// From the model's start s, before the pair (s, s - 1) runs.
size_t StartWorst(int64_t s, int64_t last) {
  size_t rest = GallopUpWorst(s, s, 1, last, s <= 1);              // s fails
  if (s > 1) rest = std::max(rest, GallopDownWorst(s, s - 1, 2));  // s and s - 1 meet
  return (s > 0 ? 2 : 1) + rest;
}

}  // namespace

std::string ModelQuantityOf(const std::string& metric) {
  static const std::pair<const char*, const char*> kPeak[] = {
      {"peak.cache.min_hit_ratio", "hit ratio"},
      {"peak.db.utilization", "DB utilization"},
      {"peak.db.queries_per_s", "DB queries/s"},
      {"peak.latency_ms.p99", "latency p99 (ms)"}};
  static const std::pair<const char*, const char*> kWindow[] = {
      {"cache.hit_ratio", "hit ratio"},
      {"db.utilization", "DB utilization"},
      {"db.wait_probability", "DB P(wait)"},
      {"db.mean_wait_ms", "DB mean wait (ms)"},
      {"latency_ms.mean", "latency mean (ms)"},
      {"latency_ms.p50", "latency p50 (ms)"},
      {"latency_ms.p99", "latency p99 (ms)"},
      {"staleness.stale_read_ratio", "stale reads / reads"}};
  for (const auto& [name, quantity] : kPeak) {
    if (metric == name) return quantity;
  }
  const size_t dot = metric.find('.');
  for (const auto& [name, quantity] : kWindow) {
    // The whole run's, or a window's ("steady.db.utilization").
    if (metric == name || (dot != std::string::npos && metric.substr(dot + 1) == name)) {
      return quantity;
    }
  }
  return {};
}

Slo ParseSlo(const std::string& text) {
  auto fail = [&](const std::string& what) {
    throw InputError(fmt::format("{}: {}", jsonread::FlagText("--slo", text), what));
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
  auto [end, ec] = FromChars(first, last, slo.threshold);
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
    throw InputError(fmt::format("{}: {} (a numeric field of summary.json); closest: {}",
                                 jsonread::FlagText("--slo", slo.text),
                                 jsonread::FlagText("unknown metric", slo.metric),
                                 fmt::join(close, ", ")));
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

  // ---- the probes ----
  std::map<int64_t, size_t> probed;  // candidate index -> probe
  // Runs the probes of `ks` at once (their replications share the threads),
  // in that order in out.probes. `at_most`: the progress display's bound.
  auto probe_batch = [&](const std::vector<int64_t>& ks, size_t at_most) {
    std::vector<PlanProbe> batch(ks.size());
    std::vector<std::vector<double>> margin(
        ks.size(), std::vector<double>(spec.slos.size(), std::numeric_limits<double>::infinity()));
    for (size_t j = 0; j < ks.size(); ++j) {
      PlanProbe& p = batch[j];
      p.value = FormatQuantity(c.At(ks[j]));
      if (spec.progress) spec.progress(out.probes.size() + j, at_most, p.value);
      p.meets = true;
      p.slo_metrics.resize(spec.slos.size());
      p.worst_at.resize(spec.slos.size());
    }
    // A replication whose database cannot keep up stops its arrivals and
    // cancels its probe's others: the probe fails whatever its SLOs say,
    // without running its remaining combinations. Whether some replication
    // is unstable does not depend on the timing, so the outcome is the same
    // on any number of threads.
    for (size_t u = 0; u < combos.size(); ++u) {
      std::vector<size_t> running;  // probes not stopped yet
      std::vector<Scenario> scenarios;
      for (size_t j = 0; j < batch.size(); ++j) {
        if (!batch[j].stopped.empty()) continue;
        running.push_back(j);
        scenarios.push_back(load(batch[j].value, combos[u]));
      }
      if (running.empty()) break;
      std::vector<ProbeRuns> runs(running.size());
      for (size_t i = 0; i < running.size(); ++i) runs[i].scenario = &scenarios[i];
      RunBatch(runs, out.seeds, spec.threads);
      out.runs += running.size() * out.seeds.size();
      for (size_t i = 0; i < running.size(); ++i) {
        PlanProbe& p = batch[running[i]];
        if (runs[i].unstable) {
          p.stopped = "database unstable: queries arrive faster than it serves them";
          if (!out.combinations[u].empty()) p.stopped += " (at " + out.combinations[u] + ")";
          p.meets = false;
          p.slo_metrics.clear();
          p.worst_at.clear();
          continue;
        }
        const std::vector<MetricStats> stats = SummarizeReplications(runs[i].summaries);
        for (size_t k = 0; k < spec.slos.size(); ++k) {
          const Slo& slo = spec.slos[k];
          auto it = std::find_if(stats.begin(), stats.end(),
                                 [&](const MetricStats& m) { return m.name == slo.metric; });
          // CheckSloMetrics: every summary has it. The combination with the
          // least room under its threshold speaks for the probe.
          if (const double room = SloMargin(slo, *it); room < margin[running[i]][k]) {
            margin[running[i]][k] = room;
            p.slo_metrics[k] = *it;
            p.worst_at[k] = out.combinations[u];
          }
        }
      }
    }
    for (size_t j = 0; j < batch.size(); ++j) {
      PlanProbe& p = batch[j];
      if (p.stopped.empty()) {
        for (size_t i = 0; i < spec.slos.size(); ++i) {
          if (!SloMet(spec.slos[i], p.slo_metrics[i])) p.meets = false;
        }
      }
      probed[ks[j]] = out.probes.size();
      out.probes.push_back(std::move(p));
    }
  };
  auto probe = [&](int64_t k, size_t at_most) -> const PlanProbe& {
    probe_batch({k}, at_most);
    return out.probes.back();
  };
  auto meets_at = [&](int64_t k) { return out.probes[probed.at(k)].meets; };
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
  // hi fails: lo (probed unless known) tells a parameter that is not
  // monotone from a range where nothing meets the SLOs.
  auto fail_at_hi = [&](size_t at_most) {
    const PlanProbe top = out.probes[probed.at(c.last)];
    if (c.last > 0 && (probed.count(0) ? meets_at(0) : probe(0, at_most).meets)) {
      throw InputError(fmt::format(
          "--minimize {}: not monotone: {} meets every SLO but the larger {} does not ({}); "
          "plan needs a parameter where larger is never worse",
          spec.pointer, out.lo, out.hi, violations(top)));
    }
    throw InputError(fmt::format(
        "{}: no value in the range meets the SLOs: at {} = {}, {} (widen --range or relax --slo)",
        where, spec.pointer, out.hi, violations(top)));
  };

  // ---- where the search starts ----
  const std::optional<int64_t> start = [&]() -> std::optional<int64_t> {
    PlanModelStart& ms = out.model_start;
    if (!spec.model_start) {
      ms.reason = "--no-model-start";
      return std::nullopt;
    }
    if (!spec.model) {
      ms.reason = "no model given";
      return std::nullopt;
    }
    std::vector<std::string> quantities;
    for (const Slo& slo : spec.slos) {
      quantities.push_back(ModelQuantityOf(slo.metric));
      if (quantities.back().empty()) {
        ms.reason = "the model does not predict " + slo.metric;
        return std::nullopt;
      }
    }
    // The model's verdict at candidate k: meets every SLO at its point value
    // at every combination; `why` non-empty when the model cannot tell.
    struct Verdict {
      bool meets = true;
      std::vector<double> predicted;  // per SLO, at the combination with the least room
      std::string why;
    };
    // The scenarios at candidate k, one per combination.
    auto scenarios_at = [&](int64_t k) {
      std::vector<Scenario> at;
      for (const auto& combo : combos) at.push_back(load(FormatQuantity(c.At(k)), combo));
      return at;
    };
    auto model_at = [&](int64_t k, const std::vector<Scenario>& scenarios) {
      Verdict v;
      const std::string value = FormatQuantity(c.At(k));
      v.predicted.assign(spec.slos.size(), std::numeric_limits<double>::quiet_NaN());
      std::vector<double> margin(spec.slos.size(), std::numeric_limits<double>::infinity());
      for (const Scenario& scenario : scenarios) {
        std::vector<PlanModelRow> rows;
        cancel::ThrowIfRequested();  // a model can take seconds: Ctrl-C between them
        try {
          rows = spec.model(scenario);
        } catch (const std::exception& e) {
          v.why = fmt::format("the model failed at {} = {}: {}", spec.pointer, value, e.what());
          return v;
        }
        auto row = [&](const std::string& quantity) -> const PlanModelRow* {
          for (const PlanModelRow& r : rows) {
            if (r.quantity == quantity) return &r;
          }
          return nullptr;
        };
        // An overloaded database (offered load >= connections) fails every
        // SLO, as a probe whose database cannot keep up does; the model then
        // has no waits nor latencies.
        const PlanModelRow* utilization = row("DB utilization");
        const bool overloaded = utilization && utilization->value && *utilization->value >= 1;
        if (overloaded) v.meets = false;
        for (size_t i = 0; i < spec.slos.size(); ++i) {
          const PlanModelRow* r = row(quantities[i]);
          if (r == nullptr) {
            v.why = "the model has no " + quantities[i];
            return v;
          }
          if (!r->value) {
            if (overloaded) continue;
            v.why = fmt::format("the model has no {} at {} = {} ({})", quantities[i], spec.pointer,
                                value, r->note);
            return v;
          }
          const MetricStats m{spec.slos[i].metric, *r->value, std::nullopt, std::nullopt};
          if (!SloMet(spec.slos[i], m)) v.meets = false;
          if (const double room = SloMargin(spec.slos[i], m); room < margin[i]) {
            margin[i] = room;
            v.predicted[i] = *r->value;
          }
        }
      }
      return v;
    };
    auto predictions = [&](const Verdict& v) {
      std::vector<std::string> parts;
      for (size_t i = 0; i < spec.slos.size(); ++i) {
        parts.push_back(std::isnan(v.predicted[i])
                            ? spec.slos[i].metric + " n/a (database overloaded)"
                            : fmt::format("{} {:.4g}", spec.slos[i].metric, v.predicted[i]));
      }
      return fmt::format("{}", fmt::join(parts, ", "));
    };
    // The model alone, bisected like the simulations: hi and lo (at once:
    // the model is pure, and a capacity's cold-start hit ratio over many keys
    // takes it seconds), then halvings.
    const std::vector<int64_t> ends =
        c.last > 0 ? std::vector<int64_t>{c.last, 0} : std::vector<int64_t>{c.last};
    std::vector<std::vector<Scenario>> at_ends;
    for (int64_t k : ends) at_ends.push_back(scenarios_at(k));
    std::vector<Verdict> verdicts(ends.size());
    ParallelFor(ends.size(), spec.threads,
                [&](size_t i) { verdicts[i] = model_at(ends[i], at_ends[i]); });
    Verdict meets = verdicts[0];
    if (!meets.why.empty()) {
      ms.reason = meets.why;
      return std::nullopt;
    }
    if (!meets.meets) {
      ms.reason =
          fmt::format("the model predicts that no value in the range meets the SLOs (at {}: {})",
                      out.hi, predictions(meets));
      return std::nullopt;
    }
    int64_t fails = -1, at = c.last;
    if (c.last > 0) {
      Verdict v = std::move(verdicts[1]);
      if (!v.why.empty()) {
        ms.reason = v.why;
        return std::nullopt;
      }
      if (v.meets) {
        at = 0;
        meets = std::move(v);
      } else {
        fails = 0;
      }
    }
    while (at - fails > 1) {
      const int64_t mid = fails + (at - fails) / 2;
      Verdict v = model_at(mid, scenarios_at(mid));
      if (!v.why.empty()) {
        ms.reason = v.why;
        return std::nullopt;
      }
      if (v.meets) {
        at = mid;
        meets = std::move(v);
      } else {
        fails = mid;
      }
    }
    ms.value = FormatQuantity(c.At(at));
    ms.predicted = meets.predicted;
    return at;
  }();
  if (!start) {
    // Bisection: both ends, then one halving of [fails, meets] per probe.
    const size_t at_most = 2 + BisectionWorst(c.last);
    if (!probe(c.last, at_most).meets) fail_at_hi(at_most);
    if (c.last == 0 || probe(0, at_most).meets) {
      out.answer = probed.at(0);
      return out;
    }
    int64_t fails = 0, meets = c.last;
    while (meets - fails > 1) {
      const int64_t mid = fails + (meets - fails) / 2;
      (probe(mid, at_most).meets ? meets : fails) = mid;
    }
    out.answer = probed.at(meets);
    out.below = probed.at(fails);
    return out;
  }

  // ---- from the model's answer s ----
  const int64_t s = *start;
  auto bisect = [&](int64_t fails, int64_t meets) {
    while (meets - fails > 1) {
      const int64_t mid = fails + (meets - fails) / 2;
      const size_t at_most = out.probes.size() + BisectionWorst(meets - fails);
      (probe(mid, at_most).meets ? meets : fails) = mid;
    }
    out.answer = probed.at(meets);
    out.below = probed.at(fails);
    return out;
  };
  probe_batch(s > 0 ? std::vector<int64_t>{s, s - 1} : std::vector<int64_t>{s},
              StartWorst(s, c.last));
  if (meets_at(s)) {
    if (s == 0) {
      out.answer = probed.at(0);
      return out;
    }
    if (!meets_at(s - 1)) return bisect(s - 1, s);
    // Both meet: gallop down until a value fails or lo meets.
    int64_t m = s - 1;
    for (int64_t d = 2;; d *= 2) {
      if (m == 0) {
        out.answer = probed.at(0);
        return out;
      }
      const int64_t k = std::max<int64_t>(0, s - d);
      if (!probe(k, out.probes.size() + GallopDownWorst(s, m, d)).meets) return bisect(k, m);
      m = k;
    }
  }
  // s fails (whatever s - 1 did: under monotonicity it fails too): gallop up
  // until a value meets; hi failing ends the plan as it does without the model.
  int64_t fails = s;
  for (int64_t d = 1;; d *= 2) {
    const bool lo_known = probed.count(0) > 0;
    if (fails == c.last) fail_at_hi(out.probes.size() + (lo_known ? 0 : 1));
    const int64_t k = d >= c.last - s ? c.last : s + d;
    if (probe(k, out.probes.size() + GallopUpWorst(s, fails, d, c.last, lo_known)).meets) {
      return bisect(fails, k);
    }
    fails = k;
  }
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
  const PlanModelStart& ms = r.model_start;
  if (!ms.value.empty()) {
    std::vector<std::string> parts;
    for (size_t i = 0; i < s.slos.size() && i < ms.predicted.size(); ++i) {
      parts.push_back(fmt::format("{} {:.4g}", s.slos[i].metric, ms.predicted[i]));
    }
    out += fmt::format("search started at the model's answer {} (model: {} at {})\n\n", ms.value,
                       fmt::join(parts, ", "), ms.value);
  } else {
    out += fmt::format(
        "search: bisection from the ends of the range (model start not used: {})\n\n", ms.reason);
  }
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
  const PlanModelStart& ms = r.model_start;
  json predicted = nullptr;
  if (!ms.value.empty()) {
    predicted = json::object();
    for (size_t i = 0; i < r.spec.slos.size() && i < ms.predicted.size(); ++i) {
      predicted[r.spec.slos[i].metric] = RoundSignificant(ms.predicted[i]);
    }
  }
  json model_start = {{"value", ms.value.empty() ? json(nullptr) : OverrideValueJson(ms.value)},
                      {"predicted", std::move(predicted)},
                      {"not_used", ms.value.empty() ? json(ms.reason) : json(nullptr)}};
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
          {"model_start", std::move(model_start)},
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
