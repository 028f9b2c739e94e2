// A trace file as a byte stream: plain, or zstd-compressed when the name ends
// in ".zst". A plain file is read with read(2) straight into the caller's
// buffer (no stream buffers in between: the replay of a page-cached trace is
// bound by this copy); a compressed one through Boost.Iostreams. Errors (cannot open, corrupt or
// truncated zstd) throw InputError naming the file; the reader adds the record or line where it
// happened.
#pragma once

#include <boost/iostreams/filtering_stream.hpp>
#include <cstddef>
#include <fstream>
#include <string>

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
  const std::string& path() const { return path_; }
  // Throws InputError "<path>: <where>: <what>".
  [[noreturn]] void Fail(const std::string& where, const std::string& what) const;

 private:
  std::string path_;
  bool compressed_ = false;
  int fd_ = -1;  // plain files
  std::ifstream file_;
  boost::iostreams::filtering_istream in_;
};

}  // namespace cachelab
