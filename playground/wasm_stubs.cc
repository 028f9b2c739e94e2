// What the WebAssembly build of the CLI leaves out: the live commands (a real
// Redis and PostgreSQL are not reachable from a browser tab). Their names stay
// in `cachelab --help`, and running one says why it is absent (exit 2).
#include <CLI/CLI.hpp>

#include "analysis/common/errors.h"
#include "app/cli.h"

namespace cachelab {
namespace {

CommandRunner Absent(CLI::App& cmd) {
  cmd.allow_extras();
  const std::string name = cmd.get_name();
  return [name] {
    PrintError(name + " needs the native build: a browser cannot reach a Redis or PostgreSQL");
    return 2;
  };
}

}  // namespace

CommandRunner AddLiveCommand(CLI::App& cmd) {
  return Absent(cmd);
}
CommandRunner AddCalibrateCommand(CLI::App& cmd) {
  return Absent(cmd);
}
CommandRunner AddTwinCommand(CLI::App& cmd) {
  return Absent(cmd);
}

}  // namespace cachelab
