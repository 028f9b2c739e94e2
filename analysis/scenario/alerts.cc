#include "analysis/scenario/alerts.h"

#include <fmt/format.h>

#include <optional>
#include <stdexcept>

namespace cachelab {

namespace {

struct Column {
  const char* name;
  double (*get)(const IntervalRow&);
};

// clang-format off
const Column kColumns[] = {
    {"requests", [](const IntervalRow& r) { return double(r.requests); }},
    {"reads", [](const IntervalRow& r) { return double(r.reads); }},
    {"writes", [](const IntervalRow& r) { return double(r.writes); }},
    {"failed", [](const IntervalRow& r) { return double(r.failed); }},
    {"hits", [](const IntervalRow& r) { return double(r.hits); }},
    {"misses", [](const IntervalRow& r) { return double(r.misses); }},
    {"errors", [](const IntervalRow& r) { return double(r.errors); }},
    {"hit_ratio", [](const IntervalRow& r) { return r.hit_ratio; }},
    {"db_queries", [](const IntervalRow& r) { return double(r.db_queries); }},
    {"db_queue_depth", [](const IntervalRow& r) { return double(r.db_queue_depth); }},
    {"db_utilization", [](const IntervalRow& r) { return r.db_utilization; }},
    {"p50_ms", [](const IntervalRow& r) { return r.p50_ms; }},
    {"p99_ms", [](const IntervalRow& r) { return r.p99_ms; }},
    {"stale_reads", [](const IntervalRow& r) { return double(r.stale_reads); }},
    {"evictions", [](const IntervalRow& r) { return double(r.evictions); }},
    {"expirations", [](const IntervalRow& r) { return double(r.expirations); }},
    {"cache_bytes", [](const IntervalRow& r) { return double(r.cache_bytes); }},
    {"cache_items", [](const IntervalRow& r) { return double(r.cache_items); }},
    {"stampede_loads", [](const IntervalRow& r) { return double(r.stampede_loads); }},
};
// clang-format on

const Column& Find(const std::string& metric) {
  for (const Column& c : kColumns) {
    if (metric == c.name) return c;
  }
  throw std::logic_error("alert on unknown metric " + metric);  // the loader checked it
}

// nullopt: undefined in this interval.
std::optional<bool> Holds(const AlertRule& rule, const Column& c, const IntervalRow& row) {
  if (rule.metric == "hit_ratio" && row.hits + row.misses == 0) return std::nullopt;
  if ((rule.metric == "p50_ms" || rule.metric == "p99_ms") && row.requests == 0) {
    return std::nullopt;
  }
  const double v = c.get(row);
  switch (rule.op) {
    case AlertRule::Op::kLess:
      return v < rule.threshold;
    case AlertRule::Op::kLessEqual:
      return v <= rule.threshold;
    case AlertRule::Op::kGreater:
      return v > rule.threshold;
    case AlertRule::Op::kGreaterEqual:
      return v >= rule.threshold;
  }
  return false;
}

}  // namespace

const std::vector<std::string>& AlertMetrics() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> v;
    for (const Column& c : kColumns) v.push_back(c.name);
    return v;
  }();
  return names;
}

bool ParseAlertOp(const std::string& text, AlertRule::Op* op) {
  if (text == "<")
    *op = AlertRule::Op::kLess;
  else if (text == "<=")
    *op = AlertRule::Op::kLessEqual;
  else if (text == ">")
    *op = AlertRule::Op::kGreater;
  else if (text == ">=")
    *op = AlertRule::Op::kGreaterEqual;
  else
    return false;
  return true;
}

std::string AlertRuleText(const AlertRule& rule) {
  static const char* const kOps[] = {"<", "<=", ">", ">="};
  return fmt::format("{} {} {:g}", rule.metric, kOps[static_cast<int>(rule.op)], rule.threshold);
}

std::vector<Summary::Alert> EvaluateAlerts(const std::vector<AlertRule>& rules,
                                           const std::vector<IntervalRow>& rows) {
  std::vector<Summary::Alert> out;
  for (const AlertRule& rule : rules) {
    const Column& c = Find(rule.metric);
    Summary::Alert a;
    a.name = rule.name;
    a.rule = AlertRuleText(rule);
    bool firing = false;
    for (const IntervalRow& row : rows) {
      const std::optional<bool> holds = Holds(rule, c, row);
      if (!holds) continue;
      if (*holds) {
        ++a.intervals_firing;
        if (!firing) a.fired_at_s.push_back(row.time_s);
      } else if (firing) {
        a.resolved_at_s.push_back(row.time_s);
      }
      firing = *holds;
    }
    out.push_back(std::move(a));
  }
  return out;
}

}  // namespace cachelab
