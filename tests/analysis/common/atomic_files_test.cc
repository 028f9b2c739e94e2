// Outputs appear whole or not at all (analysis/common/atomic_files.h), and
// what a killed writer left behind does not pile up: the next writer of the
// same name removes the leftovers of processes that are gone, and only those.
#include "analysis/common/atomic_files.h"

#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace cachelab {
namespace {

namespace fs = std::filesystem;

struct Scratch {
  fs::path path = fs::temp_directory_path() / ("cachelab-atomic-test-" + std::to_string(getpid()));
  Scratch() { fs::create_directories(path); }
  ~Scratch() { fs::remove_all(path); }
};

std::string Read(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The pid of a process that has exited (and been reaped): no process has it
// now, barring reuse within the test.
pid_t DeadPid() {
  const pid_t child = fork();
  if (child == 0) _exit(0);
  int status = 0;
  waitpid(child, &status, 0);
  return child;
}

TEST_CASE("a folder is replaced whole, and killed writers' leftovers are removed",
          "[analysis][atomic_files]") {
  Scratch s;
  const fs::path out = s.path / "run";
  WriteFolderAtomically(out.string(), {{"a.txt", "one"}});
  CHECK(Read(out / "a.txt") == "one");

  // What a writer killed mid-way leaves: its temporary folder, and (without
  // an atomic exchange) the previous run moved aside.
  const pid_t dead = DeadPid();
  const fs::path stale_tmp = s.path / ("run.tmp-" + std::to_string(dead));
  const fs::path stale_old = s.path / ("run.old-" + std::to_string(dead));
  fs::create_directories(stale_tmp / "deep");
  fs::create_directories(stale_old);
  // A live writer's temporary folder (this process's parent, say) is left alone,
  // as are other names.
  const fs::path live_tmp = s.path / ("run.tmp-" + std::to_string(getppid()));
  const fs::path other = s.path / "run.tmp-notapid";
  const fs::path other_run = s.path / ("runs.tmp-" + std::to_string(dead));
  fs::create_directories(live_tmp);
  fs::create_directories(other);
  fs::create_directories(other_run);

  WriteFolderAtomically(out.string(), {{"a.txt", "two"}, {"b.txt", "2"}});
  CHECK(Read(out / "a.txt") == "two");
  CHECK(Read(out / "b.txt") == "2");
  CHECK_FALSE(fs::exists(stale_tmp));
  CHECK_FALSE(fs::exists(stale_old));
  CHECK(fs::exists(live_tmp));
  CHECK(fs::exists(other));
  CHECK(fs::exists(other_run));
  CHECK_FALSE(fs::exists(s.path / ("run.tmp-" + std::to_string(getpid()))));
}

TEST_CASE("a file is replaced whole, and a killed writer's temporary file is removed",
          "[analysis][atomic_files]") {
  Scratch s;
  const fs::path file = s.path / "points.json";
  const fs::path stale = s.path / ("points.json.tmp-" + std::to_string(DeadPid()));
  std::ofstream(stale) << "half a rec";
  StoreFileAtomically(file.string(), "{}");
  CHECK(Read(file) == "{}");
  CHECK_FALSE(fs::exists(stale));
}

TEST_CASE("a writer killed with SIGKILL publishes nothing, and the next run cleans up",
          "[analysis][atomic_files]") {
  Scratch s;
  const fs::path out = s.path / "big";
  WriteFolderAtomically(out.string(), {{"a.txt", "before"}});
  // A child writes a large folder and is killed while at it (or, on a fast
  // disk, after it finished): either way the folder holds a whole run.
  const std::string big(16 << 20, 'x');
  const pid_t child = fork();
  if (child == 0) {
    WriteFolderAtomically(out.string(), {{"a.txt", "after"}, {"b.bin", big}, {"c.bin", big}});
    _exit(0);
  }
  usleep(20'000);
  kill(child, SIGKILL);
  int status = 0;
  waitpid(child, &status, 0);
  const std::string a = Read(out / "a.txt");
  CHECK((a == "before" || a == "after"));
  if (a == "after") CHECK(fs::file_size(out / "c.bin") == big.size());
  WriteFolderAtomically(out.string(), {{"a.txt", "third"}});
  CHECK(Read(out / "a.txt") == "third");
  CHECK_FALSE(fs::exists(s.path / ("big.tmp-" + std::to_string(child))));
  CHECK_FALSE(fs::exists(s.path / ("big.old-" + std::to_string(child))));
}

}  // namespace
}  // namespace cachelab
