// Message helpers of analysis/common/json_reader.h: values quoted in one-line
// errors are cut, and command-line text that would become JSON is checked to
// be UTF-8.
#include "analysis/common/json_reader.h"

#include <catch2/catch.hpp>
#include <string>

#include "analysis/common/errors.h"

using namespace cachelab;

TEST_CASE("a flag's text is shown whole when short and cut with its length when long",
          "[analysis][common]") {
  CHECK(jsonread::FlagText("--set", "/cache/capacity=1GiB") == "--set /cache/capacity=1GiB");
  const std::string long_text = "/name=" + std::string(20000, 'x');
  const std::string shown = jsonread::FlagText("--set", long_text);
  CHECK(shown.size() < 120);
  CHECK(shown.find("... (20006 characters)") != std::string::npos);
  // Cut at a character boundary: a 2-byte character is never split.
  std::string mixed(76, 'a');
  for (int i = 0; i < 20; ++i) mixed += "\xC3\xA9";  // é
  const std::string cut = jsonread::FlagText("--x", mixed);
  CHECK(jsonread::Utf8Error(cut).empty());
  // One line whatever the text holds.
  CHECK(std::string(InputError(jsonread::FlagText("--vary", "/a=x\ny\r\tz\x01")).what()) ==
        "--vary /a=x\\ny\\r\\tz\\x01");
}

TEST_CASE("UTF-8 is checked the way JSON needs it", "[analysis][common]") {
  for (const char* ok :
       {"", "plain", "\xC2\xB1", "\xE2\x82\xAC", "\xF0\x9F\x98\x80", "a\xC3\xA9z"}) {
    INFO(ok);
    CHECK(jsonread::Utf8Error(ok).empty());
  }
  CHECK(jsonread::Utf8Error("ab\xFF") == "byte 0xFF at offset 2 is not valid UTF-8");
  CHECK(jsonread::Utf8Error("\xC3") != "");              // cut short
  CHECK(jsonread::Utf8Error("\xC3(") != "");             // bad continuation
  CHECK(jsonread::Utf8Error("\xC0\x80") != "");          // overlong NUL
  CHECK(jsonread::Utf8Error("\xED\xA0\x80") != "");      // a surrogate
  CHECK(jsonread::Utf8Error("\xF4\x90\x80\x80") != "");  // beyond U+10FFFF
  CHECK(jsonread::Utf8Error("\x80") == "byte 0x80 at offset 0 is not valid UTF-8");
}
