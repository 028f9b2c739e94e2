// The CLI11 half of app/cli.h: option helpers shared by several command
// families. Inline, so that only the units that already include CLI11 (main.cc
// and the family files) pay for its slow headers.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "app/cli.h"

namespace cachelab {

// Rejects "-3" (CLI11 would wrap it around to 2^64 - 3) and 0.
inline CLI::Validator PositiveInteger() {
  return CLI::Validator(
      [](std::string& v) {
        if (!v.empty() && v[0] == '-') return "must be > 0, got " + v;
        if (v.find_first_not_of('0') == std::string::npos) return "must be > 0, got " + v;
        return std::string();
      },
      "", "positive");
}

// Rejects "-3", which CLI11 would wrap around to 2^64 - 3 in an unsigned option.
inline CLI::Validator NonNegativeInteger() {
  return CLI::Validator(
      [](std::string& v) {
        return !v.empty() && v[0] == '-' ? "must be >= 0, got " + v : std::string();
      },
      "", "non-negative");
}

// --columns, --no-header and --delimiter of a trace command that reads CSV.
inline void AddCsvOptions(CLI::App& cmd, CsvArgs& args) {
  cmd.add_option("--columns", args.columns,
                 "csv: where each field is, ROLE=COLUMN with a header name or a 1-based number; "
                 "roles time, key, size, op (default key=key)")
      ->delimiter(',')
      ->type_name("ROLE=COL,...");
  cmd.add_flag("--no-header", args.no_header, "csv: the first line is a request, not a header");
  cmd.add_option("--delimiter", args.delimiter, "csv: field separator (default ,)");
}

}  // namespace cachelab
