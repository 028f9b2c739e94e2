#include "app/cli.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <iostream>
#include <utility>

#include "analysis/common/atomic_files.h"
#include "analysis/common/errors.h"
#include "sim/core/cancel.h"

namespace cachelab {
namespace {

bool print_errors = true;

}  // namespace

std::string OneLine(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  for (char& c : text) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return text;
}

void PrintError(const std::string& message) {
  if (!print_errors) return;
  // One write: under mpirun, the launcher's own messages may interleave with
  // separate writes of one line.
  std::cerr << ("cachelab: error: " + OneLine(message) + "\n") << std::flush;
}

int ReportInterrupted(const std::string& what) {
  if (print_errors) std::cerr << ("cachelab: interrupted; " + OneLine(what) + "\n") << std::flush;
  return kExitInterrupted;
}

void SetPrintErrors(bool on) {
  print_errors = on;
}

std::vector<Override> ParseOverrides(const std::vector<std::string>& sets) {
  std::vector<Override> out;
  out.reserve(sets.size());
  for (const std::string& s : sets) out.push_back(ParseOverride(s));
  return out;
}

Scenario LoadScenario(const std::string& path, const std::vector<Override>& overrides) {
  return path.empty() ? LoadDefaultScenario(overrides) : LoadScenarioFile(path, overrides);
}

ProgressLine::ProgressLine(std::string name) : name_(std::move(name)) {}

ProgressLine::~ProgressLine() {
  if (width_ > 0) std::fprintf(stderr, "\r%*s\r", width_, "");
  std::fflush(stderr);
}

void ProgressLine::Update(double fraction, const std::string& detail) {
  fraction = std::clamp(fraction, 0.0, 1.0);
  const int pct = static_cast<int>(std::floor(fraction * 100));
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  // Redraw when the percentage or the elapsed second changes, not per call.
  const auto second = static_cast<int64_t>(elapsed);
  if (pct == last_pct_ && second == last_second_ && detail.empty()) return;
  last_pct_ = pct;
  last_second_ = second;
  const auto clock = [](double s) {
    const auto t = static_cast<int64_t>(s + 0.5);
    return t >= 3600 ? fmt::format("{}h{:02}m", t / 3600, t / 60 % 60)
           : t >= 60 ? fmt::format("{}m{:02}s", t / 60, t % 60)
                     : fmt::format("{}s", t);
  };
  std::string line = (detail.empty() ? "simulating " + name_ : detail) +
                     fmt::format(": {:3d}%  {} elapsed", pct, clock(elapsed));
  if (fraction > 0.02 && elapsed >= 1) {
    line += ", about " + clock(elapsed * (1 - fraction) / fraction) + " left";
  }
  const int n = std::fprintf(stderr, "\r%-*s", width_, line.c_str());
  if (n > width_) width_ = n;
  std::fflush(stderr);
}

std::function<void(double)> ProgressOnTerminal(std::optional<ProgressLine>& line,
                                               const std::string& name) {
  // CACHELAB_PROGRESS=1: progress lines also when stderr is no terminal (the
  // playground's worker reads them to move its progress bar).
  const char* forced = std::getenv("CACHELAB_PROGRESS");
  if (!::isatty(STDERR_FILENO) && (forced == nullptr || std::string(forced) != "1")) return {};
  line.emplace(name);
  return [&line](double fraction) { line->Update(fraction); };
}

bool StoreFileOrPrintError(const std::string& path, const std::string& text) {
  try {
    StoreFileAtomically(path, text);
  } catch (const std::exception& e) {
    PrintError(e.what());
    return false;
  }
  return true;
}

int WriteReport(const std::string& dir, const std::string& out, const ReportOptions& options) {
  const std::string html = BuildReport(dir, options);
  const std::string path =
      out.empty() ? (std::filesystem::path(dir) / "report.html").string() : out;
  // --out into folders that do not exist yet creates them, as --out of a run does.
  if (const auto parent = std::filesystem::path(path).parent_path(); !parent.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(parent, ec);
    if (ec) {
      PrintError("cannot create the folder " + parent.string() + " for " + path + ": " +
                 ec.message());
      return 1;
    }
  }
  if (!StoreFileOrPrintError(path, html)) return 1;
  std::cout << "report: " << path << '\n';
  std::cout.flush();
  return 0;
}

int Publish(const std::string& dir, const std::function<void(const std::string& dir)>& write,
            const std::function<std::string()>& text, const std::optional<ReportOptions>& report) {
  cancel::ThrowIfRequested();
  try {
    write(dir);
  } catch (const std::exception& e) {
    // Not a bug and not bad input: the environment refused the write.
    PrintError(e.what());
    return 1;
  }
  std::cout << text();
  std::cout.flush();
  if (report) return WriteReport(dir, "", *report);
  return 0;
}

CsvColumns ParseColumns(const CsvArgs& args) {
  CsvColumns c;
  c.header = !args.no_header;
  if (args.delimiter.size() != 1) {
    throw InputError("--delimiter must be one character, got \"" + args.delimiter + "\"");
  }
  c.delimiter = args.delimiter[0];
  for (const std::string& m : args.columns) {
    const size_t eq = m.find('=');
    const std::string role = m.substr(0, eq);
    const std::string column = eq == std::string::npos ? "" : m.substr(eq + 1);
    if (eq == std::string::npos || column.empty()) {
      throw InputError("--columns: expected ROLE=COLUMN (e.g. key=lbn or size=4), got \"" + m +
                       "\"");
    }
    if (role == "time") {
      c.time = column;
    } else if (role == "key") {
      c.key = column;
    } else if (role == "size") {
      c.size = column;
    } else if (role == "op") {
      c.op = column;
    } else {
      throw InputError("--columns: unknown role \"" + role + "\"; roles are time, key, size, op");
    }
  }
  return c;
}

TraceFormat ParseTraceFormat(const std::string& name) {
  return name == "csv"       ? TraceFormat::kCsv
         : name == "twitter" ? TraceFormat::kTwitter
                             : TraceFormat::kOracle;
}

}  // namespace cachelab
