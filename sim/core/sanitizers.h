// Whether this build runs under AddressSanitizer: CACHELAB_ASAN is 1 or 0, for
// the frame pool (bypassed there, so ASan still sees frames freed) and for tests
// (runs ~10x slower, what a test may wait for). GCC defines __SANITIZE_ADDRESS__;
// clang 16, the sanitizer preset's compiler, does not, and answers __has_feature.
#pragma once

#if defined(__SANITIZE_ADDRESS__)
#define CACHELAB_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CACHELAB_ASAN 1
#endif
#endif
#ifndef CACHELAB_ASAN
#define CACHELAB_ASAN 0
#endif

namespace cachelab {
inline constexpr bool kAddressSanitizer = CACHELAB_ASAN != 0;
}  // namespace cachelab
