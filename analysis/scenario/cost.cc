#include "analysis/scenario/cost.h"

namespace cachelab {

std::optional<Summary::Cost> MonthlyCost(const CostConfig& cost, uint32_t cache_nodes,
                                         uint32_t replicas, const Summary& s) {
  if (!cost.Priced()) return std::nullopt;
  Summary::Cost c;
  c.currency = cost.currency;
  c.cache_node_type = cost.cache_node_type;
  c.cache_nodes = cache_nodes;
  c.cache_per_month = cache_nodes * cost.CacheNodePerHour() * kHoursPerMonth;
  c.database_per_month = cost.database_per_hour * kHoursPerMonth;
  c.replicas_per_month = replicas * cost.replica_per_hour * kHoursPerMonth;
  if (s.simulated_seconds > 0) {
    const double per_second = static_cast<double>(s.cache.transfer_bytes) / s.simulated_seconds;
    c.network_gib_per_month = per_second * kHoursPerMonth * 3600 / (1024.0 * 1024 * 1024);
  }
  c.network_per_month = c.network_gib_per_month * cost.network_per_gib;
  c.per_month =
      c.cache_per_month + c.database_per_month + c.replicas_per_month + c.network_per_month;
  return c;
}

}  // namespace cachelab
