#include "analysis/replay/trace_mrc.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <variant>

#include "analysis/common/errors.h"
#include "analysis/replay/mrc.h"
#include "sim/core/cancel.h"

namespace cachelab {
namespace {

constexpr size_t kChunk = 1 << 16;

// Returns the working set: the cold-miss weight in the curve's unit. The
// histogram's cold weight counts requests (1 each, 1/R for SHARDS), so in
// bytes each cold request adds its size times that weight.
template <class Mrc>
double Feed(TraceReader& reader, bool ignore_size, Mrc& mrc) {
  std::vector<ReplayRequest> chunk;
  chunk.reserve(kChunk);
  double working_set = 0;
  while (reader.Read(&chunk, kChunk) > 0) {
    cancel::ThrowIfRequested();  // between chunks: Ctrl-C ends a long pass
    for (const ReplayRequest& r : chunk) {
      if (r.op == ReplayRequest::Op::kDelete) {
        mrc.Remove(r.key);
        continue;
      }
      const uint64_t size = ignore_size ? 1 : r.size;
      const double cold = mrc.histogram().cold();
      mrc.Add(r.key, size);
      working_set += (mrc.histogram().cold() - cold) * static_cast<double>(size);
    }
  }
  return working_set;
}

}  // namespace

MrcCurve RunMrc(const MrcSpec& spec) {
  if (spec.method == MrcMethod::kShards) {
    if (!(spec.rate > 0 && spec.rate <= 1)) {
      throw InputError(fmt::format("--rate must be in (0, 1], got {}", spec.rate));
    }
  }
  if (spec.sizes.empty() && spec.points == 0) throw InputError("--points must be > 0");
  for (const CacheSizeSpec& s : spec.sizes) {
    if (s.in_bytes && spec.ignore_size) {
      throw InputError(fmt::format(
          "cache size \"{}\" is in bytes, but --ignore-size counts objects; give a number of "
          "objects or a fraction",
          s.text));
    }
  }

  MrcOptions options;
  options.unit = spec.ignore_size ? MrcUnit::kObjects : MrcUnit::kBytes;
  auto reader = OpenTrace(spec.trace, spec.format, spec.csv);

  MrcCurve curve;
  std::variant<std::monostate, ExactMrc, ShardsMrc> mrc;
  if (spec.method == MrcMethod::kExact) {
    ExactMrc& m = mrc.emplace<ExactMrc>(options);
    curve.working_set = Feed(*reader, spec.ignore_size, m);
    curve.requests = m.requests();
  } else {
    ShardsOptions so;
    so.mrc = options;
    so.rate = spec.max_keys > 0 ? 1.0 : spec.rate;
    so.max_samples = spec.max_keys;
    ShardsMrc& m = mrc.emplace<ShardsMrc>(so);
    curve.working_set = Feed(*reader, spec.ignore_size, m);
    curve.requests = m.requests();
  }

  const auto ws = static_cast<uint64_t>(std::llround(curve.working_set));
  if (spec.sizes.empty()) {
    for (uint64_t i = 1; i <= spec.points; ++i) {
      const uint64_t c = ws * i / spec.points;
      if (c > 0 && (curve.cache_sizes.empty() || c != curve.cache_sizes.back())) {
        curve.cache_sizes.push_back(c);
      }
    }
  } else {
    for (const CacheSizeSpec& s : spec.sizes) {
      const uint64_t c =
          s.fraction > 0 ? static_cast<uint64_t>(static_cast<double>(ws) * s.fraction) : s.absolute;
      if (c == 0) {
        throw InputError(fmt::format("cache size \"{}\" is 0 for this trace", s.text));
      }
      curve.cache_sizes.push_back(c);
    }
  }

  std::visit(
      [&](const auto& m) {
        if constexpr (!std::is_same_v<std::decay_t<decltype(m)>, std::monostate>) {
          for (const MrcPoint& p : m.Curve(curve.cache_sizes)) {
            curve.miss_ratios.push_back(p.miss_ratio);
          }
        }
      },
      mrc);
  return curve;
}

}  // namespace cachelab
