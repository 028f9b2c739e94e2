// Coroutine frames come from here, not from general-purpose new: size classes
// of 16 bytes up to 4 KiB, each a free list refilled in 64 KiB slabs. Frames of
// one simulation are allocated and freed on the thread that runs it (one
// simulation per thread), so the pool is thread-local and
// needs no locks. Slabs are kept until the thread exits and reused by the next
// simulation on that thread. Larger frames fall back to operator new.
//
// Under AddressSanitizer the pool is bypassed so use-after-free of a frame is
// still caught.
#pragma once

#include <cstddef>

namespace cachelab::frame_pool {

void* Allocate(std::size_t bytes);
void Free(void* p, std::size_t bytes) noexcept;

// Frames currently handed out on this thread (for leak tests).
std::size_t LiveFrames();

}  // namespace cachelab::frame_pool
