// Cancellation of a whole command: the one process-wide flag that SIGINT and
// SIGTERM set (app/main.cc installs the handler for every command but the
// live ones, which have their own), and the exception the work throws once
// it sees the flag.
//
// Contract:
//  - Request() is async-signal-safe (a store to a lock-free atomic) and may be
//    called from any thread or signal handler. Once requested, cancellation
//    stays requested for the rest of the process (tests may Reset()).
//  - Requested() is one relaxed load: cheap enough for a loop to poll it every
//    few thousand steps, too slow (a shared cache line) to poll every step.
//  - Whoever sees the flag throws Interrupted (ThrowIfRequested), which
//    unwinds like any error: atomic writers (analysis/common/atomic_files.h)
//    remove their temporary files, nothing half-done is published, and
//    app/main.cc prints one line and exits 130 (128 + SIGINT).
//  - Who polls: Simulator::Run (every kCancelCheckEvents events; a World then
//    ends its arrivals and drains, so no coroutine is left suspended),
//    RunScenario before and after each run, the trace input per buffer, and
//    the experiments between their runs. A result computed while the flag was
//    set is never returned: the check after the work throws.
#pragma once

#include <atomic>

namespace cachelab {

// The work stopped because cancellation was requested; not an error of the
// input nor of the environment. Deliberately not a std::exception, so that a
// `catch (const std::exception&)` meant for errors never swallows it.
struct Interrupted {};

namespace cancel {

namespace detail {
inline std::atomic<bool> requested{false};
static_assert(std::atomic<bool>::is_always_lock_free, "a signal handler stores to it");
}  // namespace detail

inline void Request() noexcept {
  detail::requested.store(true, std::memory_order_relaxed);
}
inline bool Requested() noexcept {
  return detail::requested.load(std::memory_order_relaxed);
}
inline void ThrowIfRequested() {
  if (Requested()) throw Interrupted();
}
// For tests in one process: forget a request.
inline void Reset() noexcept {
  detail::requested.store(false, std::memory_order_relaxed);
}

}  // namespace cancel
}  // namespace cachelab
