// The scenario format: one reader per JSON object, each checking its keys,
// types and ranges, filling the config structs and writing the canonical
// (fully defaulted) form into Scenario::resolved as it goes, so the two can
// never disagree. scenarios/schema.json documents the same format for
// editors; tests/analysis/scenario/check_schema.py keeps the two in step.
#include "analysis/scenario/scenario.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <optional>
#include <set>
#include <sstream>
#include <string_view>
#include <utility>
#include <variant>

#include "analysis/common/errors.h"
#include "analysis/common/json_reader.h"
#include "analysis/scenario/budget.h"
#include "analysis/trace/workload.h"

namespace cachelab {
namespace {

using jsonread::Child;
using jsonread::Describe;
using jsonread::Expected;
using jsonread::JoinNames;
using jsonread::Node;
using jsonread::ObjectReader;
using jsonread::Origins;
using nlohmann::json;

// Integral values as JSON integers, so 2000 stays 2000 rather than 2000.0.
json CanonicalNumber(double v) {
  if (std::floor(v) == v && std::fabs(v) < 9007199254740992.0) return static_cast<int64_t>(v);
  return v;
}

enum class Quantity { kDuration, kSize };
enum class Lower { kNonNegative, kPositive };

class Loader {
 public:
  // `base_dir`: where relative trace paths start (the scenario file's directory).
  Loader(const Origins& origins, std::filesystem::path base_dir)
      : o_(origins), base_dir_(std::move(base_dir)) {}

  Scenario Load(const json& doc) {
    Scenario s;
    json& out = s.resolved = json::object();
    ObjectReader r(o_, {&doc, ""});
    r.CheckFields({"name", "description", "seed", "duration", "workload", "instances", "cache",
                   "database", "policies", "metrics", "alerts", "cost"});

    s.name = Name(r.Required("name", "a name such as \"user-lookup\""));
    out["name"] = s.name;
    s.world.name = s.name;
    s.description = jsonread::ReadString(o_, r.Optional("description", ""));
    out["description"] = s.description;
    {
      const Node n = r.Optional("seed", 1);
      const int64_t seed = jsonread::ReadInteger(o_, n);
      if (seed < 0) Expected(o_, n, "must be a non-negative integer");
      s.world.seed = static_cast<uint64_t>(seed);
      out["seed"] = seed;
    }
    s.world.duration = DurationField(r.Required("duration", "a duration such as \"60s\""),
                                     Lower::kPositive, &out["duration"]);
    Workload(r.Required("workload", "an object with \"rate\" or \"trace\""), &s.world.workload,
             &out["workload"]);
    Instances(r.Optional("instances", json::object()), &s.world.instances, &out["instances"]);
    // Before the cache: a node type names one of the cost block's.
    Cost(r.Optional("cost", json::object()), &s.cost, &out["cost"]);
    Cache(r.Required("cache", "an object with at least \"capacity\""), &s.world.cache,
          &s.stack.eviction, &s.cost, &out["cache"]);
    Database(r.Optional("database", json::object()), s.world.instances.count, &s.world.database,
             &out["database"]);
    // The key classes' own service times travel with the database; the
    // resolved scenario shows every class's effective ones.
    if (!s.world.workload.classes.empty()) {
      s.world.database.classes = KeyClassMap(s.world.workload);
      json& classes = out["workload"]["classes"];
      for (size_t i = 0; i < s.world.workload.classes.size(); ++i) {
        const WorkloadConfig::KeyClass& c = s.world.workload.classes[i];
        s.world.database.class_read.push_back(c.db_read);
        s.world.database.class_write.push_back(c.db_write);
        s.world.database.class_api.push_back(c.api);
        if (c.api) continue;  // its resolved form shows its API, not database times
        json& db = classes[i]["database"];
        if (!db.contains("read")) db["read"] = out["database"]["read"];
        if (!db.contains("write")) db["write"] = out["database"]["write"];
      }
    }
    Policies(r.Optional("policies", json::object()), &s.stack, &out["policies"]);
    Metrics(r.Optional("metrics", json::object()), &s.world.metrics, s.world.duration,
            &out["metrics"]);
    Alerts(r.Optional("alerts", json::array()), &s.alerts, &out["alerts"]);
    return s;
  }

 private:
  // ---- Scalars -----------------------------------------------------------------

  std::string Name(const Node& n) {
    const std::string& name = jsonread::ReadString(o_, n);
    bool ok = !name.empty();
    for (char c : name) {
      ok = ok && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '.' || c == '_' || c == '-');
    }
    // It becomes part of the output folder's name, so nothing a shell or a
    // file system could misread.
    if (!ok) Expected(o_, n, "must be a non-empty name of letters, digits, '.', '_' and '-'");
    return name;
  }

  void CheckLower(const Node& n, double v, Lower lower) {
    if (lower == Lower::kPositive && !(v > 0)) Expected(o_, n, "must be > 0");
    if (lower == Lower::kNonNegative && !(v >= 0)) Expected(o_, n, "must be >= 0");
  }

  double NumberField(const Node& n, Lower lower, json* out) {
    const double v = jsonread::ReadNumber(o_, n);
    CheckLower(n, v, lower);
    *out = CanonicalNumber(v);
    return v;
  }

  // Arrivals are at least 1 ns apart, so no rate above 1e9/s can be run.
  double RateField(const Node& n, Lower lower, json* out) {
    const double v = NumberField(n, lower, out);
    if (v > 1e9)
      Expected(o_, n, "must be at most 1e9 requests per second (arrivals are >= 1 ns apart)");
    return v;
  }

  double FractionField(const Node& n, json* out) {
    const double v = jsonread::ReadNumber(o_, n);
    if (!(v >= 0 && v <= 1)) Expected(o_, n, "must be a fraction between 0 and 1");
    *out = CanonicalNumber(v);
    return v;
  }

  int64_t IntegerField(const Node& n, Lower lower, int64_t max, json* out) {
    const int64_t v = jsonread::ReadInteger(o_, n);
    if (lower == Lower::kPositive && v <= 0) Expected(o_, n, "must be an integer > 0");
    if (lower == Lower::kNonNegative && v < 0) Expected(o_, n, "must be an integer >= 0");
    if (v > max) Expected(o_, n, "must be an integer <= " + std::to_string(max));
    *out = v;
    return v;
  }

  uint32_t Count32Field(const Node& n, json* out) {
    return static_cast<uint32_t>(
        IntegerField(n, Lower::kPositive, std::numeric_limits<uint32_t>::max(), out));
  }

  Duration DurationField(const Node& n, Lower lower, json* out) {
    const int64_t ns = jsonread::ReadDurationNanos(o_, n);
    CheckLower(n, static_cast<double>(ns), lower);
    *out = FormatDuration(Duration::Nanos(ns));
    return Duration::Nanos(ns);
  }

  uint64_t SizeField(const Node& n, Lower lower, json* out) {
    const int64_t bytes = jsonread::ReadSizeBytes(o_, n);
    CheckLower(n, static_cast<double>(bytes), lower);
    *out = FormatSize(static_cast<uint64_t>(bytes));
    return static_cast<uint64_t>(bytes);
  }

  // A duration (ns) or size (bytes) as a double, for distributions.
  double QuantityField(const Node& n, Quantity q, Lower lower, json* out) {
    if (q == Quantity::kDuration) return static_cast<double>(DurationField(n, lower, out).nanos());
    return static_cast<double>(SizeField(n, lower, out));
  }

  // ---- Distributions ----------------------------------------------------------------

  // `lower` bounds the mean (value sizes must be positive, latencies may be 0).
  DistributionConfig Distribution(const Node& n, Quantity q, Lower lower, json* out) {
    using Kind = DistributionConfig::Kind;
    const char* example = q == Quantity::kDuration ? "\"5ms\"" : "\"1KiB\"";
    DistributionConfig d;
    if (n.value->is_string() || n.value->is_number()) {  // shorthand for a constant
      d.kind = Kind::kConstant;
      *out = {{"kind", "constant"}};
      d.mean = QuantityField(n, q, lower, &(*out)["value"]);
      return d;
    }
    if (!n.value->is_object()) {
      Expected(o_, n,
               std::string("must be a distribution: an object such as {\"kind\": \"lognormal\", "
                           "\"mean\": ") +
                   example + ", \"sigma\": 0.5} or a constant such as " + example);
    }
    ObjectReader r(o_, n);
    const Node kind_node =
        r.Required("kind", "\"constant\", \"exponential\", \"lognormal\" or \"uniform\"");
    const std::string& kind = jsonread::ReadString(o_, kind_node);
    *out = {{"kind", kind}};
    const std::string quantity = q == Quantity::kDuration ? "a duration" : "a size";
    if (kind == "constant") {
      r.CheckFields({"kind", "value"});
      d.kind = Kind::kConstant;
      d.mean = QuantityField(r.Required("value", quantity), q, lower, &(*out)["value"]);
    } else if (kind == "exponential") {
      r.CheckFields({"kind", "mean"});
      d.kind = Kind::kExponential;
      d.mean = QuantityField(r.Required("mean", quantity), q, lower, &(*out)["mean"]);
    } else if (kind == "lognormal") {
      r.CheckFields({"kind", "mean", "sigma"});
      d.kind = Kind::kLognormal;
      d.mean = QuantityField(r.Required("mean", quantity), q, lower, &(*out)["mean"]);
      const Node sigma = r.Required("sigma", "a number >= 0");
      d.sigma = NumberField(sigma, Lower::kNonNegative, &(*out)["sigma"]);
      // Beyond it the mean-preserving ln-mean (ln mean - sigma^2/2) and the draws
      // leave what a double holds (a sigma of 1e308 drew NaN delays; found by
      // fuzzing); 10 already puts the median e^50 below the mean.
      if (d.sigma > 10) Expected(o_, sigma, "must be at most 10");
    } else if (kind == "uniform") {
      r.CheckFields({"kind", "min", "max"});
      d.kind = Kind::kUniform;
      d.min = QuantityField(r.Required("min", quantity), q, Lower::kNonNegative, &(*out)["min"]);
      const Node max_node = r.Required("max", quantity);
      d.max = QuantityField(max_node, q, Lower::kNonNegative, &(*out)["max"]);
      if (d.max < d.min) Expected(o_, max_node, "must be >= min (" + (*out)["min"].dump() + ")");
      d.mean = (d.min + d.max) / 2;
      CheckLower(max_node, d.mean, lower);
    } else {
      Expected(o_, kind_node,
               "must be \"constant\", \"exponential\", \"lognormal\" or \"uniform\"");
    }
    return d;
  }

  // ---- Workload ----------------------------------------------------------------------

  void Rate(const Node& n, RateProfileConfig* rate, json* out) {
    using Kind = RateProfileConfig::Kind;
    ObjectReader r(o_, n);
    const Node kind_node = r.Required("kind", "\"constant\", \"steps\" or \"ramp\"");
    const std::string& kind = jsonread::ReadString(o_, kind_node);
    *out = {{"kind", kind}};
    if (kind == "constant") {
      r.CheckFields({"kind", "rps"});
      rate->kind = Kind::kConstant;
      rate->rps =
          RateField(r.Required("rps", "requests per second > 0"), Lower::kPositive, &(*out)["rps"]);
    } else if (kind == "steps") {
      r.CheckFields({"kind", "steps"});
      rate->kind = Kind::kSteps;
      const Node steps = r.Required("steps", "an array of {\"at\": ..., \"rps\": ...}");
      if (!steps.value->is_array() || steps.value->empty()) {
        Expected(o_, steps, "must be a non-empty array of {\"at\": \"0\", \"rps\": 100} steps");
      }
      json& out_steps = (*out)["steps"] = json::array();
      bool any_traffic = false;
      for (size_t i = 0; i < steps.value->size(); ++i) {
        ObjectReader s(o_, {&(*steps.value)[i], Child(steps.pointer, i)});
        s.CheckFields({"at", "rps"});
        json out_step = json::object();
        const Node at_node = s.Required("at", "a duration");
        RateProfileConfig::Step step;
        step.at = DurationField(at_node, Lower::kNonNegative, &out_step["at"]);
        if (i == 0 && step.at != Duration()) {
          Expected(o_, at_node, "the first step must be at \"0\"");
        }
        if (i > 0 && step.at <= rate->steps.back().at) {
          Expected(o_, at_node,
                   "must be later than the previous step (" + out_steps.back()["at"].dump() + ")");
        }
        step.rps = RateField(s.Required("rps", "requests per second >= 0"), Lower::kNonNegative,
                             &out_step["rps"]);
        any_traffic = any_traffic || step.rps > 0;
        rate->steps.push_back(step);
        out_steps.push_back(std::move(out_step));
      }
      if (!any_traffic) o_.Fail(steps.pointer, "some step must have rps > 0, got all 0");
    } else if (kind == "ramp") {
      r.CheckFields({"kind", "from_rps", "to_rps", "start", "end"});
      rate->kind = Kind::kRamp;
      rate->from_rps = RateField(r.Required("from_rps", "requests per second >= 0"),
                                 Lower::kNonNegative, &(*out)["from_rps"]);
      rate->to_rps = RateField(r.Required("to_rps", "requests per second >= 0"),
                               Lower::kNonNegative, &(*out)["to_rps"]);
      if (!(std::max(rate->from_rps, rate->to_rps) > 0)) {
        o_.Fail(n.pointer, "from_rps or to_rps must be > 0, got both 0");
      }
      rate->ramp_start =
          DurationField(r.Required("start", "a duration"), Lower::kNonNegative, &(*out)["start"]);
      const Node end = r.Required("end", "a duration after start");
      rate->ramp_end = DurationField(end, Lower::kNonNegative, &(*out)["end"]);
      if (rate->ramp_end <= rate->ramp_start) {
        Expected(o_, end, "must be later than start (" + (*out)["start"].dump() + ")");
      }
    } else {
      Expected(o_, kind_node, "must be \"constant\", \"steps\" or \"ramp\"");
    }
  }

  // A recorded trace instead of synthetic traffic; analysis/trace/workload.h
  // documents how its records become requests.
  void Trace(const Node& n, WorkloadConfig* w, json* out) {
    ObjectReader r(o_, n);
    *out = json::object();
    TraceWorkloadSpec spec;
    const Node path = r.Required("path", "the trace file (relative to the scenario's folder)");
    const std::string& given = jsonread::ReadString(o_, path);
    if (given.empty()) Expected(o_, path, "must be a file path");
    spec.path = std::filesystem::absolute(base_dir_ / given).lexically_normal().string();
    (*out)["path"] = spec.path;
    const Node format = r.Required("format", TraceFormatNameList());
    const std::string& f = jsonread::ReadString(o_, format);
    const std::optional<TraceFormat> parsed = TraceFormatFromName(f);
    if (!parsed) Expected(o_, format, "must be " + TraceFormatNameList());
    spec.format = *parsed;
    (*out)["format"] = f;
    if (spec.format == TraceFormat::kCsv) {
      r.CheckFields({"path", "format", "time_scale", "reads_only", "csv"});
      ObjectReader c(o_, r.Required("csv", "the column mapping {\"time\": ..., \"key\": ...}"));
      c.CheckFields({"time", "key", "size", "op", "header", "delimiter"});
      json& co = (*out)["csv"] = json::object();
      // A header name or a 1-based column number; null (size, op) when absent.
      auto column = [&](const Node& col, const char* name, std::string* field) {
        if (col.value->is_null() && std::string_view(name) != "time" &&
            std::string_view(name) != "key") {
          field->clear();
          co[name] = nullptr;
        } else if (col.value->is_number_integer() && col.value->get<int64_t>() > 0) {
          *field = std::to_string(col.value->get<int64_t>());
          co[name] = col.value->get<int64_t>();
        } else if (col.value->is_string() && !col.value->get<std::string>().empty()) {
          *field = col.value->get<std::string>();
          co[name] = *field;
        } else {
          Expected(o_, col, "must be a header name or a column number (1 = first)");
        }
      };
      column(c.Required("time", "the time column (a header name or a number)"), "time",
             &spec.csv.time);
      column(c.Optional("key", "key"), "key", &spec.csv.key);
      column(c.Optional("size", nullptr), "size", &spec.csv.size);
      column(c.Optional("op", nullptr), "op", &spec.csv.op);
      spec.csv.header = jsonread::ReadBool(o_, c.Optional("header", true));
      co["header"] = spec.csv.header;
      const Node delim = c.Optional("delimiter", ",");
      const std::string& d = jsonread::ReadString(o_, delim);
      if (d.size() != 1) Expected(o_, delim, "must be one character");
      spec.csv.delimiter = d[0];
      co["delimiter"] = d;
    } else {
      r.CheckFields({"path", "format", "time_scale", "reads_only"});
    }
    spec.time_scale =
        NumberField(r.Optional("time_scale", 1.0), Lower::kPositive, &(*out)["time_scale"]);
    spec.reads_only = jsonread::ReadBool(o_, r.Optional("reads_only", false));
    (*out)["reads_only"] = spec.reads_only;
    TraceWorkloadStats stats;
    w->trace = PrepareTraceWorkload(spec, &stats);
    w->keys = stats.keys;
  }

  void Workload(const Node& n, WorkloadConfig* w, json* out) {
    ObjectReader r(o_, n);
    if (r.Has("trace")) {
      r.CheckFields({"trace"});
      *out = json::object();
      Trace(r.Required("trace", "an object"), w, &(*out)["trace"]);
      return;
    }
    r.CheckFields({"rate", "keys", "write_fraction", "missing_fraction", "row_creations_per_s",
                   "value_size", "classes"});
    *out = json::object();
    Rate(r.Required("rate", "{\"kind\": \"constant\", \"rps\": ...} or steps or ramp"), &w->rate,
         &(*out)["rate"]);
    if (r.Has("classes")) {
      for (const char* per_class :
           {"keys", "write_fraction", "missing_fraction", "row_creations_per_s", "value_size"}) {
        if (r.Has(per_class)) {
          Expected(o_, r.Required(per_class, ""),
                   "is set per key class when workload.classes is given (move it into each class)");
        }
      }
      Classes(r.Required("classes", "an array"), w, &(*out)["classes"]);
      return;
    }
    {
      ObjectReader k(o_, r.Optional("keys", json::object()));
      k.CheckFields({"count", "popularity", "alpha", "cold", "depths"});
      json& keys = (*out)["keys"] = json::object();
      w->keys = static_cast<uint64_t>(IntegerField(k.Optional("count", 100'000), Lower::kPositive,
                                                   int64_t{1} << 53, &keys["count"]));
      const Node pop = k.Optional("popularity", "zipf");
      const std::string& popularity = jsonread::ReadString(o_, pop);
      if (popularity == "zipf") {
        w->popularity = WorkloadConfig::Popularity::kZipf;
      } else if (popularity == "uniform") {
        w->popularity = WorkloadConfig::Popularity::kUniform;
      } else if (popularity == "lru-stack") {
        w->popularity = WorkloadConfig::Popularity::kLruStack;
      } else {
        Expected(o_, pop, "must be \"zipf\", \"uniform\" or \"lru-stack\"");
      }
      keys["popularity"] = popularity;
      if (w->popularity == WorkloadConfig::Popularity::kLruStack) {
        // {"popularity": "lru-stack", "cold": 0.43, "depths": [1, ..., "1.2GiB"]}
        if (k.Has("alpha")) Expected(o_, k.Required("alpha", ""), "is for zipf only");
        w->stack_cold =
            FractionField(k.Required("cold", "a fraction between 0 and 1"), &keys["cold"]);
        const Node depths = k.Required("depths", "an array of sizes");
        if (!depths.value->is_array() || depths.value->size() < 2) {
          Expected(o_, depths,
                   "must be an array of at least 2 non-decreasing sizes (depth quantiles)");
        }
        json& out_depths = keys["depths"] = json::array();
        for (size_t i = 0; i < depths.value->size(); ++i) {
          const Node d{&(*depths.value)[i], Child(depths.pointer, i)};
          json out_d;
          const double v = QuantityField(d, Quantity::kSize, Lower::kPositive, &out_d);
          if (!w->stack_depths.empty() && v < w->stack_depths.back()) {
            Expected(o_, d, "must be >= the depth before it (" + out_depths.back().dump() + ")");
          }
          w->stack_depths.push_back(v);
          out_depths.push_back(std::move(out_d));
        }
      } else {
        if (k.Has("cold")) Expected(o_, k.Required("cold", ""), "is for lru-stack only");
        if (k.Has("depths")) Expected(o_, k.Required("depths", ""), "is for lru-stack only");
        w->zipf_alpha = NumberField(k.Optional("alpha", 1.0), Lower::kNonNegative, &keys["alpha"]);
      }
    }
    w->write_fraction = FractionField(r.Optional("write_fraction", 0), &(*out)["write_fraction"]);
    w->missing_fraction =
        FractionField(r.Optional("missing_fraction", 0), &(*out)["missing_fraction"]);
    w->row_creations_per_s = RowCreations(r, w->missing_fraction, &(*out)["row_creations_per_s"]);
    if (w->row_creations_per_s > 0 && w->popularity == WorkloadConfig::Popularity::kLruStack) {
      Expected(o_, r.Required("row_creations_per_s", ""),
               "needs zipf or uniform popularity (no key is hot by id in an lru-stack)");
    }
    const Node size = r.Optional("value_size", {{"kind", "constant"}, {"value", "1KiB"}});
    if (size.value->is_object() && size.value->contains("kind") &&
        *size.value->find("kind") == "empirical") {
      EmpiricalSizes(size, w, &(*out)["value_size"]);
    } else {
      w->value_size = Distribution(size, Quantity::kSize, Lower::kPositive, &(*out)["value_size"]);
    }
  }

  // "classes": [{"name": "user", "share": 0.7, "keys": {"count": 100000,
  // "popularity": "zipf", "alpha": 1}, "write_fraction": 0.01,
  // "missing_fraction": 0, "value_size": ..., "ttl": "1h", "database": {"read":
  // ..., "write": ...}}, ...] (WorkloadConfig::KeyClass).
  void Classes(const Node& n, WorkloadConfig* w, json* out) {
    if (!n.value->is_array() || n.value->empty() || n.value->size() > 64) {
      Expected(
          o_, n,
          "must be an array of 1 to 64 key classes such as {\"name\": \"user\", \"share\": 0.7, "
          "\"keys\": {\"count\": 100000}}");
    }
    *out = json::array();
    double shares = 0, writes = 0, missing = 0, bytes = 0;
    uint64_t keys = 0;
    bool designed = false;  // a class spells its keys other than "class:id"
    for (size_t i = 0; i < n.value->size(); ++i) {
      const Node item{&(*n.value)[i], Child(n.pointer, i)};
      ObjectReader r(o_, item);
      r.CheckFields({"name", "share", "keys", "write_fraction", "missing_fraction",
                     "row_creations_per_s", "value_size", "ttl", "cached", "database", "api",
                     "key"});
      json c = json::object();
      WorkloadConfig::KeyClass kc;
      const Node name = r.Required("name", "a name such as \"user\"");
      kc.name = jsonread::ReadString(o_, name);
      bool ok = !kc.name.empty() && kc.name.size() <= 32;
      for (char ch : kc.name) {
        ok = ok && ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_' || ch == '-');
      }
      // It is the prefix of key names ("user:42"), so no ':' and one spelling.
      if (!ok) Expected(o_, name, "must be 1 to 32 of a-z, 0-9, '_' and '-'");
      for (const WorkloadConfig::KeyClass& other : w->classes) {
        if (other.name == kc.name) Expected(o_, name, "names another class already");
      }
      c["name"] = kc.name;
      kc.share = NumberField(r.Required("share", "a number > 0 (relative request rate)"),
                             Lower::kPositive, &c["share"]);
      ObjectReader k(o_, r.Required("keys", "an object such as {\"count\": 1000}"));
      k.CheckFields({"count", "popularity", "alpha"});
      json& out_keys = c["keys"] = json::object();
      kc.keys = static_cast<uint64_t>(IntegerField(k.Required("count", "an integer > 0"),
                                                   Lower::kPositive, int64_t{1} << 53,
                                                   &out_keys["count"]));
      const Node pop = k.Optional("popularity", "zipf");
      const std::string& popularity = jsonread::ReadString(o_, pop);
      if (popularity == "zipf") {
        kc.popularity = WorkloadConfig::Popularity::kZipf;
      } else if (popularity == "uniform") {
        kc.popularity = WorkloadConfig::Popularity::kUniform;
      } else {
        Expected(o_, pop, "must be \"zipf\" or \"uniform\"");
      }
      out_keys["popularity"] = popularity;
      kc.zipf_alpha =
          NumberField(k.Optional("alpha", 1.0), Lower::kNonNegative, &out_keys["alpha"]);
      kc.write_fraction = FractionField(r.Optional("write_fraction", 0), &c["write_fraction"]);
      kc.missing_fraction =
          FractionField(r.Optional("missing_fraction", 0), &c["missing_fraction"]);
      kc.row_creations_per_s = RowCreations(r, kc.missing_fraction, &c["row_creations_per_s"]);
      kc.value_size =
          Distribution(r.Optional("value_size", {{"kind", "constant"}, {"value", "1KiB"}}),
                       Quantity::kSize, Lower::kPositive, &c["value_size"]);
      // 0: the policies' TTL.
      kc.ttl = DurationField(r.Optional("ttl", "0"), Lower::kNonNegative, &c["ttl"]);
      kc.cached = jsonread::ReadBool(o_, r.Optional("cached", true));
      c["cached"] = kc.cached;
      // Unset service times are the database's (filled in by the caller).
      json& out_db = c["database"] = json::object();
      if (r.Has("database")) {
        ObjectReader d(o_, r.Required("database", "an object"));
        d.CheckFields({"read", "write"});
        if (d.Has("read")) {
          kc.db_read = std::make_shared<DistributionConfig>(Distribution(
              d.Required("read", ""), Quantity::kDuration, Lower::kNonNegative, &out_db["read"]));
        }
        if (d.Has("write")) {
          kc.db_write = std::make_shared<DistributionConfig>(Distribution(
              d.Required("write", ""), Quantity::kDuration, Lower::kNonNegative, &out_db["write"]));
        }
      }
      if (r.Has("api")) {
        if (r.Has("database")) {
          Expected(o_, r.Required("api", ""),
                   "is a class's backend instead of \"database\": give one of the two");
        }
        if (kc.write_fraction > 0) {
          Expected(o_, r.Required("write_fraction", ""),
                   "must be 0 for a class served by an external API (its responses are read-only "
                   "here)");
        }
        c.erase("database");
        kc.api = std::make_shared<ApiConfig>(Api(r.Required("api", ""), &c["api"]));
      }
      kc.key = KeyDesign(r, &c["key"]);
      designed = designed || !kc.key.IsDefault();
      if (designed && 2 * (keys + kc.keys) > (uint64_t{1} << 46)) {
        Expected(o_, k.Required("count", ""),
                 "makes the classes' keys (and their missing rows) more than 2^46 in all, too many "
                 "for a class's \"key\" design");
      }
      if (keys + kc.keys > (uint64_t{1} << 53)) {
        Expected(o_, k.Required("count", ""), "makes the classes' keys more than 2^53 in all");
      }
      keys += kc.keys;
      shares += kc.share;
      writes += kc.share * kc.write_fraction;
      missing += kc.share * (1 - kc.write_fraction) * kc.missing_fraction;
      bytes += static_cast<double>(kc.keys) * kc.value_size.mean;
      w->classes.push_back(std::move(kc));
      out->push_back(std::move(c));
    }
    // The workload-wide figures the estimates read: request-weighted means.
    w->keys = keys;
    w->popularity = WorkloadConfig::Popularity::kZipf;
    w->write_fraction = writes / shares;
    const double reads = 1 - w->write_fraction;
    w->missing_fraction = reads > 0 ? missing / shares / reads : 0;
    w->value_size = DistributionConfig{};
    w->value_size.mean = bytes / static_cast<double>(keys);
  }

  // {"namespace": true, "predictable": true, "rows_per_key": 1}
  // (WorkloadConfig::KeyClass::KeyDesign): how the application spells the
  // class's cache keys; absent: "class:id", one key per row.
  WorkloadConfig::KeyClass::KeyDesign KeyDesign(ObjectReader& parent, json* out) {
    WorkloadConfig::KeyClass::KeyDesign d;
    *out = json::object();
    if (parent.Has("key")) {
      ObjectReader r(o_, parent.Required("key", "an object such as {\"namespace\": false}"));
      r.CheckFields({"namespace", "predictable", "rows_per_key"});
      d.namespaced = jsonread::ReadBool(o_, r.Optional("namespace", true));
      d.predictable = jsonread::ReadBool(o_, r.Optional("predictable", true));
      d.rows_per_key = static_cast<uint32_t>(IntegerField(
          r.Optional("rows_per_key", 1), Lower::kPositive, 256, &(*out)["rows_per_key"]));
    }
    (*out)["namespace"] = d.namespaced;
    (*out)["predictable"] = d.predictable;
    (*out)["rows_per_key"] = d.rows_per_key;
    return d;
  }

  // "row_creations_per_s": rows created outside the application per second,
  // drawn among the missing rows, so only with missing_fraction > 0.
  double RowCreations(ObjectReader& r, double missing_fraction, json* out) {
    const double rate = RateField(r.Optional("row_creations_per_s", 0), Lower::kNonNegative, out);
    if (rate > 0 && missing_fraction == 0) {
      Expected(o_, r.Required("row_creations_per_s", ""),
               "creates missing rows, so it needs missing_fraction > 0 (reads of rows that do "
               "not exist)");
    }
    return rate;
  }

  // {"latency": <duration distribution>, "rate_limit": {"per_s": 20, "burst":
  // 20}, "error_fraction": 0.01} (ApiConfig): the external API a class's loads
  // call. No rate_limit: unlimited; burst defaults to one second's calls.
  ApiConfig Api(const Node& n, json* out) {
    ObjectReader r(o_, n);
    r.CheckFields({"latency", "rate_limit", "error_fraction"});
    *out = json::object();
    ApiConfig a;
    a.latency = Distribution(r.Required("latency",
                                        "a duration distribution such as "
                                        "{\"kind\": \"constant\", \"value\": \"100ms\"}"),
                             Quantity::kDuration, Lower::kNonNegative, &(*out)["latency"]);
    if (r.Has("rate_limit")) {
      ObjectReader l(o_, r.Required("rate_limit", "an object such as {\"per_s\": 20}"));
      l.CheckFields({"per_s", "burst"});
      json& out_limit = (*out)["rate_limit"] = json::object();
      a.rate_limit = RateField(l.Required("per_s", "calls per second > 0"), Lower::kPositive,
                               &out_limit["per_s"]);
      a.burst = NumberField(l.Optional("burst", std::max(1.0, std::ceil(a.rate_limit))),
                            Lower::kPositive, &out_limit["burst"]);
      if (a.burst < 1) Expected(o_, l.Required("burst", ""), "must be at least 1 (one call)");
    }
    a.error_fraction = FractionField(r.Optional("error_fraction", 0), &(*out)["error_fraction"]);
    return a;
  }

  // {"kind": "empirical", "values": ["512B", "64KiB"], "weights": [3, 1]}: a
  // size drawn per key with probability weight / sum of weights.
  void EmpiricalSizes(const Node& n, WorkloadConfig* w, json* out) {
    ObjectReader r(o_, n);
    r.CheckFields({"kind", "values", "weights"});
    *out = {{"kind", "empirical"}, {"values", json::array()}, {"weights", json::array()}};
    const Node values = r.Required("values", "an array of sizes");
    if (!values.value->is_array() || values.value->empty()) {
      Expected(o_, values, "must be a non-empty array of sizes such as [\"512B\", \"64KiB\"]");
    }
    const Node weights = r.Required("weights", "an array of numbers > 0");
    if (!weights.value->is_array() || weights.value->size() != values.value->size()) {
      Expected(o_, weights,
               "must be an array of numbers > 0, one per value (" +
                   std::to_string(values.value->size()) + ")");
    }
    for (size_t i = 0; i < values.value->size(); ++i) {
      const Node v{&(*values.value)[i], Child(values.pointer, i)};
      json out_v, out_w;
      const uint64_t bytes = SizeField(v, Lower::kPositive, &out_v);
      if (bytes > std::numeric_limits<uint32_t>::max()) Expected(o_, v, "must be at most 4GiB - 1");
      const Node wt{&(*weights.value)[i], Child(weights.pointer, i)};
      const double weight = NumberField(wt, Lower::kPositive, &out_w);
      w->size_values.push_back(static_cast<uint32_t>(bytes));
      w->size_weights.push_back(weight);
      (*out)["values"].push_back(std::move(out_v));
      (*out)["weights"].push_back(std::move(out_w));
    }
    // value_size keeps describing the mean (what readers of the config without
    // the table, such as the models, see): a constant of the table's mean.
    double sum = 0, mean = 0;
    for (size_t i = 0; i < w->size_values.size(); ++i) {
      sum += w->size_weights[i];
      mean += w->size_weights[i] * w->size_values[i];
    }
    w->value_size = DistributionConfig{};
    w->value_size.mean = mean / sum;
  }

  void Instances(const Node& n, InstancesConfig* inst, json* out) {
    ObjectReader r(o_, n);
    r.CheckFields({"count", "serialization"});
    *out = json::object();
    inst->count = Count32Field(r.Optional("count", 1), &(*out)["count"]);
    ObjectReader s(o_, r.Optional("serialization", json::object()));
    s.CheckFields({"per_kib", "cached_fraction"});
    json& so = (*out)["serialization"] = json::object();
    inst->serialization.per_kib =
        DurationField(s.Optional("per_kib", "0"), Lower::kNonNegative, &so["per_kib"]);
    const Node frac = s.Optional("cached_fraction", 1.0);
    inst->serialization.cached_fraction = jsonread::ReadNumber(o_, frac);
    if (!(inst->serialization.cached_fraction > 0 && inst->serialization.cached_fraction <= 1)) {
      Expected(o_, frac, "must be a number in (0, 1]");
    }
    so["cached_fraction"] = inst->serialization.cached_fraction;
  }

  // ---- Cache and database --------------------------------------------------------------

  void Cost(const Node& n, CostConfig* c, json* out) {
    ObjectReader r(o_, n);
    r.CheckFields({"currency", "cache_node_per_hour", "database_per_hour", "replica_per_hour",
                   "network_per_gib", "node_types"});
    *out = json::object();
    {
      const Node cur = r.Optional("currency", "USD");
      c->currency = jsonread::ReadString(o_, cur);
      if (c->currency.empty() || c->currency.size() > 8) {
        Expected(o_, cur, "must be a currency code such as \"USD\" (1 to 8 characters)");
      }
      (*out)["currency"] = c->currency;
    }
    const auto price = [&](const char* name) {
      return NumberField(r.Optional(name, 0), Lower::kNonNegative, &(*out)[name]);
    };
    c->cache_node_per_hour = price("cache_node_per_hour");
    c->database_per_hour = price("database_per_hour");
    c->replica_per_hour = price("replica_per_hour");
    c->network_per_gib = price("network_per_gib");
    const Node types = r.Optional("node_types", json::object());
    if (!types.value->is_object()) {
      Expected(o_, types, "must be an object of node types by name");
    }
    json& out_types = (*out)["node_types"] = json::object();
    for (const auto& [name, value] : types.value->items()) {
      const Node t{&value, Child(types.pointer, name)};
      ObjectReader f(o_, t);
      f.CheckFields({"ram", "maxmemory", "bandwidth_mbit", "per_hour"});
      NodeType nt;
      nt.name = name;
      json& o = out_types[name] = json::object();
      nt.ram_bytes =
          SizeField(f.Required("ram", "a size such as \"13GiB\""), Lower::kPositive, &o["ram"]);
      // ElastiCache's default reserved-memory-percent is 25.
      const std::string three_quarters = std::to_string(nt.ram_bytes / 4 * 3) + "B";
      const Node mm = f.Optional("maxmemory", three_quarters);
      nt.maxmemory_bytes = SizeField(mm, Lower::kPositive, &o["maxmemory"]);
      if (nt.maxmemory_bytes > nt.ram_bytes) Expected(o_, mm, "must be at most ram");
      const Node bw = f.Optional("bandwidth_mbit", 0);
      nt.bandwidth_mbit = jsonread::ReadNumber(o_, bw);
      if (!(nt.bandwidth_mbit >= 0 && nt.bandwidth_mbit <= 1e7)) {
        Expected(o_, bw, "must be a number of megabits per second from 0 to 10,000,000");
      }
      o["bandwidth_mbit"] = CanonicalNumber(nt.bandwidth_mbit);
      nt.per_hour = NumberField(f.Required("per_hour", "a price per hour such as 0.2"),
                                Lower::kNonNegative, &o["per_hour"]);
      c->node_types.push_back(std::move(nt));
    }
  }

  // A node type (cost.h) sets the node's capacity, RAM, bandwidth and price;
  // those fields may still be spelled out, with its values only.
  void ApplyNodeType(ObjectReader& r, const Node& type_node, CacheConfig* c, CostConfig* cost,
                     json* out) {
    const NodeType* t = cost->Find(cost->cache_node_type);
    if (t == nullptr) {
      std::string names;
      for (const NodeType& nt : cost->node_types) names += (names.empty() ? "" : ", ") + nt.name;
      Expected(o_, type_node,
               names.empty() ? "to name one of /cost/node_types, which has none"
                             : "to name one of /cost/node_types (" + names + ")");
    }
    const std::string& type = cost->cache_node_type;
    const auto same = [&](const char* field, const json& resolved, const json& typed) {
      if (resolved != typed) {
        Expected(o_, r.Optional(field, json()),
                 "to be left out or equal to node type " + type + "'s (" + typed.dump() + ")");
      }
    };
    const json capacity = FormatSize(t->maxmemory_bytes);
    if (r.Has("capacity")) {
      same("capacity", json(FormatSize(c->capacity_bytes)), capacity);
    }
    c->capacity_bytes = t->maxmemory_bytes;
    (*out)["capacity"] = capacity;
    if (c->memory.ram_bytes != 0 && c->memory.ram_bytes != t->ram_bytes) {
      Expected(o_, {&(*out)["memory"]["ram"], r.node().pointer + "/memory/ram"},
               "to be left out or equal to node type " + type + "'s ram");
    }
    c->memory.ram_bytes = t->ram_bytes;
    (*out)["memory"]["ram"] = FormatSize(t->ram_bytes);
    if (t->bandwidth_mbit > 0) {
      if (c->network.bandwidth_mbit != 0 && c->network.bandwidth_mbit != t->bandwidth_mbit) {
        Expected(
            o_,
            {&(*out)["network"]["bandwidth_mbit"], r.node().pointer + "/network/bandwidth_mbit"},
            "to be left out or equal to node type " + type + "'s bandwidth_mbit");
      }
      c->network.bandwidth_mbit = t->bandwidth_mbit;
      (*out)["network"]["bandwidth_mbit"] = CanonicalNumber(t->bandwidth_mbit);
    }
    if (cost->cache_node_per_hour != 0) {
      Expected(o_, {&(*out)["node_type"], r.node().pointer + "/node_type"},
               "to be left out beside /cost/cache_node_per_hour (the node type has its price)");
    }
  }

  void Cache(const Node& n, CacheConfig* c, PolicyChoice* eviction, CostConfig* cost, json* out) {
    ObjectReader r(o_, n);
    r.CheckFields({"enabled", "capacity", "node_type", "max_items", "entry_overhead", "memory",
                   "eviction", "rtt", "timeout", "active_expiry", "faults", "cluster", "cpu",
                   "network"});
    *out = json::object();
    {
      const Node en = r.Optional("enabled", true);
      c->enabled = jsonread::ReadBool(o_, en);
      (*out)["enabled"] = c->enabled;
    }
    const Node type_node = r.Optional("node_type", "");
    cost->cache_node_type = jsonread::ReadString(o_, type_node);
    (*out)["node_type"] = cost->cache_node_type;
    if (cost->cache_node_type.empty() || r.Has("capacity")) {
      c->capacity_bytes = SizeField(r.Required("capacity", "a size such as \"256MiB\""),
                                    Lower::kPositive, &(*out)["capacity"]);
    }
    c->max_items = static_cast<uint64_t>(
        IntegerField(r.Optional("max_items", 0), Lower::kNonNegative,
                     std::numeric_limits<int64_t>::max(), &(*out)["max_items"]));
    c->memory.entry_overhead = SizeField(r.Optional("entry_overhead", "64B"), Lower::kNonNegative,
                                         &(*out)["entry_overhead"]);
    *eviction = Choice(r.Optional("eviction", "lru"), Role::kEviction, &(*out)["eviction"]);
    c->rtt =
        Distribution(r.Optional("rtt", {{"kind", "lognormal"}, {"mean", "300us"}, {"sigma", 0.3}}),
                     Quantity::kDuration, Lower::kNonNegative, &(*out)["rtt"]);
    c->timeout =
        DurationField(r.Optional("timeout", "50ms"), Lower::kNonNegative, &(*out)["timeout"]);
    {
      ObjectReader a(o_, r.Optional("active_expiry", json::object()));
      a.CheckFields({"interval", "limit"});
      json& ae = (*out)["active_expiry"] = json::object();
      c->active_expiry_interval =
          DurationField(a.Optional("interval", "100ms"), Lower::kNonNegative, &ae["interval"]);
      c->active_expiry_limit = Count32Field(a.Optional("limit", 10'000), &ae["limit"]);
    }
    Cluster(r.Optional("cluster", json::object()), &c->cluster, &(*out)["cluster"]);
    Memory(r.Optional("memory", json::object()), c, &(*out)["memory"]);
    if (c->memory.kind == MemoryModelConfig::Kind::kRedis && r.Has("entry_overhead")) {
      Expected(o_, r.Optional("entry_overhead", "64B"),
               "to be left out with /cache/memory/model \"redis\", which computes each entry's "
               "overhead");
    }
    {
      ObjectReader u(o_, r.Optional("cpu", json::object()));
      u.CheckFields({"per_op", "per_kib"});
      json& cpu = (*out)["cpu"] = json::object();
      c->cpu.per_op =
          DurationField(u.Optional("per_op", "0s"), Lower::kNonNegative, &cpu["per_op"]);
      c->cpu.per_kib =
          DurationField(u.Optional("per_kib", "0s"), Lower::kNonNegative, &cpu["per_kib"]);
    }
    Network(r.Optional("network", json::object()), &c->network, &(*out)["network"]);
    if (!cost->cache_node_type.empty()) ApplyNodeType(r, type_node, c, cost, out);
    {
      const Node faults = r.Optional("faults", json::array());
      if (!faults.value->is_array()) {
        Expected(o_, faults, "must be an array of {\"kind\": ..., \"start\": ..., ...}");
      }
      json& out_faults = (*out)["faults"] = json::array();
      for (size_t i = 0; i < faults.value->size(); ++i) {
        ObjectReader f(o_, {&(*faults.value)[i], Child(faults.pointer, i)});
        const Node kind = f.Required("kind", "\"down\", \"slow\", \"flush\" or \"restart\"");
        const std::string& k = jsonread::ReadString(o_, kind);
        FaultWindowConfig w;
        if (k == "down") {
          w.kind = FaultWindowConfig::Kind::kDown;
        } else if (k == "slow") {
          w.kind = FaultWindowConfig::Kind::kSlow;
        } else if (k == "flush") {
          w.kind = FaultWindowConfig::Kind::kFlush;
        } else if (k == "restart") {
          w.kind = FaultWindowConfig::Kind::kRestart;
        } else {
          Expected(o_, kind, "must be \"down\", \"slow\", \"flush\" or \"restart\"");
        }
        json out_fault = {{"kind", k}};
        if (w.kind == FaultWindowConfig::Kind::kFlush) {
          f.CheckFields({"kind", "start", "node"});
        } else if (w.kind == FaultWindowConfig::Kind::kSlow) {
          f.CheckFields({"kind", "start", "duration", "factor", "node"});
        } else {
          f.CheckFields({"kind", "start", "duration", "node"});
        }
        // "all" (the default) hits every node: the only one, without a cluster.
        if (const Node node = f.Optional("node", "all"); !node.value->is_string()) {
          w.node = static_cast<uint32_t>(
              IntegerField(node, Lower::kNonNegative, c->cluster.nodes - 1, &out_fault["node"]));
        } else if (node.value->get<std::string>() == "all") {
          out_fault["node"] = "all";
        } else {
          Expected(o_, node,
                   "must be \"all\" or a node's index from 0 to " +
                       std::to_string(c->cluster.nodes - 1));
        }
        w.start = DurationField(f.Required("start", "a duration"), Lower::kNonNegative,
                                &out_fault["start"]);
        if (w.kind != FaultWindowConfig::Kind::kFlush) {
          w.duration = DurationField(f.Required("duration", "a duration > 0"), Lower::kPositive,
                                     &out_fault["duration"]);
        }
        if (w.kind == FaultWindowConfig::Kind::kSlow) {
          const Node factor = f.Required("factor", "a number >= 1");
          w.factor = jsonread::ReadNumber(o_, factor);
          if (!(w.factor >= 1)) Expected(o_, factor, "must be a number >= 1");
          out_fault["factor"] = w.factor;
        }
        c->faults.push_back(w);
        out_faults.push_back(std::move(out_fault));
      }
    }
  }

  // cache.cluster: how many nodes share the key space, and how keys are dealt.
  void Cluster(const Node& n, ClusterConfig* c, json* out) {
    ObjectReader r(o_, n);
    r.CheckFields({"nodes", "sharding", "virtual_nodes", "replicas"});
    *out = json::object();
    // Redis Cluster's advice is at most 1,000 nodes; each needs a slot.
    c->nodes = static_cast<uint32_t>(
        IntegerField(r.Optional("nodes", 1), Lower::kPositive, 1000, &(*out)["nodes"]));
    const Node sharding = r.Optional("sharding", "hash-slots");
    const std::string& name = jsonread::ReadString(o_, sharding);
    if (name == "hash-slots") {
      c->sharding = ClusterConfig::Sharding::kHashSlots;
    } else if (name == "consistent-hashing") {
      c->sharding = ClusterConfig::Sharding::kConsistentHashing;
    } else {
      Expected(o_, sharding, "must be \"hash-slots\" or \"consistent-hashing\"");
    }
    (*out)["sharding"] = name;
    c->virtual_nodes = static_cast<uint32_t>(IntegerField(
        r.Optional("virtual_nodes", 160), Lower::kPositive, 10'000, &(*out)["virtual_nodes"]));
    ObjectReader p(o_, r.Optional("replicas", json::object()));
    p.CheckFields({"count", "lag", "read_from", "failover_after"});
    json& rep = (*out)["replicas"] = json::object();
    CacheReplicaConfig& rc = c->replicas;
    // Redis Cluster's nodes count replicas too: at most 1,000 servers in all.
    rc.count = static_cast<uint32_t>(IntegerField(p.Optional("count", 0), Lower::kNonNegative,
                                                  1000 / c->nodes - 1, &rep["count"]));
    rc.lag = Distribution(p.Optional("lag", "0s"), Quantity::kDuration, Lower::kNonNegative,
                          &rep["lag"]);
    const Node from = p.Optional("read_from", "primary");
    const std::string& where = jsonread::ReadString(o_, from);
    if (where == "primary") {
      rc.read_from = CacheReplicaConfig::ReadFrom::kPrimary;
    } else if (where == "replicas") {
      rc.read_from = CacheReplicaConfig::ReadFrom::kReplicas;
    } else if (where == "any") {
      rc.read_from = CacheReplicaConfig::ReadFrom::kAny;
    } else {
      Expected(o_, from, "must be \"primary\", \"replicas\" or \"any\"");
    }
    rep["read_from"] = where;
    rc.failover_after = DurationField(p.Optional("failover_after", "15s"), Lower::kPositive,
                                      &rep["failover_after"]);
  }

  // After Cluster: Redis Cluster's nodes hold per-key slot links.
  void Memory(const Node& n, CacheConfig* c, json* out) {
    ObjectReader r(o_, n);
    r.CheckFields({"model", "key_bytes", "fragmentation", "ram"});
    *out = json::object();
    MemoryModelConfig& m = c->memory;
    const Node model = r.Optional("model", "flat");
    const std::string& name = jsonread::ReadString(o_, model);
    if (name == "flat") {
      m.kind = MemoryModelConfig::Kind::kFlat;
    } else if (name == "redis") {
      m.kind = MemoryModelConfig::Kind::kRedis;
    } else {
      Expected(o_, model, "must be \"flat\" (value + entry_overhead) or \"redis\"");
    }
    (*out)["model"] = name;
    // Redis keys are at most 512 MB; a name beyond 64 KiB is no cache key.
    m.key_bytes = static_cast<uint32_t>(
        IntegerField(r.Optional("key_bytes", 24), Lower::kPositive, 65'536, &(*out)["key_bytes"]));
    m.cluster_enabled =
        c->cluster.nodes > 1 && c->cluster.sharding == ClusterConfig::Sharding::kHashSlots;
    const Node frag = r.Optional("fragmentation", 1.0);
    m.fragmentation = jsonread::ReadNumber(o_, frag);
    if (!(m.fragmentation >= 1 && m.fragmentation <= 100)) {
      Expected(o_, frag, "must be a number from 1 to 100 (RSS / used memory)");
    }
    (*out)["fragmentation"] = CanonicalNumber(m.fragmentation);
    m.ram_bytes = SizeField(r.Optional("ram", "0B"), Lower::kNonNegative, &(*out)["ram"]);
  }

  // `instances`: /instances/count, read already (per-instance pools).
  // A server's link: {"bandwidth_mbit": ...}, 0 = no limit.
  void Network(const Node& n, CacheNetworkConfig* c, json* out) {
    ObjectReader u(o_, n);
    u.CheckFields({"bandwidth_mbit"});
    *out = json::object();
    const Node bw = u.Optional("bandwidth_mbit", 0);
    c->bandwidth_mbit = jsonread::ReadNumber(o_, bw);
    // Up to 10 Tbit/s: beyond any NIC, and far from a transfer time below 1 ns.
    if (!(c->bandwidth_mbit >= 0 && c->bandwidth_mbit <= 1e7)) {
      Expected(o_, bw, "must be a number of megabits per second from 0 to 10,000,000");
    }
    (*out)["bandwidth_mbit"] = CanonicalNumber(c->bandwidth_mbit);
  }

  void Database(const Node& n, uint32_t instances, DatabaseConfig* db, json* out) {
    ObjectReader r(o_, n);
    r.CheckFields({"pool", "connections", "cores", "queue_timeout", "queue_limit", "read", "write",
                   "replicas", "network"});
    *out = json::object();
    // One pool for every instance, or one per instance (HikariCP in each JVM);
    // `connections`, `queue_timeout` and `queue_limit` are each pool's.
    const Node pool = r.Optional("pool", "global");
    const std::string& scope = jsonread::ReadString(o_, pool);
    if (scope == "global") {
      db->pool = DatabaseConfig::PoolScope::kGlobal;
    } else if (scope == "per_instance") {
      db->pool = DatabaseConfig::PoolScope::kPerInstance;
    } else {
      Expected(o_, pool,
               "must be \"global\" (one pool for every instance) or \"per_instance\" (a pool "
               "of `connections` in each application instance)");
    }
    (*out)["pool"] = scope;
    constexpr uint32_t kMaxPools = 10'000;
    if (db->pool == DatabaseConfig::PoolScope::kPerInstance && instances > kMaxPools) {
      Expected(o_, pool,
               "must be \"global\" with more than 10,000 instances (/instances/count is " +
                   std::to_string(instances) + ")");
    }
    const Node connections = r.Optional("connections", 16);
    db->connections = Count32Field(connections, &(*out)["connections"]);
    if (db->pool == DatabaseConfig::PoolScope::kPerInstance &&
        uint64_t{db->connections} * instances > std::numeric_limits<uint32_t>::max()) {
      Expected(o_, connections,
               "must be at most " +
                   std::to_string(std::numeric_limits<uint32_t>::max() / instances) +
                   " per pool with per_instance pools (times /instances/count, " +
                   std::to_string(instances) + ", connections in all)");
    }
    // 0 = not limited; a count otherwise.
    db->cores =
        static_cast<uint32_t>(IntegerField(r.Optional("cores", 0), Lower::kNonNegative,
                                           std::numeric_limits<uint32_t>::max(), &(*out)["cores"]));
    // A pool's usual patience (HikariCP's connectionTimeout default is 30 s),
    // and a bound on waiting queries so an overload sheds instead of holding
    // every request in memory.
    db->queue_timeout = DurationField(r.Optional("queue_timeout", "30s"), Lower::kNonNegative,
                                      &(*out)["queue_timeout"]);
    db->queue_limit = static_cast<uint64_t>(
        IntegerField(r.Optional("queue_limit", 10'000), Lower::kNonNegative,
                     std::numeric_limits<int64_t>::max(), &(*out)["queue_limit"]));
    db->read_service =
        Distribution(r.Optional("read", {{"kind", "lognormal"}, {"mean", "5ms"}, {"sigma", 0.5}}),
                     Quantity::kDuration, Lower::kNonNegative, &(*out)["read"]);
    db->write_service =
        Distribution(r.Optional("write", {{"kind", "lognormal"}, {"mean", "10ms"}, {"sigma", 0.5}}),
                     Quantity::kDuration, Lower::kNonNegative, &(*out)["write"]);
    {
      ObjectReader p(o_, r.Optional("replicas", json::object()));
      p.CheckFields({"count", "connections", "lag", "read_your_writes"});
      json& rep = (*out)["replicas"] = json::object();
      ReplicaConfig& c = db->replicas;
      c.count = static_cast<uint32_t>(
          IntegerField(p.Optional("count", 0), Lower::kNonNegative, 64, &rep["count"]));
      c.connections = Count32Field(p.Optional("connections", db->connections), &rep["connections"]);
      c.lag = Distribution(p.Optional("lag", "0s"), Quantity::kDuration, Lower::kNonNegative,
                           &rep["lag"]);
      c.read_your_writes = DurationField(p.Optional("read_your_writes", "0s"), Lower::kNonNegative,
                                         &rep["read_your_writes"]);
    }
    Network(r.Optional("network", json::object()), &db->network, &(*out)["network"]);
  }

  void Alerts(const Node& n, std::vector<AlertRule>* rules, json* out) {
    if (!n.value->is_array()) {
      Expected(o_, n,
               "must be an array of {\"name\": ..., \"metric\": ..., \"op\": ..., "
               "\"threshold\": ...}");
    }
    *out = json::array();
    for (size_t i = 0; i < n.value->size(); ++i) {
      ObjectReader a(o_, {&(*n.value)[i], Child(n.pointer, i)});
      a.CheckFields({"name", "metric", "op", "threshold"});
      AlertRule rule;
      rule.name = jsonread::ReadString(o_, a.Required("name", "a name"));
      const Node metric = a.Required("metric", "a timeseries column such as \"hit_ratio\"");
      rule.metric = jsonread::ReadString(o_, metric);
      const auto& metrics = AlertMetrics();
      if (std::find(metrics.begin(), metrics.end(), rule.metric) == metrics.end()) {
        Expected(o_, metric, "must be one of " + JoinNames(metrics));
      }
      const Node op = a.Required("op", "\"<\", \"<=\", \">\" or \">=\"");
      const std::string op_text = jsonread::ReadString(o_, op);
      if (!ParseAlertOp(op_text, &rule.op)) {
        Expected(o_, op, "must be \"<\", \"<=\", \">\" or \">=\"");
      }
      rule.threshold = jsonread::ReadNumber(o_, a.Required("threshold", "a number"));
      out->push_back({{"name", rule.name},
                      {"metric", rule.metric},
                      {"op", op_text},
                      {"threshold", rule.threshold}});
      rules->push_back(std::move(rule));
    }
  }

  void Metrics(const Node& n, MetricsConfig* m, Duration duration, json* out) {
    ObjectReader r(o_, n);
    r.CheckFields({"interval", "warmup", "windows"});
    *out = json::object();
    m->interval =
        DurationField(r.Optional("interval", "10s"), Lower::kPositive, &(*out)["interval"]);
    // Windows are unions of time-series intervals, so their edges are row edges.
    auto on_grid = [&](const Node& at, Duration d) {
      if (d.nanos() % m->interval.nanos() != 0) {
        Expected(o_, at,
                 "must be a multiple of /metrics/interval (" + FormatDuration(m->interval) + ")");
      }
    };
    const Node warmup = r.Optional("warmup", "0");
    m->warmup = DurationField(warmup, Lower::kNonNegative, &(*out)["warmup"]);
    on_grid(warmup, m->warmup);
    if (m->warmup >= duration) {
      Expected(o_, warmup, "must be shorter than /duration (" + FormatDuration(duration) + ")");
    }
    const Node windows = r.Optional("windows", json::array());
    if (!windows.value->is_array()) {
      Expected(o_, windows, "must be an array of {\"name\": ..., \"from\": ..., \"to\": ...}");
    }
    // A window is a summary.json object named after it: no name of a summary group.
    // (summary.json's top-level names; a test checks them against analysis/outputs/metrics.cc.)
    std::set<std::string> taken = {"scenario",     "seed",        "simulated_seconds",
                                   "requests",     "cache",       "db",
                                   "latency_ms",   "staleness",   "stampede",
                                   "writes",       "l1",          "guard",
                                   "invalidation", "degradation", "warming",
                                   "peak",         "alerts",      "live",
                                   "classes",      "cluster",     "api",
                                   "replicas",     "memory",      "cost",
                                   "pools"};
    if (m->warmup > Duration()) taken.insert("steady");
    json& out_windows = (*out)["windows"] = json::array();
    for (size_t i = 0; i < windows.value->size(); ++i) {
      ObjectReader w(o_, {&(*windows.value)[i], Child(windows.pointer, i)});
      w.CheckFields({"name", "from", "to"});
      json one = json::object();
      MetricsWindow mw;
      const Node name = w.Required("name", "a name such as \"expiry_wave\"");
      mw.name = jsonread::ReadString(o_, name);
      bool ok = !mw.name.empty();
      for (char c : mw.name) {
        ok = ok && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_');
      }
      // It becomes the first part of metric paths such as "steady.db.utilization".
      if (!ok) Expected(o_, name, "must be a name of lower-case letters, digits and '_'");
      if (!taken.insert(mw.name).second) {
        Expected(o_, name,
                 "must differ from the other windows' names and from summary.json's sections (" +
                     mw.name + " is taken)");
      }
      one["name"] = mw.name;
      const Node from = w.Required("from", "a duration");
      mw.from = DurationField(from, Lower::kNonNegative, &one["from"]);
      on_grid(from, mw.from);
      const Node to = w.Required("to", "a duration after from");
      mw.to = DurationField(to, Lower::kPositive, &one["to"]);
      on_grid(to, mw.to);
      if (mw.to <= mw.from)
        Expected(o_, to, "must be after from (" + FormatDuration(mw.from) + ")");
      if (mw.to > duration) {
        Expected(o_, to, "must be at most /duration (" + FormatDuration(duration) + ")");
      }
      m->windows.push_back(std::move(mw));
      out_windows.push_back(std::move(one));
    }
  }

  // ---- Policies ----------------------------------------------------------------------------

  void Policies(const Node& n, StackConfig* stack, json* out) {
    ObjectReader r(o_, n);
    const StackConfig defaults;
    std::vector<std::string> fields;
    for (Role role : kAllRoles) {
      if (role != Role::kEviction) fields.push_back(RoleName(role));
    }
    r.CheckFields(fields);
    *out = json::object();
    for (Role role : kAllRoles) {
      if (role == Role::kEviction) continue;  // a field of /cache
      const char* name = RoleName(role);
      stack->Of(role) = Choice(r.Optional(name, defaults.Of(role).name), role, &(*out)[name]);
    }
  }

  // "name" or {"name": ..., "params": {...}}; params checked against the
  // policy's ParamSpecs and completed with their defaults.
  PolicyChoice Choice(const Node& n, Role role, json* out) {
    static const json kNoParams = json::object();
    const std::string role_name = RoleName(role);
    Node name_node = n;
    Node params_node{&kNoParams, Child(n.pointer, "params")};
    if (n.value->is_object()) {
      ObjectReader r(o_, n);
      r.CheckFields({"name", "params"});
      name_node = r.Required("name", "a " + role_name + " policy name");
      if (r.Has("params")) params_node = r.Required("params", "an object");
    } else if (!n.value->is_string()) {
      Expected(o_, n,
               "must be a " + role_name +
                   " policy name or an object {\"name\": ..., \"params\": {...}}");
    }
    const std::string& name = jsonread::ReadString(o_, name_node);
    const PolicyInfo* info = FindPolicy(role, name);
    if (info == nullptr) {
      o_.Fail(name_node.pointer, "unknown " + role_name + " policy " +
                                     jsonread::QuoteClipped(name) + "; valid names are " +
                                     JoinNames(PolicyNames(role)));
    }
    if (info->offline) {
      o_.Fail(name_node.pointer, name + " needs a trace's next-access times; it runs only in " +
                                     "`cachelab replay` on an oracle trace");
    }

    ObjectReader p(o_, params_node);
    std::vector<std::string> declared;
    for (const ParamSpec& spec : info->params) declared.push_back(spec.name);
    for (const auto& [key, value] : params_node.value->items()) {
      if (std::find(declared.begin(), declared.end(), key) != declared.end()) continue;
      o_.Fail(Child(params_node.pointer, key),
              declared.empty() ? "unknown parameter; " + name + " has no parameters"
                               : "unknown parameter of " + name + "; valid parameters are " +
                                     JoinNames(declared));
    }
    Params given;
    json out_params = json::object();
    for (const ParamSpec& spec : info->params) {
      if (p.Has(spec.name)) {
        given.Set(spec.name, Param(spec, p.Required(spec.name, "")));
        out_params[spec.name] = CanonicalParam(given.values().at(spec.name));
      } else {
        out_params[spec.name] = CanonicalParam(spec.default_value);
      }
    }
    *out = {{"name", name}, {"params", std::move(out_params)}};
    Params complete = Params::WithDefaults(info->params, given);
    if (info->validate) {
      if (std::optional<ParamProblem> problem = info->validate(complete)) {
        o_.Fail(Child(params_node.pointer, problem->param), problem->message);
      }
    }
    return {name, std::move(complete)};
  }

  void CheckBound(const Node& n, double v, ParamBound bound) {
    switch (bound) {
      case ParamBound::kAny:
        return;
      case ParamBound::kNonNegative:
        if (!(v >= 0)) Expected(o_, n, "must be >= 0");
        return;
      case ParamBound::kPositive:
        if (!(v > 0)) Expected(o_, n, "must be > 0");
        return;
      case ParamBound::kProbability:
        if (!(v >= 0 && v <= 1)) Expected(o_, n, "must be a probability between 0 and 1");
        return;
    }
  }

  ParamValue Param(const ParamSpec& spec, const Node& n) {
    switch (spec.type) {
      case ParamType::kDuration: {
        const int64_t ns = jsonread::ReadDurationNanos(o_, n);
        CheckBound(n, static_cast<double>(ns), spec.bound);
        return Duration::Nanos(ns);
      }
      case ParamType::kBytes: {
        const int64_t bytes = jsonread::ReadSizeBytes(o_, n);
        if (bytes < 0) Expected(o_, n, "must be >= 0");
        CheckBound(n, static_cast<double>(bytes), spec.bound);
        return Bytes{static_cast<uint64_t>(bytes)};
      }
      case ParamType::kDouble: {
        const double v = jsonread::ReadNumber(o_, n);
        CheckBound(n, v, spec.bound);
        return v;
      }
      case ParamType::kInt: {
        const int64_t v = jsonread::ReadInteger(o_, n);
        CheckBound(n, static_cast<double>(v), spec.bound);
        return v;
      }
      case ParamType::kBool:
        return jsonread::ReadBool(o_, n);
      case ParamType::kString:
        return jsonread::ReadString(o_, n);
    }
    throw std::logic_error("unhandled ParamType");
  }

  static json CanonicalParam(const ParamValue& v) {
    struct Visitor {
      json operator()(Duration d) const { return FormatDuration(d); }
      json operator()(Bytes b) const { return FormatSize(b.value); }
      json operator()(double d) const { return CanonicalNumber(d); }
      json operator()(int64_t i) const { return i; }
      json operator()(bool b) const { return b; }
      json operator()(const std::string& s) const { return s; }
    };
    return std::visit(Visitor{}, v);
  }

  const Origins& o_;
  std::filesystem::path base_dir_;
};

// ---- Overrides -------------------------------------------------------------------------

// Fields that accept a string shorthand for an object. An override reaching
// inside one (--set /policies/read/params/ttl=5m over "read": "cache-aside")
// first expands the shorthand, in place, into its object form.
void ExpandShorthand(const std::string& pointer, json* value) {
  // Every role's choice: /policies/<role>, and eviction under /cache.
  static const std::vector<std::string> kPolicyChoices = [] {
    std::vector<std::string> v;
    for (Role role : kAllRoles) {
      v.push_back(role == Role::kEviction ? "/cache/eviction"
                                          : std::string("/policies/") + RoleName(role));
    }
    return v;
  }();
  static const char* const kDistributions[] = {"/workload/value_size", "/cache/rtt",
                                               "/database/read", "/database/write"};
  for (const std::string& p : kPolicyChoices) {
    if (pointer == p && value->is_string()) *value = {{"name", *value}};
  }
  for (const char* p : kDistributions) {
    if (pointer == p && (value->is_string() || value->is_number())) {
      *value = {{"kind", "constant"}, {"value", *value}};
    }
  }
}

// "0", "17" (no leading zeros, as RFC 6901 requires).
bool ParseIndex(const std::string& token, size_t* index) {
  if (token.empty() || token.size() > 9 || (token.size() > 1 && token[0] == '0')) return false;
  size_t v = 0;
  for (char c : token) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<size_t>(c - '0');
  }
  *index = v;
  return true;
}

void ApplyOverride(const Override& ov, json* doc, Origins* origins) {
  const std::string text = ov.pointer + "=" + ov.value;
  auto fail = [&](const std::string& what) -> void {
    throw InputError(jsonread::FlagText(ov.flag, text) + ": " + what);
  };
  if (ov.pointer.empty() || ov.pointer[0] != '/') {
    fail("expected a JSON pointer starting with '/' such as /cache/capacity, got " +
         jsonread::QuoteClipped(ov.pointer));
  }
  // The pointer and value become JSON text in the outputs, which must be UTF-8.
  if (const std::string bad = jsonread::Utf8Error(text); !bad.empty()) fail(bad);
  std::vector<std::string> tokens;
  for (size_t start = 1;;) {
    const size_t slash = ov.pointer.find('/', start);
    const std::string raw = ov.pointer.substr(start, slash - start);
    std::string token;
    for (size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] != '~') {
        token += raw[i];
      } else if (i + 1 < raw.size() && (raw[i + 1] == '0' || raw[i + 1] == '1')) {
        token += raw[++i] == '0' ? '~' : '/';
      } else {
        fail("expected a JSON pointer ('~' must be written ~0 and '/' inside a name ~1), got " +
             jsonread::QuoteClipped(ov.pointer));
      }
    }
    tokens.push_back(std::move(token));
    if (slash == std::string::npos) break;
    start = slash + 1;
  }

  json value = json::parse(ov.value, nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded()) value = ov.value;  // 1GiB, cache-aside: plain text

  json* cur = doc;
  std::string at;          // pointer of *cur
  std::string introduced;  // the shallowest node this override creates or replaces
  for (size_t i = 0; i < tokens.size(); ++i) {
    const std::string& token = tokens[i];
    const bool last = i + 1 == tokens.size();
    size_t index = 0;
    // A missing parent becomes an array when addressed by index (our field
    // names are never numbers), otherwise an object.
    auto fresh = [&]() -> json {
      if (last) return value;
      size_t next = 0;  // not `index`, which addresses this level
      return tokens[i + 1] == "-" || ParseIndex(tokens[i + 1], &next) ? json::array()
                                                                      : json::object();
    };
    ExpandShorthand(at, cur);
    if (cur->is_object()) {
      const std::string here = Child(at, token);
      if (last || !cur->contains(token)) {
        if (introduced.empty()) introduced = here;
        (*cur)[token] = fresh();
      }
      cur = &(*cur)[token];
      at = here;
    } else if (cur->is_array()) {
      if (token == "-") {
        index = cur->size();
      } else if (!ParseIndex(token, &index)) {
        fail(at + ": expected an array index (0, 1, ... or - to append), got " +
             jsonread::QuoteClipped(token));
      }
      if (index > cur->size()) {
        fail(at + ": expected an index <= " + std::to_string(cur->size()) + " (the array has " +
             std::to_string(cur->size()) + " elements), got " + std::to_string(index));
      }
      const std::string here = Child(at, index);
      if (index == cur->size()) {
        if (introduced.empty()) introduced = here;
        cur->push_back(fresh());
      } else if (last) {
        if (introduced.empty()) introduced = here;
        (*cur)[index] = fresh();
      }
      cur = &(*cur)[index];
      at = here;
    } else {
      fail(at + ": expected an object or array to set a field inside, got " + Describe(*cur));
    }
  }
  origins->AddOverride(jsonread::FlagText(ov.flag, text), at, introduced);
}

}  // namespace

Override ParseOverride(const std::string& text) {
  const size_t eq = text.find('=');
  if (eq == std::string::npos) {
    throw InputError(jsonread::FlagText("--set", text) +
                     ": expected /json/pointer=value, got no '='");
  }
  Override ov{text.substr(0, eq), text.substr(eq + 1)};
  if (ov.pointer.empty()) {
    throw InputError(jsonread::FlagText("--set", text) +
                     ": expected /json/pointer=value, got an empty pointer");
  }
  if (ov.pointer[0] != '/') {
    throw InputError(jsonread::FlagText("--set", text) +
                     ": expected a JSON pointer starting with '/' such as /cache/capacity, got " +
                     jsonread::QuoteClipped(ov.pointer));
  }
  return ov;
}

Scenario LoadScenarioText(const std::string& text, const std::string& source,
                          const std::vector<Override>& overrides) {
  json doc = jsonread::ParseJsonStrict(text, source);
  if (!doc.is_object()) {
    throw InputError(source + ": the scenario must be a JSON object, got " + Describe(doc));
  }
  Origins origins(source);
  for (const Override& ov : overrides) ApplyOverride(ov, &doc, &origins);
  Scenario s = Loader(origins, std::filesystem::path(source).parent_path()).Load(doc);
  s.source = source;
  CheckBudget(s);
  return s;
}

Scenario LoadScenarioFile(const std::string& path, const std::vector<Override>& overrides) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    throw InputError(path + ": cannot open file (it is a directory)");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path + ": cannot open file (" + std::strerror(errno) + ")");
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw InputError(path + ": cannot read file (" + std::strerror(errno) + ")");
  return LoadScenarioText(text.str(), path, overrides);
}

Scenario LoadDefaultScenario(const std::vector<Override>& overrides) {
  return LoadScenarioText(DefaultScenarioText(), "<default>", overrides);
}

nlohmann::json OverrideValueJson(const std::string& value) {
  nlohmann::json v = nlohmann::json::parse(value, nullptr, /*allow_exceptions=*/false);
  return v.is_discarded() ? nlohmann::json(value) : v;
}

}  // namespace cachelab
