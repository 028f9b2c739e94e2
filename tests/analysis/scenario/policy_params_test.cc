// A policy's own parameter check (PolicyInfo::validate): the loader runs it on
// the completed parameters and reports a problem as bad input at the
// parameter's JSON pointer, as it does for types and bounds.
#include <catch2/catch.hpp>
#include <string>

#include "analysis/common/errors.h"
#include "analysis/scenario/scenario.h"

using namespace cachelab;

TEST_CASE("a policy's own parameter check reports bad input at the parameter's pointer",
          "[analysis][scenario][warming]") {
  // list warming's keys are a string the types and bounds cannot check.
  const std::string text = DefaultScenarioText();
  CHECK_THROWS_AS(
      LoadScenarioText(text, "x.json",
                       {{"/policies/warming", R"({"name":"list","params":{"keys":"0,x"}})"}}),
      InputError);
  CHECK_THROWS_WITH(
      LoadScenarioText(text, "x.json",
                       {{"/policies/warming", R"({"name":"list","params":{"keys":"0,x"}})"}}),
      Catch::Contains("/policies/warming") && Catch::Contains("params/keys") &&
          Catch::Contains("bad item \"x\""));
  CHECK_THROWS_WITH(
      LoadScenarioText(text, "x.json",
                       {{"/policies/warming", R"({"name":"list","params":{"keys":""}})"}}),
      Catch::Contains("params/keys") && Catch::Contains("empty item"));
  // In a file, the error names the file and the pointer.
  std::string in_file = text;
  const std::string anchor = "\"write\": {\"name\": \"invalidate-on-write\"}";
  REQUIRE(in_file.find(anchor) != std::string::npos);
  in_file.replace(in_file.find(anchor), anchor.size(),
                  anchor + ", \"warming\": {\"name\": \"list\", \"params\": {\"keys\": \"1;2\"}}");
  CHECK_THROWS_WITH(LoadScenarioText(in_file, "x.json"),
                    Catch::StartsWith("x.json: /policies/warming/params/keys: must be"));

  const Scenario ok = LoadScenarioText(
      text, "x.json", {{"/policies/warming", R"({"name":"list","params":{"keys":"0, 5,17"}})"}});
  CHECK(ok.stack.warming.params.GetString("keys") == "0, 5,17");
}
