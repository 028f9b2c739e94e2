// The input error's contract (analysis/common/errors.h): one line, whatever
// the input put into it.
#include "analysis/common/errors.h"

#include <catch2/catch.hpp>
#include <string>

using namespace cachelab;
using namespace std::string_literals;

TEST_CASE("an input error's message is one line with control characters escaped",
          "[analysis][common]") {
  // Found by fuzzing: a --sensitivity pointer holding a newline and NULs.
  const InputError e("--sensitivity /a\n\0b\tc\r\x7f: bad"s);
  CHECK(std::string(e.what()) == "--sensitivity /a\\n\\x00b\\tc\\r\\x7F: bad");
  CHECK(std::string(InputError("plain: \xC3\xA9 kept").what()) == "plain: \xC3\xA9 kept");
}
