// The metric descriptor tables (analysis/outputs/metrics.h): every output that
// lists metrics agrees with them, and results/README.md's field tables are the
// text generated from them.
#include "analysis/outputs/metrics.h"

#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "analysis/outputs/run_outputs.h"

namespace cachelab {
namespace {

using nlohmann::json;

const std::string kReadme = std::string(CACHELAB_SOURCE_DIR) + "/results/README.md";

std::string ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The text strictly between the marker lines (the newline after `begin`
// excluded); npos positions when a marker is missing.
struct Span {
  size_t from = std::string::npos, to = std::string::npos;
};
Span Between(const std::string& text, std::string_view begin, std::string_view end) {
  Span s;
  size_t b = text.find(begin);
  if (b == std::string::npos) return s;
  size_t e = text.find(end, b);
  if (e == std::string::npos) return s;
  s.from = b + begin.size() + 1;
  s.to = e;
  return s;
}

// A Summary whose every metric differs from every other one, so that an
// accessor reading the wrong field is noticed.
Summary Distinct() {
  Summary s;
  s.scenario = "distinct";
  uint64_t next = 1;
  for (uint64_t* f : {&s.seed,
                      &s.requests.total,
                      &s.requests.reads,
                      &s.requests.writes,
                      &s.requests.failed,
                      &s.cache.hits,
                      &s.cache.misses,
                      &s.cache.errors,
                      &s.cache.evictions,
                      &s.cache.expirations,
                      &s.cache.peak_bytes,
                      &s.cache.peak_items,
                      &s.cache.gets,
                      &s.cache.sets,
                      &s.cache.deletes,
                      &s.db.queries,
                      &s.db.reads,
                      &s.db.writes,
                      &s.db.timeouts,
                      &s.db.peak_concurrency,
                      &s.db.peak_queue_depth,
                      &s.db.rejected,
                      &s.staleness.stale_reads,
                      &s.staleness.wrong_reads,
                      &s.stampede.episodes,
                      &s.stampede.max_concurrent_loads,
                      &s.stampede.duplicate_loads,
                      &s.writes.lost,
                      &s.writes.pending_at_end,
                      &s.l1.hits,
                      &s.l1.misses,
                      &s.guard.early_refreshes,
                      &s.guard.background_refreshes,
                      &s.guard.coalesced_reads,
                      &s.guard.waits,
                      &s.guard.gave_up,
                      &s.guard.stale_served,
                      &s.guard.leases_issued,
                      &s.guard.lease_sets_rejected,
                      &s.invalidation.published,
                      &s.invalidation.delivered,
                      &s.invalidation.lost,
                      &s.degradation.breaker_bypasses,
                      &s.warming.keys_loaded,
                      &s.db.rows_created,
                      &s.cache.stored,
                      &s.cache.unused,
                      &s.api.calls,
                      &s.api.rate_limited,
                      &s.api.errors,
                      &s.peak.db_queue_depth}) {
    *f = next++;
  }
  double x = 0.5;
  for (double* f : {&s.simulated_seconds,
                    &s.cache.hit_ratio,
                    &s.cache.unused_ratio,
                    &s.db.mean_wait_ms,
                    &s.db.wait_probability,
                    &s.db.utilization,
                    &s.db.capacity_qps,
                    &s.db.offered_load,
                    &s.latency_ms.mean,
                    &s.latency_ms.p50,
                    &s.latency_ms.p90,
                    &s.latency_ms.p99,
                    &s.latency_ms.p999,
                    &s.latency_ms.max,
                    &s.read_latency_ms.mean,
                    &s.read_latency_ms.p50,
                    &s.read_latency_ms.p90,
                    &s.read_latency_ms.p99,
                    &s.read_latency_ms.p999,
                    &s.read_latency_ms.max,
                    &s.write_latency_ms.mean,
                    &s.write_latency_ms.p50,
                    &s.write_latency_ms.p90,
                    &s.write_latency_ms.p99,
                    &s.write_latency_ms.p999,
                    &s.write_latency_ms.max,
                    &s.staleness.stale_read_ratio,
                    &s.staleness.max_age_ms,
                    &s.staleness.mean_age_ms,
                    &s.l1.hit_ratio,
                    &s.peak.p99_ms,
                    &s.peak.p99_at_s,
                    &s.peak.db_utilization,
                    &s.peak.db_utilization_at_s,
                    &s.peak.db_queries_per_s,
                    &s.peak.min_hit_ratio,
                    &s.peak.min_hit_ratio_at_s}) {
    *f = x;
    x += 0.25;
  }
  s.stampede.size_counts = {0, 7, 3};
  s.db.verdict = "overloaded at peak";
  return s;
}

}  // namespace

TEST_CASE("every summary metric is declared once, with a unit, a meaning and a matching kind",
          "[metric_table]") {
  const Summary s = Distinct();
  std::set<std::string_view> names;
  for (const SummaryMetric& m : SummaryMetrics()) {
    INFO(m.name);
    CHECK(names.insert(m.name).second);
    CHECK_FALSE(m.unit.empty());
    CHECK_FALSE(m.meaning.empty());
    const MetricValue v = m.get(s);
    switch (m.kind) {
      case MetricKind::kString:
        CHECK(std::holds_alternative<std::string>(v));
        break;
      case MetricKind::kCount:
        CHECK(std::holds_alternative<uint64_t>(v));
        break;
      case MetricKind::kReal:
        CHECK(std::holds_alternative<double>(v));
        break;
      case MetricKind::kCountArray:
        CHECK(std::holds_alternative<std::vector<uint64_t>>(v));
        break;
    }
    // A console row has its label and format; a row without a section has neither.
    CHECK((m.section == ConsoleSection::kNone) == m.label.empty());
    CHECK((m.section == ConsoleSection::kNone) == (m.format == ConsoleFormat::kNone));
  }
}

TEST_CASE("summary.json holds exactly the descriptor metrics, each with its accessor's value",
          "[metric_table]") {
  const Summary s = Distinct();
  const json j = SummaryToJson(s);
  size_t leaves = 0;
  const json flat = j.flatten();
  for (const auto& item : flat.items()) {
    if (item.key().rfind("/stampede/size_counts", 0) != 0 && item.key() != "/alerts" &&
        item.key() != "/classes") {
      ++leaves;
    }
  }
  size_t scalars = 0;
  std::set<std::string> values;  // Distinct() gives every scalar its own value
  for (const SummaryMetric& m : SummaryMetrics()) {
    INFO(m.name);
    const json& v = j.at(json::json_pointer(MetricPointer(m.name)));
    const MetricValue expected = m.get(s);
    if (m.kind == MetricKind::kCountArray) {
      CHECK(v == json(std::get<std::vector<uint64_t>>(expected)));
      continue;
    }
    ++scalars;
    values.insert(v.dump());
    if (m.kind == MetricKind::kString) CHECK(v == std::get<std::string>(expected));
    if (m.kind == MetricKind::kCount) CHECK(v == std::get<uint64_t>(expected));
    if (m.kind == MetricKind::kReal) CHECK(v == RoundSignificant(std::get<double>(expected)));
  }
  CHECK(leaves == scalars);
  CHECK(values.size() == scalars);
  CHECK(j.at("alerts").is_array());
}

TEST_CASE(
    "the terminal table shows each console row's label and the policy rows only when non-zero",
    "[metric_table]") {
  Summary s = Distinct();
  const std::string full = FormatSummaryTable(s);
  for (const SummaryMetric& m : SummaryMetrics()) {
    if (m.section == ConsoleSection::kNone) continue;
    INFO(m.name);
    CHECK(full.find("  " + std::string(m.label)) != std::string::npos);
  }
  CHECK(full.find("policy stack") != std::string::npos);

  s.l1 = {};
  s.guard = {};
  s.invalidation = {};
  s.degradation = {};
  s.warming = {};
  s.api = {};
  s.db.rows_created = 0;
  s.staleness.wrong_reads = 0;
  s.writes = {};
  const std::string plain = FormatSummaryTable(s);
  CHECK(plain.find("policy stack") == std::string::npos);
  CHECK(plain.find("L1 hits") == std::string::npos);
  CHECK(plain.find("writes lost") == std::string::npos);

  s.writes.lost = 3;  // one policy row brings the section back with only that row
  const std::string one = FormatSummaryTable(s);
  CHECK(one.find("policy stack") != std::string::npos);
  CHECK(one.find("writes lost") != std::string::npos);
  CHECK(one.find("L1 hits") == std::string::npos);
}

TEST_CASE("timeseries.csv has one column per interval descriptor, in table order",
          "[metric_table]") {
  IntervalRow r;
  r.time_s = 1.5;
  r.requests = 11;
  r.hit_ratio = 0.125;
  r.stampede_loads = 19;
  const std::string csv = TimeSeriesToCsv({r});
  const std::vector<IntervalColumn>& columns = IntervalColumns();
  std::string header;
  for (const IntervalColumn& c : columns) {
    if (!header.empty()) header += ',';
    header += c.name;
  }
  REQUIRE(csv.rfind(header + "\n", 0) == 0);
  std::istringstream row(csv.substr(header.size() + 1));
  std::vector<std::string> cells;
  for (std::string cell; std::getline(row, cell, ',');) cells.push_back(cell);
  REQUIRE(cells.size() == columns.size());
  CHECK(cells.front() == "1.5");
  CHECK(cells[1] == "11");
  CHECK(cells.back() == "19\n");
  for (size_t i = 0; i < columns.size(); ++i) {
    if (columns[i].name == "hit_ratio") CHECK(cells[i] == "0.125");
  }
}

// Set CACHELAB_REGENERATE_README=1 to write the generated tables into
// results/README.md instead of comparing.
TEST_CASE("results/README.md's field tables are generated from the descriptors", "[metric_table]") {
  std::string text = ReadText(kReadme);
  REQUIRE_FALSE(text.empty());
  struct Table {
    std::string_view begin, end;
    std::string generated;
  };
  const Table tables[] = {{kSummaryTableBegin, kSummaryTableEnd, SummaryFieldsMarkdown()},
                          {kTimeseriesTableBegin, kTimeseriesTableEnd, IntervalColumnsMarkdown()}};
  const bool regenerate = std::getenv("CACHELAB_REGENERATE_README") != nullptr;
  for (const Table& t : tables) {
    INFO(t.begin);
    const Span span = Between(text, t.begin, t.end);
    REQUIRE(span.from != std::string::npos);
    if (regenerate) {
      text.replace(span.from, span.to - span.from, t.generated);
      continue;
    }
    INFO(
        "results/README.md is out of date; regenerate it with "
        "CACHELAB_REGENERATE_README=1 ./build/release/cachelab_tests \"[metric_table]\"");
    CHECK(text.substr(span.from, span.to - span.from) == t.generated);
  }
  if (regenerate) {
    std::ofstream(kReadme, std::ios::binary) << text;
    WARN("rewrote " << kReadme);
  }
}

TEST_CASE("each window is a summary.json object named after it, with every window metric",
          "[metric_table]") {
  Summary s;
  for (const char* name : {"steady", "expiry_wave"}) {
    Summary::Window& w = s.windows.emplace_back();
    w.name = name;
    // Distinct values, so a field read from the wrong member shows.
    uint64_t n = s.windows.size() * 1000;
    for (uint64_t* f :
         {&w.requests.total, &w.requests.reads, &w.requests.writes, &w.requests.failed, &w.hits,
          &w.misses, &w.errors, &w.evictions, &w.expirations, &w.db_queries, &w.db_peak_queue_depth,
          &w.stale_reads, &w.duplicate_loads}) {
      *f = n++;
    }
    double x = static_cast<double>(s.windows.size()) + 0.125;
    for (double* f :
         {&w.from_s, &w.to_s, &w.hit_ratio, &w.db_utilization, &w.db_mean_wait_ms,
          &w.db_wait_probability, &w.latency_ms.mean, &w.latency_ms.p50, &w.latency_ms.p90,
          &w.latency_ms.p99, &w.latency_ms.p999, &w.latency_ms.max, &w.stale_read_ratio}) {
      *f = x;
      x += 0.25;
    }
  }
  const json j = SummaryToJson(s);
  for (const Summary::Window& w : s.windows) {
    INFO(w.name);
    const json& o = j.at(w.name);
    CHECK(o.flatten().size() == WindowMetrics().size());
    std::set<std::string> values;
    for (const WindowMetric& m : WindowMetrics()) {
      INFO(m.name);
      CHECK_FALSE(m.unit.empty());
      CHECK_FALSE(m.meaning.empty());
      const json& v = o.at(json::json_pointer(MetricPointer(m.name)));
      values.insert(v.dump());
      const MetricValue expected = m.get(w);
      if (m.kind == MetricKind::kCount) CHECK(v == std::get<uint64_t>(expected));
      if (m.kind == MetricKind::kReal) CHECK(v == RoundSignificant(std::get<double>(expected)));
    }
    CHECK(values.size() == WindowMetrics().size());
  }
}

}  // namespace cachelab
