// Bad input from the user (scenario, override, trace, command line). The CLI
// prints what() on one line and exits with code 2; nothing is written.
#pragma once

#include <stdexcept>
#include <string>

namespace cachelab {

class InputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace cachelab
