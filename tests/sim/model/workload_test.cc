#include "sim/model/workload.h"

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <vector>

#include "sim/core/zipf.h"

namespace cachelab {
namespace {

// Constant 1000 rps over 1000 keys, Zipf(1), 100-byte values, reads only.
WorkloadConfig Config() {
  WorkloadConfig c;
  c.rate.kind = RateProfileConfig::Kind::kConstant;
  c.rate.rps = 1000;
  c.keys = 1000;
  c.popularity = WorkloadConfig::Popularity::kZipf;
  c.zipf_alpha = 1.0;
  c.value_size.kind = DistributionConfig::Kind::kConstant;
  c.value_size.mean = 100;
  return c;
}

std::vector<Request> All(Workload& w) {
  std::vector<Request> out;
  while (auto r = w.Next()) out.push_back(*r);
  return out;
}

Time Sec(double s) {
  return Time::Zero() + Duration::FromSecondsF(s);
}

// Arrivals in [from, to).
uint64_t CountIn(const std::vector<Request>& rs, Time from, Time to) {
  uint64_t n = 0;
  for (const Request& r : rs) n += r.at >= from && r.at < to;
  return n;
}

// A Poisson count with mean `mean` lies within 4 standard deviations
// (sqrt(mean)) of it, except with probability ~6e-5.
void CheckPoissonCount(uint64_t count, double mean) {
  INFO("count " << count << ", expected " << mean);
  CHECK(std::abs(static_cast<double>(count) - mean) <= 4 * std::sqrt(mean));
}

// A binomial proportion k/n with success probability p lies within 4
// standard deviations (sqrt(p(1-p)/n)) of p.
void CheckProportion(uint64_t k, uint64_t n, double p) {
  REQUIRE(n > 0);
  const double f = static_cast<double>(k) / static_cast<double>(n);
  INFO("observed " << f << " of " << n << ", expected " << p);
  CHECK(std::abs(f - p) <= 4 * std::sqrt(p * (1 - p) / static_cast<double>(n)));
}

bool SameRequests(const std::vector<Request>& a, const std::vector<Request>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].at != b[i].at || a[i].key != b[i].key || a[i].write != b[i].write) return false;
  }
  return true;
}

TEST_CASE("the same seed gives the same requests and another seed other ones",
          "[sim][model][workload]") {
  WorkloadConfig c = Config();
  c.write_fraction = 0.2;
  c.missing_fraction = 0.1;
  c.value_size.kind = DistributionConfig::Kind::kLognormal;
  c.value_size.mean = 500;
  c.value_size.sigma = 1;
  Workload a(c, Duration::Seconds(2), 7), b(c, Duration::Seconds(2), 7),
      other(c, Duration::Seconds(2), 8);
  const auto ra = All(a), rb = All(b), rother = All(other);
  REQUIRE(ra.size() > 1000);
  CHECK(SameRequests(ra, rb));
  CHECK(a.sizes() == b.sizes());
  CHECK_FALSE(SameRequests(ra, rother));
  CHECK(a.sizes() != other.sizes());
}

TEST_CASE("arrival times are strictly increasing and before the end of the run",
          "[sim][model][workload]") {
  SECTION("at an ordinary rate") {
    WorkloadConfig c = Config();
    c.rate.rps = 5000;
    Workload w(c, Duration::Seconds(2), 1);
    const auto rs = All(w);
    REQUIRE(!rs.empty());
    CHECK(rs.front().at > Time::Zero());
    for (size_t i = 1; i < rs.size(); ++i) REQUIRE(rs[i].at > rs[i - 1].at);
    CHECK(rs.back().at < Sec(2));
    CHECK_FALSE(w.Next().has_value());  // stays over
  }
  SECTION("at a rate above one per nanosecond") {
    WorkloadConfig c = Config();
    c.rate.rps = 5e9;
    Workload w(c, Duration::Micros(1), 1);
    const auto rs = All(w);
    // Strictly increasing integer nanoseconds in (0, 1000): at most 999.
    REQUIRE(!rs.empty());
    CHECK(rs.size() <= 999);
    for (size_t i = 1; i < rs.size(); ++i) REQUIRE(rs[i].at > rs[i - 1].at);
    CHECK(rs.back().at < Time::Zero() + Duration::Micros(1));
  }
}

TEST_CASE("a zero rate produces no requests", "[sim][model][workload]") {
  WorkloadConfig c = Config();
  c.rate.rps = 0;
  Workload w(c, Duration::Seconds(10), 1);
  CHECK_FALSE(w.Next().has_value());
}

TEST_CASE("the number of arrivals at a constant rate is Poisson with mean rate x duration",
          "[sim][model][workload]") {
  WorkloadConfig c = Config();
  c.rate.rps = 2000;
  for (uint64_t seed : {1, 2, 3}) {
    Workload w(c, Duration::Seconds(20), seed);
    uint64_t n = 0;
    while (w.Next()) ++n;
    CheckPoissonCount(n, 2000.0 * 20);  // 40000 +- 800
  }
}

TEST_CASE("a step profile gives each step the arrivals of its rate", "[sim][model][workload]") {
  WorkloadConfig c = Config();
  c.rate.kind = RateProfileConfig::Kind::kSteps;
  c.rate.steps = {{Duration(), 500}, {Duration::Seconds(2), 3000}, {Duration::Seconds(5), 1000}};
  Workload w(c, Duration::Seconds(8), 3);
  CHECK(w.RateAt(Time::Zero()) == 500);
  CHECK(w.RateAt(Sec(2) - Duration::Nanos(1)) == 500);
  CHECK(w.RateAt(Sec(2)) == 3000);
  CHECK(w.RateAt(Sec(5)) == 1000);
  CHECK(w.RateAt(Sec(7.9)) == 1000);
  const auto rs = All(w);
  // The integral of the rate over each step.
  CheckPoissonCount(CountIn(rs, Sec(0), Sec(2)), 500 * 2);
  CheckPoissonCount(CountIn(rs, Sec(2), Sec(5)), 3000 * 3);
  CheckPoissonCount(CountIn(rs, Sec(5), Sec(8)), 1000 * 3);
}

TEST_CASE("a ramp profile gives each interval the integral of its rate", "[sim][model][workload]") {
  WorkloadConfig c = Config();
  c.rate.kind = RateProfileConfig::Kind::kRamp;
  c.rate.from_rps = 0;
  c.rate.to_rps = 4000;
  c.rate.ramp_start = Duration::Seconds(1);
  c.rate.ramp_end = Duration::Seconds(5);
  Workload w(c, Duration::Seconds(7), 5);
  CHECK(w.RateAt(Time::Zero()) == 0);
  CHECK(w.RateAt(Sec(1)) == 0);
  CHECK(w.RateAt(Sec(3)) == Approx(2000));  // halfway
  CHECK(w.RateAt(Sec(5)) == 4000);
  CHECK(w.RateAt(Sec(6)) == 4000);
  const auto rs = All(w);
  // Rate 0 before the ramp: no arrival at all.
  CHECK(CountIn(rs, Sec(0), Sec(1)) == 0);
  // Linear from 0 to 2000 over 2 s, then 2000 to 4000 over 2 s, then 4000 for 2 s.
  CheckPoissonCount(CountIn(rs, Sec(1), Sec(3)), (0 + 2000) / 2.0 * 2);
  CheckPoissonCount(CountIn(rs, Sec(3), Sec(5)), (2000 + 4000) / 2.0 * 2);
  CheckPoissonCount(CountIn(rs, Sec(5), Sec(7)), 4000 * 2);
}

TEST_CASE("a falling ramp is the mirror image of a rising one", "[sim][model][workload]") {
  WorkloadConfig c = Config();
  c.rate.kind = RateProfileConfig::Kind::kRamp;
  c.rate.from_rps = 4000;
  c.rate.to_rps = 0;
  c.rate.ramp_start = Duration::Seconds(0);
  c.rate.ramp_end = Duration::Seconds(4);
  Workload w(c, Duration::Seconds(6), 6);
  const auto rs = All(w);
  CheckPoissonCount(CountIn(rs, Sec(0), Sec(2)), (4000 + 2000) / 2.0 * 2);
  CheckPoissonCount(CountIn(rs, Sec(2), Sec(4)), (2000 + 0) / 2.0 * 2);
  CHECK(CountIn(rs, Sec(4), Sec(6)) == 0);
}

TEST_CASE("writes and reads of missing keys come in their configured shares",
          "[sim][model][workload]") {
  WorkloadConfig c = Config();
  c.rate.rps = 10'000;
  c.write_fraction = 0.3;
  c.missing_fraction = 0.2;  // a share of the reads
  Workload w(c, Duration::Seconds(5), 11);
  const auto rs = All(w);
  uint64_t writes = 0, reads = 0, missing = 0;
  for (const Request& r : rs) {
    if (r.write) {
      ++writes;
      CHECK(r.key < c.keys);  // writes go to rows that exist
    } else {
      ++reads;
      if (r.key >= c.keys) {
        ++missing;
        CHECK(r.key < 2 * c.keys);
      }
    }
  }
  CheckProportion(writes, rs.size(), 0.3);
  CheckProportion(missing, reads, 0.2);
}

TEST_CASE("without missing reads every key has a row", "[sim][model][workload]") {
  WorkloadConfig c = Config();
  c.rate.rps = 10'000;
  Workload w(c, Duration::Seconds(1), 12);
  uint64_t n = 0;
  while (auto r = w.Next()) {
    ++n;
    REQUIRE(r->key < c.keys);
    REQUIRE_FALSE(r->write);
  }
  CHECK(n > 0);
}

TEST_CASE("key popularity follows the Zipf distribution", "[sim][model][workload]") {
  WorkloadConfig c = Config();
  c.rate.rps = 10'000;
  Workload w(c, Duration::Seconds(5), 13);
  const ZipfSampler zipf(c.keys, c.zipf_alpha);
  const auto rs = All(w);
  uint64_t rank0 = 0, rank9 = 0;
  for (const Request& r : rs) {
    rank0 += r.key == 0;
    rank9 += r.key == 9;
  }
  // P(0) = 1 / H(1000, 1) ~ 0.134; P(9) = P(0) / 10.
  CheckProportion(rank0, rs.size(), zipf.Probability(0));
  CheckProportion(rank9, rs.size(), zipf.Probability(9));
}

TEST_CASE("uniform popularity spreads requests evenly over the keys", "[sim][model][workload]") {
  WorkloadConfig c = Config();
  c.rate.rps = 10'000;
  c.popularity = WorkloadConfig::Popularity::kUniform;
  c.zipf_alpha = 1.5;  // ignored
  Workload w(c, Duration::Seconds(2), 14);
  const auto rs = All(w);
  uint64_t low_half = 0, key0 = 0;
  for (const Request& r : rs) {
    REQUIRE(r.key < c.keys);
    low_half += r.key < c.keys / 2;
    key0 += r.key == 0;
  }
  CheckProportion(low_half, rs.size(), 0.5);
  CheckProportion(key0, rs.size(), 1.0 / static_cast<double>(c.keys));
}

TEST_CASE("value sizes are drawn once per key", "[sim][model][workload]") {
  SECTION("a constant size is exact for every key") {
    WorkloadConfig c = Config();
    c.value_size.mean = 321;
    Workload w(c, Duration::Seconds(1), 1);
    REQUIRE(w.sizes().size() == c.keys);
    for (uint32_t s : w.sizes()) REQUIRE(s == 321);
  }
  SECTION("drawn sizes have the configured mean and do not change as requests are drawn") {
    WorkloadConfig c = Config();
    c.keys = 20'000;
    c.value_size.kind = DistributionConfig::Kind::kLognormal;
    c.value_size.mean = 1000;  // E[X]
    c.value_size.sigma = 1;
    Workload w(c, Duration::Seconds(1), 21);
    const std::vector<uint32_t> before = w.sizes();
    REQUIRE(before.size() == c.keys);
    double sum = 0;
    for (uint32_t s : before) sum += s;
    // sd(X) = E[X] sqrt(e^(sigma^2) - 1); the sample mean's sd is sd(X) / sqrt(n).
    const double sd_mean = 1000 * std::sqrt(std::exp(1.0) - 1) / std::sqrt(20'000.0);
    CHECK(std::abs(sum / 20'000 - 1000) <= 4 * sd_mean);
    while (w.Next()) {
    }
    CHECK(w.sizes() == before);
    // The sizes have their own stream: another traffic shape, same sizes.
    WorkloadConfig busier = c;
    busier.rate.rps = 7000;
    busier.write_fraction = 0.5;
    Workload w2(busier, Duration::Seconds(1), 21);
    CHECK(w2.sizes() == before);
  }
  SECTION("uniform sizes stay within their bounds") {
    WorkloadConfig c = Config();
    c.value_size.kind = DistributionConfig::Kind::kUniform;
    c.value_size.min = 10;
    c.value_size.max = 20;
    Workload w(c, Duration::Seconds(1), 1);
    bool varied = false;
    for (uint32_t s : w.sizes()) {
      REQUIRE(s >= 10);
      REQUIRE(s <= 20);
      varied |= s != w.sizes()[0];
    }
    CHECK(varied);
  }
}

TEST_CASE("changing the read/write mix leaves arrival times and keys unchanged",
          "[sim][model][workload]") {
  // Arrivals and keys have their own streams, so a variant that only changes
  // the mix still sees the same arrivals for the same keys.
  WorkloadConfig reads_only = Config();
  WorkloadConfig mixed = Config();
  mixed.write_fraction = 0.4;
  Workload a(reads_only, Duration::Seconds(2), 9), b(mixed, Duration::Seconds(2), 9);
  const auto ra = All(a), rb = All(b);
  REQUIRE(ra.size() == rb.size());
  uint64_t writes = 0;
  for (size_t i = 0; i < ra.size(); ++i) {
    REQUIRE(ra[i].at == rb[i].at);
    REQUIRE(ra[i].key == rb[i].key);
    writes += rb[i].write;
  }
  CHECK(writes > 0);
}

// Two classes: "user" (3/4 of the requests, 1000 Zipf keys, 10% writes,
// 2000-byte values) and "config" (1/4, 10 uniform keys, half its reads for
// missing rows, 500-byte values).
WorkloadConfig Classes() {
  WorkloadConfig c = Config();
  c.rate.rps = 20000;
  WorkloadConfig::KeyClass user, config;
  user.name = "user";
  user.share = 3;
  user.keys = 1000;
  user.write_fraction = 0.1;
  user.value_size.mean = 2000;
  config.name = "config";
  config.share = 1;
  config.keys = 10;
  config.popularity = WorkloadConfig::Popularity::kUniform;
  config.missing_fraction = 0.5;
  config.value_size.mean = 500;
  c.classes = {user, config};
  c.keys = 1010;
  return c;
}

TEST_CASE("key classes get their share of requests, their own keys, mix and sizes",
          "[sim][model][workload][classes]") {
  Workload w(Classes(), Duration::Seconds(10), 7);
  const std::vector<Request> rs = All(w);
  uint64_t user = 0, user_writes = 0, config_reads = 0, config_missing = 0;
  std::vector<uint64_t> config_hits(10, 0);
  for (const Request& r : rs) {
    const Key row = r.key >= 1010 ? r.key - 1010 : r.key;
    REQUIRE(row < 1010);
    if (row < 1000) {
      ++user;
      user_writes += r.write;
      CHECK(r.key < 1010);  // user has no missing reads
    } else {
      config_reads += !r.write;
      config_missing += r.key >= 1010;
      ++config_hits[row - 1000];
      CHECK_FALSE(r.write);  // nor config writes
    }
  }
  CheckProportion(user, rs.size(), 0.75);
  CheckProportion(user_writes, user, 0.1);
  CheckProportion(config_missing, config_reads, 0.5);
  for (uint64_t n : config_hits) CheckProportion(n, rs.size() - user, 0.1);  // uniform
  // Sizes by class, in key order.
  CHECK(w.sizes().size() == 1010);
  CHECK(w.sizes()[999] == 2000);
  CHECK(w.sizes()[1000] == 500);
  // The hottest keys: user:0 (3/4 x 1/H(1000) = 0.10) above every config key
  // (1/4 x 1/10 = 0.025), which in turn beat user:3 (3/4 x 1/(4 H) = 0.025 ...).
  const std::vector<Key> hot = w.HottestKeys(3);
  CHECK(hot[0] == 0);
  CHECK(hot[1] == 1);  // user:1 = 0.050
  CHECK(hot[2] == 2);  // user:2 = 0.033
}

TEST_CASE(
    "row creations are Poisson at their rate, of missing rows by popularity, apart from "
    "the requests",
    "[sim][model][workload]") {
  WorkloadConfig c = Config();
  c.missing_fraction = 0.2;
  Workload plain(c, Duration::Seconds(100), 3);
  c.row_creations_per_s = 50;
  Workload w(c, Duration::Seconds(100), 3);
  // The requests are those of the same workload without creations.
  const std::vector<Request> a = All(plain), b = All(w);
  REQUIRE(a.size() == b.size());
  for (size_t i = 0; i < a.size(); ++i) CHECK((a[i].at == b[i].at && a[i].key == b[i].key));
  uint64_t n = 0, first_row = 0;
  Time last;
  while (auto r = w.NextCreation()) {
    CHECK(r->write);
    CHECK(r->at > last);
    last = r->at;
    REQUIRE(r->key >= c.keys);
    REQUIRE(r->key < 2 * c.keys);
    CHECK(r->size == 100);
    first_row += r->key == c.keys ? 1 : 0;
    ++n;
  }
  // Poisson(5000): sd 71. Zipf(1) over 1000 rows gives row 0 1/H(1000) = 13.4%.
  CHECK(std::abs(static_cast<double>(n) - 5000) < 360);
  CHECK(static_cast<double>(first_row) / static_cast<double>(n) == Approx(0.134).margin(0.02));
  CHECK_FALSE(plain.NextCreation());
}

TEST_CASE("a key class's row creations draw among that class's missing rows",
          "[sim][model][workload][classes]") {
  WorkloadConfig c = Classes();
  c.classes[1].row_creations_per_s = 20;  // config: keys 1000-1009, missing 2010-2019
  Workload w(c, Duration::Seconds(10), 7);
  uint64_t n = 0;
  while (auto r = w.NextCreation()) {
    CHECK(r->key >= 2010);
    CHECK(r->key < 2020);
    CHECK(r->size == 500);
    ++n;
  }
  CHECK(n > 100);
}

}  // namespace
}  // namespace cachelab
