// Faults survived, nothing lost (issue 17), against the real binary:
//  - a sweep killed with SIGKILL at random moments, then rerun, writes the
//    bytes of an uninterrupted sweep;
//  - run and compare killed with SIGKILL publish nothing, and the next run
//    into the same place leaves no temporary folder;
//  - SIGINT ends run, compare and sweep promptly with exit 130 and one line,
//    publishing nothing half-done (a sweep keeps its finished points);
//  - a run whose outputs do not fit on the disk exits 1 naming the file and
//    "No space left on device", and the previous results stay as they were
//    (needs root to mount a small tmpfs: skipped with exit 77 otherwise).
// Waits poll the file system or /proc with generous timeouts: nothing here
// assumes how fast the machine is, except the promptness bound on SIGINT.
#include <fcntl.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "sim/core/sanitizers.h"
#include "tests/support/cli.h"

namespace cachelab {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using test::CommandResult;
using test::ReadFile;
using test::Sandbox;

const std::string kTiny = std::string(CACHELAB_TEST_DATA) + "/cli_tiny.json";

// How long SIGINT may take to end a command (the simulator polls every 4096
// events, then the in-flight requests drain). Sanitizers slow everything.
constexpr double kPromptSeconds = kAddressSanitizer ? 10 : 2;
// A bound on anything that should happen, only to end a broken test.
constexpr auto kPatience = std::chrono::seconds(300);

// The binary started in `box`'s work folder with its output in files beside
// it, so the test can signal it and watch it. Killed (SIGKILL) and reaped
// when destroyed, if still running.
class Child {
 public:
  Child(const Sandbox& box, const std::vector<std::string>& args) {
    const fs::path logs = box.work().parent_path();
    const std::string out = (logs / "child.out").string();
    const std::string err = (logs / "child.err").string();
    err_path_ = err;
    const std::string work = box.work().string();
    std::vector<std::string> all = {CACHELAB_BINARY};
    all.insert(all.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (std::string& a : all) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_ = ::fork();
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {  // only async-signal-safe calls until exec
      const int o = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      const int e = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (o < 0 || e < 0 || ::dup2(o, 1) < 0 || ::dup2(e, 2) < 0 || ::chdir(work.c_str()) != 0) {
        ::_exit(127);
      }
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
  }
  ~Child() {
    if (pid_ > 0 && !reaped_) {
      ::kill(pid_, SIGKILL);
      int status = 0;
      ::waitpid(pid_, &status, 0);
    }
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  pid_t pid() const { return pid_; }

  // True once the process has installed its SIGINT handler (/proc's SigCgt
  // mask), i.e. it is past start-up and about to run its command.
  bool CatchesSigint() const {
    std::ifstream in("/proc/" + std::to_string(pid_) + "/status");
    for (std::string line; std::getline(in, line);) {
      if (line.rfind("SigCgt:", 0) == 0) {
        const unsigned long long mask = std::strtoull(line.c_str() + 7, nullptr, 16);
        return (mask >> (SIGINT - 1) & 1) != 0;
      }
    }
    return false;
  }

  // Exited or killed already (reaps it).
  bool Finished() {
    if (reaped_) return true;
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      Record(status);
      return true;
    }
    return false;
  }

  // Waits for the end; the exit code, or 128 + the signal that killed it.
  int Wait() {
    const Clock::time_point deadline = Clock::now() + kPatience;
    while (!Finished()) {
      REQUIRE(Clock::now() < deadline);
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return code_;
  }

  void Signal(int sig) { REQUIRE(::kill(pid_, sig) == 0); }

  std::string err() const { return ReadFile(err_path_); }

 private:
  void Record(int status) {
    reaped_ = true;
    code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }

  pid_t pid_ = -1;
  bool reaped_ = false;
  int code_ = -1;
  std::string err_path_;
};

// Polls `done` every few milliseconds; fails the test after kPatience.
void WaitUntil(const std::function<bool()>& done, const std::string& what) {
  const Clock::time_point deadline = Clock::now() + kPatience;
  while (!done()) {
    INFO("waiting for " << what);
    REQUIRE(Clock::now() < deadline);
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

// Entries anywhere under `dir` whose name holds ".tmp-" (a writer's
// temporary file or folder).
std::vector<std::string> Temporaries(const fs::path& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec);
       it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (it->path().filename().string().find(".tmp-") != std::string::npos) {
      out.push_back(it->path().string());
    }
  }
  return out;
}

// Finished sweep points stored in "<out>.partial/points".
size_t StoredPoints(const fs::path& out) {
  const fs::path points = fs::path(out.string() + ".partial") / "points";
  size_t n = 0;
  std::error_code ec;
  for (auto it = fs::directory_iterator(points, ec); it != fs::directory_iterator();
       it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.size() > 5 && name.compare(name.size() - 5, 5, ".json") == 0) ++n;
  }
  return n;
}

// 12 points x 2 replications of a tiny scenario: a few seconds in all.
const char* const kSweepPoints = "12";
// Under the sanitizers each run is 10x shorter: the whole sweep takes 4.8 s
// there at 2m against 1.7 s in the release build at 20m, so a kill still lands
// within a point, and the two sweep tests take 17 s each instead of ~80 s.
const char* const kSweepDuration = kAddressSanitizer ? "/duration=2m" : "/duration=20m";
std::vector<std::string> SweepArgs(const std::string& out) {
  return {"sweep",          kTiny,
          "--grid",         "/cache/capacity=64KiB..512KiB:x2",
          "--grid",         "/policies/read/params/ttl=1s,2s,4s",
          "--set",          kSweepDuration,
          "--replications", "2",
          "--threads",      "2",
          "--out",          out};
}

struct SweepFiles {
  std::string csv, json;
};

// The outputs of the sweep above run once, uninterrupted (computed once per
// test process).
const SweepFiles& ReferenceSweep() {
  static const SweepFiles files = [] {
    Sandbox box;
    const CommandResult r = box.Run(SweepArgs("ref"));
    INFO("stderr: " << r.err);
    REQUIRE(r.exit_code == 0);
    return SweepFiles{ReadFile(box.work() / "ref/sweep.csv"),
                      ReadFile(box.work() / "ref/sweep.json")};
  }();
  return files;
}

// A scenario that runs far longer than any test waits (about a minute of
// CPU), with few time-series rows.
std::vector<std::string> LongRunArgs(const std::string& command, const std::string& out) {
  std::vector<std::string> args = {
      command, kTiny, "--set", "/duration=200h", "--set", "/metrics/interval=10m", "--out", out};
  if (command == "compare") {
    args.insert(args.end(), {"--vary", "/cache/capacity=64KiB,128KiB", "--threads", "2"});
  }
  return args;
}

// A tmpfs of `size` mounted on `dir` for the life of the object; mounted()
// is false when the system refuses (not root, no permission).
class TmpfsMount {
 public:
  TmpfsMount(const fs::path& dir, const std::string& size) : dir_(dir) {
    fs::create_directories(dir_);
    const std::string options = "size=" + size;
    mounted_ = ::mount("tmpfs", dir_.c_str(), "tmpfs", 0, options.c_str()) == 0;
    if (!mounted_) error_ = std::strerror(errno);
  }
  ~TmpfsMount() {
    if (mounted_) ::umount2(dir_.c_str(), MNT_DETACH);
  }
  TmpfsMount(const TmpfsMount&) = delete;
  TmpfsMount& operator=(const TmpfsMount&) = delete;

  bool mounted() const { return mounted_; }
  const std::string& error() const { return error_; }

 private:
  fs::path dir_;
  bool mounted_ = false;
  std::string error_;
};

// The last line of `text` with its newline ("" when there is none): a long
// run prints a note about its expected CPU time first.
std::string LastLine(const std::string& text) {
  if (text.empty()) return "";
  const size_t start = text.rfind('\n', text.size() - 2);
  return start == std::string::npos ? text : text.substr(start + 1);
}

std::map<std::string, std::string> FolderBytes(const fs::path& dir) {
  std::map<std::string, std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) {
    out[e.path().filename().string()] = ReadFile(e.path());
  }
  return out;
}

}  // namespace

TEST_CASE("a sweep killed with SIGKILL at random moments resumes to an uninterrupted sweep's bytes",
          "[app][cli][faults]") {
  const SweepFiles& reference = ReferenceSweep();
  Sandbox box;
  const fs::path out = box.work() / "out";
  std::mt19937 rng(17);  // fixed: the same kill moments on every run of the test
  std::uniform_int_distribution<int> extra_ms(0, 150);
  constexpr int kKills = 4;
  for (int kill = 0; kill < kKills; ++kill) {
    INFO("kill " << kill);
    const size_t before = StoredPoints(out);
    Child sweep(box, SweepArgs("out"));
    // At least one point of this attempt finished, then a random moment more.
    WaitUntil([&] { return StoredPoints(out) > before || sweep.Finished(); }, "a point stored");
    std::this_thread::sleep_for(std::chrono::milliseconds(extra_ms(rng)));
    if (sweep.Finished()) break;  // a very slow point, then all the rest: nothing left to kill
    sweep.Signal(SIGKILL);
    REQUIRE(sweep.Wait() == 128 + SIGKILL);
    CHECK_FALSE(fs::exists(out));  // nothing published before the last point
    CHECK(StoredPoints(out) > before);
  }
  const CommandResult r = box.Run(SweepArgs("out"));
  INFO("stderr: " << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.err.find("reused ") != std::string::npos);
  CHECK(ReadFile(out / "sweep.csv") == reference.csv);
  CHECK(ReadFile(out / "sweep.json") == reference.json);
  // Only the outputs remain: the stored points and every temporary are gone.
  CHECK(box.WorkEntries() == std::vector<std::string>{"out", "out/sweep.csv", "out/sweep.json"});
}

TEST_CASE(
    "run and compare killed with SIGKILL publish nothing, and the next run leaves no temporary",
    "[app][cli][faults]") {
  std::mt19937 rng(23);
  std::uniform_int_distribution<int> delay_ms(50, 400);
  for (const std::string command : {"run", "compare"}) {
    SECTION(command) {
      Sandbox box;
      const fs::path out = box.work() / "results" / "out";
      fs::create_directories(out.parent_path());
      for (int kill = 0; kill < 3; ++kill) {
        INFO("kill " << kill);
        Child child(box, LongRunArgs(command, "results/out"));
        WaitUntil([&] { return child.CatchesSigint() || child.Finished(); }, "start-up");
        std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms(rng)));
        child.Signal(SIGKILL);
        REQUIRE(child.Wait() == 128 + SIGKILL);
        CHECK_FALSE(fs::exists(out));
      }
      // The next writer of the same folder.
      std::vector<std::string> args = {command, kTiny, "--out", "results/out"};
      if (command == "compare") args.insert(args.end(), {"--vary", "/cache/capacity=64KiB,128KiB"});
      const CommandResult r = box.Run(args);
      INFO("stderr: " << r.err);
      REQUIRE(r.exit_code == 0);
      CHECK(fs::is_directory(out));
      CHECK(Temporaries(box.work()).empty());
    }
  }
}

TEST_CASE("SIGINT ends run and compare at once with exit 130, one line, nothing written",
          "[app][cli][faults]") {
  for (const std::string command : {"run", "compare"}) {
    SECTION(command) {
      Sandbox box;
      Child child(box, LongRunArgs(command, "out"));
      WaitUntil([&] { return child.CatchesSigint() || child.Finished(); }, "start-up");
      std::this_thread::sleep_for(std::chrono::milliseconds(300));  // into the simulation
      REQUIRE_FALSE(child.Finished());
      const Clock::time_point signalled = Clock::now();
      child.Signal(SIGINT);
      const int code = child.Wait();
      const double seconds = std::chrono::duration<double>(Clock::now() - signalled).count();
      const std::string err = child.err();
      INFO("stderr: " << err);
      CHECK(code == 130);
      CHECK(seconds < kPromptSeconds);
      CHECK(LastLine(err) == "cachelab: interrupted; nothing written to out\n");
      CHECK(err.find("error") == std::string::npos);
      CHECK(box.WorkEntries().empty());
    }
  }
}

TEST_CASE(
    "SIGINT ends a sweep with exit 130, keeps its finished points, and the rerun completes it",
    "[app][cli][faults]") {
  const SweepFiles& reference = ReferenceSweep();
  Sandbox box;
  const fs::path out = box.work() / "out";
  Child sweep(box, SweepArgs("out"));
  WaitUntil([&] { return StoredPoints(out) > 0 || sweep.Finished(); }, "a point stored");
  REQUIRE_FALSE(sweep.Finished());
  const Clock::time_point signalled = Clock::now();
  sweep.Signal(SIGINT);
  const int code = sweep.Wait();
  const double seconds = std::chrono::duration<double>(Clock::now() - signalled).count();
  const std::string err = sweep.err();
  INFO("stderr: " << err);
  CHECK(code == 130);
  CHECK(seconds < kPromptSeconds);
  const size_t kept = StoredPoints(out);
  CHECK(kept >= 1);
  CHECK(err == "cachelab: interrupted; " + std::to_string(kept) + " of " + kSweepPoints +
                   " points kept in out.partial; run the same command again to resume\n");
  CHECK_FALSE(fs::exists(out));
  CHECK(Temporaries(box.work()).empty());

  const CommandResult r = box.Run(SweepArgs("out"));
  INFO("rerun stderr: " << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.err.find("reused " + std::to_string(kept) + " of " + kSweepPoints) != std::string::npos);
  CHECK(ReadFile(out / "sweep.csv") == reference.csv);
  CHECK(ReadFile(out / "sweep.json") == reference.json);
  CHECK(box.WorkEntries() == std::vector<std::string>{"out", "out/sweep.csv", "out/sweep.json"});
}

TEST_CASE("a run whose outputs do not fit on the disk exits 1 and leaves the previous results",
          "[app][cli][faults]") {
  Sandbox box;
  // Declared after the sandbox: unmounted before the sandbox is removed.
  const TmpfsMount disk(box.work() / "disk", "512k");
  if (!disk.mounted()) {
    // The project's skip convention (CMakeLists.txt: SKIP_RETURN_CODE 77).
    std::fprintf(stderr, "SKIP: cannot mount a 512 KiB tmpfs (%s); needs root\n",
                 disk.error().c_str());
    std::exit(77);
  }
  const CommandResult first = box.Run({"run", kTiny, "--quiet", "--out", "disk/res"});
  INFO("first stderr: " << first.err);
  REQUIRE(first.exit_code == 0);
  const std::map<std::string, std::string> before = FolderBytes(box.work() / "disk/res");
  REQUIRE(before.size() >= 3);

  // A time-series row per millisecond for a minute: megabytes of CSV.
  const CommandResult r = box.Run({"run", kTiny, "--quiet", "--set", "/metrics/interval=1ms",
                                   "--set", "/duration=60s", "--out", "disk/res"});
  INFO("stderr: " << r.err);
  CHECK(r.exit_code == 1);
  CHECK(r.out.empty());
  CHECK(test::Lines(r.err) == 1);
  CHECK(r.err.rfind("cachelab: error: cannot write disk/res/", 0) == 0);
  CHECK(r.err.find("No space left on device") != std::string::npos);
  CHECK(r.err.find("the previous disk/res is unchanged") != std::string::npos);
  CHECK(FolderBytes(box.work() / "disk/res") == before);
  CHECK(Temporaries(box.work()).empty());
}

}  // namespace cachelab
