// The fuzz targets without libFuzzer: `cachelab_fuzz_replay TARGET PATH...`
// feeds the target every file named, folders recursively (in sorted order),
// and fails (by the target's abort) on the first input that crashes. An empty or absent
// folder is fine: a crash folder holds only the crashes found and fixed.
// This is the ctest fuzz.replay.<target>: the committed corpus and crashes
// replayed with the project's compiler in every build, sanitizers included.
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

// Every target's LLVMFuzzerTestOneInput, renamed FuzzTarget_<name> by CMake.
#define CACHELAB_FUZZ_TARGET(name) extern "C" int FuzzTarget_##name(const uint8_t*, size_t);
#include "fuzz_targets.inc"
#undef CACHELAB_FUZZ_TARGET

namespace {

// The input being replayed, for the crash handler (set before each input).
char g_current[4096];

// Names the input that crashed, then dies of the same signal.
void OnCrash(int sig) {
  constexpr char kPrefix[] = "fuzz replay: crashed on input ";
  (void)!::write(2, kPrefix, sizeof kPrefix - 1);
  (void)!::write(2, g_current, std::strlen(g_current));
  (void)!::write(2, "\n", 1);
  std::signal(sig, SIG_DFL);
  std::raise(sig);
}

}  // namespace

int main(int argc, char** argv) {
  for (int sig : {SIGABRT, SIGSEGV, SIGBUS, SIGFPE, SIGILL}) std::signal(sig, OnCrash);
  namespace fs = std::filesystem;
  using Target = int (*)(const uint8_t*, size_t);
  struct Named {
    const char* name;
    Target target;
  };
  static const Named kTargets[] = {
#define CACHELAB_FUZZ_TARGET(name) {#name, &FuzzTarget_##name},
#include "fuzz_targets.inc"
#undef CACHELAB_FUZZ_TARGET
  };
  Target target = nullptr;
  std::string names;
  for (const Named& t : kTargets) {
    if (argc > 1 && std::strcmp(argv[1], t.name) == 0) target = t.target;
    if (!names.empty()) names += ", ";
    names += t.name;
  }
  if (target == nullptr) {
    std::fprintf(stderr, "usage: %s TARGET PATH...; targets: %s\n", argv[0], names.c_str());
    return 2;
  }
  std::vector<fs::path> files;
  for (int i = 2; i < argc; ++i) {
    const fs::path arg(argv[i]);
    if (fs::is_directory(arg)) {
      for (const auto& entry : fs::recursive_directory_iterator(arg)) {
        if (entry.is_regular_file() && entry.path().filename().string()[0] != '.') {
          files.push_back(entry.path());
        }
      }
    } else if (fs::exists(arg)) {
      files.push_back(arg);
    }
  }
  std::sort(files.begin(), files.end());
  if (files.empty()) {
    std::fprintf(stderr, "no inputs found in the given paths\n");
    return 1;
  }
  for (const fs::path& f : files) {
    std::ifstream in(f, std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (!in.eof() && in.fail()) {
      std::fprintf(stderr, "%s: cannot read\n", f.c_str());
      return 1;
    }
    std::snprintf(g_current, sizeof g_current, "%s", f.c_str());
    target(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  }
  std::printf("%zu inputs replayed, none crashed\n", files.size());
  return 0;
}
