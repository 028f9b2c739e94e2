#include "analysis/replay/replay.h"

#include <fmt/format.h>

#include <boost/unordered/unordered_flat_set.hpp>
#include <charconv>
#include <exception>
#include <memory>
#include <stdexcept>
#include <thread>

#include "analysis/common/errors.h"
#include "analysis/common/from_chars.h"
#include "analysis/scenario/scenario.h"
#include "policies/registry.h"
#include "sim/core/cancel.h"

namespace cachelab {
namespace {

constexpr size_t kChunk = 1 << 12;

std::string JoinNames(const std::vector<std::string>& names) {
  return fmt::format("{}", fmt::join(names, ", "));
}

// Twitter traces count only lookups: their sets are not requests (see
// reader.h); the other formats count a write as a request.
void DropUncounted(TraceFormat format, std::vector<ReplayRequest>* chunk) {
  if (format != TraceFormat::kTwitter) return;
  std::erase_if(*chunk, [](const ReplayRequest& r) { return r.op == ReplayRequest::Op::kSet; });
}

}  // namespace

CacheSizeSpec ParseCacheSize(std::string_view text) {
  CacheSizeSpec spec;
  spec.text = std::string(text);
  const std::string bad = fmt::format(
      "bad cache size \"{}\": expected a number of objects (4897), bytes with a unit (19MiB) or "
      "a fraction of the working set in (0, 1] (0.1)",
      text);
  if (text.empty()) throw InputError(bad);
  const bool has_unit = std::isalpha(static_cast<unsigned char>(text.back())) != 0;
  if (has_unit) {
    spec.absolute = ParseSize(std::string(text), "--size");
    spec.in_bytes = true;
  } else if (text.find('.') != std::string_view::npos) {
    auto [p, ec] = FromChars(text.data(), text.data() + text.size(), spec.fraction);
    if (ec != std::errc() || p != text.data() + text.size() || !(spec.fraction > 0) ||
        spec.fraction > 1) {
      throw InputError(bad);
    }
  } else {
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), spec.absolute);
    if (ec != std::errc() || p != text.data() + text.size()) throw InputError(bad);
  }
  if (spec.fraction == 0 && spec.absolute == 0) {
    throw InputError(fmt::format("bad cache size \"{}\": must be > 0", text));
  }
  return spec;
}

WorkingSet MeasureWorkingSet(const std::string& trace, TraceFormat format, const CsvColumns& csv) {
  auto reader = OpenTrace(trace, format, csv);
  boost::unordered_flat_set<Key> seen;
  WorkingSet ws;
  std::vector<ReplayRequest> chunk;
  while (reader->Read(&chunk, kChunk) > 0) {
    cancel::ThrowIfRequested();  // between chunks: Ctrl-C ends a long pass
    DropUncounted(format, &chunk);
    for (const ReplayRequest& r : chunk) {
      if (r.op != ReplayRequest::Op::kDelete && seen.insert(r.key).second) ws.bytes += r.size;
    }
  }
  ws.objects = seen.size();
  return ws;
}

uint64_t ReadTraceOnly(const std::string& trace, TraceFormat format, const CsvColumns& csv) {
  auto reader = OpenTrace(trace, format, csv);
  std::vector<ReplayRequest> chunk;
  chunk.reserve(kChunk);
  uint64_t gets = 0;
  while (reader->Read(&chunk, kChunk) > 0) {
    cancel::ThrowIfRequested();  // between chunks: Ctrl-C ends a long pass
    for (const ReplayRequest& r : chunk) gets += r.op == ReplayRequest::Op::kGet ? 1 : 0;
  }
  return gets;
}

std::vector<ReplayRow> RunReplay(const ReplaySpec& spec) {
  if (spec.policies.empty()) throw InputError("no policy given (--policy lru,fifo,...)");
  if (spec.sizes.empty()) throw InputError("no cache size given (--size 4897,0.1,...)");

  std::vector<const PolicyInfo*> infos;
  for (const std::string& name : spec.policies) {
    const PolicyInfo* info = FindPolicy(Role::kEviction, name);
    if (info == nullptr) {
      throw InputError(fmt::format("unknown eviction policy \"{}\"; valid names are {}", name,
                                   JoinNames(PolicyNames(Role::kEviction))));
    }
    if (info->offline && spec.format != TraceFormat::kOracle) {
      throw InputError(fmt::format(
          "{} needs a trace's next-access times; only the oracle format has them", name));
    }
    infos.push_back(info);
  }

  bool need_ws = false;
  for (const CacheSizeSpec& s : spec.sizes) {
    if (s.fraction > 0) need_ws = true;
    if (s.in_bytes && spec.ignore_size) {
      throw InputError(fmt::format(
          "cache size \"{}\" is in bytes, but --ignore-size counts objects; give a number of "
          "objects or a fraction",
          s.text));
    }
  }
  std::vector<uint64_t> capacities;
  if (need_ws) {
    const WorkingSet ws = MeasureWorkingSet(spec.trace, spec.format, spec.csv);
    const uint64_t total = spec.ignore_size ? ws.objects : ws.bytes;
    for (const CacheSizeSpec& s : spec.sizes) {
      capacities.push_back(s.fraction > 0
                               ? static_cast<uint64_t>(static_cast<double>(total) * s.fraction)
                               : s.absolute);
    }
  } else {
    for (const CacheSizeSpec& s : spec.sizes) capacities.push_back(s.absolute);
  }
  for (size_t i = 0; i < capacities.size(); ++i) {
    if (capacities[i] == 0) {
      throw InputError(fmt::format("cache size \"{}\" is 0 for this trace", spec.sizes[i].text));
    }
  }

  // Pairs, policy-major; each gets its own replayer.
  std::vector<ReplayRow> rows;
  std::vector<std::unique_ptr<Replayer>> replayers;
  for (const PolicyInfo* info : infos) {
    for (uint64_t capacity : capacities) {
      rows.push_back(ReplayRow{info->name, capacity, {}});
      ReplayConfig config{capacity, spec.ignore_size};
      replayers.push_back(info->make_replayer(Params::WithDefaults(info->params), config));
    }
  }

  // Fail early on an unreadable trace, from this thread (the working-set pass
  // has already read it whole).
  if (!need_ws) OpenTrace(spec.trace, spec.format, spec.csv);

  const size_t workers = std::max<size_t>(1, std::min<size_t>(spec.threads, replayers.size()));
  std::vector<std::exception_ptr> errors(workers);
  auto work = [&](size_t w) {
    try {
      auto reader = OpenTrace(spec.trace, spec.format, spec.csv);
      std::vector<ReplayRequest> chunk;
      chunk.reserve(kChunk);
      while (reader->Read(&chunk, kChunk) > 0) {
        cancel::ThrowIfRequested();  // between chunks: Ctrl-C ends a long pass
        DropUncounted(spec.format, &chunk);
        for (size_t i = w; i < replayers.size(); i += workers) replayers[i]->Run(chunk);
      }
    } catch (...) {
      errors[w] = std::current_exception();
    }
  };
  if (workers == 1) {
    work(0);
  } else {
    std::vector<std::thread> threads;
    for (size_t w = 0; w < workers; ++w) threads.emplace_back(work, w);
    for (auto& t : threads) t.join();
  }
  for (const auto& e : errors) {
    if (e) std::rethrow_exception(e);
  }

  for (size_t i = 0; i < replayers.size(); ++i) {
    if (std::string problem = replayers[i]->CheckInvariants(); !problem.empty()) {
      throw std::logic_error(
          fmt::format("{} at size {}: {}", rows[i].policy, rows[i].cache_size, problem));
    }
    rows[i].counts = replayers[i]->counts();
  }
  return rows;
}

}  // namespace cachelab
