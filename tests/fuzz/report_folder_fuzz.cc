// Fuzz target: `cachelab report` on a result folder: every JSON and CSV file
// it reads (summary, time series, events, compare, sweep, plan, explain),
// their consistency checks, the --slo grammar and the page's rendering.
//
// Input: files, each introduced by a line "=== NAME" (NAME: letters, digits,
// '.', '-', '_', optionally under "plan/", the folder a --plan names); the
// pseudo-file "slo" holds one --slo per line. Other names are skipped.
#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>

#include "analysis/report/report.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

bool SafeName(std::string_view name) {
  if (name == "plan") return false;  // the folder a --plan names
  if (name.starts_with("plan/")) name.remove_prefix(5);
  if (name.empty() || name.size() > 48 || name[0] == '.') return false;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace cachelab;
  namespace fs = std::filesystem;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const fs::path dir = fuzz::ScratchDir() / "result";
  std::error_code ec;
  fs::remove_all(dir, ec);
  fs::create_directories(dir / "plan");
  ReportOptions options;
  bool plan = false;
  // Split at lines "=== NAME".
  size_t at = input.starts_with("=== ") ? 0 : input.find("\n=== ");
  while (at != std::string_view::npos) {
    const size_t name_from = at + (input[at] == '\n' ? 5 : 4);
    const size_t name_end = input.find('\n', name_from);
    if (name_end == std::string_view::npos) break;
    const std::string_view name = input.substr(name_from, name_end - name_from);
    const size_t next = input.find("\n=== ", name_end);
    const std::string_view body =
        input.substr(name_end + 1, next == std::string_view::npos ? next : next - name_end - 1);
    if (name == "slo") {
      for (size_t from = 0; from < body.size() && options.slos.size() < 4;) {
        const size_t end = std::min(body.find('\n', from), body.size());
        options.slos.emplace_back(body.substr(from, end - from));
        from = end + 1;
      }
    } else if (SafeName(name)) {
      fuzz::WriteScratch("result/" + std::string(name), body);
      plan = plan || name.starts_with("plan/");
    }
    at = next;
  }
  if (plan) options.plan_dir = (dir / "plan").string();
  return fuzz::Expect([&] { RenderReportHtml(ReportData(dir.string(), options)); });
}
