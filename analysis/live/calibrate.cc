#include "analysis/live/calibrate.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <numeric>
#include <random>

#include "analysis/common/errors.h"
#include "analysis/common/units.h"
#include "analysis/live/asio_runtime.h"
#include "analysis/live/pg_pool.h"
#include "analysis/live/postgres_server.h"
#include "analysis/live/redis_client.h"
#include "analysis/live/redis_server.h"

namespace cachelab::live {

namespace {

// KS distance between the sorted sample and a continuous CDF.
double Ks(const std::vector<double>& sorted, const std::function<double(double)>& cdf) {
  const auto n = static_cast<double>(sorted.size());
  double d = 0;
  for (size_t i = 0; i < sorted.size(); ++i) {
    const double f = cdf(sorted[i]);
    d = std::max({d, f - static_cast<double>(i) / n, static_cast<double>(i + 1) / n - f});
  }
  return d;
}

DistributionConfig Dist(DistributionConfig::Kind kind, double mean, double sigma = 0) {
  DistributionConfig d;
  d.kind = kind;
  d.mean = mean;
  d.sigma = sigma;
  return d;
}

// Whole microseconds: what a scenario file would say.
std::string DurationText(double ns) {
  return FormatDuration(Duration::Micros(std::max<int64_t>(1, std::llround(ns / 1000))));
}

nlohmann::json DistJson(const DistributionConfig& d) {
  switch (d.kind) {
    case DistributionConfig::Kind::kConstant:
      return {{"kind", "constant"}, {"value", DurationText(d.mean)}};
    case DistributionConfig::Kind::kExponential:
      return {{"kind", "exponential"}, {"mean", DurationText(d.mean)}};
    case DistributionConfig::Kind::kLognormal:
      return {{"kind", "lognormal"},
              {"mean", DurationText(d.mean)},
              {"sigma", std::round(d.sigma * 1000) / 1000}};
    case DistributionConfig::Kind::kUniform:
      return {{"kind", "uniform"}, {"min", DurationText(d.min)}, {"max", DurationText(d.max)}};
  }
  return {};
}

void Say(bool verbose, const std::string& line) {
  if (verbose) std::fprintf(stderr, "calibrate: %s\n", line.c_str());
}

std::string ValueOf(uint32_t size) {
  return std::string(std::max<uint32_t>(size, 1), 'x');
}

Task<std::vector<double>> TimeRedis(AsioRuntime& rt, RedisClient& redis, std::string key,
                                    uint32_t n) {
  std::vector<double> out;
  out.reserve(n);
  for (uint32_t i = 0; i < n; ++i) {
    const Time start = rt.now();
    std::string k = key;  // moved into the call (see live_world.cc on GCC 12)
    const RedisGet g = co_await redis.GetWithTtl(std::move(k));
    if (!g.hit()) throw std::runtime_error("calibrate: the measured Redis key went missing");
    out.push_back(static_cast<double>((rt.now() - start).nanos()));
  }
  co_return out;
}

Task<std::vector<double>> TimeDb(AsioRuntime& rt, PgPool& db, bool write, uint64_t rows,
                                 uint32_t size, uint32_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<uint64_t> id(0, rows - 1);
  std::vector<double> out;
  out.reserve(n);
  for (uint32_t i = 0; i < n; ++i) {
    const Time start = rt.now();
    // Not a conditional expression: GCC 12 mishandles co_await in `?:`.
    PgResult r;
    if (write) {
      r = co_await db.Write(id(rng), size);
    } else {
      r = co_await db.Read(id(rng));
    }
    if (!r.ok) throw std::runtime_error("calibrate: a measured query failed: " + r.error);
    out.push_back(static_cast<double>((rt.now() - start).nanos()));
  }
  co_return out;
}

// Stores `entries` values with sizes cycled from `sizes`; returns their bytes.
Task<int64_t> FillRedis(RedisClient& redis, std::string prefix, uint32_t entries,
                        std::vector<uint32_t> sizes) {
  int64_t bytes = 0;
  for (uint32_t i = 0; i < entries; ++i) {
    const uint32_t size = std::max<uint32_t>(sizes[i % sizes.size()], 1);
    bytes += size;
    std::string key = prefix + std::to_string(i), value = ValueOf(size);
    const RedisWrite w = co_await redis.Set(std::move(key), std::move(value), Duration());
    if (!w.ok()) throw std::runtime_error("calibrate: SET failed: " + w.error);
  }
  co_return bytes;
}

Task<void> DeleteKeys(RedisClient& redis, std::string prefix, uint32_t entries) {
  for (uint32_t i = 0; i < entries; i += 500) {
    std::vector<std::string> del{"DEL"};
    for (uint32_t j = i; j < std::min(entries, i + 500); ++j)
      del.push_back(prefix + std::to_string(j));
    co_await redis.Command(std::move(del));
  }
}

int64_t UsedMemory(AsioRuntime& rt, RedisClient& redis) {
  std::map<std::string, std::string> m = RunToCompletion(rt, redis.Info("memory"));
  auto it = m.find("used_memory");
  if (it == m.end()) throw std::runtime_error("calibrate: Redis did not answer INFO memory");
  return std::stoll(it->second);
}

}  // namespace

ServiceFit FitService(std::string what, std::vector<double> samples) {
  if (samples.size() < 2) throw std::invalid_argument("FitService: fewer than 2 samples");
  std::sort(samples.begin(), samples.end());
  ServiceFit f;
  f.what = std::move(what);
  const auto n = static_cast<double>(samples.size());
  const double mean = std::accumulate(samples.begin(), samples.end(), 0.0) / n;
  f.mean_ns = mean;
  f.p50_ns = samples[static_cast<size_t>(std::ceil(0.5 * n)) - 1];
  f.p99_ns = samples[static_cast<size_t>(std::ceil(0.99 * n)) - 1];
  double mu = 0;
  for (double x : samples) mu += std::log(std::max(x, 1.0));
  mu /= n;
  double var = 0;
  for (double x : samples) var += std::pow(std::log(std::max(x, 1.0)) - mu, 2);
  const double sigma = std::sqrt(var / n);
  using K = DistributionConfig::Kind;
  f.candidates.push_back({"constant",
                          Ks(samples, [mean](double x) { return x >= mean ? 1.0 : 0.0; }),
                          Dist(K::kConstant, mean)});
  f.candidates.push_back({"exponential",
                          Ks(samples, [mean](double x) { return -std::expm1(-x / mean); }),
                          Dist(K::kExponential, mean)});
  f.candidates.push_back({"lognormal",
                          Ks(samples,
                             [mu, sigma](double x) {
                               if (sigma == 0) return std::log(x) < mu ? 0.0 : 1.0;
                               return 0.5 *
                                      std::erfc(-(std::log(x) - mu) / (sigma * std::sqrt(2.0)));
                             }),
                          // The scenario's lognormal takes E[X], not e^mu.
                          Dist(K::kLognormal, std::exp(mu + sigma * sigma / 2), sigma)});
  for (size_t i = 1; i < f.candidates.size(); ++i) {
    if (f.candidates[i].ks < f.candidates[f.best].ks) f.best = i;
  }
  f.samples_ns = std::move(samples);
  return f;
}

Calibration Calibrate(const CalibrateOptions& o) {
  Calibration c;
  c.value_size = o.value_size;
  std::unique_ptr<PrivateRedis> private_redis;
  std::unique_ptr<PrivatePostgres> private_pg;
  std::string redis_url = o.redis_url, pg_url = o.postgres_url;
  if (redis_url.empty()) {
    Say(o.verbose, "starting a private redis-server");
    private_redis = std::make_unique<PrivateRedis>();
    private_redis->Start();
    redis_url = private_redis->url();
  }
  if (pg_url.empty()) {
    Say(o.verbose, "starting a private PostgreSQL");
    private_pg = std::make_unique<PrivatePostgres>();
    private_pg->Start();
    pg_url = private_pg->conninfo();
  }
  boost::asio::io_context io;
  AsioRuntime rt(io);
  const std::string prefix = fmt::format("cachelab:calibrate:{}:", static_cast<long>(::getpid()));

  {
    RedisClient redis(io, redis_url);
    const RedisReply pong = RunToCompletion(rt, redis.Ping());
    if (pong.error()) {
      throw InputError("cannot use Redis at " + redis.address().ToString() + ": " + pong.str);
    }
    c.redis_version = RunToCompletion(rt, redis.ServerVersion());
    const std::string key = prefix + "rtt";
    RunToCompletion(rt, redis.Set(key, ValueOf(o.value_size), Duration()));
    Say(o.verbose, fmt::format("timing {} Redis GETs", o.samples));
    RunToCompletion(rt, TimeRedis(rt, redis, key, o.warmup));
    c.redis_rtt =
        FitService("redis rtt", RunToCompletion(rt, TimeRedis(rt, redis, key, o.samples)));
    RunToCompletion(rt, redis.Delete(key));

    Say(o.verbose, fmt::format("storing {} values to measure Redis' memory per entry", o.entries));
    // Keys as long as the live world's ("cachelab:<pid>:<10 hex>:<key>").
    const std::string mem_prefix = fmt::format("cachelab:{:>7}:calibrate:", ::getpid());
    const std::vector<uint32_t> sizes =
        o.entry_sizes.empty() ? std::vector<uint32_t>{o.value_size} : o.entry_sizes;
    const int64_t before = UsedMemory(rt, redis);
    const int64_t bytes = RunToCompletion(rt, FillRedis(redis, mem_prefix, o.entries, sizes));
    const int64_t after = UsedMemory(rt, redis);
    RunToCompletion(rt, DeleteKeys(redis, mem_prefix, o.entries));
    const double per_entry = static_cast<double>(after - before - bytes) / o.entries;
    c.entry_overhead = static_cast<uint64_t>(std::max(0.0, std::round(per_entry)));
  }
  {
    PgPoolOptions po;
    po.connections = 1;
    po.table = fmt::format("cachelab_calibrate_{}", static_cast<long>(::getpid()));
    PgPool db(rt, pg_url, po);
    db.Connect();
    c.postgres_version = db.server_version();
    Say(o.verbose, fmt::format("loading {} rows of {} bytes", o.rows, o.value_size));
    db.CreateTable(std::vector<uint32_t>(o.rows, o.value_size));
    struct Drop {
      PgPool& db;
      ~Drop() {
        try {
          db.DropTable();
        } catch (...) {
        }
      }
    } drop{db};
    Say(o.verbose, fmt::format("timing {} PostgreSQL reads and writes", o.samples));
    RunToCompletion(rt, TimeDb(rt, db, false, o.rows, o.value_size, o.warmup, 1));
    c.db_read =
        FitService("postgres read",
                   RunToCompletion(rt, TimeDb(rt, db, false, o.rows, o.value_size, o.samples, 2)));
    RunToCompletion(rt, TimeDb(rt, db, true, o.rows, o.value_size, o.warmup, 3));
    c.db_write =
        FitService("postgres write",
                   RunToCompletion(rt, TimeDb(rt, db, true, o.rows, o.value_size, o.samples, 4)));
  }
  return c;
}

nlohmann::json ApplyCalibration(nlohmann::json s, const Calibration& c) {
  s["cache"]["rtt"] = DistJson(c.redis_rtt.dist());
  s["cache"]["entry_overhead"] = FormatSize(c.entry_overhead);
  s["database"]["read"] = DistJson(c.db_read.dist());
  s["database"]["write"] = DistJson(c.db_write.dist());
  return s;
}

std::string FormatCalibration(const Calibration& c) {
  std::string out = fmt::format("Redis {}, PostgreSQL {}; values of {} bytes\n\n", c.redis_version,
                                c.postgres_version, c.value_size);
  out += fmt::format("{:<16} {:>8} {:>10} {:>10} {:>10}   {:>9} {:>12} {:>10}   {}\n", "operation",
                     "samples", "mean ms", "p50 ms", "p99 ms", "KS const", "KS exp", "KS lognorm",
                     "chosen");
  for (const ServiceFit* f : {&c.redis_rtt, &c.db_read, &c.db_write}) {
    out += fmt::format(
        "{:<16} {:>8} {:>10.3f} {:>10.3f} {:>10.3f}   {:>9.3f} {:>12.3f} {:>10.3f}   {}\n", f->what,
        f->samples_ns.size(), f->mean_ns * 1e-6, f->p50_ns * 1e-6, f->p99_ns * 1e-6,
        f->candidates[0].ks, f->candidates[1].ks, f->candidates[2].ks, DistJson(f->dist()).dump());
  }
  out +=
      fmt::format("\nRedis memory per entry beyond the value: {} bytes (/cache/entry_overhead)\n",
                  c.entry_overhead);
  return out;
}

nlohmann::json CalibrationToJson(const Calibration& c) {
  auto fit = [](const ServiceFit& f) {
    nlohmann::json ks;
    for (const FitCandidate& k : f.candidates) ks[k.model] = std::round(k.ks * 1e4) / 1e4;
    return nlohmann::json{{"samples", f.samples_ns.size()},
                          {"mean_ms", std::round(f.mean_ns * 1e-3) / 1e3},
                          {"p50_ms", std::round(f.p50_ns * 1e-3) / 1e3},
                          {"p99_ms", std::round(f.p99_ns * 1e-3) / 1e3},
                          {"ks", ks},
                          {"model", DistJson(f.dist())}};
  };
  return {{"redis_version", c.redis_version},  {"postgres_version", c.postgres_version},
          {"value_size", c.value_size},        {"redis_rtt", fit(c.redis_rtt)},
          {"postgres_read", fit(c.db_read)},   {"postgres_write", fit(c.db_write)},
          {"entry_overhead", c.entry_overhead}};
}

}  // namespace cachelab::live
