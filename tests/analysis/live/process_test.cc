// Child processes and scratch folders of the private servers.
#include "analysis/live/process.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;
using namespace cachelab::live;

TEST_CASE("A TempDir is removed with everything in it", "[live][process]") {
  std::string path;
  {
    TempDir dir("cachelab-test-");
    path = dir.path();
    REQUIRE(fs::is_directory(path));
    std::ofstream(path + "/file") << "x";
    fs::create_directory(path + "/sub");
  }
  CHECK_FALSE(fs::exists(path));
}

TEST_CASE("FindProgram looks in the given folders, then on PATH", "[live][process]") {
  CHECK(FindProgram("sh") == std::optional<std::string>(*FindProgram("sh", {"/nonexistent"})));
  CHECK(FindProgram("sh", {"/bin"}) == std::optional<std::string>("/bin/sh"));
  CHECK_FALSE(FindProgram("cachelab-no-such-program").has_value());
}

TEST_CASE("A child writes to its log and is reaped with its exit status", "[live][process]") {
  TempDir dir("cachelab-test-");
  const std::string log = dir.path() + "/log";
  ChildProcess p = ChildProcess::Start({"/bin/sh", "-c", "echo hello; exit 3"}, log);
  while (p.Running()) usleep(1000);
  REQUIRE(p.status().has_value());
  CHECK(WIFEXITED(*p.status()));
  CHECK(WEXITSTATUS(*p.status()) == 3);
  CHECK(LogTail(log) == "hello");
}

TEST_CASE("Stopping a child signals it and SIGKILLs it after the grace period", "[live][process]") {
  TempDir dir("cachelab-test-");
  // A child that ignores SIGTERM still ends: Stop escalates to SIGKILL.
  ChildProcess p =
      ChildProcess::Start({"/bin/sh", "-c", "trap '' TERM; sleep 30"}, dir.path() + "/log");
  const pid_t pid = p.pid();
  REQUIRE(p.Running());
  p.Stop(SIGTERM, std::chrono::milliseconds(200));
  CHECK_FALSE(p.Running());
  CHECK(kill(pid, 0) == -1);  // gone and reaped, not a zombie
}

TEST_CASE("A destroyed ChildProcess leaves no process behind", "[live][process]") {
  TempDir dir("cachelab-test-");
  pid_t pid;
  {
    ChildProcess p = ChildProcess::Start({"/bin/sleep", "30"}, dir.path() + "/log");
    pid = p.pid();
    REQUIRE(kill(pid, 0) == 0);
  }
  CHECK(kill(pid, 0) == -1);
}

TEST_CASE("A program that cannot be executed is an error naming it", "[live][process]") {
  TempDir dir("cachelab-test-");
  REQUIRE_THROWS_WITH(ChildProcess::Start({dir.path() + "/missing"}, dir.path() + "/log"),
                      Catch::Contains("cannot start " + dir.path() + "/missing") &&
                          Catch::Contains("No such file"));
}

TEST_CASE("A child dies with cachelab, also when it runs as another user", "[live][process]") {
  // The kernel clears the parent-death signal when a process changes its
  // credentials, so a server started as `postgres` must set it after setuid.
  const std::optional<RunAs> user = UnprivilegedUser();  // nullopt unless root
  TempDir dir("cachelab-test-");
  if (user) dir.GiveTo(user->uid, user->gid);
  int pipe_fds[2];
  REQUIRE(pipe(pipe_fds) == 0);
  const pid_t middle = fork();
  REQUIRE(middle >= 0);
  if (middle == 0) {  // stands in for cachelab: starts a server, then dies by SIGKILL
    close(pipe_fds[0]);
    ChildProcess p = ChildProcess::Start({"/bin/sleep", "30"}, dir.path() + "/log", user);
    const pid_t pid = p.pid();
    [[maybe_unused]] ssize_t n = write(pipe_fds[1], &pid, sizeof pid);
    raise(SIGKILL);
  }
  close(pipe_fds[1]);
  pid_t child = 0;
  REQUIRE(read(pipe_fds[0], &child, sizeof child) == sizeof child);
  close(pipe_fds[0]);
  waitpid(middle, nullptr, 0);
  bool gone = false;
  for (int i = 0; i < 200 && !gone; ++i) {
    // Reparented to init (or a subreaper), which reaps it once it is dead.
    gone = kill(child, 0) == -1 || fs::exists("/proc/" + std::to_string(child)) == false;
    if (!gone) {
      std::ifstream stat("/proc/" + std::to_string(child) + "/stat");
      std::string pid_s, comm, state;
      stat >> pid_s >> comm >> state;
      gone = state == "Z";
      usleep(10'000);
    }
  }
  CHECK(gone);
  if (!gone) kill(child, SIGKILL);
}
