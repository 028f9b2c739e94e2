#include "analysis/trace/input.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#if !defined(CACHELAB_NO_ZSTD)
#include <zstd.h>
#endif

#include <algorithm>
#include <boost/iostreams/categories.hpp>
#include <boost/iostreams/operations.hpp>
#include <cerrno>
#include <cstring>
#include <exception>
#include <ios>
#include <memory>
#include <vector>

#include "analysis/common/errors.h"

namespace cachelab {
namespace {

#if !defined(CACHELAB_NO_ZSTD)
// A Boost.Iostreams input filter over libzstd's streaming decoder. Boost's own
// zstd_decompressor (1.81) ends quietly at a truncated frame; this one knows
// whether the last frame was complete when the compressed data ends, and
// throws "truncated zstd frame" when it was not.
class ZstdDecompressor {
 public:
  using char_type = char;
  struct category : boost::iostreams::multichar_input_filter_tag {};

  ZstdDecompressor() : s_(std::make_shared<State>()) {}

  template <typename Source>
  std::streamsize read(Source& src, char* out_buf, std::streamsize n) {
    ZSTD_outBuffer out{out_buf, static_cast<size_t>(n), 0};
    for (;;) {
      if (s_->in.pos < s_->in.size || s_->flush) {
        const size_t in_before = s_->in.pos, out_before = out.pos;
        const size_t r = ZSTD_decompressStream(s_->ctx.get(), &out, &s_->in);
        if (ZSTD_isError(r)) throw std::ios_base::failure(ZSTD_getErrorName(r));
        // A call that moved nothing says nothing about the frame: after a
        // frame's end it returns the next frame header's size (non-zero).
        if (r == 0) {
          s_->frame_open = false;
        } else if (s_->in.pos != in_before || out.pos != out_before) {
          s_->frame_open = true;
        }
        s_->flush = out.pos == out.size;
        if (out.pos == out.size || (out.pos > 0 && s_->in.pos == s_->in.size)) {
          return static_cast<std::streamsize>(out.pos);
        }
        continue;
      }
      if (s_->eof) {
        if (s_->frame_open) throw std::ios_base::failure("truncated zstd frame");
        return out.pos > 0 ? static_cast<std::streamsize>(out.pos) : -1;
      }
      const std::streamsize got =
          boost::iostreams::read(src, s_->buf.get(), static_cast<std::streamsize>(s_->buf_size));
      if (got <= 0) {
        s_->eof = true;
      } else {
        s_->in = ZSTD_inBuffer{s_->buf.get(), static_cast<size_t>(got), 0};
      }
    }
  }

 private:
  struct FreeCtx {
    void operator()(ZSTD_DCtx* c) const { ZSTD_freeDCtx(c); }
  };
  using Ctx = std::unique_ptr<ZSTD_DCtx, FreeCtx>;
  // One decoder kept per thread for the next trace opened: a decoder and its
  // window are ~0.4 MB of allocations, and a replay opens its trace two or
  // three times (working set, then each worker). Reset on reuse.
  static Ctx TakeCtx() {
    Ctx ctx = std::move(SpareCtx());
    if (!ctx) return Ctx(ZSTD_createDCtx());
    ZSTD_DCtx_reset(ctx.get(), ZSTD_reset_session_and_parameters);
    return ctx;
  }
  static Ctx& SpareCtx() {
    thread_local Ctx spare;
    return spare;
  }
  struct State {
    ~State() { SpareCtx() = std::move(ctx); }
    Ctx ctx = TakeCtx();
    // Uninitialised, as the reader's own buffer (oracle_reader.cc).
    size_t buf_size = ZSTD_DStreamInSize();
    std::unique_ptr<char[]> buf = std::unique_ptr<char[]>(new char[buf_size]);
    ZSTD_inBuffer in{nullptr, 0, 0};
    bool eof = false;
    bool flush = false;
    bool frame_open = false;
  };
  std::shared_ptr<State> s_;  // Boost copies filters; the copies share one decoder
};

#endif  // CACHELAB_NO_ZSTD

}  // namespace

TraceInput::TraceInput(const std::string& path) : path_(path) {
  compressed_ = path.size() > 4 && path.compare(path.size() - 4, 4, ".zst") == 0;
  if (!compressed_) {
    fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) throw InputError(path + ": cannot open the trace file");
    ::posix_fadvise(fd_, 0, 0, POSIX_FADV_SEQUENTIAL);
    struct stat st {};
    if (::fstat(fd_, &st) == 0) file_size_ = static_cast<uint64_t>(st.st_size);
    return;
  }
#if defined(CACHELAB_NO_ZSTD)
  throw InputError(path + ": zstd-compressed traces are not supported in this build (the " +
                   "WebAssembly one); decompress it with `zstd -d` first");
#else
  file_.open(path, std::ios::binary);
  if (!file_) throw InputError(path + ": cannot open the trace file");
  in_.push(ZstdDecompressor());
  in_.push(file_);
  in_.exceptions(std::ios::badbit);
#endif
}

TraceInput::~TraceInput() {
  if (map_ != nullptr) ::munmap(map_, map_len_);
  if (fd_ >= 0) ::close(fd_);
}

std::string_view TraceInput::Map(size_t n, const std::string& where) {
  if (map_ != nullptr) ::munmap(map_, map_len_);
  map_ = nullptr;
  map_len_ = 0;
  n = static_cast<size_t>(std::min<uint64_t>(n, file_size_ - offset_));
  if (n == 0) return {};
  // mmap wants a page-aligned offset; the window starts up to a page early.
  static const uint64_t page = static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
  const uint64_t start = offset_ & ~(page - 1);
  const size_t lead = static_cast<size_t>(offset_ - start);
  void* p = ::mmap(nullptr, lead + n, PROT_READ, MAP_PRIVATE, fd_, static_cast<off_t>(start));
  if (p == MAP_FAILED) Fail(where, std::string("cannot map the file: ") + std::strerror(errno));
  map_ = p;
  map_len_ = lead + n;
  offset_ += n;
  return {static_cast<const char*>(p) + lead, n};
}

size_t TraceInput::Read(char* buf, size_t n, const std::string& where) {
  if (fd_ >= 0) {
    size_t done = 0;
    while (done < n) {
      const ssize_t got = ::read(fd_, buf + done, n - done);
      if (got == 0) break;
      if (got < 0) {
        if (errno == EINTR) continue;
        Fail(where, std::string("read error: ") + std::strerror(errno));
      }
      done += static_cast<size_t>(got);
    }
    return done;
  }
  try {
    in_.read(buf, static_cast<std::streamsize>(n));
  } catch (const std::exception& e) {
    Fail(where, std::string(compressed_ ? "corrupt zstd data: " : "read error: ") + e.what());
  }
  return static_cast<size_t>(in_.gcount());
}

void TraceInput::Fail(const std::string& where, const std::string& what) const {
  throw InputError(path_ + ": " + where + ": " + what);
}

bool TraceLines::Next(std::string_view* line) {
  for (;;) {
    const char* nl = static_cast<const char*>(std::memchr(buf_.data() + pos_, '\n', end_ - pos_));
    if (nl != nullptr || eof_) {
      if (nl == nullptr && pos_ == end_) return false;
      const size_t stop = nl != nullptr ? static_cast<size_t>(nl - buf_.data()) : end_;
      size_t len = stop - pos_;
      if (len > 0 && buf_[pos_ + len - 1] == '\r') --len;
      *line = std::string_view(buf_.data() + pos_, len);
      pos_ = nl != nullptr ? stop + 1 : end_;
      ++line_no_;
      return true;
    }
    // Keep the partial line, grow when it fills the buffer, read more.
    std::memmove(buf_.data(), buf_.data() + pos_, end_ - pos_);
    end_ -= pos_;
    pos_ = 0;
    if (end_ == buf_.size()) buf_.resize(buf_.size() * 2);
    const size_t got =
        input_.Read(buf_.data() + end_, buf_.size() - end_, "line " + std::to_string(line_no_ + 1));
    if (got == 0) eof_ = true;
    end_ += got;
  }
}

void TraceLines::Fail(const std::string& what) const {
  input_.Fail("line " + std::to_string(line_no_), what);
}

uint64_t HashTraceKey(std::string_view text) {
  constexpr uint64_t m = 0xc6a4a7935bd1e995ull;
  constexpr int r = 47;
  const size_t len = text.size();
  uint64_t h = 0x9747b28c5f3a1e27ull ^ (len * m);
  const char* p = text.data();
  const char* end = p + (len & ~size_t{7});
  for (; p != end; p += 8) {
    uint64_t k;
    std::memcpy(&k, p, 8);
    k *= m;
    k ^= k >> r;
    k *= m;
    h ^= k;
    h *= m;
  }
  const auto* tail = reinterpret_cast<const unsigned char*>(p);
  switch (len & 7) {
    case 7:
      h ^= uint64_t{tail[6]} << 48;
      [[fallthrough]];
    case 6:
      h ^= uint64_t{tail[5]} << 40;
      [[fallthrough]];
    case 5:
      h ^= uint64_t{tail[4]} << 32;
      [[fallthrough]];
    case 4:
      h ^= uint64_t{tail[3]} << 24;
      [[fallthrough]];
    case 3:
      h ^= uint64_t{tail[2]} << 16;
      [[fallthrough]];
    case 2:
      h ^= uint64_t{tail[1]} << 8;
      [[fallthrough]];
    case 1:
      h ^= uint64_t{tail[0]};
      h *= m;
  }
  h ^= h >> r;
  h *= m;
  h ^= h >> r;
  return h;
}

}  // namespace cachelab
