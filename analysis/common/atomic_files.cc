#include "analysis/common/atomic_files.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <stdio.h>  // renameat2, RENAME_EXCHANGE (glibc, _GNU_SOURCE)
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <string_view>
#include <system_error>

namespace cachelab {
namespace {

namespace fs = std::filesystem;

[[noreturn]] void ThrowErrno(const std::string& what, const fs::path& p) {
  throw std::runtime_error(fmt::format("{} {}: {}", what, p.string(), std::strerror(errno)));
}

// Writes `text` to a new file and forces it to disk before returning, so the
// rename that publishes the folder never exposes a partly written file.
// Errors name `shown` (what the user asked for, not the temporary name).
void WriteFileDurably(const fs::path& path, std::string_view text, const fs::path& shown) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) ThrowErrno("cannot create", shown);
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      int saved = errno;
      ::close(fd);
      errno = saved;
      ThrowErrno("cannot write", shown);
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) {
    int saved = errno;
    ::close(fd);
    errno = saved;
    ThrowErrno("cannot flush", shown);
  }
  if (::close(fd) != 0) ThrowErrno("cannot close", shown);
}

// Moves `tmp` to `dir`. An existing `dir` (a previous run) is swapped out
// atomically with renameat2(RENAME_EXCHANGE) where the file system supports
// it, so readers always see either the old or the new complete folder; the old
// folder (now at `tmp`) is then deleted.
void PublishFolder(const fs::path& tmp, const fs::path& dir) {
  std::error_code ec;
  fs::file_status st = fs::symlink_status(dir, ec);
  if (!fs::exists(st)) {
    if (::rename(tmp.c_str(), dir.c_str()) != 0) ThrowErrno("cannot rename to", dir);
    return;
  }
  if (!fs::is_directory(st)) {
    throw std::runtime_error(
        fmt::format("cannot write {}: exists and is not a folder", dir.string()));
  }
#if defined(RENAME_EXCHANGE)
  if (::renameat2(AT_FDCWD, tmp.c_str(), AT_FDCWD, dir.c_str(), RENAME_EXCHANGE) == 0) {
    fs::remove_all(tmp, ec);  // the previous run; failing to delete it loses nothing
    return;
  }
  if (errno != EINVAL && errno != ENOSYS && errno != ENOTSUP) ThrowErrno("cannot replace", dir);
#endif  // (the WebAssembly build's in-memory file system has no exchange)
  // No atomic exchange here: move the old folder aside, then the new one in.
  fs::path old = dir;
  old += fmt::format(".old-{}", ::getpid());
  fs::remove_all(old, ec);
  if (::rename(dir.c_str(), old.c_str()) != 0) ThrowErrno("cannot move aside", dir);
  if (::rename(tmp.c_str(), dir.c_str()) != 0) {
    int saved = errno;
    ::rename(old.c_str(), dir.c_str());  // put the previous run back
    errno = saved;
    ThrowErrno("cannot rename to", dir);
  }
  fs::remove_all(old, ec);
}

// A process killed while writing (SIGKILL, power loss) leaves its
// "<name>.tmp-<pid>" or "<name>.old-<pid>" behind; the next writer of the same
// name removes those whose process is gone, so they never accumulate.
void RemoveStaleSiblings(const fs::path& target) {
  std::error_code ec;
  const fs::path parent = target.has_parent_path() ? target.parent_path() : fs::path(".");
  const std::string name = target.filename().string();
  fs::directory_iterator it(parent, ec);
  if (ec) return;  // a missing or unreadable parent: nothing of ours there
  for (const fs::directory_entry& e : it) {
    const std::string other = e.path().filename().string();
    if (other.size() <= name.size() + 5 || other.compare(0, name.size(), name) != 0) continue;
    const std::string_view rest = std::string_view(other).substr(name.size());
    if (rest.substr(0, 5) != ".tmp-" && rest.substr(0, 5) != ".old-") continue;
    const std::string_view digits = rest.substr(5);
    if (digits.empty() || digits.size() > 9 ||
        digits.find_first_not_of("0123456789") != std::string_view::npos) {
      continue;
    }
    const pid_t pid = static_cast<pid_t>(std::stol(std::string(digits)));
    if (pid == ::getpid() || (::kill(pid, 0) != 0 && errno == ESRCH)) {
      fs::remove_all(e.path(), ec);  // best effort: a leftover that stays costs only space
    }
  }
}

}  // namespace

void WriteFolderAtomically(const std::string& dir,
                           const std::vector<std::pair<std::string, std::string>>& files) {
  // "out/" names the folder "out", not a child of it.
  fs::path target = fs::path(dir).lexically_normal();
  if (!target.has_filename()) target = target.parent_path();
  if (target.empty() || target.filename() == "." || target.filename() == "..") {
    throw std::runtime_error(fmt::format("cannot write outputs to '{}': not a folder name", dir));
  }
  fs::path tmp = target;
  tmp += fmt::format(".tmp-{}", ::getpid());

  std::error_code ec;
  try {
    if (target.has_parent_path()) fs::create_directories(target.parent_path());
    RemoveStaleSiblings(target);
    fs::create_directory(tmp);
    try {
      for (const auto& [name, text] : files) WriteFileDurably(tmp / name, text, target / name);
    } catch (const std::runtime_error& e) {
      // Say what became of the outputs: a disk that filled up mid-write leaves
      // the previous folder as it was.
      const bool had = fs::exists(fs::symlink_status(target, ec));
      throw std::runtime_error(
          fmt::format("{}; {}", e.what(),
                      had ? fmt::format("the previous {} is unchanged", target.string())
                          : std::string("nothing written")));
    }
    PublishFolder(tmp, target);
  } catch (const fs::filesystem_error& e) {
    fs::remove_all(tmp, ec);
    throw std::runtime_error(
        fmt::format("cannot write {}: {}", target.string(), e.code().message()));
  } catch (...) {
    fs::remove_all(tmp, ec);
    throw;
  }
}

void StoreFileAtomically(const std::string& path, const std::string& text) {
  const fs::path target(path);
  fs::path tmp = target;
  tmp += fmt::format(".tmp-{}", ::getpid());
  std::error_code ec;
  try {
    RemoveStaleSiblings(target);
    WriteFileDurably(tmp, text, target);
  } catch (...) {
    fs::remove(tmp, ec);
    throw;
  }
  if (::rename(tmp.c_str(), target.c_str()) != 0) {
    const int saved = errno;
    fs::remove(tmp, ec);
    errno = saved;
    ThrowErrno("cannot rename to", target);
  }
}

}  // namespace cachelab
