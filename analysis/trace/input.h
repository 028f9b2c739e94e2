// A trace file as a byte stream: plain, or zstd-compressed when the name ends
// in ".zst". A plain file is read with read(2) straight into the caller's
// buffer, or, through Map, not copied at all: mapped a window at a time (a
// page-cached 480 MB trace replays ~0.3 s faster than through read(2), and
// only the window counts towards the resident set); a compressed one through
// Boost.Iostreams. Errors (cannot open, corrupt or
// truncated zstd) throw InputError naming the file; the reader adds the record or line where it
// happened.
#pragma once

#include <boost/iostreams/filtering_stream.hpp>
#include <cstddef>
#include <cstdint>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

namespace cachelab {

class TraceInput {
 public:
  explicit TraceInput(const std::string& path);
  ~TraceInput();
  TraceInput(const TraceInput&) = delete;
  TraceInput& operator=(const TraceInput&) = delete;
  // Reads up to n bytes; fewer only at the end of the data. `where` names the
  // position in the reader's terms ("record 12") for error messages.
  size_t Read(char* buf, size_t n, const std::string& where);
  // Plain files only (mappable()): the next min(n, bytes left) bytes of the
  // file in place, valid until the next call; empty at the end. Do not mix
  // with Read.
  std::string_view Map(size_t n, const std::string& where);
  bool mappable() const { return fd_ >= 0; }
  const std::string& path() const { return path_; }
  // Throws InputError "<path>: <where>: <what>".
  [[noreturn]] void Fail(const std::string& where, const std::string& what) const;

 private:
  std::string path_;
  bool compressed_ = false;
  int fd_ = -1;                          // plain files
  uint64_t file_size_ = 0, offset_ = 0;  // plain files: size, and what Map has returned so far
  void* map_ = nullptr;                  // the current Map window
  size_t map_len_ = 0;
  std::ifstream file_;
  boost::iostreams::filtering_istream in_;
};

// A text trace line by line, in chunks: a line may be as long as memory
// allows (the buffer grows to hold it), the file as long as you like.
class TraceLines {
 public:
  explicit TraceLines(const std::string& path) : input_(path), buf_(1 << 16) {}
  // The next line without its end of line ("\n" or "\r\n"); false at the end.
  bool Next(std::string_view* line);
  uint64_t line_no() const { return line_no_; }  // 1-based number of the last line returned
  const std::string& path() const { return input_.path(); }
  // Throws InputError "<path>: line <n>: <what>" for the last line returned.
  [[noreturn]] void Fail(const std::string& what) const;

 private:
  TraceInput input_;
  std::vector<char> buf_;
  size_t pos_ = 0, end_ = 0;
  bool eof_ = false;
  uint64_t line_no_ = 0;
};

// Text keys as 64-bit ids: MurmurHash64A (Austin Appleby, public domain), a
// fast hash with full avalanche. Distinct keys collide with probability about
// n^2 / 2^65 for n distinct keys (1e-8 for a million, 3e-4 for 1e8 keys); a
// collision merges two objects into one, which changes results by at most
// the requests of those two keys.
uint64_t HashTraceKey(std::string_view text);

}  // namespace cachelab
