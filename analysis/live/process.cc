#include "analysis/live/process.h"

#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <thread>

namespace cachelab::live {

namespace fs = std::filesystem;

TempDir::TempDir(const std::string& prefix) {
  const char* base = std::getenv("TMPDIR");
  std::string pattern =
      std::string(base != nullptr && *base != '\0' ? base : "/tmp") + "/" + prefix + "XXXXXX";
  std::vector<char> buf(pattern.begin(), pattern.end());
  buf.push_back('\0');
  if (mkdtemp(buf.data()) == nullptr) {
    throw std::runtime_error("cannot create a temporary folder " + pattern + ": " +
                             std::strerror(errno));
  }
  path_ = buf.data();
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

void TempDir::GiveTo(uid_t uid, gid_t gid) const {
  if (chown(path_.c_str(), uid, gid) != 0) {
    throw std::runtime_error("cannot hand " + path_ + " to uid " + std::to_string(uid) + ": " +
                             std::strerror(errno));
  }
}

std::optional<RunAs> UnprivilegedUser() {
  if (geteuid() != 0) return std::nullopt;
  for (const char* name : {"postgres", "nobody"}) {
    if (const passwd* pw = getpwnam(name)) return RunAs{name, pw->pw_uid, pw->pw_gid};
  }
  throw std::runtime_error("running as root, but neither a 'postgres' nor a 'nobody' user exists");
}

std::optional<std::string> FindProgram(const std::string& name,
                                       const std::vector<std::string>& dirs) {
  std::vector<std::string> search = dirs;
  if (const char* path = std::getenv("PATH")) {
    std::string p = path;
    for (size_t start = 0; start <= p.size();) {
      const size_t end = std::min(p.find(':', start), p.size());
      if (end > start) search.push_back(p.substr(start, end - start));
      start = end + 1;
    }
  }
  for (const std::string& dir : search) {
    const std::string full = dir + "/" + name;
    if (access(full.c_str(), X_OK) == 0) return full;
  }
  return std::nullopt;
}

ChildProcess::ChildProcess(ChildProcess&& o) noexcept
    : pid_(o.pid_), death_signal_(o.death_signal_), status_(o.status_) {
  o.pid_ = -1;
}

ChildProcess& ChildProcess::operator=(ChildProcess&& o) noexcept {
  if (this != &o) {
    if (pid_ > 0) Stop(death_signal_);
    pid_ = o.pid_;
    death_signal_ = o.death_signal_;
    status_ = o.status_;
    o.pid_ = -1;
  }
  return *this;
}

ChildProcess::~ChildProcess() {
  if (pid_ > 0) Stop(death_signal_);
}

ChildProcess ChildProcess::Start(const std::vector<std::string>& argv, const std::string& log,
                                 const std::optional<RunAs>& user, int death_signal) {
  if (argv.empty()) throw std::logic_error("ChildProcess::Start without a program");
  // Everything the child needs is prepared before fork: after it, only
  // async-signal-safe calls.
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const int log_fd = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) {
    throw std::runtime_error("cannot open " + log + ": " + std::strerror(errno));
  }
  if (user && chown(log.c_str(), user->uid, user->gid) != 0) {
    close(log_fd);
    throw std::runtime_error("cannot hand " + log + " to " + user->name);
  }
  int report[2];  // the child writes errno here if exec fails; closed on exec
  if (pipe2(report, O_CLOEXEC) != 0) {
    close(log_fd);
    throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
  }
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) {
    const int e = errno;
    close(log_fd);
    close(report[0]);
    close(report[1]);
    throw std::runtime_error("cannot start " + argv[0] + ": fork: " + std::strerror(e));
  }
  if (pid == 0) {
    close(report[0]);
    setpgid(0, 0);  // a terminal's Ctrl-C reaches cachelab, which stops the server itself
    dup2(log_fd, STDOUT_FILENO);
    dup2(log_fd, STDERR_FILENO);
    const int devnull = open("/dev/null", O_RDONLY);
    if (devnull >= 0) dup2(devnull, STDIN_FILENO);
    int err = 0;
    if (user && (setgid(user->gid) != 0 || setuid(user->uid) != 0)) err = errno;
    // After setuid: a change of credentials clears the parent-death signal.
    prctl(PR_SET_PDEATHSIG, death_signal);
    if (getppid() != parent) _exit(127);  // the parent died before prctl
    if (err == 0) {
      execv(args[0], args.data());
      err = errno;
    }
    [[maybe_unused]] ssize_t n = write(report[1], &err, sizeof err);
    _exit(127);
  }
  close(log_fd);
  close(report[1]);
  int err = 0;
  ssize_t n;
  do {
    n = read(report[0], &err, sizeof err);
  } while (n < 0 && errno == EINTR);
  close(report[0]);
  ChildProcess child;
  child.pid_ = pid;
  child.death_signal_ = death_signal;
  if (n == static_cast<ssize_t>(sizeof err)) {
    int status = 0;
    waitpid(pid, &status, 0);
    child.pid_ = -1;
    throw std::runtime_error("cannot start " + argv[0] +
                             (user ? " as " + user->name : std::string()) + ": " +
                             std::strerror(err));
  }
  return child;
}

bool ChildProcess::Running() {
  if (pid_ <= 0) return false;
  int status = 0;
  const pid_t r = waitpid(pid_, &status, WNOHANG);
  if (r == 0) return true;
  if (r == pid_) status_ = status;
  pid_ = -1;
  return false;
}

void ChildProcess::Signal(int sig) const {
  if (pid_ > 0) kill(pid_, sig);
}

void ChildProcess::Stop(int sig, std::chrono::milliseconds grace) {
  if (pid_ <= 0) return;
  kill(pid_, sig);
  const auto deadline = std::chrono::steady_clock::now() + grace;
  while (Running()) {
    if (std::chrono::steady_clock::now() >= deadline) {
      kill(pid_, SIGKILL);
      int status = 0;
      waitpid(pid_, &status, 0);
      status_ = status;
      pid_ = -1;
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

std::string LogTail(const std::string& path, int lines) {
  std::ifstream in(path);
  std::deque<std::string> tail;
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    tail.push_back(line);
    if (static_cast<int>(tail.size()) > lines) tail.pop_front();
  }
  std::string out;
  for (const std::string& l : tail) out += (out.empty() ? "" : " | ") + l;
  return out;
}

}  // namespace cachelab::live
