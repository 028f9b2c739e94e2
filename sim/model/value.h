// What a cache or the database hands back for a key: which version of the
// row, how big it is, and whether the row exists at all (a cached "not found"
// is a Value with exists == false).
#pragma once

#include <cstdint>

namespace cachelab {

struct Value {
  uint64_t version = 0;  // 0: no row has ever been written
  uint32_t size = 0;     // bytes of the serialized value
  bool exists = false;
};

}  // namespace cachelab
