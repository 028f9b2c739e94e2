#include "analysis/common/from_chars.h"

#include <fmt/format.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

namespace cachelab {
namespace {

// Both parsers on `text`: the same errc, the same stop, the same bits.
void Agree(const std::string& text) {
  INFO('"' << text << '"');
  double a = -7, b = -7;
  const char* first = text.data();
  const char* last = first + text.size();
  const std::from_chars_result ra = std::from_chars(first, last, a);
  const std::from_chars_result rb = FromCharsViaStrtod(first, last, b);
  CHECK(static_cast<int>(ra.ec) == static_cast<int>(rb.ec));
  CHECK(ra.ptr - first == rb.ptr - first);
  if (ra.ec == std::errc() && rb.ec == std::errc()) {
    CHECK((std::memcmp(&a, &b, sizeof a) == 0 || (std::isnan(a) && std::isnan(b))));
  }
}

}  // namespace

TEST_CASE("the WebAssembly build's double parser reads every text as std::from_chars does",
          "[analysis][common][from_chars]") {
  for (const char* t : {"0",        "-0",
                        "1",        "1.5",
                        "-2.25e-3", "1e308",
                        "1e309",    "-1e309",
                        "4.9e-324", "2.2250738585072014e-308",
                        "0.1",      "123456789012345678901234567890",
                        "1e",       "1e+",
                        "1.5x",     ".5",
                        "5.",       "inf",
                        "-inf",     "infinity",
                        "nan",      "NaN",
                        "nan(123)", "",
                        "-",        "+1",
                        " 1",       "\t1",
                        "0x10",     "-0x1p3",
                        "--1",      "e5",
                        "1_000",    "3.14159265358979323846264338327950288",
                        "1e-400"}) {
    Agree(t);
  }
  // Doubles as the outputs print them (shortest, 6 and 17 significant digits).
  std::mt19937_64 rng(42);
  for (int i = 0; i < 20000; ++i) {
    const uint64_t bits = rng();
    double x = 0;
    std::memcpy(&x, &bits, sizeof x);
    if (!std::isfinite(x)) continue;
    Agree(fmt::format("{}", x));
    Agree(fmt::format("{:.6g}", x));
    Agree(fmt::format("{:.17g}", x));
    const double y = std::ldexp(static_cast<double>(rng() % 100000), -static_cast<int>(rng() % 40));
    Agree(fmt::format("{}", y));
  }
}

}  // namespace cachelab
