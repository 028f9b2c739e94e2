// Helpers shared by the command families of the `cachelab` CLI (app/main.cc
// has the table of commands). Nothing here includes CLI11, so this unit
// compiles fast; the option helpers that need CLI11 are in app/cli_options.h.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "analysis/report/report.h"
#include "analysis/scenario/scenario.h"
#include "analysis/trace/reader.h"

namespace CLI {
class App;
}  // namespace CLI

namespace cachelab {

// What a family's Add function returns: runs the command with the options
// CLI11 parsed into its Args, and returns the exit code.
using CommandRunner = std::function<int()>;
// A family's Add function: adds the options, flags and footer of one command
// to its (already named and described) subcommand `cmd`.
using AddCommand = CommandRunner (*)(CLI::App& cmd);

// `text` on one line: trailing line breaks dropped, inner ones made spaces.
// Scripts and tests read the first line of stderr.
std::string OneLine(std::string text);

// Prints `cachelab: error: <message>` on one line on stderr, unless error
// printing is off (SetPrintErrors).
void PrintError(const std::string& message);
// On the ranks other than 0 of an MPI job, errors are off: every rank finds
// the same bad input, rank 0 alone reports it.
void SetPrintErrors(bool on);

// The exit code of a command ended by SIGINT or SIGTERM (sim/core/cancel.h):
// 128 + SIGINT, what a shell reports for a command killed by Ctrl-C.
constexpr int kExitInterrupted = 130;
// Prints `cachelab: interrupted; <what>` on one line on stderr (unless error
// printing is off) and returns kExitInterrupted. `what` says what became of
// the outputs, e.g. "nothing written to results/runs/x".
int ReportInterrupted(const std::string& what);

// ParseOverride of every --set value, in order.
std::vector<Override> ParseOverrides(const std::vector<std::string>& sets);

// The scenario file at `path` with `overrides`; the embedded default scenario
// when `path` is empty.
Scenario LoadScenario(const std::string& path, const std::vector<Override>& overrides);

// "simulating <name>:  42%" on stderr, redrawn in place with '\r' each time
// the whole percentage changes. Erased when destroyed, also when the run
// throws, so an error message starts clean.
class ProgressLine {
 public:
  explicit ProgressLine(std::string name);
  ProgressLine(const ProgressLine&) = delete;
  ProgressLine& operator=(const ProgressLine&) = delete;
  ~ProgressLine();

  // "simulating NAME: 42%  12s elapsed, about 17s left" (the estimate from
  // the elapsed time once past 2% and 1 s); `detail` replaces "simulating NAME".
  void Update(double fraction, const std::string& detail = "");

 private:
  std::string name_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  int last_pct_ = -1;
  int64_t last_second_ = -1;
  int width_ = 0;
};

// Only on a terminal, so that redirected stderr stays clean (or with
// CACHELAB_PROGRESS=1 in the environment): when stderr is a TTY, emplaces `line` named `name` and returns a function that updates it
// with a fraction in [0, 1]; else returns an empty function.
std::function<void(double)> ProgressOnTerminal(std::optional<ProgressLine>& line,
                                               const std::string& name);

// StoreFileAtomically(path, text); when the environment refuses the write,
// prints the one-line error and returns false (the caller exits 1).
bool StoreFileOrPrintError(const std::string& path, const std::string& text);

// Writes the HTML report of result folder `dir` to `out` (default
// <dir>/report.html) atomically and prints where; returns the exit code (1
// when the file cannot be written). Bad input is an InputError (exit 2,
// nothing written).
int WriteReport(const std::string& dir, const std::string& out, const ReportOptions& options);

// The tail that run, compare, sweep and plan share once their results are in:
// `write(dir)` writes the output folder (through analysis/common/atomic_files.h,
// so it appears whole or not at all), then `text()` is printed on stdout (the
// table or the JSON), then, with `report`, the HTML report <dir>/report.html
// is written. Returns the exit code: 1 with one line on stderr when something
// cannot be written (the environment refused, not a bug nor bad input), else 0.
// Throws Interrupted, writing nothing, when cancellation was requested before
// the write.
int Publish(const std::string& dir, const std::function<void(const std::string& dir)>& write,
            const std::function<std::string()>& text, const std::optional<ReportOptions>& report);

// The CSV layout options, shared by replay, mrc and fit (AddCsvOptions in
// app/cli_options.h wires them).
struct CsvArgs {
  std::vector<std::string> columns;  // role=column
  bool no_header = false;
  std::string delimiter = ",";
};

// The trace reader's CsvColumns for `args`; InputError on a bad mapping or
// delimiter.
CsvColumns ParseColumns(const CsvArgs& args);

// The --format names of replay, mrc and fit (each command checks which it takes).
TraceFormat ParseTraceFormat(const std::string& name);

}  // namespace cachelab
