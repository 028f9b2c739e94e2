// Internal to analysis/: the building blocks of strict JSON loading.
//
// Every error is an InputError with ONE line,
//   <source>: <json pointer>: <what was expected>, got <what was found>
// or, when the offending value came from a --set override,
//   --set <pointer>=<value>: [<json pointer>: ]<what was expected>, got <what was found>
// Readers never skip a value silently: an object's unknown keys, a wrong JSON
// type and an out-of-range number are all errors.
#pragma once

#include <cstdint>
#include <deque>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "sim/core/time.h"

namespace cachelab::jsonread {

using nlohmann::json;

// ---- Units (grammar documented in analysis/scenario/scenario.h) ----------------------

enum class UnitParse { kOk, kMalformed, kNoUnit, kTooLarge };

// The largest magnitudes a duration or size may have (kTooLarge beyond):
// kLongestDuration (sim/core/time.h); a petabyte is beyond any cache and keeps
// byte counts of long runs within 64 bits.
inline constexpr int64_t kMaxDurationNanos = kLongestDuration.nanos();
inline constexpr int64_t kMaxSizeBytes = int64_t{1} << 50;

// Signed, so that "-5ms" parses and can be reported as out of range by the
// caller ("must be > 0, got "-5ms"") instead of as gibberish.
UnitParse ParseDurationNanos(std::string_view text, int64_t* nanos);
UnitParse ParseSizeBytes(std::string_view text, int64_t* bytes);

// ---- Pointers and values in messages -----------------------------------------

// `pointer` + "/" + key, with '~' and '/' escaped as RFC 6901 requires.
std::string Child(const std::string& pointer, std::string_view key);
std::string Child(const std::string& pointer, size_t index);

// `text` as a JSON string for a one-line message: longer than `max` bytes,
// it is cut (at a character boundary) with "..." and its length appended:
// "\"abc...\" (20000 characters)".
std::string QuoteClipped(std::string_view text, size_t max = 80);

// A command-line flag and its text for a message, "--set /a/b=...", the text
// cut like QuoteClipped (not quoted): a 20,000-character --set value does not
// become a 20,000-character message (control characters are escaped by the
// InputError the text goes into, errors.h).
std::string FlagText(std::string_view flag, std::string_view text, size_t max = 80);

// Empty when `text` is valid UTF-8, else what is wrong and where ("byte 0xFF
// at offset 3 is not valid UTF-8"): text from a command line becomes JSON
// strings, which must be UTF-8.
std::string Utf8Error(std::string_view text);

// A JSON value as an error message shows it: scalars as JSON text (strings
// through QuoteClipped), containers as "an object" / "an array".
std::string Describe(const json& value);

// "a, b, c"
std::string JoinNames(const std::vector<std::string>& names);

// ---- Where values came from ---------------------------------------------------

// Formats errors, attributing each to the file or to the --set override that
// introduced the offending value.
class Origins {
 public:
  explicit Origins(std::string source) : source_(std::move(source)) {}

  const std::string& source() const { return source_; }

  // `text` is the override as the user wrote it ("--set /cache/capacity=1GiB");
  // `pointer` the field it sets; `introduced` the shallowest node it created
  // or replaced (the pointer itself unless it had to create parents). Errors
  // at or below `introduced` are blamed on this override; later ones win.
  void AddOverride(std::string text, std::string pointer, std::string introduced);

  // Throws InputError("<origin>: <pointer>: <what>").
  [[noreturn]] void Fail(const std::string& pointer, const std::string& what) const;

 private:
  struct OverrideOrigin {
    std::string text, pointer, introduced;
  };
  std::string source_;
  std::vector<OverrideOrigin> overrides_;
};

// A value of the document being read, and where it is.
struct Node {
  const json* value;
  std::string pointer;
};

// Fails with "<expected>, got <Describe(value)>" at the node.
[[noreturn]] void Expected(const Origins& origins, const Node& node, const std::string& expected);

// Parses `text` as JSON, rejecting duplicate object keys (nlohmann keeps the
// last one silently, which hides typos in hand-written files). Throws
// InputError "<source>: invalid JSON at line L, column C: <parser message>" or
// "<source>: <pointer>: duplicate field, got it twice".
json ParseJsonStrict(const std::string& text, const std::string& source);

// ---- Typed readers -------------------------------------------------------------
// Each checks the JSON type and fails with a message naming what was expected.

const std::string& ReadString(const Origins& o, const Node& n);
bool ReadBool(const Origins& o, const Node& n);
double ReadNumber(const Origins& o, const Node& n);
// Integers; integral floats such as 1e5 are accepted (as JSON Schema's
// "integer" does), fractions are not.
int64_t ReadInteger(const Origins& o, const Node& n);
// A duration string ("250ms"); bare JSON numbers are rejected because a number
// without a unit is ambiguous. May be negative; callers check ranges.
int64_t ReadDurationNanos(const Origins& o, const Node& n);
// A size string ("4KiB", "512") or a JSON integer of bytes. May be negative.
int64_t ReadSizeBytes(const Origins& o, const Node& n);

// Reads an object field by field. The constructor fails unless the node is an
// object; CheckFields fails on the first key not in the list. A node returned
// for an absent optional field wraps the default, stored in this reader, so the
// reader must outlive the nodes it returns.
class ObjectReader {
 public:
  ObjectReader(const Origins& origins, Node node);
  ObjectReader(const ObjectReader&) = delete;
  ObjectReader& operator=(const ObjectReader&) = delete;

  // "unknown field; valid fields are a, b, c" for any other key.
  void CheckFields(const std::vector<std::string>& fields) const;

  bool Has(std::string_view name) const;
  // Fails with "required field is missing (expected <expected>)" when absent.
  Node Required(std::string_view name, std::string_view expected) const;
  // The field, or `default_value` (with the field's pointer) when absent.
  Node Optional(std::string_view name, json default_value);

  const Node& node() const { return node_; }
  const json& object() const { return *node_.value; }

 private:
  const Origins& origins_;
  Node node_;
  std::deque<json> defaults_;  // a deque: growing it keeps earlier elements in place
};

}  // namespace cachelab::jsonread
