// libCacheSim's oracleGeneral format; see reader.h.
#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <string_view>

#include "analysis/trace/input.h"
#include "analysis/trace/reader.h"

namespace cachelab {
namespace {

constexpr size_t kRecordBytes = 24;

class OracleReader final : public TraceReader {
 public:
  explicit OracleReader(const std::string& path) : input_(path) {
    // Left uninitialised (new char[], as make_unique would zero it and the
    // WebAssembly build's libc++ lacks make_unique_for_overwrite), and 96 KiB:
    // zeroing 384 KiB on each open was most of the cost of a short compressed
    // trace (see kBufBytes).
    if (!input_.mappable()) buf_ = std::unique_ptr<char[]>(new char[kBufBytes]);
  }

  // Decodes every whole record in the buffer (or mapped window) at once,
  // then refills.
  size_t Read(std::vector<ReplayRequest>* out, size_t max) override {
    out->clear();
    out->reserve(max);
    while (out->size() < max) {
      if (bytes_.size() < kRecordBytes && !Refill()) break;
      const size_t n = std::min(max - out->size(), bytes_.size() / kRecordBytes);
      const char* p = bytes_.data();
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
      bytes_.remove_prefix(n * kRecordBytes);
      record_ += n;
    }
    return out->size();
  }

  bool has_next_access() const override { return true; }

 private:
  // The next window of whole records (the file mapped in place, or read
  // into buf_ after the partial record kept at its front); false at the end.
  bool Refill() {
    const std::string where = fmt::format("record {}", record_ + 1);
    if (input_.mappable()) {
      // Windows are whole records, so only the file's last one can end in a
      // part of a record; it is left over here.
      if (bytes_.empty()) bytes_ = input_.Map(kRecordBytes * kWindowRecords, where);
    } else {
      const size_t keep = bytes_.size();
      if (keep > 0) std::memmove(buf_.get(), bytes_.data(), keep);  // data() may be null
      size_t end = keep;
      while (end < kBufBytes) {
        const size_t got = input_.Read(buf_.get() + end, kBufBytes - end, where);
        if (got == 0) break;
        end += got;
      }
      bytes_ = std::string_view(buf_.get(), end);
    }
    if (bytes_.empty()) return false;
    if (bytes_.size() < kRecordBytes) {
      input_.Fail(where, fmt::format("short record ({} of {} bytes; the file ends inside it)",
                                     bytes_.size(), kRecordBytes));
    }
    return true;
  }

  // 24 MiB windows: a multiple of 2 MiB, so every window starts on a huge
  // page boundary of the file and the kernel can map the page cache's large
  // folios with one PMD each (ext4, Linux 6.18) instead of 512 PTEs. The
  // reader alone on a 480 MB trace: 0.14 s against 0.28 s with 1.5 MiB windows.
  static constexpr size_t kWindowRecords = 1 << 20;
  // Compressed input is decoded into this buffer, 4,096 records at a time:
  // big enough that a call's overhead is nothing beside decoding 96 KiB, and
  // small enough for ASan's size-classed allocator (larger blocks are mmapped
  // and unmapped on every open). The zstd fuzz target, 45 s runs: 165
  // executions/s with a zeroed 384 KiB buffer, 414 uninitialised, 1,146 with
  // 96 KiB and a reused decoder (input.cc).
  static constexpr size_t kBufBytes = kRecordBytes * 4096;
  TraceInput input_;
  std::unique_ptr<char[]> buf_;  // compressed input only
  std::string_view bytes_;       // records not yet decoded
  uint64_t record_ = 0;          // records returned so far
};

}  // namespace

std::unique_ptr<TraceReader> MakeOracleReader(const std::string& path) {
  return std::make_unique<OracleReader>(path);
}

}  // namespace cachelab
