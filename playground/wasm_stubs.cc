// What the WebAssembly build of the CLI leaves out: the live commands (a real
// Redis and PostgreSQL are not reachable from a browser tab) and the trace
// commands (the page carries no trace files; leaving them out keeps the page
// under 3 MB). Their names stay in `cachelab --help`, and running one says
// why it is absent (exit 2).
#include <CLI/CLI.hpp>

#include "analysis/common/errors.h"
#include "app/cli.h"

namespace cachelab {
namespace {

CommandRunner Absent(CLI::App& cmd, const char* why) {
  cmd.allow_extras();
  const std::string name = cmd.get_name();
  return [name, why] {
    PrintError(name + " needs the native build: " + why);
    return 2;
  };
}

constexpr const char* kNoServers = "a browser cannot reach a Redis or PostgreSQL";
constexpr const char* kNoTraces = "the playground carries no trace files";

}  // namespace

CommandRunner AddLiveCommand(CLI::App& cmd) {
  return Absent(cmd, kNoServers);
}
CommandRunner AddCalibrateCommand(CLI::App& cmd) {
  return Absent(cmd, kNoServers);
}
CommandRunner AddTwinCommand(CLI::App& cmd) {
  return Absent(cmd, kNoServers);
}
CommandRunner AddReplayCommand(CLI::App& cmd) {
  return Absent(cmd, kNoTraces);
}
CommandRunner AddGenTraceCommand(CLI::App& cmd) {
  return Absent(cmd, kNoTraces);
}
CommandRunner AddMrcCommand(CLI::App& cmd) {
  return Absent(cmd, kNoTraces);
}
CommandRunner AddFitCommand(CLI::App& cmd) {
  return Absent(cmd, kNoTraces);
}

}  // namespace cachelab
