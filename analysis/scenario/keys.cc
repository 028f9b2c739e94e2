#include "analysis/scenario/keys.h"

#include <fmt/format.h>

#include <charconv>

#include "analysis/common/errors.h"
#include "analysis/common/json_reader.h"

namespace cachelab {

std::string KeyName(const WorkloadConfig& w, Key k) {
  if (w.classes.empty()) return std::to_string(k);
  const KeyClassMap map(w);
  const bool missing = k >= w.keys;
  const size_t c = map.Of(k);
  const Key index = (missing ? k - w.keys : k) - map.First(c);
  return fmt::format("{}:{}{}", w.classes[c].name, index, missing ? " (no row)" : "");
}

Key ParseKeyName(const Scenario& s, const std::string& text, const std::string& flag) {
  const WorkloadConfig& w = s.world.workload;
  const std::string where = flag + " " + jsonread::QuoteClipped(text);
  auto number = [&](std::string_view digits, Key* out) {
    const char* end = digits.data() + digits.size();
    const auto [p, ec] = std::from_chars(digits.data(), end, *out);
    return !digits.empty() && ec == std::errc() && p == end;
  };
  Key k = 0;
  if (number(text, &k)) return k;  // an id; RunExplain checks its range
  const size_t colon = text.find(':');
  if (colon == std::string::npos) {
    throw InputError(where + ": expected a key number" +
                     (w.classes.empty() ? std::string()
                                        : " or CLASS:N such as " + w.classes.front().name + ":0"));
  }
  if (w.classes.empty()) {
    throw InputError(where + ": " + s.name +
                     " has no key classes (workload.classes), so its keys are numbers");
  }
  const std::string name = text.substr(0, colon);
  std::string names;
  for (size_t c = 0; c < w.classes.size(); ++c) {
    names += (c ? ", " : "") + w.classes[c].name;
    if (w.classes[c].name != name) continue;
    Key index = 0;
    if (!number(std::string_view(text).substr(colon + 1), &index) || index >= w.classes[c].keys) {
      throw InputError(fmt::format("{}: class {} has keys {}:0 to {}:{}", where, name, name, name,
                                   w.classes[c].keys - 1));
    }
    return KeyClassMap(w).First(c) + index;
  }
  throw InputError(fmt::format("{}: no key class {} in {} (its classes: {})", where,
                               jsonread::QuoteClipped(name), s.name, names));
}

}  // namespace cachelab
