// Alert rules a team would have configured on its dashboards, evaluated over
// a run's time series, so a scenario shows *when* monitoring would have paged
// (the article's "Monitoring": alert on a hit ratio below a threshold, an
// eviction spike, high latency). A rule holds in an interval when
// `metric op threshold`; it fires in the first interval of every run of
// consecutive intervals where it holds, and resolves in the first one after.
#pragma once

#include <string>
#include <vector>

#include "sim/metrics/summary.h"

namespace cachelab {

struct AlertRule {
  enum class Op { kLess, kLessEqual, kGreater, kGreaterEqual };
  std::string name;
  std::string metric;  // a numeric timeseries.csv column, e.g. "hit_ratio", "p99_ms"
  Op op = Op::kLess;
  double threshold = 0;
};

// The timeseries.csv columns a rule may watch.
const std::vector<std::string>& AlertMetrics();
// "<", "<=", ">", ">=" -> Op; false when `text` is none of them.
bool ParseAlertOp(const std::string& text, AlertRule::Op* op);
std::string AlertRuleText(const AlertRule& rule);  // "hit_ratio < 0.9"

// Ratio metrics (hit_ratio) are undefined in an interval without reads: the
// rule neither holds nor stops holding there.
std::vector<Summary::Alert> EvaluateAlerts(const std::vector<AlertRule>& rules,
                                           const std::vector<IntervalRow>& rows);

}  // namespace cachelab
