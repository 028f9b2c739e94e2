#include "analysis/experiments/cost_plan.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <numeric>

#include "analysis/common/atomic_files.h"
#include "analysis/common/errors.h"
#include "analysis/experiments/value_list.h"
#include "analysis/outputs/run_outputs.h"
#include "analysis/scenario/cost.h"

namespace cachelab {

namespace {

using json = nlohmann::json;

// What explains a verdict, when the summary has it: the objective first.
constexpr const char* kExplain[] = {"cost.per_month",
                                    "cache.hit_ratio",
                                    "cluster.max_cpu_utilization",
                                    "cluster.max_net_utilization",
                                    "memory.ram_utilization",
                                    "db.utilization"};

const MetricStats* FindMetric(const std::vector<MetricStats>& all, const std::string& name) {
  for (const MetricStats& m : all) {
    if (m.name == name) return &m;
  }
  return nullptr;
}

// An outcome's name in plan.json and its words in the table.
struct OutcomeWords {
  const char* name;
  const char* text;
};
OutcomeWords Words(CostCandidate::Outcome o) {
  switch (o) {
    case CostCandidate::Outcome::kNotNeeded:
      return {"not needed", "not needed (a cheaper one meets)"};
    case CostCandidate::Outcome::kImplied:
      return {"implied failure", "fails (implied)"};
    case CostCandidate::Outcome::kMeets:
      return {"meets", "MEETS"};
    case CostCandidate::Outcome::kFails:
      return {"fails", "fails"};
    case CostCandidate::Outcome::kUnstable:
      return {"unstable", "fails (database unstable)"};
  }
  return {"", ""};
}

// `a` is no more capable than `b` in every list.
bool NoLarger(const CostCandidate& a, const CostCandidate& b) {
  for (size_t i = 0; i < a.position.size(); ++i) {
    if (a.position[i] > b.position[i]) return false;
  }
  return true;
}

}  // namespace

CostPlanResult RunCostPlan(const CostPlanSpec& spec) {
  CostPlanResult out;
  out.spec = spec;
  if (spec.slos.empty()) throw InputError("--slo: give at least one objective");
  if (spec.candidates.empty()) {
    throw InputError(
        "--minimize cost: give the candidates, e.g. --candidates '/cache/node_type=small,large' "
        "--candidates '/cache/cluster/nodes=1..8'");
  }
  if (spec.replications < 2) {
    throw InputError(fmt::format(
        "--replications: plan needs at least 2 (the SLOs are checked at the confidence bound), "
        "got {}",
        spec.replications));
  }
  for (size_t i = 0; i < spec.candidates.size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      if (spec.candidates[i].pointer == spec.candidates[j].pointer) {
        throw InputError("--candidates " + spec.candidates[i].text + ": " +
                         spec.candidates[i].pointer + " is in another --candidates already");
      }
    }
    if (spec.candidates[i].pointer == "/seed") {
      throw InputError("--candidates " + spec.candidates[i].text + ": the seed is no candidate");
    }
  }
  auto load = [&](const std::vector<Override>& values) {
    std::vector<Override> all = spec.sets;
    all.insert(all.end(), values.begin(), values.end());
    return spec.scenario_path.empty() ? LoadDefaultScenario(all)
                                      : LoadScenarioFile(spec.scenario_path, all);
  };

  // Every candidate loads (bad values show before anything runs) and is priced.
  const std::vector<std::vector<Override>> combos = Combinations(spec.candidates, "--candidates");
  std::vector<Scenario> scenarios;
  scenarios.reserve(combos.size());
  for (size_t c = 0; c < combos.size(); ++c) {
    Scenario s = load(combos[c]);
    if (c == 0) {
      CheckSloMetrics(spec.slos, SummaryMetricNames(s.world.metrics));
      if (!s.cost.Priced()) {
        throw InputError(
            "--minimize cost: the scenario prices nothing; give its /cost block (prices per "
            "hour of a cache node, node types, the database)");
      }
      out.name = s.name;
      out.currency = s.cost.currency;
      out.seeds = ReplicationSeeds(s.world.seed, spec.replications);
      for (const Slo& slo : spec.slos) {
        out.slo_windows.push_back(SloWindow(slo, s.world.metrics, s.world.duration));
      }
    }
    CostCandidate k;
    std::vector<std::string> parts;
    for (size_t i = 0; i < combos[c].size(); ++i) {
      const Override& o = combos[c][i];
      k.values.push_back(o.value);
      const std::vector<std::string>& list = spec.candidates[i].values;
      k.position.push_back(
          static_cast<size_t>(std::find(list.begin(), list.end(), o.value) - list.begin()));
      parts.push_back(o.pointer + "=" + o.value);
    }
    k.label = fmt::format("{}", fmt::join(parts, " "));
    const WorldConfig& w = s.world;
    Summary none;
    k.instance_per_month = MonthlyCost(s.cost, w.cache.enabled ? w.cache.cluster.servers() : 0,
                                       w.database.replicas.count, none)
                               ->per_month;
    out.candidates.push_back(std::move(k));
    scenarios.push_back(std::move(s));
  }
  // Cheapest first; ties keep --candidates order.
  std::vector<size_t> order(out.candidates.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return out.candidates[a].instance_per_month < out.candidates[b].instance_per_month;
  });
  {
    std::vector<CostCandidate> sorted;
    std::vector<Scenario> sorted_scenarios;
    for (size_t i : order) {
      sorted.push_back(std::move(out.candidates[i]));
      sorted_scenarios.push_back(std::move(scenarios[i]));
    }
    out.candidates = std::move(sorted);
    scenarios = std::move(sorted_scenarios);
  }

  std::optional<size_t> answer;
  size_t ran = 0;
  for (size_t i = 0; i < out.candidates.size() && !answer; ++i) {
    CostCandidate& k = out.candidates[i];
    for (size_t f = 0; f < i; ++f) {
      const CostCandidate& failed = out.candidates[f];
      const bool fails = failed.outcome == CostCandidate::Outcome::kFails ||
                         failed.outcome == CostCandidate::Outcome::kUnstable;
      if (fails && NoLarger(k, failed)) {
        k.outcome = CostCandidate::Outcome::kImplied;
        k.implied_by = f;
        break;
      }
    }
    if (k.implied_by) continue;
    if (spec.progress) spec.progress(ran, out.candidates.size(), k.label);
    ++ran;
    std::atomic<bool> unstable{false};
    const std::vector<json> summaries =
        RunReplications(scenarios[i], out.seeds, spec.threads, &unstable);
    out.runs += out.seeds.size();
    if (unstable.load()) {
      k.outcome = CostCandidate::Outcome::kUnstable;
      k.stopped = "some replication's database could not keep up";
      k.slo_met.assign(spec.slos.size(), false);
      continue;
    }
    const std::vector<MetricStats> stats = SummarizeReplications(summaries);
    bool meets = true;
    for (const Slo& slo : spec.slos) {
      const MetricStats* m = FindMetric(stats, slo.metric);
      // CheckSloMetrics passed: every summary has the SLO's metric.
      k.slo_metrics.push_back(m != nullptr ? *m : MetricStats{slo.metric, 0, std::nullopt, {}});
      k.slo_met.push_back(m != nullptr && SloMet(slo, *m));
      meets = meets && k.slo_met.back();
    }
    for (const char* name : kExplain) {
      if (const MetricStats* m = FindMetric(stats, name)) k.explain.push_back(*m);
    }
    k.outcome = meets ? CostCandidate::Outcome::kMeets : CostCandidate::Outcome::kFails;
    if (meets) answer = i;
  }
  if (!answer) {
    const CostCandidate& top = out.candidates.back();
    std::string why = "its database could not keep up";
    if (top.outcome == CostCandidate::Outcome::kFails) {
      std::vector<std::string> violated;
      for (size_t s = 0; s < spec.slos.size(); ++s) {
        if (!top.slo_met[s]) {
          violated.push_back(fmt::format("{} ({})", spec.slos[s].text, MeanCi(top.slo_metrics[s])));
        }
      }
      why = fmt::format("it violates {}", fmt::join(violated, ", "));
    } else if (top.outcome == CostCandidate::Outcome::kImplied) {
      why = "it is no larger than a failing candidate";
    }
    throw InputError(fmt::format(
        "no candidate meets the SLOs; the most expensive, {} ({:.2f} {} a month): {} (add larger "
        "candidates or relax an --slo)",
        top.label, top.instance_per_month, out.currency, why));
  }
  out.answer = *answer;
  return out;
}

std::string FormatCostPlan(const CostPlanResult& r) {
  const CostPlanSpec& s = r.spec;
  std::string out = fmt::format(
      "{}: the cheapest candidate meeting every SLO at the 95% confidence bound\n"
      "{} replications per candidate, seeds {}; SLOs:",
      r.name, r.seeds.size(), fmt::join(r.seeds, ", "));
  for (size_t i = 0; i < s.slos.size(); ++i) {
    out += fmt::format(" {} ({})", s.slos[i].text, r.slo_windows[i]);
  }
  const CostCandidate& a = r.candidates[r.answer];
  size_t probed = 0;
  for (const CostCandidate& k : r.candidates) {
    probed += k.outcome == CostCandidate::Outcome::kMeets ||
              k.outcome == CostCandidate::Outcome::kFails ||
              k.outcome == CostCandidate::Outcome::kUnstable;
  }
  out +=
      fmt::format("\n\nanswer: {}, {:.2f} {} a month ({} of {} candidates run, {} simulations)\n\n",
                  a.label, a.explain.empty() ? a.instance_per_month : a.explain.front().mean,
                  r.currency, probed, r.candidates.size(), r.runs);
  out += fmt::format("{:<44} {:>12}  {:<34} {}\n", "candidate", "instances/mo", "verdict",
                     "figures (mean ± ci95)");
  for (size_t i = 0; i < r.candidates.size(); ++i) {
    const CostCandidate& k = r.candidates[i];
    std::string figures;
    if (k.outcome == CostCandidate::Outcome::kImplied) {
      figures = "as " + r.candidates[*k.implied_by].label + " (no larger in any list)";
    } else if (k.outcome == CostCandidate::Outcome::kUnstable) {
      figures = k.stopped;
    } else if (k.outcome != CostCandidate::Outcome::kNotNeeded) {
      std::vector<std::string> parts;
      for (size_t j = 0; j < s.slos.size(); ++j) {
        parts.push_back(fmt::format("{} {}{}", s.slos[j].metric, MeanCi(k.slo_metrics[j]),
                                    k.slo_met[j] ? "" : " VIOLATED"));
      }
      for (const MetricStats& m : k.explain) {
        parts.push_back(fmt::format("{} {}", m.name, MeanCi(m)));
      }
      figures = fmt::format("{}", fmt::join(parts, ", "));
    }
    out += fmt::format("{:<44} {:>12.2f}  {:<34} {}\n", k.label, k.instance_per_month,
                       Words(k.outcome).text, figures);
  }
  return out;
}

json CostPlanToJson(const CostPlanResult& r) {
  json candidates = json::array();
  for (const CostCandidate& k : r.candidates) {
    json c = {{"label", k.label},
              {"values", k.values},
              {"instance_per_month", RoundSignificant(k.instance_per_month)},
              {"outcome", Words(k.outcome).name}};
    if (k.implied_by) c["implied_by"] = r.candidates[*k.implied_by].label;
    if (!k.stopped.empty()) c["stopped"] = k.stopped;
    if (!k.slo_metrics.empty()) {
      json slos = json::array();
      for (size_t j = 0; j < k.slo_metrics.size(); ++j) {
        json m = MetricStatsJson(k.slo_metrics[j]);
        m["slo"] = r.spec.slos[j].text;
        m["metric"] = r.spec.slos[j].metric;
        m["met"] = static_cast<bool>(k.slo_met[j]);
        slos.push_back(std::move(m));
      }
      c["slos"] = std::move(slos);
      json explain = json::object();
      for (const MetricStats& m : k.explain) explain[m.name] = MetricStatsJson(m);
      c["figures"] = std::move(explain);
    }
    candidates.push_back(std::move(c));
  }
  json lists = json::array();
  for (const Grid& g : r.spec.candidates)
    lists.push_back({{"pointer", g.pointer}, {"values", g.values}});
  json slos = json::array();
  for (size_t i = 0; i < r.spec.slos.size(); ++i) {
    slos.push_back({{"slo", r.spec.slos[i].text}, {"window", r.slo_windows[i]}});
  }
  return {{"scenario", r.name},
          {"minimize", "cost"},
          {"currency", r.currency},
          {"candidate_lists", std::move(lists)},
          {"slos", std::move(slos)},
          {"replications", r.seeds.size()},
          {"seeds", r.seeds},
          {"runs", r.runs},
          {"answer", r.candidates[r.answer].label},
          {"candidates", std::move(candidates)}};
}

void WriteCostPlanOutputs(const std::string& dir, const CostPlanResult& r) {
  WriteFolderAtomically(dir, {{"plan.json", CostPlanToJson(r).dump(2) + "\n"}});
}

}  // namespace cachelab
