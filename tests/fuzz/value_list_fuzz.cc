// Fuzz target: the value grammars of the command line (--set, --vary, --grid
// with ranges, --uncertain, --sensitivity), and the overrides they produce
// applied to the default scenario, the way compare, sweep and plan load their
// points. Input: one byte choosing the grammar, then the flag's text.
#include <string>

#include "analysis/experiments/sweep.h"
#include "analysis/experiments/value_list.h"
#include "analysis/scenario/scenario.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

// The first few values as overrides of the default scenario.
void LoadSome(const std::string& pointer, const std::vector<std::string>& values,
              const std::string& flag) {
  for (size_t i = 0; i < values.size() && i < 3; ++i) {
    cachelab::LoadDefaultScenario({{pointer, values[i], flag}});
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace cachelab;
  fuzz::Bytes in(data, size);
  const uint8_t which = in.Take();
  const std::string text(in.Rest());
  return fuzz::Expect([&] {
    switch (which % 5) {
      case 0: {
        const Override o = ParseOverride(text);
        LoadDefaultScenario({o});
        break;
      }
      case 1: {
        const Vary v = ParseVary(text);
        LoadSome(v.pointer, v.values, "--vary");
        break;
      }
      case 2: {
        const Grid g = ParseGrid(text);
        LoadSome(g.pointer, g.values, "--grid");
        break;
      }
      case 3: {
        const Grid g = ParseGrid(text, "--uncertain");
        LoadSome(g.pointer, g.values, "--uncertain");
        break;
      }
      default: {
        static const nlohmann::json resolved = LoadDefaultScenario().resolved;
        const Grid g = ParseSensitivity(text, resolved);
        LoadSome(g.pointer, g.values, "--sensitivity");
        break;
      }
    }
  });
}
