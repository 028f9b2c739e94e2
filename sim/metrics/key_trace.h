// The life of one key, event by event, for `cachelab explain`: which request
// on which instance looked where, who loaded from the database, who waited,
// which version each got, and what the cache and the invalidation channel did
// to the key. Instrumentation sites ask Wants() first, so a run that does not
// explain pays one null-pointer test per site.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "sim/core/time.h"
#include "sim/model/config.h"

namespace cachelab {

struct TraceEvent {
  Time at;
  uint64_t request = 0;   // 0: not a request (background worker, cache server, channel)
  int32_t instance = -1;  // -1: not an application instance
  std::string actor;      // "app", "cache", "db", "l1", "channel", "worker", ...
  std::string text;       // what happened, in the model's words
};

class KeyTrace {
 public:
  // Records events of `key` (a workload key, before any namespacing) in [from, to].
  KeyTrace(Key key, Time from, Time to) : key_(key), from_(from), to_(to) {}
  // Passes every event to `sink` instead of keeping it (a search over a whole
  // run keeps no event list).
  KeyTrace(Key key, Time from, Time to, std::function<void(const TraceEvent&)> sink)
      : key_(key), from_(from), to_(to), sink_(std::move(sink)) {}

  bool Wants(Key k, Time now) const { return k == key_ && now >= from_ && now <= to_; }
  void Add(TraceEvent e) {
    if (sink_) {
      sink_(e);
    } else {
      events_.push_back(std::move(e));
    }
  }

  Key key() const { return key_; }
  const std::vector<TraceEvent>& events() const { return events_; }

 private:
  Key key_;
  Time from_, to_;
  std::vector<TraceEvent> events_;
  std::function<void(const TraceEvent&)> sink_;
};

}  // namespace cachelab
