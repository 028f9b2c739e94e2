// Workload fitting (analysis/models/fit.h): each estimator recovers the parameters
// of data drawn with known ones, the trace pass counts what the world would
// serve, and the fitted scenario loads and carries the fit. The round trip
// closes the loop: a trace drawn by the fitted scenario's own Workload fits
// back to that scenario's parameters.
#include "analysis/models/fit.h"

#include <fmt/format.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "analysis/common/errors.h"
#include "analysis/scenario/scenario.h"
#include "analysis/trace/generate.h"
#include "sim/model/distribution.h"
#include "sim/model/workload.h"
#include "tests/support/temp_dir.h"

namespace cachelab {
namespace {

namespace fs = std::filesystem;
const std::string kData = CACHELAB_TEST_DATA;

using test::TempDir;

// Requests per key of a gen-trace workload, drawn in memory.
std::vector<uint64_t> ZipfCounts(uint64_t requests, uint64_t keys, double alpha) {
  TraceGenConfig c;
  c.requests = requests;
  c.keys = keys;
  c.alpha = alpha;
  TraceGenerator gen(c);
  std::vector<uint64_t> counts(keys, 0);
  for (uint64_t i = 0; i < requests; ++i) ++counts[gen.Next().id];  // id = 0-based rank
  return counts;
}

std::vector<uint32_t> Draw(const DistributionConfig& d, size_t n) {
  Sampler sample(d);
  RandomEngine rng = MakeStream(7, "fit-test");
  std::vector<uint32_t> out;
  for (size_t i = 0; i < n; ++i) {
    out.push_back(static_cast<uint32_t>(std::max(1.0, std::round(sample(rng)))));
  }
  return out;
}

std::string InputErrorOf(const FitSpec& spec) {
  try {
    FitTrace(spec);
  } catch (const InputError& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

// ---- Zipf ----------------------------------------------------------------------

TEST_CASE("an exact power law fits its exponent with R^2 of 1", "[analysis][fit]") {
  for (double alpha : {0.5, 1.0, 1.5}) {
    std::vector<uint64_t> counts;
    for (int r = 1; r <= 2000; ++r) {
      counts.push_back(static_cast<uint64_t>(std::llround(1e7 * std::pow(r, -alpha))));
    }
    const ZipfFit fit = FitZipf(counts, 10);
    INFO("alpha " << alpha);
    CHECK(fit.alpha == Approx(alpha).margin(0.005));
    CHECK(fit.r_squared > 0.9999);
    CHECK(fit.intercept == Approx(std::log(1e7)).margin(0.01));
    CHECK(fit.points < fit.ranks);  // log-spaced, not every rank
  }
}

TEST_CASE("Zipf alpha is recovered within 0.05 from sampled requests", "[analysis][fit]") {
  // 200k requests over 10k and 100k keys: in the second case most keys are
  // seen a few times at most, the regime where an unfiltered fit goes wrong.
  for (uint64_t keys : {10'000ull, 100'000ull}) {
    for (double alpha : {0.6, 0.8, 1.0, 1.2}) {
      const ZipfFit fit = FitZipf(ZipfCounts(200'000, keys, alpha));
      INFO("keys " << keys << " alpha " << alpha << " fitted " << fit.alpha);
      CHECK(std::abs(fit.alpha - alpha) < 0.05);
      CHECK(fit.r_squared > 0.95);
      CHECK(fit.min_count == 10);
    }
  }
}

TEST_CASE("the ranks seen only a few times flatten the fitted curve", "[analysis][fit]") {
  // Why min_count: keeping the rare tail (min_count 2) underestimates alpha
  // when most keys are rare, the default threshold does not.
  const std::vector<uint64_t> counts = ZipfCounts(200'000, 100'000, 1.0);
  const ZipfFit tail = FitZipf(counts, 2);
  const ZipfFit head = FitZipf(counts, 10);
  CHECK(tail.ranks > head.ranks);
  CHECK(1.0 - tail.alpha > 2 * std::abs(1.0 - head.alpha));
}

TEST_CASE("a trace with no repeated key shows no skew: alpha 0", "[analysis][fit]") {
  const ZipfFit fit = FitZipf(std::vector<uint64_t>(500, 1));
  CHECK(fit.alpha == 0);
  CHECK(fit.points == 0);
  CHECK(std::isnan(fit.r_squared));
}

TEST_CASE("with too few frequent keys the threshold drops to 2", "[analysis][fit]") {
  const ZipfFit fit = FitZipf({40, 9, 5, 3, 2, 1, 1});
  CHECK(fit.min_count == 2);
  CHECK(fit.ranks == 5);
  CHECK(fit.alpha > 0);
}

// ---- Sizes ---------------------------------------------------------------------

TEST_CASE("equal sizes are a constant model", "[analysis][fit]") {
  const SizeFit fit = FitSizes(std::vector<uint32_t>(100, 4096));
  CHECK(fit.model == "constant");
  CHECK(fit.model_mean == 4096);
  CHECK(fit.p50 == 4096);
  CHECK(fit.ks == 0);
}

TEST_CASE("size quantiles are nearest-rank quantiles of the per-key sizes", "[analysis][fit]") {
  std::vector<uint32_t> sizes;
  for (uint32_t i = 100; i >= 1; --i) sizes.push_back(i);  // 1..100, reversed
  const SizeFit fit = FitSizes(sizes);
  CHECK(fit.min == 1);
  CHECK(fit.p50 == 50);
  CHECK(fit.p90 == 90);
  CHECK(fit.p99 == 99);
  CHECK(fit.max == 100);
  CHECK(fit.mean == Approx(50.5));
}

TEST_CASE("the size model with the smallest KS distance is chosen", "[analysis][fit]") {
  SECTION("lognormal draws fit a lognormal with their mean and sigma") {
    DistributionConfig d;
    d.kind = DistributionConfig::Kind::kLognormal;
    d.mean = 2048;
    d.sigma = 0.5;
    const SizeFit fit = FitSizes(Draw(d, 20'000));
    CHECK(fit.model == "lognormal");
    CHECK(fit.sigma == Approx(0.5).margin(0.02));
    CHECK(fit.model_mean == Approx(2048).epsilon(0.03));
    CHECK(fit.ks < 0.02);
  }
  SECTION("uniform draws fit a uniform over their range") {
    DistributionConfig d;
    d.kind = DistributionConfig::Kind::kUniform;
    d.min = 1000;
    d.max = 9000;
    const SizeFit fit = FitSizes(Draw(d, 20'000));
    CHECK(fit.model == "uniform");
    CHECK(fit.min >= 1000);
    CHECK(fit.min < 1010);
    CHECK(fit.max <= 9000);
    CHECK(fit.max > 8990);
  }
  SECTION("exponential draws fit an exponential with their mean") {
    DistributionConfig d;
    d.kind = DistributionConfig::Kind::kExponential;
    d.mean = 5000;
    const SizeFit fit = FitSizes(Draw(d, 20'000));
    CHECK(fit.model == "exponential");
    CHECK(fit.model_mean == Approx(5000).epsilon(0.03));
  }
}

// ---- Rate ----------------------------------------------------------------------

TEST_CASE("a rate varies materially only when a change is both large and significant",
          "[analysis][fit]") {
  const std::vector<double> lengths(10, 1.0);
  // Poisson-sized wiggles around 100/s.
  CHECK_FALSE(RateVaries({95, 108, 100, 91, 104, 99, 112, 97, 93, 101}, lengths, 100));
  // A doubling halfway.
  CHECK(RateVaries({100, 100, 100, 100, 100, 200, 200, 200, 200, 200}, lengths, 150));
  // 5% on 1e6 per interval: significant, not material.
  CHECK_FALSE(RateVaries({1'000'000, 1'050'000, 1'000'000, 950'000, 1'000'000, 1'000'000, 1'000'000,
                          1'000'000, 1'000'000, 1'000'000},
                         lengths, 1'000'000));
  // A short last interval is judged by its own length.
  CHECK_FALSE(RateVaries({100, 50}, {1.0, 0.5}, 100));
}

// ---- Traces --------------------------------------------------------------------

TEST_CASE("a gen-trace file fits its rate, keys, sizes and popularity", "[analysis][fit]") {
  TempDir dir;
  TraceGenConfig c;
  c.requests = 100'000;
  c.keys = 5'000;
  c.alpha = 0.9;
  c.requests_per_second = 500;
  c.min_size = 100;
  c.max_size = 900;
  c.scramble_ids = true;
  const std::string path = dir / "t.bin";
  WriteOracleGeneralTrace(c, path);

  // Independent counts from the generator itself.
  TraceGenerator gen(c);
  std::map<uint64_t, uint64_t> counts;
  for (uint64_t i = 0; i < c.requests; ++i) ++counts[gen.Next().id];
  uint64_t once = 0;
  for (const auto& [id, n] : counts) once += n == 1 ? 1 : 0;

  FitSpec spec;
  spec.trace = path;
  const WorkloadFit fit = FitTrace(spec);
  CHECK(fit.requests == c.requests);
  CHECK(fit.reads == c.requests);
  CHECK(fit.writes == 0);
  CHECK_FALSE(fit.has_ops);
  CHECK(fit.keys == counts.size());
  CHECK(fit.one_hit_keys == once);
  // One-second timestamps, 500 per second: 200 s, exactly 500/s, steady.
  CHECK(fit.tick == 1);
  CHECK(fit.duration == 200);
  CHECK(fit.rate.mean_rps == Approx(500));
  CHECK_FALSE(fit.rate.varies);
  CHECK(fit.rate.interval == Duration::Seconds(9));  // ceil(200 / 24)
  uint64_t total = 0;
  for (uint64_t n : fit.rate.counts) total += n;
  CHECK(total == c.requests);
  CHECK(std::abs(fit.zipf.alpha - 0.9) < 0.05);
  CHECK(fit.sizes.model == "uniform");
  CHECK(fit.sizes.min >= 100);
  CHECK(fit.sizes.max <= 900);
}

TEST_CASE("a Twitter trace fits its reads, writes and per-key sizes", "[analysis][fit]") {
  // twitter_small.csv: 7 gets, 4 writes, 1 delete over seconds 0..5; keys
  // alpha (4 requests), beta (4), gamma (3); size = key size + value size.
  FitSpec spec;
  spec.trace = kData + "/twitter_small.csv";
  spec.format = TraceFormat::kTwitter;
  const WorkloadFit fit = FitTrace(spec);
  CHECK(fit.has_ops);
  CHECK(fit.requests == 11);
  CHECK(fit.reads == 7);
  CHECK(fit.writes == 4);
  CHECK(fit.skipped == 1);
  CHECK(fit.write_fraction() == Approx(4.0 / 11));
  CHECK(fit.keys == 3);
  CHECK(fit.one_hit_keys == 0);
  CHECK(fit.duration == 6);
  CHECK(fit.rate.mean_rps == Approx(11.0 / 6));
  CHECK(fit.rate.counts == std::vector<uint64_t>{3, 2, 1, 2, 0, 3});
  CHECK(fit.sizes.min == 7 + 60);   // gamma's largest
  CHECK(fit.sizes.max == 6 + 300);  // beta's
  CHECK(fit.sizes.p50 == 7 + 120);  // alpha's

  spec.reads_only = true;
  const WorkloadFit reads = FitTrace(spec);
  CHECK(reads.requests == 7);
  CHECK(reads.writes == 0);
  CHECK(reads.skipped == 5);
}

TEST_CASE("a rate that changes becomes a steps profile", "[analysis][fit]") {
  // 60 s at 20/s, then 60 s at 60/s, evenly spaced.
  TempDir dir;
  const std::string path = dir / "steps.csv";
  {
    std::ofstream out(path);
    out << "time,key\n";
    for (int i = 0; i < 1200; ++i) out << i * 0.05 << ',' << i % 37 << '\n';
    for (int i = 0; i < 3600; ++i) out << 60 + i / 60.0 << ',' << i % 41 << '\n';
  }
  FitSpec spec;
  spec.trace = path;
  spec.format = TraceFormat::kCsv;
  spec.csv.time = "time";
  spec.interval = Duration::Seconds(30);
  spec.rate_scale = 2;
  const WorkloadFit fit = FitTrace(spec);
  REQUIRE(fit.rate.varies);
  REQUIRE(fit.rate.rps.size() == 4);
  CHECK(fit.rate.rps[0] == Approx(20).epsilon(0.01));
  CHECK(fit.rate.rps[1] == Approx(20).epsilon(0.01));
  CHECK(fit.rate.rps[2] == Approx(60).epsilon(0.01));
  CHECK(fit.rate.rps[3] == Approx(60).epsilon(0.02));

  const nlohmann::ordered_json s = FittedScenario(fit);
  const nlohmann::ordered_json& rate = s["workload"]["rate"];
  CHECK(rate["kind"] == "steps");
  REQUIRE(rate["steps"].size() == 4);
  CHECK(rate["steps"][2]["at"] == "1m");
  CHECK(rate["steps"][2]["rps"].get<double>() == Approx(2 * fit.rate.rps[2]).epsilon(1e-5));
  const Scenario loaded = LoadScenarioText(s.dump(), "fitted.json");
  REQUIRE(loaded.world.workload.rate.kind == RateProfileConfig::Kind::kSteps);
  CHECK(loaded.world.workload.rate.steps[3].at == Duration::Seconds(90));
}

TEST_CASE("the fitted scenario loads with the fitted workload and the default's rest",
          "[analysis][fit]") {
  FitSpec spec;
  spec.trace = kData + "/twitter_small.csv";
  spec.format = TraceFormat::kTwitter;
  const WorkloadFit fit = FitTrace(spec);
  const nlohmann::ordered_json s = FittedScenario(fit);
  CHECK(s["name"] == "fit-twitter_small.csv");
  const Scenario loaded = LoadScenarioText(s.dump(), "fitted.json");
  const Scenario def = LoadDefaultScenario();
  const WorkloadConfig& w = loaded.world.workload;
  CHECK(w.keys == 3);
  CHECK(w.rate.kind == RateProfileConfig::Kind::kConstant);
  CHECK(w.rate.rps == Approx(11.0 / 6).epsilon(1e-5));
  CHECK(w.write_fraction == Approx(4.0 / 11).epsilon(1e-5));
  CHECK(loaded.world.duration == Duration::Seconds(6));
  CHECK(loaded.resolved["cache"] == def.resolved["cache"]);
  CHECK(loaded.resolved["database"] == def.resolved["database"]);
  CHECK(loaded.resolved["policies"] == def.resolved["policies"]);
}

TEST_CASE("a trace drawn by the fitted scenario's workload fits back to it", "[analysis][fit]") {
  // Fit a gen-trace trace, draw a trace from the fitted scenario's own
  // generator with writes and lognormal sizes set, fit that, compare.
  TempDir dir;
  TraceGenConfig c;
  c.requests = 60'000;
  c.keys = 4'000;
  c.alpha = 0.8;
  c.requests_per_second = 300;
  WriteOracleGeneralTrace(c, dir / "t.bin");
  FitSpec first;
  first.trace = dir / "t.bin";
  const std::vector<Override> sets{
      {"/workload/write_fraction", "0.1"},
      {"/workload/value_size", R"({"kind": "lognormal", "mean": "3KiB", "sigma": 0.7})"}};
  const Scenario s = LoadScenarioText(FittedScenario(FitTrace(first)).dump(), "fitted.json", sets);
  const WorkloadConfig& w = s.world.workload;

  const std::string drawn = dir / "drawn.csv";
  {
    Workload workload(w, s.world.duration, s.world.seed);
    std::ofstream out(drawn);
    out << "time,key,size,op\n";
    while (auto r = workload.Next()) {
      out << fmt::format("{:.9f},{},{},{}\n", r->at.seconds(), r->key, workload.sizes()[r->key],
                         r->write ? "set" : "get");
    }
  }
  FitSpec second;
  second.trace = drawn;
  second.format = TraceFormat::kCsv;
  second.csv = {"time", "key", "size", "op"};
  const WorkloadFit fit = FitTrace(second);
  CHECK(fit.rate.mean_rps == Approx(w.rate.rps).epsilon(0.02));
  CHECK_FALSE(fit.rate.varies);
  CHECK(std::abs(fit.zipf.alpha - w.zipf_alpha) < 0.05);
  CHECK(fit.keys <= w.keys);
  CHECK(fit.write_fraction() == Approx(0.1).margin(0.01));
  CHECK(fit.sizes.model == "lognormal");
  CHECK(fit.sizes.sigma == Approx(0.7).margin(0.05));
  CHECK(fit.sizes.model_mean == Approx(3072).epsilon(0.1));
}

TEST_CASE("bad traces and options are input errors naming the problem", "[analysis][fit]") {
  TempDir dir;
  FitSpec spec;
  SECTION("an empty trace has no requests") {
    std::ofstream(dir / "empty.bin").close();
    spec.trace = dir / "empty.bin";
    const std::string e = InputErrorOf(spec);
    CHECK(e.find(spec.trace) != std::string::npos);
    CHECK(e.find("no requests") != std::string::npos);
  }
  SECTION("a truncated record names the file and the record") {
    std::ofstream(dir / "short.bin", std::ios::binary) << std::string(24 + 10, '\0');
    spec.trace = dir / "short.bin";
    const std::string e = InputErrorOf(spec);
    CHECK(e.find(spec.trace) != std::string::npos);
    CHECK(e.find("record 2") != std::string::npos);
  }
  SECTION("a CSV trace without a time column cannot give a rate") {
    spec.trace = kData + "/twitter_small.csv";
    spec.format = TraceFormat::kCsv;
    spec.csv = {"", "2", "", "", /*header=*/false, ','};  // key in column 2, no time
    CHECK(InputErrorOf(spec).find("--columns time=") != std::string::npos);
  }
  SECTION("a non-positive time scale") {
    spec.trace = kData + "/twitter_small.csv";
    spec.format = TraceFormat::kTwitter;
    spec.time_scale = 0;
    CHECK(InputErrorOf(spec).find("--time-scale") != std::string::npos);
  }
}

}  // namespace cachelab
