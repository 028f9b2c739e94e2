// The --vary value-list grammar of `cachelab compare` (analysis/experiments/compare.h):
// commas split values only outside brackets, braces and strings.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "analysis/common/errors.h"
#include "analysis/experiments/compare.h"
#include "analysis/experiments/sweep.h"
#include "analysis/scenario/scenario.h"

using namespace cachelab;
using Values = std::vector<std::string>;

TEST_CASE("a --vary list splits on top-level commas", "[analysis][compare]") {
  CHECK(SplitValueList("1s,5s,1m", "t") == Values{"1s", "5s", "1m"});
  CHECK(SplitValueList("lock", "t") == Values{"lock"});
  CHECK(SplitValueList(R"({"name":"lock","params":{"wait":"5ms"}},none)", "t") ==
        Values{R"({"name":"lock","params":{"wait":"5ms"}})", "none"});
  CHECK(SplitValueList(R"([1,2],[3])", "t") == Values{"[1,2]", "[3]"});
  CHECK(SplitValueList(R"("a,b","c\",d")", "t") == Values{R"("a,b")", R"("c\",d")"});
}

TEST_CASE("a malformed --vary list is bad input naming the --vary", "[analysis][compare]") {
  for (const char* bad : {"a,,b", ",a", "a,", "{\"x\":1", "[1,2", "\"open", "1]"}) {
    INFO(bad);
    CHECK_THROWS_AS(SplitValueList(bad, "/p=list"), InputError);
    CHECK_THROWS_WITH(SplitValueList(bad, "/p=list"), Catch::Contains("--vary /p=list"));
  }
  CHECK_THROWS_WITH(ParseVary("/seed"), Catch::Contains("no '='"));
  CHECK_THROWS_WITH(ParseVary("seed=1,2"), Catch::Contains("JSON pointer"));
  const Vary v = ParseVary("/seed=1,2");
  CHECK(v.pointer == "/seed");
  CHECK(v.values == Values{"1", "2"});
}

TEST_CASE("command-line values that are not UTF-8 or are very long stay one clear line",
          "[analysis][compare]") {
  // Found by fuzzing: an invalid byte reached a JSON dump as an internal error.
  CHECK_THROWS_WITH(ParseVary("/name=a\xFF"), Catch::Contains("not valid UTF-8"));
  CHECK_THROWS_WITH(ParseGrid("/workload/write_f\x9F=0..0.5:+0.1"),
                    Catch::Contains("not valid UTF-8"));
  CHECK_THROWS_WITH(LoadDefaultScenario({{"/name", "a\xFF"}}), Catch::Contains("not valid UTF-8"));
  const std::string huge(20000, '[');
  try {
    ParseVary("/cache/capacity=" + huge);
    FAIL("accepted");
  } catch (const InputError& e) {
    CHECK(std::string(e.what()).size() < 200);
    CHECK(std::string(e.what()).find("(20016 characters)") != std::string::npos);
  }
}
