#include "analysis/common/json_reader.h"

#include <fmt/format.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <set>
#include <utility>

#include "analysis/common/errors.h"

namespace cachelab::jsonread {

// ---- Pointers and values in messages -----------------------------------------

std::string Child(const std::string& pointer, std::string_view key) {
  std::string out = pointer + "/";
  for (char c : key) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

std::string Child(const std::string& pointer, size_t index) {
  return pointer + "/" + std::to_string(index);
}

std::string QuoteClipped(std::string_view text, size_t max) {
  // Invalid UTF-8 (from a command line) is shown as U+FFFD rather than thrown on.
  const auto quote = [](std::string_view t) {
    return json(std::string(t)).dump(-1, ' ', false, json::error_handler_t::replace);
  };
  if (text.size() <= max) return quote(text);
  size_t cut = max - 3;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;  // whole chars
  return quote(std::string(text.substr(0, cut)) + "...") + " (" + std::to_string(text.size()) +
         " characters)";
}

std::string FlagText(std::string_view flag, std::string_view text, size_t max) {
  std::string out(flag);
  out += ' ';
  if (text.size() <= max) return out.append(text);
  size_t cut = max - 3;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return out.append(text.substr(0, cut)) + "... (" + std::to_string(text.size()) + " characters)";
}

std::string Utf8Error(std::string_view text) {
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  const size_t n = text.size();
  for (size_t i = 0; i < n;) {
    const unsigned char c = s[i];
    size_t len = 0;
    uint32_t cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      len = 2, cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3, cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4, cp = c & 0x07;
    }
    bool ok = len != 0 && i + len <= n;
    for (size_t k = 1; ok && k < len; ++k) {
      ok = (s[i + k] & 0xC0) == 0x80;
      cp = (cp << 6) | (s[i + k] & 0x3F);
    }
    // Overlong forms, surrogates and values beyond U+10FFFF are invalid too.
    static constexpr uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
    ok = ok && cp >= kMin[len] && cp <= 0x10FFFF && (cp < 0xD800 || cp > 0xDFFF);
    if (!ok) return fmt::format("byte 0x{:02X} at offset {} is not valid UTF-8", c, i);
    i += len;
  }
  return {};
}

std::string Describe(const json& value) {
  switch (value.type()) {
    case json::value_t::object:
      return "an object";
    case json::value_t::array:
      return "an array";
    case json::value_t::discarded:
      return "nothing";
    case json::value_t::string:
      // Keep the one-line message readable when someone pastes a paragraph.
      return QuoteClipped(value.get_ref<const std::string&>());
    default:
      return value.dump();
  }
}

std::string JoinNames(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) {
    if (!out.empty()) out += ", ";
    out += n;
  }
  return out.empty() ? "(none)" : out;
}

// ---- Origins ------------------------------------------------------------------

namespace {

// True when `pointer` is `root` or lies below it (token-wise, so "/cachex" is
// not below "/cache").
bool AtOrBelow(const std::string& pointer, const std::string& root) {
  if (pointer.compare(0, root.size(), root) != 0) return false;
  return pointer.size() == root.size() || pointer[root.size()] == '/';
}

}  // namespace

void Origins::AddOverride(std::string text, std::string pointer, std::string introduced) {
  overrides_.push_back({std::move(text), std::move(pointer), std::move(introduced)});
}

void Origins::Fail(const std::string& pointer, const std::string& what) const {
  for (auto it = overrides_.rbegin(); it != overrides_.rend(); ++it) {
    if (!AtOrBelow(pointer, it->introduced)) continue;
    // The override names its own pointer; repeat the pointer only if it differs.
    const std::string where = pointer == it->pointer ? "" : pointer + ": ";
    throw InputError(it->text + ": " + where + what);
  }
  throw InputError(source_ + ": " + (pointer.empty() ? "" : pointer + ": ") + what);
}

void Expected(const Origins& origins, const Node& node, const std::string& expected) {
  origins.Fail(node.pointer, expected + ", got " + Describe(*node.value));
}

// ---- Parsing ----------------------------------------------------------------------

namespace {

// nlohmann quotes the token it stopped at ("last read: '...'", "parsing
// '...'"), which may be a whole 10 MB value: cut what is quoted.
std::string ClipLastRead(const std::string& message) {
  const size_t open = message.find('\'');
  const size_t close = message.rfind('\'');
  if (open == std::string::npos || close <= open + 1) return message;
  const std::string token = message.substr(open + 1, close - open - 1);
  if (token.size() <= 80) return message;
  return message.substr(0, open) + QuoteClipped(token) + message.substr(close + 1);
}

// Tracks the pointer of the value being parsed from nlohmann's parse events,
// to name the place of a duplicate key.
class DuplicateKeyCheck {
 public:
  explicit DuplicateKeyCheck(std::string source) : source_(std::move(source)) {}

  bool operator()(int /*depth*/, json::parse_event_t event, json& parsed) {
    switch (event) {
      case json::parse_event_t::object_start:
        frames_.push_back({false, 0, "", {}});
        break;
      case json::parse_event_t::array_start:
        frames_.push_back({true, 0, "", {}});
        break;
      case json::parse_event_t::key: {
        Frame& f = frames_.back();
        f.key = parsed.get<std::string>();
        if (!f.keys.insert(f.key).second) {
          throw InputError(source_ + ": " + Pointer() + ": duplicate field, got it twice");
        }
        break;
      }
      case json::parse_event_t::object_end:
      case json::parse_event_t::array_end:
        frames_.pop_back();
        ElementDone();
        break;
      case json::parse_event_t::value:
        ElementDone();
        break;
    }
    return true;
  }

 private:
  struct Frame {
    bool is_array;
    size_t index;     // arrays: index of the element being parsed
    std::string key;  // objects: the key being parsed
    std::set<std::string> keys;
  };

  void ElementDone() {
    if (!frames_.empty() && frames_.back().is_array) ++frames_.back().index;
  }

  std::string Pointer() const {
    std::string p;
    for (const Frame& f : frames_) p = f.is_array ? Child(p, f.index) : Child(p, f.key);
    return p;
  }

  std::string source_;
  std::vector<Frame> frames_;
};

}  // namespace

json ParseJsonStrict(const std::string& text, const std::string& source) {
  try {
    return json::parse(text, DuplicateKeyCheck(source));
  } catch (const json::out_of_range& e) {
    // A number beyond a double's range (-1e400): nlohmann names the literal
    // but not where it is.
    const std::string what = e.what();
    const size_t colon = what.find("] ");
    throw InputError(source + ": invalid JSON: " +
                     ClipLastRead(colon == std::string::npos ? what : what.substr(colon + 2)) +
                     " (numbers must fit a double)");
  } catch (const json::parse_error& e) {
    // nlohmann's what() is "[json.exception.parse_error.101] parse error at
    // line L, column C: <message>"; keep the part after "parse error at ".
    const std::string what = e.what();
    const std::string marker = "parse error at ";
    const size_t at = what.find(marker);
    if (at != std::string::npos && what.compare(at + marker.size(), 5, "line ") == 0) {
      throw InputError(source + ": invalid JSON at " +
                       ClipLastRead(what.substr(at + marker.size())));
    }
    // Older formats carry no line: derive it from the byte offset.
    size_t line = 1, column = 1;
    for (size_t i = 0; i + 1 < e.byte && i < text.size(); ++i) {
      if (text[i] == '\n') {
        ++line;
        column = 1;
      } else {
        ++column;
      }
    }
    const size_t colon = what.find(": ");
    throw InputError(source + ": invalid JSON at line " + std::to_string(line) + ", column " +
                     std::to_string(column) + ": " +
                     ClipLastRead(colon == std::string::npos ? what : what.substr(colon + 2)));
  }
}

// ---- Typed readers -------------------------------------------------------------

const std::string& ReadString(const Origins& o, const Node& n) {
  if (!n.value->is_string()) Expected(o, n, "must be a string");
  return n.value->get_ref<const std::string&>();
}

bool ReadBool(const Origins& o, const Node& n) {
  if (!n.value->is_boolean()) Expected(o, n, "must be true or false");
  return n.value->get<bool>();
}

double ReadNumber(const Origins& o, const Node& n) {
  if (!n.value->is_number()) Expected(o, n, "must be a number");
  return n.value->get<double>();
}

int64_t ReadInteger(const Origins& o, const Node& n) {
  const json& v = *n.value;
  if (v.is_number_unsigned()) {
    if (v.get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      Expected(o, n, "must be an integer <= 9223372036854775807");
    }
    return static_cast<int64_t>(v.get<uint64_t>());
  }
  if (v.is_number_integer()) return v.get<int64_t>();
  if (v.is_number_float()) {
    const double d = v.get<double>();
    // 2^63 is exactly representable; anything at or above it does not fit.
    if (std::floor(d) == d && d >= -9223372036854775808.0 && d < 9223372036854775808.0) {
      return static_cast<int64_t>(d);
    }
  }
  Expected(o, n, "must be an integer");
}

int64_t ReadDurationNanos(const Origins& o, const Node& n) {
  if (!n.value->is_string()) {
    Expected(o, n,
             n.value->is_number()
                 ? "must be a duration string with a unit, such as \"250ms\" or \"0s\" (a bare "
                   "number has no unit)"
                 : "must be a duration string such as \"250ms\"");
  }
  int64_t nanos = 0;
  switch (ParseDurationNanos(n.value->get_ref<const std::string&>(), &nanos)) {
    case UnitParse::kOk:
      return nanos;
    case UnitParse::kNoUnit:
      Expected(o, n, "must be a duration with a unit (ns, us, ms, s, m, h)");
    case UnitParse::kTooLarge:
      Expected(o, n, "must be a duration of at most 10 years (87600h)");
    case UnitParse::kMalformed:
      break;
  }
  Expected(o, n, "must be a duration such as \"250us\", \"1.5s\" or \"1h30m\"");
}

int64_t ReadSizeBytes(const Origins& o, const Node& n) {
  if (n.value->is_number()) {
    const int64_t bytes = ReadInteger(o, n);
    if (bytes > kMaxSizeBytes || bytes < -kMaxSizeBytes)
      Expected(o, n, "must be a size of at most 1PiB");
    return bytes;
  }
  if (!n.value->is_string()) {
    Expected(o, n, "must be a size such as \"4KiB\" or a whole number of bytes");
  }
  int64_t bytes = 0;
  switch (ParseSizeBytes(n.value->get_ref<const std::string&>(), &bytes)) {
    case UnitParse::kOk:
      return bytes;
    case UnitParse::kTooLarge:
      Expected(o, n, "must be a size of at most 1PiB");
    case UnitParse::kNoUnit:
    case UnitParse::kMalformed:
      break;
  }
  Expected(o, n, "must be a size such as \"512B\", \"4KiB\", \"1.5MiB\" or \"10MB\"");
}

// ---- ObjectReader ---------------------------------------------------------------

ObjectReader::ObjectReader(const Origins& origins, Node node)
    : origins_(origins), node_(std::move(node)) {
  if (!node_.value->is_object()) Expected(origins_, node_, "must be an object");
}

void ObjectReader::CheckFields(const std::vector<std::string>& fields) const {
  for (const auto& [key, value] : node_.value->items()) {
    bool known = false;
    for (const auto& f : fields) known = known || f == key;
    if (!known) {
      origins_.Fail(Child(node_.pointer, key),
                    "unknown field; valid fields are " + JoinNames(fields));
    }
  }
}

bool ObjectReader::Has(std::string_view name) const {
  return node_.value->contains(name);
}

Node ObjectReader::Required(std::string_view name, std::string_view expected) const {
  const std::string pointer = Child(node_.pointer, name);
  auto it = node_.value->find(name);
  if (it == node_.value->end()) {
    origins_.Fail(pointer, "required field is missing (expected " + std::string(expected) + ")");
  }
  return {&*it, pointer};
}

Node ObjectReader::Optional(std::string_view name, json default_value) {
  auto it = node_.value->find(name);
  if (it != node_.value->end()) return {&*it, Child(node_.pointer, name)};
  defaults_.push_back(std::move(default_value));
  return {&defaults_.back(), Child(node_.pointer, name)};
}

}  // namespace cachelab::jsonread
