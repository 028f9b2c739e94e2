// std::from_chars for doubles, also where the standard library lacks it
// (the WebAssembly build's libc++ deletes the floating-point overloads).
//
// Contract: accepts what std::from_chars(first, last, double&) accepts (an
// optional '-', decimal or exponent notation, inf, nan; no leading space or
// '+'; "0x10" reads as 0 stopping at the x), returns the same pointer and
// errc (out of range: overflow, or underflow to zero), and gives the
// correctly rounded nearest double, so parsing is identical in both builds.
// tests/analysis/common/from_chars_test.cc holds the strtod half to
// std::from_chars natively.
#pragma once

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <string>
#include <system_error>

namespace cachelab {

// The strtod-based half (musl's strtod is correctly rounded, and the browser
// runs in the "C" locale) on a terminated copy, after refusing what
// from_chars refuses but strtod takes. Compiled everywhere so that a test can
// hold it to std::from_chars natively.
inline std::from_chars_result FromCharsViaStrtod(const char* first, const char* last, double& out) {
  const char* p = first;
  if (p != last && *p == '-') ++p;
  if (p == last || *p == ' ' || *p == '\t' || *p == '\n' || *p == '+' || *p == '-') {
    return {first, std::errc::invalid_argument};
  }
  if (last - p >= 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
    out = p == first ? 0.0 : -0.0;  // from_chars reads the 0 and stops at the x
    return {p + 1, std::errc()};
  }
  const std::string text(first, last);
  char* end = nullptr;
  errno = 0;
  const double v = std::strtod(text.c_str(), &end);
  if (end == text.c_str()) return {first, std::errc::invalid_argument};
  const char* stop = first + (end - text.c_str());
  // Overflow, or underflow to zero (a subnormal result is a value, as for from_chars).
  if (errno == ERANGE && (std::isinf(v) || v == 0)) return {stop, std::errc::result_out_of_range};
  out = v;
  return {stop, std::errc()};
}

inline std::from_chars_result FromChars(const char* first, const char* last, double& out) {
#if defined(__EMSCRIPTEN__)
  return FromCharsViaStrtod(first, last, out);
#else
  return std::from_chars(first, last, out);
#endif
}

}  // namespace cachelab
