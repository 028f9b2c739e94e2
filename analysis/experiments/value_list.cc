#include "analysis/experiments/value_list.h"

#include <fmt/format.h>

#include <cctype>
#include <cstring>

#include "analysis/common/errors.h"
#include "analysis/common/json_reader.h"

namespace cachelab {

std::vector<std::string> SplitValueList(const std::string& list, const std::string& text,
                                        const std::string& flag) {
  auto fail = [&](const std::string& what) {
    throw InputError(jsonread::FlagText(flag, text) + ": " + what);
  };
  // The values become JSON strings in the outputs, which must be UTF-8.
  for (const std::string* t : {&text, &list}) {
    if (const std::string bad = jsonread::Utf8Error(*t); !bad.empty()) fail(bad);
  }
  std::vector<std::string> out;
  std::string item;
  std::vector<char> open;  // expected closing brackets
  bool quoted = false;
  for (size_t i = 0; i < list.size(); ++i) {
    const char c = list[i];
    if (quoted) {
      if (c == '\\' && i + 1 < list.size()) {
        item += c;
        item += list[++i];
        continue;
      }
      if (c == '"') quoted = false;
    } else if (c == '"') {
      quoted = true;
    } else if (c == '[' || c == '{') {
      open.push_back(c == '[' ? ']' : '}');
    } else if (c == ']' || c == '}') {
      if (open.empty() || open.back() != c)
        fail(fmt::format("unbalanced '{}' in the value list", c));
      open.pop_back();
    } else if (c == ',' && open.empty()) {
      if (item.empty()) fail("empty value in the list (values are separated by single commas)");
      out.push_back(std::move(item));
      item.clear();
      continue;
    }
    item += c;
  }
  if (quoted) fail("unterminated '\"' in the value list");
  if (!open.empty()) fail(fmt::format("missing '{}' in the value list", open.back()));
  if (item.empty()) fail("empty value in the list (values are separated by single commas)");
  out.push_back(std::move(item));
  return out;
}

Vary ParseVary(const std::string& text) {
  const size_t eq = text.find('=');
  if (eq == std::string::npos) {
    throw InputError(jsonread::FlagText("--vary", text) +
                     ": expected /json/pointer=value1,value2,..., got no '='");
  }
  Vary v{text, text.substr(0, eq), {}, {}};
  if (v.pointer.empty() || v.pointer[0] != '/') {
    throw InputError(jsonread::FlagText("--vary", text) +
                     ": expected a JSON pointer starting with '/' such as /cache/capacity");
  }
  for (std::string& item : SplitValueList(text.substr(eq + 1), text)) {
    // A label is a short name before an '=' that precedes any JSON structure.
    size_t n = 0;
    while (n < item.size() && (std::isalnum(static_cast<unsigned char>(item[n])) ||
                               std::strchr("_.+-", item[n]) != nullptr)) {
      ++n;
    }
    if (n > 0 && n < item.size() && item[n] == '=') {
      if (n > 24) {
        throw InputError(jsonread::FlagText("--vary", text) + ": the label " +
                         jsonread::QuoteClipped(item.substr(0, n)) +
                         " is longer than 24 characters");
      }
      if (n + 1 == item.size()) {
        throw InputError(jsonread::FlagText("--vary", text) + ": the label '" + item.substr(0, n) +
                         "' has no value after its '='");
      }
      v.labels.push_back(item.substr(0, n));
      v.values.push_back(item.substr(n + 1));
    } else {
      v.labels.push_back(item);
      v.values.push_back(std::move(item));
    }
  }
  return v;
}

}  // namespace cachelab
