// What the warming modules share: a Warmer that loads a fixed list of keys
// from the database and sets them in the shared cache at a steady rate, at
// start and again after every flush or restart of the cache server. The
// modules (top_n.cc, list.cc) only decide which keys and declare the
// parameters.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "policies/params.h"
#include "policies/stack.h"

namespace cachelab {

struct PreloadOptions {
  std::vector<Key> keys;  // in load order (hottest first)
  double rate = 1000;     // keys started per simulated second, > 0
  bool at_start = true;
  bool after_flush = true;
};

// The `rate`, `at_start` and `after_flush` parameters, shared by every warmer.
std::vector<ParamSpec> PreloadParams();
// Fills rate, at_start and after_flush of `out` from `p`.
void PreloadOptionsFromParams(const Params& p, PreloadOptions* out);

std::unique_ptr<Warmer> MakePreloader(PreloadOptions options);

}  // namespace cachelab
