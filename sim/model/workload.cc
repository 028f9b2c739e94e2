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
      ops_(MakeStream(seed, "ops")),
      creations_(MakeStream(seed, "creations")) {
  creation_rate_ = config.row_creations_per_s;
  if (!config.classes.empty()) {
    creation_rate_ = 0;
    for (const WorkloadConfig::KeyClass& c : config.classes) {
      creation_rate_ += c.row_creations_per_s;
      creation_cumulative_.push_back(creation_rate_);
    }
    for (double& x : creation_cumulative_) x /= creation_rate_ > 0 ? creation_rate_ : 1;
  }
  if (config.trace) {
    sizes_ = *config.trace->sizes;
    source_ = config.trace->open();
    return;
  }
  RandomEngine size_rng = MakeStream(seed, "sizes");
  sizes_.resize(config.keys);
  if (!config.classes.empty()) {
    // Each class's rows draw their sizes from its own distribution, in key order.
    class_map_ = KeyClassMap(config);
    double total = 0;
    for (const WorkloadConfig::KeyClass& c : config.classes) total += c.share;
    double sum = 0;
    for (size_t i = 0; i < config.classes.size(); ++i) {
      const WorkloadConfig::KeyClass& c = config.classes[i];
      sum += c.share;
      class_cumulative_.push_back(i + 1 == config.classes.size() ? 1.0 : sum / total);
      class_keys_.emplace_back(
          c.keys, c.popularity == WorkloadConfig::Popularity::kZipf ? c.zipf_alpha : 0.0);
      Sampler size(c.value_size);
      const Key first = class_map_.First(i);
      for (Key k = first; k < first + c.keys; ++k) {
        const double b = std::round(size(size_rng));
        sizes_[k] = static_cast<uint32_t>(std::clamp(b, 1.0, 4294967295.0));
      }
    }
    return;
  }
  if (!config.size_values.empty()) {
    // Empirical sizes: a cumulative table and one uniform per key.
    std::vector<double> cumulative;
    double sum = 0;
    for (double w : config.size_weights) cumulative.push_back(sum += w);
    for (auto& s : sizes_) {
      const double u = Uniform01(size_rng) * sum;
      const auto i = static_cast<size_t>(std::upper_bound(cumulative.begin(), cumulative.end(), u) -
                                         cumulative.begin());
      s = std::max<uint32_t>(1, config.size_values[std::min(i, cumulative.size() - 1)]);
    }
  } else {
    Sampler size(config.value_size);
    for (auto& s : sizes_) {
      const double b = std::round(size(size_rng));
      s = static_cast<uint32_t>(std::clamp(b, 1.0, 4294967295.0));
    }
  }
  if (config.popularity == WorkloadConfig::Popularity::kLruStack) {
    // The keys in a random order (Fisher-Yates), the first of it at the bottom.
    std::vector<Key> order(config.keys);
    for (Key k = 0; k < config.keys; ++k) order[k] = k;
    RandomEngine shuffle = MakeStream(seed, "keys.stack");
    for (size_t i = order.size(); i > 1; --i) {
      const auto j = static_cast<size_t>(Uniform01(shuffle) * static_cast<double>(i));
      std::swap(order[i - 1], order[std::min(j, i - 1)]);
    }
    stack_ = std::make_unique<LruStack>();
    for (Key k : order) stack_->Access(k, sizes_[k]);
  }
}

Key Workload::StackKey() {
  const uint64_t total = stack_->total();
  uint64_t depth = total;  // cold: the bottom of the stack
  if (Uniform01(keys_) >= config_.stack_cold) {
    const std::vector<double>& q = config_.stack_depths;
    const double x = Uniform01(keys_) * static_cast<double>(q.size() - 1);
    const auto i = std::min(static_cast<size_t>(x), q.size() - 2);
    const double d = std::round(q[i] + (x - static_cast<double>(i)) * (q[i + 1] - q[i]));
    depth = static_cast<uint64_t>(std::clamp(d, 1.0, static_cast<double>(total)));
  }
  const Key k = stack_->KeyAt(depth);
  stack_->Access(k, sizes_[k]);
  return k;
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
  if (!class_keys_.empty()) return ClassRequest(last_);
  Request r{last_, stack_ ? StackKey() : popularity_(keys_), false};
  const double u = Uniform01(ops_);
  if (u < config_.write_fraction) {
    r.write = true;
  } else if (Uniform01(ops_) < config_.missing_fraction) {
    r.key += config_.keys;  // the same popularity, over ids that have no row
  }
  return r;
}

std::optional<Request> Workload::NextCreation() {
  if (creation_rate_ <= 0) return std::nullopt;
  const double gap = -std::log(1.0 - Uniform01(creations_)) / creation_rate_;
  last_creation_ += std::max(Duration::FromSecondsF(gap), Duration::Nanos(1));
  if (last_creation_ >= end_) return std::nullopt;
  Key row;
  if (creation_cumulative_.empty()) {
    row = popularity_(creations_);
  } else {
    const double u = Uniform01(creations_);
    size_t c = 0;
    // The first class whose cumulative share exceeds u (classes with none are skipped).
    while (c + 1 < creation_cumulative_.size() && creation_cumulative_[c] <= u) ++c;
    row = class_map_.First(c) + class_keys_[c](creations_);
  }
  return Request{last_creation_, row + config_.keys, true, sizes_[row]};
}

Request Workload::ClassRequest(Time at) {
  const double u = Uniform01(keys_);
  const size_t c = static_cast<size_t>(
      std::upper_bound(class_cumulative_.begin(), class_cumulative_.end() - 1, u) -
      class_cumulative_.begin());
  const WorkloadConfig::KeyClass& kc = config_.classes[c];
  Request r{at, class_map_.First(c) + class_keys_[c](keys_), false};
  if (Uniform01(ops_) < kc.write_fraction) {
    r.write = true;
  } else if (Uniform01(ops_) < kc.missing_fraction) {
    r.key += config_.keys;
  }
  return r;
}

std::vector<Key> Workload::HottestKeys(size_t n) const {
  if (config_.trace) {
    const std::vector<Key>& hot = config_.trace->hottest;
    return {hot.begin(), hot.begin() + static_cast<long>(std::min(n, hot.size()))};
  }
  if (!config_.classes.empty()) {
    // Each class's n highest ranks, by share x probability of the rank.
    std::vector<std::pair<double, Key>> candidates;
    for (size_t c = 0; c < config_.classes.size(); ++c) {
      const WorkloadConfig::KeyClass& kc = config_.classes[c];
      const double alpha = kc.popularity == WorkloadConfig::Popularity::kZipf ? kc.zipf_alpha : 0;
      // Normalising over at most 10^6 ranks: beyond, the tail's terms change
      // the ordering of the top ranks by less than rounding.
      double norm = 0;
      for (uint64_t r = 1; r <= std::min<uint64_t>(kc.keys, 1'000'000); ++r) {
        norm += std::pow(static_cast<double>(r), -alpha);
      }
      if (kc.keys > 1'000'000 && alpha <= 1) {
        // The integral of the remaining terms.
        const double a = 1e6 + 0.5, b = static_cast<double>(kc.keys) + 0.5;
        norm += alpha == 1 ? std::log(b / a)
                           : (std::pow(b, 1 - alpha) - std::pow(a, 1 - alpha)) / (1 - alpha);
      }
      const double share =
          c == 0 ? class_cumulative_[0] : class_cumulative_[c] - class_cumulative_[c - 1];
      for (uint64_t r = 1; r <= std::min<uint64_t>(n, kc.keys); ++r) {
        candidates.emplace_back(share * std::pow(static_cast<double>(r), -alpha) / norm,
                                class_map_.First(c) + r - 1);
      }
    }
    std::sort(candidates.begin(), candidates.end(), [](const auto& a, const auto& b) {
      return a.first != b.first ? a.first > b.first : a.second < b.second;
    });
    std::vector<Key> out;
    for (size_t i = 0; i < std::min(n, candidates.size()); ++i) out.push_back(candidates[i].second);
    return out;
  }
  std::vector<Key> out;
  for (Key k = 0; k < std::min<uint64_t>(n, config_.keys); ++k) out.push_back(k);
  return out;
}

}  // namespace cachelab
