#include "analysis/trace/workload.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/unordered/unordered_flat_map.hpp>
#include <limits>
#include <optional>
#include <vector>

#include "analysis/common/errors.h"
#include "sim/core/cancel.h"
#include "sim/model/workload.h"

namespace cachelab {
namespace {

using KeyIds = boost::unordered_flat_map<Key, Key>;
constexpr size_t kChunk = 4096;

bool Served(const ReplayRequest& r, bool reads_only) {
  return r.op == ReplayRequest::Op::kGet || (r.op == ReplayRequest::Op::kSet && !reads_only);
}

// The second pass, one per run: the trace's served requests with dense keys,
// spread within equal timestamps (see trace_workload.h).
class TraceSource final : public RequestSource {
 public:
  TraceSource(const TraceWorkloadSpec& spec, std::shared_ptr<const KeyIds> ids, double t0)
      : spec_(spec),
        reader_(OpenTrace(spec.path, spec.format, spec.csv)),
        ids_(std::move(ids)),
        t0_(t0) {}

  std::optional<Request> Next() override {
    if (idx_ == group_.size() && !FillGroup()) return std::nullopt;
    const ReplayRequest& r = group_[idx_];
    const double t =
        group_time_ + window_ * static_cast<double>(idx_) / static_cast<double>(group_.size());
    ++idx_;
    Time at = Time::Zero() + Duration::FromSecondsF((t - t0_) * spec_.time_scale);
    if (any_ && at <= last_) at = last_ + Duration::Nanos(1);
    any_ = true;
    last_ = at;
    const auto it = ids_->find(r.key);
    if (it == ids_->end()) {
      throw InputError(spec_.path + ": the trace changed since the scenario was loaded");
    }
    const bool write = r.op == ReplayRequest::Op::kSet;
    return Request{at, it->second, write, write ? std::max<uint32_t>(r.size, 1) : 0};
  }

 private:
  // The next served record, or false at the end of the trace.
  bool NextRecord(ReplayRequest* r) {
    for (;;) {
      if (pos_ == chunk_.size()) {
        pos_ = 0;
        if (reader_->Read(&chunk_, kChunk) == 0) return false;
      }
      *r = chunk_[pos_++];
      if (Served(*r, spec_.reads_only)) return true;
    }
  }

  // Reads the next group of records sharing one timestamp (and the first
  // record after it); false at the end of the trace.
  bool FillGroup() {
    group_.clear();
    idx_ = 0;
    if (!pending_) {
      ReplayRequest r;
      if (!NextRecord(&r)) return false;
      r.time = std::max(r.time, group_time_);
      pending_ = r;
    }
    group_time_ = pending_->time;
    group_.push_back(*pending_);
    pending_.reset();
    ReplayRequest r;
    while (NextRecord(&r)) {
      r.time = std::max(r.time, group_time_);
      if (r.time > group_time_) {
        pending_ = r;
        break;
      }
      group_.push_back(r);
    }
    window_ = pending_ ? std::min(1.0, pending_->time - group_time_) : 1.0;
    return true;
  }

  TraceWorkloadSpec spec_;
  std::unique_ptr<TraceReader> reader_;
  std::shared_ptr<const KeyIds> ids_;
  double t0_;
  std::vector<ReplayRequest> chunk_;
  size_t pos_ = 0;
  std::vector<ReplayRequest> group_;  // records sharing group_time_
  size_t idx_ = 0;                    // next of group_ to return
  double group_time_ = -std::numeric_limits<double>::infinity();
  double window_ = 1;
  std::optional<ReplayRequest> pending_;  // first record of the next group
  bool any_ = false;
  Time last_;
};

}  // namespace

std::shared_ptr<const TraceWorkloadConfig> PrepareTraceWorkload(const TraceWorkloadSpec& spec,
                                                                TraceWorkloadStats* stats) {
  if (spec.format == TraceFormat::kCsv && spec.csv.time.empty()) {
    throw InputError(spec.path + ": a CSV trace needs a time column to drive arrivals");
  }
  auto ids = std::make_shared<KeyIds>();
  auto sizes = std::make_shared<std::vector<uint32_t>>();
  std::vector<uint64_t> reads;  // per dense key, for the hottest keys
  TraceWorkloadStats st;
  bool any = false;
  auto reader = OpenTrace(spec.path, spec.format, spec.csv);
  std::vector<ReplayRequest> chunk;
  while (reader->Read(&chunk, 1 << 16) > 0) {
    cancel::ThrowIfRequested();  // between chunks: Ctrl-C ends a long pass
    for (const ReplayRequest& r : chunk) {
      if (!Served(r, spec.reads_only)) {
        ++st.skipped;
        continue;
      }
      const auto [it, fresh] = ids->try_emplace(r.key, ids->size());
      const uint32_t size = std::max<uint32_t>(r.size, 1);
      if (fresh) {
        sizes->push_back(size);
        reads.push_back(0);
      } else {
        (*sizes)[it->second] = std::max((*sizes)[it->second], size);
      }
      if (r.op == ReplayRequest::Op::kSet) {
        ++st.writes;
      } else {
        ++st.reads;
        ++reads[it->second];
      }
      if (!any) st.first_time = st.last_time = r.time;
      st.last_time = std::max(st.last_time, r.time);
      any = true;
    }
  }
  if (!any) {
    throw InputError(spec.path + ": the trace has no request to serve (" +
                     std::to_string(st.skipped) + " deletes or dropped writes)");
  }
  st.keys = ids->size();
  if (stats != nullptr) *stats = st;

  auto config = std::make_shared<TraceWorkloadConfig>();
  config->path = spec.path;
  config->sizes = std::move(sizes);
  // The most-read keys: most reads first, ties by the lower key.
  std::vector<Key> order(reads.size());
  for (Key k = 0; k < order.size(); ++k) order[k] = k;
  const size_t hot = std::min(kHotKeys, order.size());
  std::partial_sort(
      order.begin(), order.begin() + static_cast<long>(hot), order.end(),
      [&](Key a, Key b) { return reads[a] != reads[b] ? reads[a] > reads[b] : a < b; });
  config->hottest.assign(order.begin(), order.begin() + static_cast<long>(hot));
  std::shared_ptr<const KeyIds> frozen = std::move(ids);
  const double t0 = st.first_time;
  config->open = [spec, frozen, t0]() -> std::unique_ptr<RequestSource> {
    return std::make_unique<TraceSource>(spec, frozen, t0);
  };
  return config;
}

}  // namespace cachelab
