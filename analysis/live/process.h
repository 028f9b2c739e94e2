// The child processes and scratch folders of the live world's private servers
// (a throw-away redis-server and PostgreSQL cluster).
//
// Contract:
//  - TempDir creates a fresh folder under $TMPDIR (else /tmp) and removes it,
//    with everything in it, when destroyed.
//  - ChildProcess::Start forks and execs `argv` (argv[0] a full path) with
//    stdout and stderr appended to `log`, in its own process group, as `user`
//    when given (the caller must be root for that). The child gets
//    PR_SET_PDEATHSIG(`death_signal`): when cachelab dies, even by SIGKILL,
//    the kernel signals the server, so no server outlives its owner.
//  - A ChildProcess that is still running when destroyed gets `death_signal`,
//    then SIGKILL after a grace period, and is reaped; no zombie is left.
//  - Failures to fork or exec throw std::runtime_error naming the program.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace cachelab::live {

class TempDir {
 public:
  explicit TempDir(const std::string& prefix);
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  // Hands the folder to `uid`/`gid` (a server that must not run as root).
  void GiveTo(uid_t uid, gid_t gid) const;

 private:
  std::string path_;
};

struct RunAs {
  std::string name;
  uid_t uid;
  gid_t gid;
};

// The user a server runs as: nullopt when cachelab is not root (servers run
// as the caller); as root, the `postgres` system user if it exists, else
// `nobody` (PostgreSQL refuses to run as root).
std::optional<RunAs> UnprivilegedUser();

// The full path of `name`: first in `dirs`, then on $PATH; nullopt when absent.
std::optional<std::string> FindProgram(const std::string& name,
                                       const std::vector<std::string>& dirs = {});

class ChildProcess {
 public:
  ChildProcess() = default;
  ChildProcess(ChildProcess&& o) noexcept;
  ChildProcess& operator=(ChildProcess&& o) noexcept;
  ~ChildProcess();

  static ChildProcess Start(const std::vector<std::string>& argv, const std::string& log,
                            const std::optional<RunAs>& user = std::nullopt,
                            int death_signal = 15 /* SIGTERM */);

  pid_t pid() const { return pid_; }
  // Still running (reaps it if it has exited; the exit status is then kept).
  bool Running();
  // The exit status as waitpid reports it, once it has ended.
  std::optional<int> status() const { return status_; }
  void Signal(int sig) const;
  // Sends `sig`, waits up to `grace` for the exit, then SIGKILL; reaps.
  void Stop(int sig, std::chrono::milliseconds grace = std::chrono::milliseconds(5000));

 private:
  pid_t pid_ = -1;
  int death_signal_ = 15;
  std::optional<int> status_;
};

// The last `lines` lines of a log file (for "the server did not start" errors).
std::string LogTail(const std::string& path, int lines = 5);

}  // namespace cachelab::live
