// `cachelab compare`: one scenario run in several variants, side by side. The
// variants are the Cartesian product of the --vary lists, each variant's
// values applied as overrides after the --set ones. Every variant keeps the
// scenario's seed, so all see the same arrivals, keys and service times
// (common random numbers, DESIGN.md section 3): differences between columns
// come from what was varied, not from noise.
//
// --vary grammar: POINTER=V1,V2,... where each Vi is a value as --set takes
// it (JSON, or plain text when it is not valid JSON). The list splits on
// commas at the top level only: commas inside [...], {...} or "..." (with \"
// escapes) belong to the value, so
//   --vary '/policies/guard={"name":"lock","params":{"wait":"5ms"}},none'
// gives two values. An empty value ("a,,b" or a trailing comma) is an error.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "analysis/scenario.h"
#include "policies/run.h"

namespace cachelab {

struct Vary {
  std::string text;  // as given, for messages
  std::string pointer;
  std::vector<std::string> values;
};

// Splits a --vary value list (grammar above); throws InputError on an empty
// item or unbalanced brackets or quotes, naming "<flag> <text>" (sweep's
// --grid lists share the grammar).
std::vector<std::string> SplitValueList(const std::string& list, const std::string& text,
                                        const std::string& flag = "--vary");
// Parses "POINTER=V1,V2"; throws InputError naming the --vary.
Vary ParseVary(const std::string& text);

struct CompareVariant {
  std::vector<Override> overrides;  // the varied values, one per --vary, in --vary order
  std::string label;                // the values joined by " "
  Scenario scenario;
  RunResult result;
};

struct CompareResult {
  std::string name;  // the scenario's name
  std::vector<CompareVariant> variants;
};

// Loads every variant (so bad input is reported before anything runs: an
// InputError naming the --vary whose value is wrong), then runs them on up to
// `threads` threads. Results do not depend on `threads`.
CompareResult RunCompare(const std::string& scenario_path, const std::vector<Override>& sets,
                         const std::vector<Vary>& varies, unsigned threads);

// The terminal table: a column per variant, a row per main metric.
std::string FormatCompareTable(const CompareResult& r);
// [{"variant": {pointer: value}, "summary": <summary.json>}, ...]
nlohmann::json CompareToJson(const CompareResult& r);
// A header, then one row per variant: the varied pointers, then the summary's
// scalar fields flattened ("cache.hit_ratio"); arrays as JSON text.
std::string CompareToCsv(const CompareResult& r);
// compare.json, compare.csv, and per variant i (0-based, compare.json order)
// variant-<i>.timeseries.csv and variant-<i>.events.json, in the formats of a
// run folder's timeseries.csv and events.json, into `dir`, atomically
// (WriteFolderAtomically).
void WriteCompareOutputs(const std::string& dir, const CompareResult& r);
// Shared with sweep (analysis/sweep.h), which writes the same kinds of files:
// The value as --set reads it: JSON when valid, otherwise a JSON string.
nlohmann::json OverrideValueJson(const std::string& value);
// The leaves of a JSON object as (dotted path, value), in the object's key
// order; arrays and scalars are leaves ({"a":{"b":1}} -> ("a.b", 1)).
std::vector<std::pair<std::string, nlohmann::json>> FlattenJson(const nlohmann::json& j);
// One CSV cell: a string as is, anything else as JSON text; quoted (RFC 4180)
// when it holds a comma, a quote or a newline.
std::string CsvCell(const nlohmann::json& v);

// "results/runs/<name>-compare".
std::string DefaultCompareDir(const Scenario& scenario);

}  // namespace cachelab
