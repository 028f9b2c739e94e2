// The cache's active-expiry schedule: (expiry time, sequence, key) records
// taken in (expires, seq) order, as one min-heap would give them, for less.
//
// Most records arrive in expiry order (one TTL for every entry: each new
// record expires no earlier than the last), so a record that does not expire
// before the newest one in the sorted run is appended to that run, a FIFO read
// in order; only the others (a shorter TTL, jitter) go to a heap. The front is
// the smaller of the two fronts. Popping a heap of hundreds of thousands of
// records reads ~19 random cache lines; the run reads sequentially.
//
// Contract: Push takes records whose seq increases from one Push to the next;
// Top/Pop need !empty(); the order of Top is exactly that of a min-heap over
// every record pushed and not yet popped, ordered by (expires, seq).
#pragma once

#include <cstdint>
#include <functional>
#include <queue>
#include <vector>

#include "sim/model/config.h"

namespace cachelab {

struct ExpiryRecord {
  int64_t expires;  // nanoseconds
  uint64_t seq;     // FIFO among equal expiry times, for determinism
  Key key;
  bool operator>(const ExpiryRecord& o) const {
    return expires > o.expires || (expires == o.expires && seq > o.seq);
  }
};

class ExpiryQueue {
 public:
  void Push(const ExpiryRecord& r) {
    if (run_head_ == run_.size() || r.expires >= run_.back().expires) {
      run_.push_back(r);
    } else {
      heap_.push(r);
    }
  }
  bool empty() const { return run_head_ == run_.size() && heap_.empty(); }
  size_t size() const { return run_.size() - run_head_ + heap_.size(); }
  const ExpiryRecord& Top() const { return FromRun() ? run_[run_head_] : heap_.top(); }
  void Pop() {
    if (!FromRun()) {
      heap_.pop();
      return;
    }
    // The run's consumed front is dropped once it is half the vector, so
    // the run's memory is amortised O(1) per record and bounded by twice
    // the records pending.
    if (++run_head_ == run_.size()) {
      run_.clear();
      run_head_ = 0;
    } else if (run_head_ >= 4096 && run_head_ * 2 >= run_.size()) {
      run_.erase(run_.begin(), run_.begin() + static_cast<std::ptrdiff_t>(run_head_));
      run_head_ = 0;
    }
  }
  void Clear() {
    run_.clear();
    run_head_ = 0;
    heap_ = {};
  }

 private:
  bool FromRun() const {
    if (run_head_ == run_.size()) return false;
    return heap_.empty() || heap_.top() > run_[run_head_];
  }

  std::vector<ExpiryRecord> run_;  // sorted by (expires, seq) from run_head_ on
  size_t run_head_ = 0;
  std::priority_queue<ExpiryRecord, std::vector<ExpiryRecord>, std::greater<ExpiryRecord>> heap_;
};

}  // namespace cachelab
