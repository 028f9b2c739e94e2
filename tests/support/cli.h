// Running the built `cachelab` binary from tests: a fresh temporary folder per
// test, stdout/stderr captured beside the work folder so that it holds only
// what the command wrote. Shared by every CLI test.
#pragma once

#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <sstream>
#include <string>
#include <vector>

namespace cachelab::test {

inline std::string ReadFile(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Newline-terminated lines in `text`.
inline size_t Lines(const std::string& text) {
  return static_cast<size_t>(std::count(text.begin(), text.end(), '\n'));
}

inline std::string ShellQuote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

struct CommandResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

class Sandbox {
 public:
  Sandbox() {
    std::string pattern = (std::filesystem::temp_directory_path() / "cachelab-cli-XXXXXX").string();
    REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    root_ = pattern;
    std::filesystem::create_directory(work());
  }
  ~Sandbox() {
    std::error_code ec;
    std::filesystem::remove_all(root_, ec);
  }
  Sandbox(const Sandbox&) = delete;
  Sandbox& operator=(const Sandbox&) = delete;

  std::filesystem::path work() const { return root_ / "work"; }

  CommandResult Run(std::initializer_list<std::string> args) const {
    return Run(std::vector<std::string>(args));
  }
  CommandResult Run(const std::vector<std::string>& args) const {
    std::string cmd = "cd ";
    cmd.append(ShellQuote(work().string())).append(" && ").append(ShellQuote(CACHELAB_BINARY));
    for (const std::string& a : args) cmd.append(" ").append(ShellQuote(a));
    cmd.append(" >").append(ShellQuote((root_ / "stdout").string()));
    cmd.append(" 2>").append(ShellQuote((root_ / "stderr").string()));
    const int status = std::system(cmd.c_str());
    CommandResult r;
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.out = ReadFile(root_ / "stdout");
    r.err = ReadFile(root_ / "stderr");
    return r;
  }

  std::vector<std::string> WorkEntries() const {
    std::vector<std::string> out;
    for (const auto& e : std::filesystem::recursive_directory_iterator(work())) {
      out.push_back(std::filesystem::relative(e.path(), work()).string());
    }
    std::sort(out.begin(), out.end());
    return out;
  }

 private:
  std::filesystem::path root_;
};

// A bad-input failure: exit 2, one line on stderr naming each of `mentions`,
// nothing on stdout, nothing written.
inline void ExpectInputError(const Sandbox& box, const CommandResult& r,
                             std::initializer_list<std::string> mentions) {
  INFO("stderr: " << r.err);
  CHECK(r.exit_code == 2);
  CHECK(r.out.empty());
  CHECK(r.err.rfind("cachelab: error: ", 0) == 0);
  CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
  CHECK((!r.err.empty() && r.err.back() == '\n'));
  for (const std::string& m : mentions) CHECK(r.err.find(m) != std::string::npos);
  CHECK(box.WorkEntries().empty());
}

}  // namespace cachelab::test
