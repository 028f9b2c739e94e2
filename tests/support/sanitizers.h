// Whether the tests run under AddressSanitizer, which slows runs ~10x and
// changes what a test may wait for. GCC defines __SANITIZE_ADDRESS__; clang 16
// (the sanitizer preset's compiler) does not, and answers __has_feature instead.
#pragma once

#if defined(__SANITIZE_ADDRESS__)
#define CACHELAB_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CACHELAB_TEST_ASAN 1
#endif
#endif
#ifndef CACHELAB_TEST_ASAN
#define CACHELAB_TEST_ASAN 0
#endif

namespace cachelab::test {
inline constexpr bool kAddressSanitizer = CACHELAB_TEST_ASAN != 0;
}  // namespace cachelab::test
