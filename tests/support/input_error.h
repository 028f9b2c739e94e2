// The message of the InputError a piece of code throws, for tests that check
// what bad input is told.
#pragma once

#include <catch2/catch.hpp>
#include <functional>
#include <string>

#include "analysis/common/errors.h"

namespace cachelab::test {

// The message of the InputError `f` throws; fails the test if it throws none.
inline std::string ErrorOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.what();
  }
  FAIL("expected an InputError");
  return "";
}

}  // namespace cachelab::test
