// The policy roles the world calls for each request. A read path answers a
// read; a write path performs a write. Implementations are policy modules in
// policies/<role>/, built by the registry; they talk to the world only through
// the Env they are given.
#pragma once

#include <cstdint>

#include "sim/core/task.h"
#include "sim/model/config.h"
#include "sim/model/value.h"

namespace cachelab {

class CacheServer;
class Database;
class KeyedWait;

// Everything a policy may use while serving one request.
struct Env {
  Simulator& sim;
  CacheServer& cache;
  Database& db;
  KeyedWait& waits;       // per-key wait/notify, shared by all instances
  uint32_t instance = 0;  // which application instance serves the request
};

// How a read request used the shared cache; hits + misses + errors == reads.
enum class CacheOutcome : uint8_t {
  kHit,    // answered from the cache
  kMiss,   // the cache had no usable entry; the value came from the database
  kError,  // the cache failed (down, timeout); see ReadOutcome::failed
};

struct ReadOutcome {
  Value value;
  CacheOutcome cache = CacheOutcome::kMiss;
  bool failed = false;  // the caller got an error instead of a value
};

class ReadPath {
 public:
  virtual ~ReadPath() = default;
  virtual Task<ReadOutcome> Read(Env& env, Key key) = 0;
};

class WritePath {
 public:
  virtual ~WritePath() = default;
  // Writes a new version of `key` with a value of `size` bytes; false when the
  // write failed (the caller got an error).
  virtual Task<bool> Write(Env& env, Key key, uint32_t size) = 0;
};

}  // namespace cachelab
