// `--max-memory`: a limit on the whole process's resident memory, so that a
// scenario whose memory grows without bound (an unbounded database queue under
// overload, millions of keys) ends cleanly with exit 1 and a message instead
// of being killed by the kernel, or slowing the machine to a crawl first.
//
// Contract:
//  - Arm(limit) starts one watcher thread that reads the resident set size
//    (/proc/self/statm) every 20 ms; once it exceeds `limit` bytes the guard
//    trips and stays tripped. Arm(0) or never arming: no limit, no thread.
//    Arming again replaces the limit and clears a trip.
//  - Flag() is what simulations watch (StopRule::abort): a tripped guard ends
//    every running world's arrivals at once; requests in flight finish, so
//    memory stops growing. RunScenario then throws MemoryLimitError.
//  - The command fails with exit 1 (a resource failure, not bad input) and
//    writes nothing: the error is thrown before any output is published.
//  - Where /proc/self/statm cannot be read, Arm throws InputError naming it.
#pragma once

#include <atomic>
#include <cstdint>
#include <stdexcept>
#include <string>

namespace cachelab {

class MemoryLimitError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

namespace memory_guard {

void Arm(uint64_t limit_bytes);
const std::atomic<bool>* Flag();
// Throws MemoryLimitError when tripped; `where` says what was stopped.
void ThrowIfTripped(const std::string& where);

}  // namespace memory_guard
}  // namespace cachelab
