// Bad input from the user (scenario, override, trace, command line). The CLI
// prints what() on one line and exits with code 2; nothing is written.
//
// The message is one line whatever the input held: control characters that
// reach it (a newline inside a --sensitivity pointer, a file name) are shown
// escaped, "\n", "\x01".
#pragma once

#include <cstdio>
#include <stdexcept>
#include <string>

namespace cachelab {

class InputError : public std::runtime_error {
 public:
  explicit InputError(const std::string& what) : std::runtime_error(OneLine(what)) {}
  explicit InputError(const char* what) : InputError(std::string(what)) {}

 private:
  static std::string OneLine(const std::string& text) {
    std::string out;
    out.reserve(text.size());
    for (const char c : text) {
      const auto u = static_cast<unsigned char>(c);
      if (u >= 0x20 && u != 0x7F) {
        out += c;
      } else if (c == '\n') {
        out += "\\n";
      } else if (c == '\r') {
        out += "\\r";
      } else if (c == '\t') {
        out += "\\t";
      } else {
        char hex[8];
        std::snprintf(hex, sizeof hex, "\\x%02X", u);
        out += hex;
      }
    }
    return out;
  }
};

}  // namespace cachelab
