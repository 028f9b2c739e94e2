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
  // Whose copy this is among the keys that share one cache key (KeySpelling:
  // a key without its class's namespace or without a query parameter): the
  // key class and the part of the key the spelling leaves out. A read of
  // another key's copy is a wrong read. In what was padding.
  uint8_t owner_part = 0;
  uint16_t owner_class = 0;
  // How long the load that produced this copy took (XFetch's delta); 0 when
  // unknown. Travels with the value into the cache, as the paper stores it.
  uint32_t compute_us = 0;
  // A Store's mark on its own copy (in what was padding): the entry has
  // served a hit, or is not data (a lock). Meaningless outside a Store.
  bool used = false;
};
static_assert(sizeof(Value) == 24);

}  // namespace cachelab
