// Shared parts of the fuzz targets (tests/fuzz/*_fuzz.cc).
//
// Each target defines LLVMFuzzerTestOneInput. It is built twice:
//  - with clang and -fsanitize=fuzzer,address,undefined (CMake option
//    CACHELAB_FUZZ, preset "fuzz"): a libFuzzer binary, `make fuzz` runs it;
//  - with the project's compiler and replay_main.cc: a program that feeds it
//    every file of the committed corpus and crash folders, the ctest
//    fuzz.replay.<target> (in the release and sanitizer builds alike).
//
// The property every target checks is the CLI's contract: bad input is an
// InputError (exit 2, one line). Any other exception is an internal error the
// input must never reach, so it aborts, and libFuzzer keeps the input as a
// crash. Sanitizer findings, hangs and out-of-memory are crashes too.
#pragma once

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>

#include "analysis/common/errors.h"

namespace cachelab::fuzz {

// Runs `body`; InputError is the expected answer to bad input, anything else
// aborts with its message (the finding).
template <class Body>
int Expect(Body&& body) {
  try {
    body();
  } catch (const InputError& e) {
    // CACHELAB_FUZZ_VERBOSE=1: which seeds the input checks turn away, and why.
    static const bool verbose = std::getenv("CACHELAB_FUZZ_VERBOSE") != nullptr;
    if (verbose) std::fprintf(stderr, "input error: %s\n", e.what());
    // A message is one line: that is part of the contract too.
    if (std::string_view(e.what()).find('\n') != std::string_view::npos) {
      std::fprintf(stderr, "multi-line error message: %s\n", e.what());
      std::abort();
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "internal error (not an InputError): %s\n", e.what());
    std::abort();
  }
  return 0;
}

// Takes bytes off the front of the input to choose a target's options; the
// rest is the data. Past the end every answer is 0.
class Bytes {
 public:
  Bytes(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  uint8_t Take() {
    if (size_ == 0) return 0;
    --size_;
    return *data_++;
  }
  std::string_view Rest() const { return {reinterpret_cast<const char*>(data_), size_}; }

 private:
  const uint8_t* data_;
  size_t size_;
};

// A private scratch folder for the process (readers take paths): under
// $TMPDIR (else /tmp), removed at exit.
inline const std::filesystem::path& ScratchDir() {
  static const std::filesystem::path dir = [] {
    const char* tmp = std::getenv("TMPDIR");
    std::filesystem::path d = std::filesystem::path(tmp && *tmp ? tmp : "/tmp") /
                              ("cachelab-fuzz-" + std::to_string(::getpid()));
    std::filesystem::create_directories(d);
    static struct Remover {
      std::filesystem::path p;
      ~Remover() {
        std::error_code ec;
        std::filesystem::remove_all(p, ec);
      }
    } remover{d};
    return d;
  }();
  return dir;
}

// Writes `bytes` to ScratchDir()/name (replacing it) and returns the path.
inline std::string WriteScratch(const std::string& name, std::string_view bytes) {
  const std::string path = (ScratchDir() / name).string();
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr || std::fwrite(bytes.data(), 1, bytes.size(), f) != bytes.size() ||
      std::fclose(f) != 0) {
    std::perror(path.c_str());
    std::abort();  // the harness's own failure, not the input's
  }
  return path;
}

}  // namespace cachelab::fuzz
