// Twitter's cache traces (github.com/twitter/cache-trace; Yang et al., "A
// large scale analysis of hundreds of in-memory cache clusters at Twitter",
// OSDI 2020); see reader.h for how ops and sizes map.
#include <fmt/format.h>

#include <charconv>
#include <string_view>

#include "analysis/trace/input.h"
#include "analysis/trace/reader.h"

namespace cachelab {
namespace {

constexpr size_t kColumns = 7;  // timestamp,key,key size,value size,client id,op,TTL

bool ParseOp(std::string_view t, ReplayRequest::Op* op) {
  auto is = [&](std::string_view name) {
    if (t.size() != name.size()) return false;
    for (size_t i = 0; i < t.size(); ++i) {
      if (std::tolower(static_cast<unsigned char>(t[i])) != name[i]) return false;
    }
    return true;
  };
  if (is("get") || is("gets")) {
    *op = ReplayRequest::Op::kGet;
    return true;
  }
  for (std::string_view w : {"set", "add", "replace", "cas", "append", "prepend", "incr", "decr"}) {
    if (is(w)) {
      *op = ReplayRequest::Op::kSet;
      return true;
    }
  }
  if (is("delete")) {
    *op = ReplayRequest::Op::kDelete;
    return true;
  }
  return false;
}

class TwitterReader final : public TraceReader {
 public:
  explicit TwitterReader(const std::string& path) : lines_(path) {}

  size_t Read(std::vector<ReplayRequest>* out, size_t max) override {
    out->clear();
    std::string_view line;
    while (out->size() < max && lines_.Next(&line)) {
      if (line.empty()) continue;
      out->push_back(Parse(line));
    }
    return out->size();
  }

  bool has_next_access() const override { return false; }

 private:
  // An unsigned integer field, or an error naming the column.
  uint64_t Number(std::string_view text, const char* column) const {
    uint64_t v = 0;
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (text.empty() || ec != std::errc() || p != text.data() + text.size()) {
      lines_.Fail(fmt::format("bad {} \"{}\" (an unsigned integer)", column, text));
    }
    return v;
  }

  ReplayRequest Parse(std::string_view line) {
    std::string_view f[kColumns];
    size_t n = 0, start = 0;
    for (;;) {
      const size_t comma = line.find(',', start);
      if (n < kColumns)
        f[n] = line.substr(start, comma == std::string_view::npos ? comma : comma - start);
      ++n;
      if (comma == std::string_view::npos) break;
      start = comma + 1;
    }
    if (n != kColumns) {
      lines_.Fail(fmt::format(
          "{} columns, expected 7 (timestamp,key,key size,value size,client id,op,TTL)", n));
    }
    ReplayRequest r;
    r.time = static_cast<double>(Number(f[0], "timestamp"));
    if (f[1].empty()) lines_.Fail("empty key");
    r.key = HashTraceKey(f[1]);
    const uint64_t size = Number(f[2], "key size") + Number(f[3], "value size");
    if (size > UINT32_MAX)
      lines_.Fail(fmt::format("key size + value size {} is 4 GiB or more", size));
    r.size = static_cast<uint32_t>(size);
    if (!ParseOp(f[5], &r.op)) {
      lines_.Fail(fmt::format(
          "unknown op \"{}\" (get, gets, set, add, replace, cas, append, prepend, delete, incr, "
          "decr)",
          f[5]));
    }
    Number(f[6], "TTL");
    return r;
  }

  TraceLines lines_;
};

}  // namespace

std::unique_ptr<TraceReader> MakeTwitterReader(const std::string& path) {
  return std::make_unique<TwitterReader>(path);
}

}  // namespace cachelab
