// An eviction policy's trace replayer by its registry name, with its default
// parameters, for the eviction tests (fails the test for an unknown name or a
// policy without a replayer).
#pragma once

#include <catch2/catch.hpp>
#include <cstdint>
#include <memory>
#include <string>

#include "policies/eviction/replayer.h"
#include "policies/registry.h"

namespace cachelab::test {

inline std::unique_ptr<Replayer> MakeReplayer(const std::string& name, uint64_t capacity,
                                              bool ignore_size) {
  const PolicyInfo* info = FindPolicy(Role::kEviction, name);
  REQUIRE(info != nullptr);
  REQUIRE(info->make_replayer);
  return info->make_replayer(Params::WithDefaults(info->params),
                             ReplayConfig{capacity, ignore_size});
}

}  // namespace cachelab::test
