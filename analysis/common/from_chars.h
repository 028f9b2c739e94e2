// std::from_chars for doubles, also where the standard library lacks it
// (the WebAssembly build's libc++ deletes the floating-point overloads).
//
// Contract: accepts what std::from_chars(first, last, double&) accepts (an
// optional '-', decimal or exponent notation, inf, nan; no leading space,
// '+' or hex prefix), returns the same pointer and errc, and gives the
// correctly rounded nearest double, so parsing is identical in both builds.
#pragma once

#include <charconv>
#include <system_error>

#if defined(__EMSCRIPTEN__)
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <string>
#endif

namespace cachelab {

inline std::from_chars_result FromChars(const char* first, const char* last, double& out) {
#if defined(__EMSCRIPTEN__)
  // strtod (musl: correctly rounded, "C" locale in the browser) on a
  // terminated copy, after refusing what from_chars refuses but strtod takes.
  const char* p = first;
  if (p != last && *p == '-') ++p;
  const bool refused = p == last || *p == ' ' || *p == '\t' || *p == '+' || *p == '\n' ||
                       (last - p >= 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X'));
  if (first == last || refused) return {first, std::errc::invalid_argument};
  const std::string text(first, last);
  char* end = nullptr;
  errno = 0;
  const double v = std::strtod(text.c_str(), &end);
  if (end == text.c_str()) return {first, std::errc::invalid_argument};
  const char* stop = first + (end - text.c_str());
  if (errno == ERANGE && std::isinf(v)) return {stop, std::errc::result_out_of_range};
  out = v;
  return {stop, std::errc()};
#else
  return std::from_chars(first, last, out);
#endif
}

}  // namespace cachelab
