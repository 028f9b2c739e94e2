#include "analysis/outputs/flat_json.h"

#include <algorithm>

namespace cachelab {
namespace {

using nlohmann::json;

void FlattenInto(const json& j, const std::string& prefix,
                 std::vector<std::pair<std::string, json>>* out) {
  if (j.is_object()) {
    for (const auto& [k, v] : j.items()) FlattenInto(v, prefix.empty() ? k : prefix + "." + k, out);
    return;
  }
  if (j.is_array() && !j.empty() &&
      std::all_of(j.begin(), j.end(), [](const json& e) { return e.is_object(); })) {
    for (size_t i = 0; i < j.size(); ++i) FlattenInto(j[i], prefix + "." + std::to_string(i), out);
    return;
  }
  out->emplace_back(prefix, j);
}

}  // namespace

std::vector<std::pair<std::string, json>> FlattenJson(const json& j) {
  std::vector<std::pair<std::string, json>> out;
  FlattenInto(j, "", &out);
  return out;
}

std::string CsvCell(const json& v) {
  std::string text = v.is_string() ? v.get<std::string>() : v.dump();
  if (text.find_first_of(",\"\n") == std::string::npos) return text;
  std::string quoted = "\"";
  for (char c : text) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + "\"";
}

}  // namespace cachelab
