#include "analysis/live/twin.h"

#include <fmt/format.h>

#include <cmath>

#include "analysis/experiments/compare.h"
#include "analysis/outputs/run_outputs.h"
#include "analysis/scenario/run.h"
#include "sim/model/workload.h"

namespace cachelab::live {

namespace {

double Variance(const DistributionConfig& d) {
  switch (d.kind) {
    case DistributionConfig::Kind::kConstant:
      return 0;
    case DistributionConfig::Kind::kExponential:
      return d.mean * d.mean;
    case DistributionConfig::Kind::kLognormal:
      return d.mean * d.mean * std::expm1(d.sigma * d.sigma);
    case DistributionConfig::Kind::kUniform:
      return (d.max - d.min) * (d.max - d.min) / 12;
  }
  return 0;
}

double Mean(const DistributionConfig& d) {
  return d.kind == DistributionConfig::Kind::kUniform ? (d.min + d.max) / 2 : d.mean;
}

// X + Y (independent) as a lognormal with the sum's mean and variance.
nlohmann::json SumAsLognormal(const DistributionConfig& x, const DistributionConfig& y) {
  const double mean = Mean(x) + Mean(y);
  const double var = Variance(x) + Variance(y);
  const double sigma = mean > 0 ? std::sqrt(std::log1p(var / (mean * mean))) : 0;
  return {
      {"kind", "lognormal"},
      {"mean", FormatDuration(Duration::Micros(std::max<int64_t>(1, std::llround(mean / 1000))))},
      {"sigma", std::round(sigma * 1000) / 1000}};
}

TwinRow Row(std::string metric, double sim, double live, std::string tolerance, bool ok) {
  return TwinRow{std::move(metric), sim, live, std::move(tolerance), ok};
}

TwinRow Shown(std::string metric, double sim, double live) {
  return TwinRow{std::move(metric), sim, live, "", true};
}

}  // namespace

bool TwinResult::all_ok() const {
  for (const TwinRow& r : rows) {
    if (!r.ok) return false;
  }
  return true;
}

std::vector<TwinRow> CompareTwins(const Summary& s, const Summary& l, const std::string& guard) {
  std::vector<TwinRow> rows;
  const auto q_sim = static_cast<double>(s.db.queries), q_live = static_cast<double>(l.db.queries);
  rows.push_back(Shown("requests", static_cast<double>(s.requests.total),
                       static_cast<double>(l.requests.total)));
  rows.push_back(Row("hit ratio", s.cache.hit_ratio, l.cache.hit_ratio, "±0.02",
                     std::fabs(s.cache.hit_ratio - l.cache.hit_ratio) <= 0.02));
  rows.push_back(Row("DB queries", q_sim, q_live, "±10%",
                     std::fabs(q_live - q_sim) <= 0.10 * std::max(q_sim, 1.0)));
  rows.push_back(Shown("DB peak queue", static_cast<double>(s.db.peak_queue_depth),
                       static_cast<double>(l.db.peak_queue_depth)));
  rows.push_back(Shown("DB utilization", s.db.utilization, l.db.utilization));
  rows.push_back(Shown("p50 ms", s.latency_ms.p50, l.latency_ms.p50));
  rows.push_back(Shown("p99 ms", s.latency_ms.p99, l.latency_ms.p99));
  rows.push_back(Shown("failed requests", static_cast<double>(s.requests.failed),
                       static_cast<double>(l.requests.failed)));
  auto both = [](uint64_t a, uint64_t b) { return (a == 0) == (b == 0); };
  rows.push_back(Row("stale reads", static_cast<double>(s.staleness.stale_reads),
                     static_cast<double>(l.staleness.stale_reads), "both 0 or both > 0",
                     both(s.staleness.stale_reads, l.staleness.stale_reads)));
  rows.push_back(Shown("max stale age ms", s.staleness.max_age_ms, l.staleness.max_age_ms));
  const uint64_t mc_s = s.stampede.max_concurrent_loads, mc_l = l.stampede.max_concurrent_loads;
  const auto mc_sim = static_cast<double>(mc_s), mc_live = static_cast<double>(mc_l);
  if (mc_s > 1) {
    // Overlapping loads of one key predicted (no guard, or a lease or lock
    // that a write's delete or the lock's expiry handed on): live shows them.
    rows.push_back(Row("max concurrent loads", mc_sim, mc_live, "> 1 live too", mc_l > 1));
  } else if (guard == "lock" || guard == "lease") {
    // The guards that promise one load per key at a time.
    rows.push_back(Row("max concurrent loads", mc_sim, mc_live, "<= 1 (lock, lease)", mc_l <= 1));
  } else {
    // A prediction of no overlap without such a guard is not judged: live
    // loads under load take longer than the calibrated ones (README,
    // "Simulated vs real").
    rows.push_back(Shown("max concurrent loads", mc_sim, mc_live));
  }
  rows.push_back(Shown("duplicate loads", static_cast<double>(s.stampede.duplicate_loads),
                       static_cast<double>(l.stampede.duplicate_loads)));
  rows.push_back(Row("lost writes", static_cast<double>(s.writes.lost),
                     static_cast<double>(l.writes.lost), "both 0 or both > 0",
                     both(s.writes.lost, l.writes.lost)));
  return rows;
}

Scenario CalibratedScenario(const Scenario& scenario, const Calibration& c, bool emulated_db) {
  nlohmann::json j = ApplyCalibration(scenario.resolved, c);
  if (emulated_db) {
    j["database"]["read"] = SumAsLognormal(scenario.world.database.read_service, c.db_read.dist());
    j["database"]["write"] =
        SumAsLognormal(scenario.world.database.write_service, c.db_write.dist());
  }
  return LoadScenarioText(j.dump(), scenario.source + " (calibrated)");
}

TwinResult RunTwin(const Scenario& scenario, const TwinOptions& options) {
  CheckLiveForm(scenario, !options.live.redis_url.empty());
  TwinResult t;
  CalibrateOptions co = options.calibrate;
  co.redis_url = options.live.redis_url;
  co.postgres_url = options.live.postgres_url;
  co.verbose = options.live.verbose;
  const DistributionConfig& size = scenario.world.workload.value_size;
  co.value_size = static_cast<uint32_t>(std::max(1.0, std::round(Mean(size))));
  co.entry_sizes =
      Workload(scenario.world.workload, scenario.world.duration, scenario.world.seed).sizes();
  t.calibration = Calibrate(co);
  t.calibrated = CalibratedScenario(scenario, t.calibration, options.live.emulate_db_service);
  t.live = RunLive(scenario, options.live);
  t.simulated = RunScenario(t.calibrated);
  t.rows = CompareTwins(t.simulated.summary, t.live.summary, scenario.stack.guard.name);
  return t;
}

std::string FormatTwinTable(const TwinResult& t) {
  std::string out = fmt::format("{:<22} {:>14} {:>14} {:>12}   {:<22} {}\n", "", "simulated",
                                "live", "difference", "tolerance", "");
  for (const TwinRow& r : t.rows) {
    const bool ratio = r.metric == "hit ratio" || r.metric == "DB utilization";
    const std::string fmt_s = ratio ? "{:.4f}" : "{:.6g}";
    const std::string diff =
        ratio ? fmt::format("{:+.4f}", r.live - r.simulated)
        : r.simulated != 0
            ? fmt::format("{:+.1f}%", 100 * (r.live - r.simulated) / std::fabs(r.simulated))
            : fmt::format("{:+.6g}", r.live - r.simulated);
    out += fmt::format("{:<22} {:>14} {:>14} {:>12}   {:<22} {}\n", r.metric,
                       fmt::format(fmt::runtime(fmt_s), r.simulated),
                       fmt::format(fmt::runtime(fmt_s), r.live), diff,
                       r.tolerance.empty() ? "-" : r.tolerance,
                       r.tolerance.empty() ? "" : (r.ok ? "ok" : "OUTSIDE"));
  }
  if (t.live.summary.live) {
    const Summary::Live& l = *t.live.summary.live;
    out += fmt::format(
        "\nlive: Redis {}, PostgreSQL {}; {:.0f} of {:.0f} req/s issued, generator lag p99 {:.2f} "
        "ms (max {:.1f} ms), {} late, {} dropped\n",
        l.redis_version, l.postgres_version, l.achieved_rate, l.target_rate, l.lag_p99_ms,
        l.lag_max_ms, l.late_requests, l.dropped_requests);
  }
  out += t.all_ok() ? "twin: every judged figure is inside its tolerance\n"
                    : "twin: some judged figures are OUTSIDE their tolerance\n";
  return out;
}

std::vector<std::pair<std::string, std::string>> TwinFiles(const Scenario& scenario,
                                                           const TwinResult& t) {
  CompareResult cr;
  cr.name = scenario.name;
  cr.variants.push_back(
      {{{"/world", "simulated"}}, {"simulated"}, "simulated", t.calibrated, t.simulated});
  cr.variants.push_back({{{"/world", "live"}}, {"live"}, "live", scenario, t.live});
  std::vector<std::pair<std::string, std::string>> files = CompareFiles(cr);
  nlohmann::json rows = nlohmann::json::array();
  for (const TwinRow& r : t.rows) {
    rows.push_back({{"metric", r.metric},
                    {"simulated", RoundSignificant(r.simulated)},
                    {"live", RoundSignificant(r.live)},
                    {"tolerance", r.tolerance},
                    {"ok", r.ok}});
  }
  const nlohmann::json twin = {{"scenario", scenario.name},
                               {"all_ok", t.all_ok()},
                               {"rows", rows},
                               {"calibration", CalibrationToJson(t.calibration)}};
  files.emplace_back("twin.json", twin.dump(2) + "\n");
  files.emplace_back("scenario.calibrated.json", t.calibrated.resolved.dump(2) + "\n");
  return files;
}

}  // namespace cachelab::live
