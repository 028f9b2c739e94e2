#include "policies/params.h"

#include <algorithm>

namespace cachelab {

const char* ParamTypeName(ParamType t) {
  switch (t) {
    case ParamType::kDuration:
      return "duration";
    case ParamType::kBytes:
      return "bytes";
    case ParamType::kDouble:
      return "number";
    case ParamType::kInt:
      return "integer";
    case ParamType::kBool:
      return "boolean";
    case ParamType::kString:
      return "string";
  }
  return "unknown";
}

Params Params::WithDefaults(const std::vector<ParamSpec>& specs, const Params& given) {
  // Type mismatches here are bugs (a spec's default of the wrong type, or a
  // loader that skipped validation), hence logic_error rather than InputError.
  auto check_type = [](const ParamSpec& spec, const ParamValue& v, const char* what) {
    if (v.index() != static_cast<size_t>(spec.type)) {
      throw std::logic_error(std::string("policy parameter ") + spec.name + ": " + what +
                             " is not a " + ParamTypeName(spec.type));
    }
  };
  Params out;
  for (const ParamSpec& spec : specs) {
    check_type(spec, spec.default_value, "default");
    out.Set(spec.name, spec.default_value);
  }
  for (const auto& [name, value] : given.values()) {
    const std::string& wanted = name;  // clang 14 (the WebAssembly build) cannot capture `name`
    auto spec = std::find_if(specs.begin(), specs.end(),
                             [&](const ParamSpec& s) { return s.name == wanted; });
    if (spec == specs.end()) throw std::logic_error("undeclared policy parameter: " + name);
    check_type(*spec, value, "value");
    out.Set(name, value);
  }
  return out;
}

}  // namespace cachelab
