#include "analysis/trace/input.h"

#include <fcntl.h>
#include <unistd.h>
#include <zstd.h>

#include <boost/iostreams/categories.hpp>
#include <boost/iostreams/operations.hpp>
#include <cerrno>
#include <cstring>
#include <exception>
#include <ios>
#include <memory>
#include <vector>

#include "analysis/errors.h"

namespace cachelab {
namespace {

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
        const size_t r = ZSTD_decompressStream(s_->ctx.get(), &out, &s_->in);
        if (ZSTD_isError(r)) throw std::ios_base::failure(ZSTD_getErrorName(r));
        s_->frame_open = r != 0;
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
          boost::iostreams::read(src, s_->buf.data(), static_cast<std::streamsize>(s_->buf.size()));
      if (got <= 0) {
        s_->eof = true;
      } else {
        s_->in = ZSTD_inBuffer{s_->buf.data(), static_cast<size_t>(got), 0};
      }
    }
  }

 private:
  struct FreeCtx {
    void operator()(ZSTD_DCtx* c) const { ZSTD_freeDCtx(c); }
  };
  struct State {
    std::unique_ptr<ZSTD_DCtx, FreeCtx> ctx{ZSTD_createDCtx()};
    std::vector<char> buf = std::vector<char>(ZSTD_DStreamInSize());
    ZSTD_inBuffer in{nullptr, 0, 0};
    bool eof = false;
    bool flush = false;
    bool frame_open = false;
  };
  std::shared_ptr<State> s_;  // Boost copies filters; the copies share one decoder
};

}  // namespace

TraceInput::TraceInput(const std::string& path) : path_(path) {
  compressed_ = path.size() > 4 && path.compare(path.size() - 4, 4, ".zst") == 0;
  if (!compressed_) {
    fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) throw InputError(path + ": cannot open the trace file");
    ::posix_fadvise(fd_, 0, 0, POSIX_FADV_SEQUENTIAL);
    return;
  }
  file_.open(path, std::ios::binary);
  if (!file_) throw InputError(path + ": cannot open the trace file");
  in_.push(ZstdDecompressor());
  in_.push(file_);
  in_.exceptions(std::ios::badbit);
}

TraceInput::~TraceInput() {
  if (fd_ >= 0) ::close(fd_);
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

}  // namespace cachelab
