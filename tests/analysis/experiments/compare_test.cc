// RunCompare's progress: the share of the variants' simulated time, never
// going back, ending at 1, and without influence on the results.
#include "analysis/experiments/compare.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "analysis/outputs/run_outputs.h"

namespace cachelab {
namespace {

const std::string kTiny = std::string(CACHELAB_TEST_DATA) + "/cli_tiny.json";

TEST_CASE("compare reports its progress over every variant and is not changed by it",
          "[analysis][compare]") {
  const std::vector<Vary> varies = {ParseVary("/cache/capacity=64KiB,128KiB,256KiB")};
  std::vector<double> seen;
  const CompareResult watched =
      RunCompare(kTiny, {}, varies, 2, [&](double f) { seen.push_back(f); });
  REQUIRE(seen.size() >= 3);
  for (size_t i = 1; i < seen.size(); ++i) CHECK(seen[i] >= seen[i - 1]);
  CHECK(seen.back() == Approx(1.0));
  CHECK(seen.front() < 0.5);
  const CompareResult plain = RunCompare(kTiny, {}, varies, 2);
  CHECK(CompareToJson(watched) == CompareToJson(plain));
}

}  // namespace
}  // namespace cachelab
