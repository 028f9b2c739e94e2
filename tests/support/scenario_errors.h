// The loader's message for a scenario whose one policy role is given as
// JSON, for tests of policy parameter bounds.
#pragma once

#include <string>

#include "analysis/common/errors.h"
#include "analysis/scenario/scenario.h"

namespace cachelab::test {

// Loads a minimal scenario with /policies/<role> = `choice` (JSON text);
// returns the InputError's message, or "no error".
inline std::string PolicyInputError(const std::string& role, const std::string& choice) {
  const std::string text = R"({
    "name": "t",
    "duration": "10s",
    "workload": {"rate": {"kind": "constant", "rps": 100}},
    "cache": {"capacity": "1MiB", "rtt": "1ms"},
    "database": {"connections": 4},
    "policies": {")" + role +
                           R"(": )" + choice + "}}";
  try {
    LoadScenarioText(text, "x.json");
  } catch (const InputError& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace cachelab::test
