// XFetch (Vattani, Chierichetti & Lowenstein, VLDB 2015): a hit with r of its
// TTL left reloads with probability exp(-r / (beta * delta)), so hot keys are
// reloaded by one request shortly before they expire instead of by every
// request that arrives during the reload after they expired.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <string>
#include <unordered_map>
#include <vector>

#include "analysis/common/errors.h"
#include "analysis/scenario/scenario.h"
#include "policies/run.h"
#include "tests/policies/guard/hot_keys.h"

using namespace cachelab;

namespace {

// The remaining TTL at which each refresh cycle's first reload was decided,
// read off the key's trace: a cycle starts at a SET of the key and ends at
// the first request that decides to recompute (its GET's "(Xs left)") or, if
// none did, at the first miss (lead 0: the entry expired).
std::vector<double> FirstRefreshLeads(const KeyTrace& trace) {
  std::vector<double> leads;
  std::unordered_map<uint64_t, double> remaining;  // by request: its GET hit's TTL left
  bool armed = false;
  for (const TraceEvent& e : trace.events()) {
    if (e.actor == "cache" && e.text.rfind("SET ", 0) == 0) {
      armed = true;
    } else if (e.actor == "cache" && e.text.rfind("GET hit", 0) == 0) {
      remaining[e.request] = std::stod(e.text.substr(e.text.find('(') + 1));
    } else if (armed && e.actor == "app" && e.text == "xfetch: recompute early") {
      leads.push_back(remaining.at(e.request));
      armed = false;
    } else if (armed && e.actor == "cache" && e.text == "GET miss") {
      leads.push_back(0);
      armed = false;
    }
  }
  return leads;
}

// P(lead <= tau) for Poisson arrivals at rate lambda: no arrival decided while
// the remaining TTL went from ttl down to tau. Arrivals at remaining r decide
// with probability exp(-r / bd), bd = beta * delta, so the decisions form a
// Poisson process of intensity lambda * exp(-r / bd) in r, and
//   P(lead <= tau) = exp(-lambda * bd * (exp(-tau / bd) - exp(-ttl / bd))),
// a Gumbel law (location bd * ln(lambda * bd), scale bd) cut at 0, where the
// atom is the chance that the entry expired unrefreshed.
double LeadCdf(double tau, double lambda, double bd, double ttl) {
  return std::exp(-lambda * bd * (std::exp(-tau / bd) - std::exp(-ttl / bd)));
}

}  // namespace

TEST_CASE("xfetch makes expiry-time stampedes of hot keys rare", "[policies][guard][xfetch]") {
  // Four keys at 1000 reads/s each (after a 2 s warm-up at 5/s each, so the
  // cold start loads each key about once), TTL 10 s, loads of 50 ms: without
  // a guard every expiry sends the ~50 reads of one load time to the
  // database at once.
  // XFetch reloads about beta * delta * ln(lambda * beta * delta) ~ 0.2 s
  // before expiry; a second reload only starts if another read in that load's
  // 50 ms also decides to, with probability exp(-0.2 / 0.05) ~ 2% each.
  const WorldConfig world = test::WarmThenHot(4, 20, Duration::Seconds(2), 4000,
                                              Duration::Millis(50), Duration::Seconds(120));
  const RunResult none = RunSimulation(world, test::Guarded("none", Duration::Seconds(10)));
  Params beta;
  beta.Set("beta", 1.0);
  const RunResult xf = RunSimulation(world, test::Guarded("xfetch", Duration::Seconds(10), beta));
  INFO("duplicate loads: none " << none.summary.stampede.duplicate_loads << ", xfetch "
                                << xf.summary.stampede.duplicate_loads);
  INFO("max concurrent loads: none " << none.summary.stampede.max_concurrent_loads << ", xfetch "
                                     << xf.summary.stampede.max_concurrent_loads);
  INFO("misses: none " << none.summary.cache.misses << ", xfetch " << xf.summary.cache.misses);
  REQUIRE(none.summary.stampede.duplicate_loads > 0);
  CHECK(xf.summary.stampede.duplicate_loads * 10 < none.summary.stampede.duplicate_loads);
  CHECK(xf.summary.stampede.max_concurrent_loads * 4 <= none.summary.stampede.max_concurrent_loads);
  CHECK(xf.summary.guard.early_refreshes > 0);
  // After the cold start the hot keys never expire: only the first reads miss,
  // the same ones as without a guard (same arrivals).
  const uint64_t cold = test::MissesUntil(none, Duration::Seconds(10));
  CHECK(xf.summary.cache.misses == cold);
  CHECK(none.summary.cache.misses > cold);
  // Early refreshes are answered from a found entry: reported as hits.
  CHECK(xf.summary.cache.hits + xf.summary.cache.misses == xf.summary.requests.reads);
}

TEST_CASE("xfetch refresh lead times follow the Gumbel law of exp(-tau / (beta delta))",
          "[policies][guard][xfetch]") {
  // One key read at lambda = 100/s, a constant 50 ms load (so every cached
  // delta is exactly 50 ms), a zero cache round trip (so the TTL left at a
  // read is exactly ttl minus the time since the fill) and TTL 1 s: about a
  // thousand refresh cycles, each giving one lead time. The trace of the key
  // says at which TTL left each cycle's first reload was decided.
  const double beta = GENERATE(0.5, 1.0, 2.0);
  const double lambda = 100, delta = 0.05, ttl = 1.0, bd = beta * delta;
  WorldConfig world = test::HotKeys(1, lambda, Duration::Millis(50), Duration::Seconds(1000));
  world.cache.rtt = test::Constant(0);
  Params p;
  p.Set("beta", beta);
  KeyTrace trace(0, Time::Zero(), Time::Max());
  RunOptions options;
  options.trace = &trace;
  const RunResult r =
      RunSimulation(world, test::Guarded("xfetch", Duration::FromSecondsF(ttl), p), options);
  const std::vector<double> leads = FirstRefreshLeads(trace);
  const double n = static_cast<double>(leads.size());
  REQUIRE(leads.size() > 500);

  // Kolmogorov-Smirnov distance to the law above, on a 1 ms grid (a sup over
  // fewer points is never larger, so the bound stays valid). 1.95 / sqrt(n)
  // is the 0.1% critical value: a correct module fails with odds 1 in 1000
  // for this fixed seed; a wrong beta or delta (x2) moves the CDF by > 0.2.
  double ks = 0;
  for (double tau = 0; tau < ttl; tau += 0.001) {
    const double below =
        static_cast<double>(
            std::count_if(leads.begin(), leads.end(), [&](double x) { return x <= tau + 1e-9; })) /
        n;
    ks = std::max(ks, std::abs(below - LeadCdf(tau, lambda, bd, ttl)));
  }
  // The mean lead against E[lead] = integral of P(lead > tau), within four
  // standard errors of the theoretical spread. (The three betas share the
  // seed, hence arrivals and draws: their deviations are correlated, not three
  // independent confirmations; other seeds scatter both ways.)
  double mean = 0, second = 0;
  const double step = 1e-5;
  for (double tau = step / 2; tau < ttl; tau += step) {
    const double tail = 1 - LeadCdf(tau, lambda, bd, ttl);
    mean += tail * step;
    second += 2 * tau * tail * step;
  }
  const double sd = std::sqrt(second - mean * mean);
  double observed = 0;
  for (double x : leads) observed += x;
  observed /= n;
  INFO("beta " << beta << ": " << leads.size() << " cycles, KS distance " << ks << ", mean lead "
               << observed << " s vs theory " << mean << " s (sd " << sd << " s); early refreshes "
               << r.summary.guard.early_refreshes);
  CHECK(ks < 1.95 / std::sqrt(n));
  CHECK(std::abs(observed - mean) < 4 * sd / std::sqrt(n));
}

TEST_CASE("xfetch rejects a beta that is not positive", "[policies][guard][xfetch]") {
  const std::string value = GENERATE("0", "-1");
  const std::string text = R"({"name": "t", "duration": "10s",
    "workload": {"rate": {"kind": "constant", "rps": 100}},
    "cache": {"capacity": "1MiB"},
    "policies": {"guard": {"name": "xfetch", "params": {"beta": )" +
                           value + "}}}}";
  try {
    LoadScenarioText(text, "x.json");
    FAIL("beta " << value << " was accepted");
  } catch (const InputError& e) {
    CHECK(std::string(e.what()) ==
          "x.json: /policies/guard/params/beta: must be > 0, got " + value);
  }
}
