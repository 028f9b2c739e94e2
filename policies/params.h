// Policy parameters: a typed, documented, defaulted set of named values. A
// policy declares ParamSpecs; the scenario loader (analysis/) checks a
// scenario's parameter object against them and hands the policy a Params with
// every declared name present (defaults filled in).
#pragma once

#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

#include "sim/core/time.h"

namespace cachelab {

struct Bytes {
  uint64_t value = 0;
  auto operator<=>(const Bytes&) const = default;
};

enum class ParamType { kDuration, kBytes, kDouble, kInt, kBool, kString };

// Alternatives in the order of ParamType.
using ParamValue = std::variant<Duration, Bytes, double, int64_t, bool, std::string>;

// What values a numeric parameter accepts; checked by the loader.
enum class ParamBound { kAny, kNonNegative, kPositive, kProbability };

struct ParamSpec {
  std::string name;
  ParamType type;
  ParamValue default_value;
  std::string doc;
  ParamBound bound = ParamBound::kAny;
};

// What a policy's own check (PolicyInfo::validate) found wrong in its
// parameters, beyond what ParamBound expresses: a string's syntax, a relation
// between two parameters. The loader reports it at /.../params/<param>.
struct ParamProblem {
  std::string param;
  std::string message;  // e.g. "must be comma-separated key ids ..., got ..."
};

const char* ParamTypeName(ParamType t);  // "duration", "bytes", "number", "integer", ...

class Params {
 public:
  void Set(const std::string& name, ParamValue v) { values_[name] = std::move(v); }
  bool Has(const std::string& name) const { return values_.count(name) != 0; }

  // Each getter throws std::logic_error when the name is absent or has another
  // type: that is a bug in a policy or the loader, not bad input.
  Duration GetDuration(const std::string& name) const { return Get<Duration>(name); }
  uint64_t GetBytes(const std::string& name) const { return Get<Bytes>(name).value; }
  double GetDouble(const std::string& name) const { return Get<double>(name); }
  int64_t GetInt(const std::string& name) const { return Get<int64_t>(name); }
  bool GetBool(const std::string& name) const { return Get<bool>(name); }
  const std::string& GetString(const std::string& name) const { return Get<std::string>(name); }

  const std::map<std::string, ParamValue>& values() const { return values_; }

  // Defaults of every spec, overridden by `given` (which must only hold declared names).
  static Params WithDefaults(const std::vector<ParamSpec>& specs, const Params& given = {});

 private:
  template <typename T>
  const T& Get(const std::string& name) const {
    auto it = values_.find(name);
    if (it == values_.end()) throw std::logic_error("policy parameter not set: " + name);
    if (auto* p = std::get_if<T>(&it->second)) return *p;
    throw std::logic_error("policy parameter has another type: " + name);
  }
  std::map<std::string, ParamValue> values_;
};

}  // namespace cachelab
