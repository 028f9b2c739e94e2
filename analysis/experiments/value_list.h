// The value lists of `--vary` (compare) and `--grid` (sweep):
// POINTER=V1,V2,... where each Vi is a value as --set takes it (JSON, or plain
// text when it is not valid JSON). The list splits on commas at the top level
// only: commas inside [...], {...} or "..." (with \" escapes) belong to the
// value, so
//   --vary '/policies/guard={"name":"lock","params":{"wait":"5ms"}},none'
// gives two values. An empty value ("a,,b" or a trailing comma) is an error.
//
// A --vary value may carry a label for tables and legends: LABEL=VALUE, where
// LABEL is 1-24 of [A-Za-z0-9_.+-] and the '=' comes before any bracket or
// quote, e.g. --vary '/policies/guard=none,early={"name":"early-refresh"}'.
// An unlabelled value is labelled by its own text.
#pragma once

#include <string>
#include <vector>

#include "analysis/scenario/scenario.h"

namespace cachelab {

struct Vary {
  std::string text;  // as given, for messages
  std::string pointer;
  std::vector<std::string> values;
  std::vector<std::string> labels;  // one per value: its LABEL=, else the value itself
};

// Splits a value list (grammar above); throws InputError on an empty item or
// unbalanced brackets or quotes, naming "<flag> <text>".
std::vector<std::string> SplitValueList(const std::string& list, const std::string& text,
                                        const std::string& flag = "--vary");
// Parses "POINTER=V1,V2" (values possibly labelled); throws InputError naming the --vary.
Vary ParseVary(const std::string& text);

// Every combination of the axes' values (anything with `pointer` and `values`:
// compare's --vary, sweep's --grid, plan's --uncertain), the first axis
// varying slowest, as overrides named by `flag`; one empty combination when
// there are no axes.
template <class Axis>
std::vector<std::vector<Override>> Combinations(const std::vector<Axis>& axes,
                                                const std::string& flag) {
  std::vector<std::vector<Override>> out{{}};
  for (const Axis& a : axes) {
    std::vector<std::vector<Override>> next;
    for (const auto& prefix : out) {
      for (const std::string& value : a.values) {
        next.push_back(prefix);
        next.back().push_back({a.pointer, value, flag});
      }
    }
    out = std::move(next);
  }
  return out;
}

}  // namespace cachelab
