// Summaries as flat rows: the leaves of a summary.json object under dotted
// names, and CSV cells (compare.csv, sweep.csv, report tables).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

namespace cachelab {

// The leaves of a JSON object as (dotted path, value), in the object's key
// order ({"a":{"b":1}} -> ("a.b", 1)). An array of objects is walked by index
// ({"n":[{"x":1}]} -> ("n.0.x", 1)), as claims and --metrics name its items
// (cluster.per_node.0.ops); other arrays and scalars are leaves.
std::vector<std::pair<std::string, nlohmann::json>> FlattenJson(const nlohmann::json& j);
// One CSV cell: a string as is, anything else as JSON text; quoted (RFC 4180)
// when it holds a comma, a quote or a newline.
std::string CsvCell(const nlohmann::json& v);

}  // namespace cachelab
