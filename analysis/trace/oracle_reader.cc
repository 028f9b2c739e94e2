// libCacheSim's oracleGeneral format; see reader.h.
#include <fmt/format.h>

#include <algorithm>
#include <cstring>

#include "analysis/trace/input.h"
#include "analysis/trace/reader.h"

namespace cachelab {
namespace {

constexpr size_t kRecordBytes = 24;

class OracleReader final : public TraceReader {
 public:
  explicit OracleReader(const std::string& path) : input_(path), buf_(kRecordBytes * 16384) {}

  // Decodes every whole record in the buffer at once, then refills.
  size_t Read(std::vector<ReplayRequest>* out, size_t max) override {
    out->clear();
    out->reserve(max);
    while (out->size() < max) {
      if (end_ - pos_ < kRecordBytes && !Refill()) break;
      const size_t n = std::min(max - out->size(), (end_ - pos_) / kRecordBytes);
      const char* p = buf_.data() + pos_;
      for (size_t i = 0; i < n; ++i, p += kRecordBytes) {
        uint32_t time;
        uint64_t key;
        uint32_t size;
        int64_t next;
        std::memcpy(&time, p, 4);
        std::memcpy(&key, p + 4, 8);
        std::memcpy(&size, p + 12, 4);
        std::memcpy(&next, p + 16, 8);
        out->push_back(ReplayRequest{key, size, ReplayRequest::Op::kGet,
                                     next < 0 ? EvictionPolicy::kNeverAgain : next,
                                     static_cast<double>(time)});
      }
      pos_ += n * kRecordBytes;
      record_ += n;
    }
    return out->size();
  }

  bool has_next_access() const override { return true; }

 private:
  // Moves the partial record to the front and reads more; false at the end.
  bool Refill() {
    const size_t keep = end_ - pos_;
    std::memmove(buf_.data(), buf_.data() + pos_, keep);
    pos_ = 0;
    end_ = keep;
    while (end_ < buf_.size()) {
      const size_t got = input_.Read(buf_.data() + end_, buf_.size() - end_,
                                     fmt::format("record {}", record_ + 1));
      if (got == 0) break;
      end_ += got;
    }
    if (end_ == 0) return false;
    if (end_ < kRecordBytes) {
      input_.Fail(fmt::format("record {}", record_ + 1),
                  fmt::format("short record ({} of {} bytes; the file ends inside it)", end_,
                              kRecordBytes));
    }
    return true;
  }

  TraceInput input_;
  std::vector<char> buf_;
  size_t pos_ = 0, end_ = 0;
  uint64_t record_ = 0;  // records returned so far
};

}  // namespace

std::unique_ptr<TraceReader> MakeOracleReader(const std::string& path) {
  return std::make_unique<OracleReader>(path);
}

}  // namespace cachelab
