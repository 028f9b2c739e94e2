// Durations and sizes with units, as scenarios and flags write them.
#pragma once

#include <cstdint>
#include <string>

#include "sim/core/time.h"

namespace cachelab {

// Unit parsing, used by the scenario loader, flags and tests. Throw InputError with
// `where` (e.g. "file: /ptr") as the message prefix; negative values are errors.
//   durations: "250ns", "250us", "5ms", "1.5s", "5m", "1h", "1h30m", "0"; bare numbers are
//   rejected. Fractions round to the nearest nanosecond / byte.
//   sizes: "512", "512B", "4KiB", "1.5MiB", "2GiB", "1KB" (=1000), "10MB"; bare integers = bytes.
Duration ParseDuration(const std::string& text, const std::string& where);
uint64_t ParseSize(const std::string& text, const std::string& where);

// Canonical renderings, as used in Scenario::resolved: the shortest exact form
// in one unit, which Parse* reads back to the same value ("0", "1h", "90m",
// "1500ms", "300us"; "0B", "2KiB", "10MB", "1500B").
std::string FormatDuration(Duration d);
std::string FormatSize(uint64_t bytes);

}  // namespace cachelab
