// CSV traces with a column mapping; see reader.h.
#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <string_view>

#include "analysis/common/errors.h"
#include "analysis/common/from_chars.h"
#include "analysis/trace/input.h"
#include "analysis/trace/reader.h"

namespace cachelab {
namespace {

constexpr size_t kNone = ~size_t{0};

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool ParseOp(std::string_view text, ReplayRequest::Op* op) {
  const std::string t = Lower(text);
  if (t == "get" || t == "gets" || t == "read" || t == "r") {
    *op = ReplayRequest::Op::kGet;
    return true;
  }
  static const char* const kSets[] = {"set",     "add",  "replace", "cas",   "append",
                                      "prepend", "incr", "decr",    "write", "w"};
  for (const char* w : kSets) {
    if (t == w) {
      *op = ReplayRequest::Op::kSet;
      return true;
    }
  }
  if (t == "delete" || t == "del" || t == "d") {
    *op = ReplayRequest::Op::kDelete;
    return true;
  }
  return false;
}

class CsvReader final : public TraceReader {
 public:
  CsvReader(const std::string& path, const CsvColumns& columns) : lines_(path), columns_(columns) {}

  size_t Read(std::vector<ReplayRequest>* out, size_t max) override {
    out->clear();
    if (!started_) Start();
    std::string_view line;
    while (out->size() < max && lines_.Next(&line)) {
      if (line.empty()) continue;
      ReplayRequest r;
      ParseLine(line, &r);
      out->push_back(r);
    }
    return out->size();
  }

  bool has_next_access() const override { return false; }

 private:
  struct Column {
    const char* role;
    size_t index = kNone;
  };

  [[noreturn]] void Fail(const std::string& what) const { lines_.Fail(what); }

  // Splits `line` at the delimiter into fields_ (no quoting: trace fields are
  // numbers and identifiers).
  void Split(std::string_view line) {
    fields_.clear();
    size_t start = 0;
    for (;;) {
      const size_t end = line.find(columns_.delimiter, start);
      fields_.push_back(line.substr(start, end == std::string_view::npos ? end : end - start));
      if (end == std::string_view::npos) break;
      start = end + 1;
    }
  }

  // Resolves each mapped column to a field index, from the header or numbers.
  void Start() {
    started_ = true;
    std::string_view header;
    if (columns_.header && !lines_.Next(&header)) Fail("the file is empty (no header line)");
    if (columns_.header) Split(header);
    auto resolve = [&](const std::string& spec, const char* role) -> size_t {
      if (spec.empty()) return kNone;
      size_t number = 0;
      auto [p, ec] = std::from_chars(spec.data(), spec.data() + spec.size(), number);
      if (ec == std::errc() && p == spec.data() + spec.size()) {
        if (number == 0) {
          throw InputError(
              fmt::format("{}: {} column: column numbers start at 1, got 0", lines_.path(), role));
        }
        return number - 1;
      }
      if (!columns_.header) {
        throw InputError(fmt::format(
            "{}: {} column \"{}\": without a header line columns are numbers (1 = first)",
            lines_.path(), role, spec));
      }
      for (size_t i = 0; i < fields_.size(); ++i) {
        if (fields_[i] == spec) return i;
      }
      std::string names;
      for (auto f : fields_) names += (names.empty() ? "" : ", ") + std::string(f);
      Fail(fmt::format("missing column \"{}\" for the {} (header columns: {})", spec, role, names));
    };
    key_ = resolve(columns_.key, "key");
    if (key_ == kNone) throw InputError(lines_.path() + ": a key column is required");
    time_ = resolve(columns_.time, "time");
    size_ = resolve(columns_.size, "size");
    op_ = resolve(columns_.op, "op");
    needed_ = std::max({key_, time_ == kNone ? 0 : time_, size_ == kNone ? 0 : size_,
                        op_ == kNone ? 0 : op_}) +
              1;
  }

  void ParseLine(std::string_view line, ReplayRequest* r) {
    Split(line);
    if (fields_.size() < needed_) {
      Fail(fmt::format("missing column: {} fields, the mapping needs {}", fields_.size(), needed_));
    }
    const std::string_view key = fields_[key_];
    if (key.empty()) Fail("empty key");
    uint64_t k = 0;
    auto [kp, kec] = std::from_chars(key.data(), key.data() + key.size(), k);
    r->key = (kec == std::errc() && kp == key.data() + key.size()) ? k : HashTraceKey(key);
    if (size_ != kNone) {
      const std::string_view s = fields_[size_];
      uint32_t v = 0;
      auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
      if (ec != std::errc() || p != s.data() + s.size()) {
        Fail(fmt::format("bad size \"{}\" (an integer number of bytes below 4 GiB)", s));
      }
      r->size = v;
    } else {
      r->size = 1;
    }
    if (time_ != kNone) {
      const std::string_view t = fields_[time_];
      double v = 0;
      auto [p, ec] = FromChars(t.data(), t.data() + t.size(), v);
      if (ec != std::errc() || p != t.data() + t.size()) Fail(fmt::format("bad time \"{}\"", t));
      r->time = v;
    }
    if (op_ != kNone && !ParseOp(fields_[op_], &r->op)) {
      Fail(fmt::format("unknown op \"{}\" (get, set, delete, ...)", fields_[op_]));
    }
  }

  TraceLines lines_;
  CsvColumns columns_;
  bool started_ = false;
  std::vector<std::string_view> fields_;
  size_t key_ = kNone, time_ = kNone, size_ = kNone, op_ = kNone, needed_ = 1;
};

}  // namespace

std::unique_ptr<TraceReader> MakeOracleReader(const std::string& path);
std::unique_ptr<TraceReader> MakeTwitterReader(const std::string& path);

std::optional<TraceFormat> TraceFormatFromName(std::string_view name) {
  for (const TraceFormatName& f : kTraceFormatNames) {
    if (f.name == name) return f.format;
  }
  return std::nullopt;
}

std::string TraceFormatNameList() {
  std::string out;
  const size_t n = std::size(kTraceFormatNames);
  for (size_t i = 0; i < n; ++i) {
    if (i > 0) out += i + 1 == n ? " or " : ", ";
    out += '"' + std::string(kTraceFormatNames[i].name) + '"';
  }
  return out;
}

std::unique_ptr<TraceReader> OpenTrace(const std::string& path, TraceFormat format,
                                       const CsvColumns& columns) {
  if (format == TraceFormat::kOracle) return MakeOracleReader(path);
  if (format == TraceFormat::kTwitter) return MakeTwitterReader(path);
  return std::make_unique<CsvReader>(path, columns);
}

}  // namespace cachelab
