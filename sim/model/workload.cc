#include "sim/model/workload.h"

#include <algorithm>
#include <cmath>

#include "sim/model/distribution.h"

namespace cachelab {

namespace {
double MaxRate(const RateProfileConfig& r) {
  switch (r.kind) {
    case RateProfileConfig::Kind::kConstant:
      return r.rps;
    case RateProfileConfig::Kind::kSteps: {
      double m = 0;
      for (const auto& s : r.steps) m = std::max(m, s.rps);
      return m;
    }
    case RateProfileConfig::Kind::kRamp:
      return std::max(r.from_rps, r.to_rps);
  }
  return 0;
}
}  // namespace

Workload::Workload(const WorkloadConfig& config, Duration duration, uint64_t seed)
    : config_(config),
      end_(Time::Zero() + duration),
      max_rate_(MaxRate(config.rate)),
      popularity_(config.trace ? 1 : config.keys,
                  config.popularity == WorkloadConfig::Popularity::kZipf ? config.zipf_alpha : 0.0),
      arrivals_(MakeStream(seed, "arrivals")),
      thinning_(MakeStream(seed, "arrivals.thinning")),
      keys_(MakeStream(seed, "keys")),
      ops_(MakeStream(seed, "ops")) {
  if (config.trace) {
    sizes_ = *config.trace->sizes;
    source_ = config.trace->open();
    return;
  }
  RandomEngine size_rng = MakeStream(seed, "sizes");
  Sampler size(config.value_size);
  sizes_.resize(config.keys);
  for (auto& s : sizes_) {
    const double b = std::round(size(size_rng));
    s = static_cast<uint32_t>(std::clamp(b, 1.0, 4294967295.0));
  }
}

double Workload::RateAt(Time t) const {
  const auto& r = config_.rate;
  switch (r.kind) {
    case RateProfileConfig::Kind::kConstant:
      return r.rps;
    case RateProfileConfig::Kind::kSteps: {
      double rate = 0;
      for (const auto& s : r.steps) {
        if (Time::Zero() + s.at <= t) rate = s.rps;
      }
      return rate;
    }
    case RateProfileConfig::Kind::kRamp: {
      const Time a = Time::Zero() + r.ramp_start, b = Time::Zero() + r.ramp_end;
      if (t <= a) return r.from_rps;
      if (t >= b) return r.to_rps;
      const double f = (t - a).seconds() / (b - a).seconds();
      return r.from_rps + f * (r.to_rps - r.from_rps);
    }
  }
  return 0;
}

std::optional<Request> Workload::Next() {
  if (source_) {
    std::optional<Request> r = source_->Next();
    if (r && r->at >= end_) r.reset();
    return r;
  }
  if (max_rate_ <= 0) return std::nullopt;
  const bool constant = config_.rate.kind == RateProfileConfig::Kind::kConstant;
  for (;;) {
    const double gap = -std::log(1.0 - Uniform01(arrivals_)) / max_rate_;
    // At least 1 ns apart keeps arrival times strictly increasing.
    last_ += std::max(Duration::FromSecondsF(gap), Duration::Nanos(1));
    if (last_ >= end_) return std::nullopt;
    if (constant || Uniform01(thinning_) * max_rate_ < RateAt(last_)) break;
  }
  Request r{last_, popularity_(keys_), false};
  const double u = Uniform01(ops_);
  if (u < config_.write_fraction) {
    r.write = true;
  } else if (Uniform01(ops_) < config_.missing_fraction) {
    r.key += config_.keys;  // the same popularity, over ids that have no row
  }
  return r;
}

std::vector<Key> Workload::HottestKeys(size_t n) const {
  if (config_.trace) {
    const std::vector<Key>& hot = config_.trace->hottest;
    return {hot.begin(), hot.begin() + static_cast<long>(std::min(n, hot.size()))};
  }
  std::vector<Key> out;
  for (Key k = 0; k < std::min<uint64_t>(n, config_.keys); ++k) out.push_back(k);
  return out;
}

}  // namespace cachelab
