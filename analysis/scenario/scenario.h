// Scenario loading: the only place that turns JSON into a WorldConfig and a
// StackConfig. Strict: unknown keys (at any depth) are errors, every field is
// type- and range-checked, durations and sizes take units. Every error is an
// InputError whose message names the file and the JSON pointer, e.g.
//   scenarios/x.json: /cache/capacity: must be > 0, got "-5MiB"
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "analysis/common/units.h"
#include "analysis/scenario/alerts.h"
#include "analysis/scenario/cost.h"
#include "policies/registry.h"
#include "sim/model/config.h"

namespace cachelab {

struct Scenario {
  std::string source;  // file path, or "<default>" for the embedded scenario
  std::string name;
  std::string description;
  WorldConfig world;
  StackConfig stack;
  std::vector<AlertRule> alerts;
  CostConfig cost;
  nlohmann::json resolved;  // the input with overrides applied and every default filled in
};

// "PTR=VALUE" as given to --set. VALUE is parsed as JSON when it is valid JSON,
// otherwise taken as a string (so --set /cache/capacity=1GiB works unquoted).
struct Override {
  std::string pointer;
  std::string value;
  // How errors name the override: "<flag> <pointer>=<value>: ..." (compare's
  // variants are "--vary" overrides).
  std::string flag = "--set";
};
// Parses "--set" text; throws InputError on a malformed one (no '=', pointer not starting with
// '/').
Override ParseOverride(const std::string& text);
// An override's value as --set reads it: JSON when valid, otherwise a JSON string.
nlohmann::json OverrideValueJson(const std::string& value);

// Loads, applies overrides in order (each pointer must name a field the
// schema knows; an override may add an optional field, creating parent objects,
// and address array elements by index or "-" to append), validates. Throws
// InputError; an error in a value an override set names the override instead
// of the file: "--set /cache/capcity=1GiB: unknown field; valid fields are ...".
// Duplicate keys in the file are errors too. A scenario whose estimated
// memory or work exceeds the process's budget is refused (budget.h).
Scenario LoadScenarioFile(const std::string& path, const std::vector<Override>& overrides = {});
Scenario LoadScenarioText(const std::string& text, const std::string& source,
                          const std::vector<Override>& overrides = {});
Scenario LoadDefaultScenario(const std::vector<Override>& overrides = {});

// The embedded default scenario's JSON text (scenarios/default.json at build time).
const char* DefaultScenarioText();

}  // namespace cachelab
