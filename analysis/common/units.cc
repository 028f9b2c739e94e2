// Durations and sizes with units: parsing (exact decimal arithmetic, so
// "1.5s" is 1'500'000'000 ns, not a float approximation) and the canonical
// rendering used in resolved scenarios, which parses back to the same value.
#include "analysis/common/units.h"

#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include "analysis/common/errors.h"
#include "analysis/common/json_reader.h"

namespace cachelab {
namespace jsonread {
namespace {

struct Unit {
  std::string_view name;
  int64_t scale;
};

// The canonical rendering picks the shortest exact one ("90m", "1500ms").
constexpr std::array<Unit, 6> kDurationUnits{{{"h", 3'600'000'000'000},
                                              {"m", 60'000'000'000},
                                              {"s", 1'000'000'000},
                                              {"ms", 1'000'000},
                                              {"us", 1'000},
                                              {"ns", 1}}};

// Binary units first: on a tie in length the canonical rendering prefers them.
constexpr std::array<Unit, 9> kSizeUnits{{{"TiB", int64_t{1} << 40},
                                          {"GiB", int64_t{1} << 30},
                                          {"MiB", int64_t{1} << 20},
                                          {"KiB", int64_t{1} << 10},
                                          {"TB", 1'000'000'000'000},
                                          {"GB", 1'000'000'000},
                                          {"MB", 1'000'000},
                                          {"KB", 1'000},
                                          {"B", 1}}};

bool IsDigit(char c) {
  return c >= '0' && c <= '9';
}

// A decimal number "12" or "12.5" at text[*pos]; advances *pos.
struct Decimal {
  uint64_t integer = 0;
  uint64_t fraction = 0;        // digits after the point, as an integer
  uint64_t fraction_scale = 1;  // 10^(number of fraction digits)
  bool has_point = false;
};

// kMalformed when there is no digit; kTooLarge past 19 integer digits.
UnitParse ReadDecimal(std::string_view text, size_t* pos, Decimal* out) {
  size_t i = *pos;
  const size_t start = i;
  while (i < text.size() && IsDigit(text[i])) {
    if (__builtin_mul_overflow(out->integer, 10u, &out->integer) ||
        __builtin_add_overflow(out->integer, static_cast<uint64_t>(text[i] - '0'), &out->integer)) {
      return UnitParse::kTooLarge;
    }
    ++i;
  }
  if (i == start) return UnitParse::kMalformed;
  if (i < text.size() && text[i] == '.') {
    out->has_point = true;
    ++i;
    const size_t frac_start = i;
    while (i < text.size() && IsDigit(text[i])) {
      // Digits beyond 18 cannot change the result by a whole unit; ignore them.
      if (out->fraction_scale < 1'000'000'000'000'000'000u) {
        out->fraction = out->fraction * 10 + static_cast<uint64_t>(text[i] - '0');
        out->fraction_scale *= 10;
      }
      ++i;
    }
    if (i == frac_start) return UnitParse::kMalformed;  // "1." is not a number
  }
  *pos = i;
  return UnitParse::kOk;
}

// value * scale, rounded to the nearest whole unit of 1, added to *total.
UnitParse Accumulate(const Decimal& d, int64_t scale, int64_t* total) {
  int64_t whole;
  if (d.integer > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) ||
      __builtin_mul_overflow(static_cast<int64_t>(d.integer), scale, &whole)) {
    return UnitParse::kTooLarge;
  }
  const long double frac =
      static_cast<long double>(d.fraction) * scale / static_cast<long double>(d.fraction_scale);
  if (__builtin_add_overflow(whole, static_cast<int64_t>(std::llround(frac)), &whole) ||
      __builtin_add_overflow(*total, whole, total)) {
    return UnitParse::kTooLarge;
  }
  return UnitParse::kOk;
}

template <size_t N>
const Unit* FindUnit(const std::array<Unit, N>& units, std::string_view name) {
  for (const Unit& u : units) {
    if (u.name == name) return &u;
  }
  return nullptr;
}

// Shortest exact rendering of `value` in one of `units`; units[last] has scale 1.
template <size_t N>
std::string FormatInUnits(int64_t value, const std::array<Unit, N>& units) {
  // Work on the magnitude as unsigned so INT64_MIN does not overflow.
  const bool negative = value < 0;
  const uint64_t magnitude =
      negative ? static_cast<uint64_t>(-(value + 1)) + 1 : static_cast<uint64_t>(value);
  std::string best;
  for (const Unit& u : units) {
    const auto scale = static_cast<uint64_t>(u.scale);
    if (magnitude % scale != 0) continue;
    std::string candidate = std::to_string(magnitude / scale).append(u.name);
    if (best.empty() || candidate.size() < best.size()) best = std::move(candidate);
  }
  return negative ? "-" + best : best;
}

}  // namespace

UnitParse ParseDurationNanos(std::string_view text, int64_t* nanos) {
  if (text == "0") {
    *nanos = 0;
    return UnitParse::kOk;
  }
  size_t pos = 0;
  const bool negative = !text.empty() && text[0] == '-';
  if (negative) ++pos;
  if (pos == text.size()) return UnitParse::kMalformed;
  int64_t total = 0;
  bool first = true;
  // One or more <decimal><unit> components: "1h30m", "1.5s".
  while (pos < text.size()) {
    Decimal d;
    if (UnitParse r = ReadDecimal(text, &pos, &d); r != UnitParse::kOk) return r;
    const size_t unit_start = pos;
    while (pos < text.size() && text[pos] >= 'a' && text[pos] <= 'z') ++pos;
    if (unit_start == pos) {
      // A lone number ("5") is a likely slip, worth its own message.
      return first && pos == text.size() ? UnitParse::kNoUnit : UnitParse::kMalformed;
    }
    const Unit* unit = FindUnit(kDurationUnits, text.substr(unit_start, pos - unit_start));
    if (unit == nullptr) return UnitParse::kMalformed;
    if (UnitParse r = Accumulate(d, unit->scale, &total); r != UnitParse::kOk) return r;
    first = false;
  }
  if (total > kMaxDurationNanos) return UnitParse::kTooLarge;
  *nanos = negative ? -total : total;
  return UnitParse::kOk;
}

UnitParse ParseSizeBytes(std::string_view text, int64_t* bytes) {
  size_t pos = 0;
  const bool negative = !text.empty() && text[0] == '-';
  if (negative) ++pos;
  Decimal d;
  if (UnitParse r = ReadDecimal(text, &pos, &d); r != UnitParse::kOk) return r;
  const std::string_view unit_name = text.substr(pos);
  int64_t total = 0;
  if (unit_name.empty()) {
    if (d.has_point) return UnitParse::kMalformed;  // "1.5" bytes: a unit was forgotten
    if (UnitParse r = Accumulate(d, 1, &total); r != UnitParse::kOk) return r;
  } else {
    const Unit* unit = FindUnit(kSizeUnits, unit_name);
    if (unit == nullptr) return UnitParse::kMalformed;
    if (UnitParse r = Accumulate(d, unit->scale, &total); r != UnitParse::kOk) return r;
  }
  if (total > kMaxSizeBytes) return UnitParse::kTooLarge;
  *bytes = negative ? -total : total;
  return UnitParse::kOk;
}

}  // namespace jsonread

namespace {

[[noreturn]] void FailAt(const std::string& where, const std::string& what) {
  throw InputError(where.empty() ? what : where + ": " + what);
}

}  // namespace

Duration ParseDuration(const std::string& text, const std::string& where) {
  int64_t nanos = 0;
  switch (jsonread::ParseDurationNanos(text, &nanos)) {
    case jsonread::UnitParse::kOk:
      break;
    case jsonread::UnitParse::kNoUnit:
      FailAt(where, "must be a duration with a unit (ns, us, ms, s, m, h) such as \"" + text +
                        "ms\", got " + jsonread::QuoteClipped(text));
    case jsonread::UnitParse::kTooLarge:
      FailAt(where, "must be a duration of at most 10 years (87600h), got " +
                        jsonread::QuoteClipped(text));
    case jsonread::UnitParse::kMalformed:
      FailAt(where, "must be a duration such as \"250us\", \"1.5s\" or \"1h30m\", got " +
                        jsonread::QuoteClipped(text));
  }
  if (nanos < 0) FailAt(where, "must be >= 0, got " + jsonread::QuoteClipped(text));
  return Duration::Nanos(nanos);
}

uint64_t ParseSize(const std::string& text, const std::string& where) {
  int64_t bytes = 0;
  switch (jsonread::ParseSizeBytes(text, &bytes)) {
    case jsonread::UnitParse::kOk:
      break;
    case jsonread::UnitParse::kTooLarge:
      FailAt(where, "must be a size of at most 1PiB, got " + jsonread::QuoteClipped(text));
    case jsonread::UnitParse::kNoUnit:
    case jsonread::UnitParse::kMalformed:
      FailAt(where, "must be a size such as \"512B\", \"4KiB\", \"1.5MiB\" or \"10MB\", got " +
                        jsonread::QuoteClipped(text));
  }
  if (bytes < 0) FailAt(where, "must be >= 0, got " + jsonread::QuoteClipped(text));
  return static_cast<uint64_t>(bytes);
}

std::string FormatDuration(Duration d) {
  if (d.nanos() == 0) return "0";
  return jsonread::FormatInUnits(d.nanos(), jsonread::kDurationUnits);
}

std::string FormatSize(uint64_t bytes) {
  if (bytes > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    return std::to_string(bytes) + "B";  // beyond what ParseSize accepts; still exact
  }
  return jsonread::FormatInUnits(static_cast<int64_t>(bytes), jsonread::kSizeUnits);
}

}  // namespace cachelab
