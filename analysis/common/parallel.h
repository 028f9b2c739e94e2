// Running independent simulations on a few threads. One simulation runs on
// one thread (ARCHITECTURE.md, "The life of a request"); parallelism is across runs, and because
// each task writes only its own slot, results never depend on the thread
// count.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <exception>
#include <system_error>
#include <thread>
#include <vector>

namespace cachelab {

// Calls task(i) for every i in [0, n) on up to `threads` threads (the calling
// thread is one of them), each i exactly once, in no particular order. After
// a task throws no new task starts; once every thread has stopped, the
// exception of the lowest failing i is rethrown (so the error reported does
// not depend on the thread count either).
template <typename Task>
void ParallelFor(size_t n, unsigned threads, Task&& task) {
  if (n == 0) return;
  const unsigned workers = static_cast<unsigned>(std::min<size_t>(std::max(threads, 1u), n));
  std::vector<std::exception_ptr> errors(n);
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  auto work = [&] {
    for (size_t i; !failed.load() && (i = next.fetch_add(1)) < n;) {
      try {
        task(i);
      } catch (...) {
        errors[i] = std::current_exception();
        failed.store(true);
      }
    }
  };
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < workers; ++t) {
    try {
      pool.emplace_back(work);
    } catch (const std::system_error&) {
      break;  // no more threads (or none at all: the WebAssembly build); fewer do the work
    }
  }
  work();
  for (std::thread& t : pool) t.join();
  for (const std::exception_ptr& e : errors) {
    if (e) std::rethrow_exception(e);
  }
}

}  // namespace cachelab
