// Whether this test binary is built with AddressSanitizer (the sanitizer tree of
// scripts/test.sh). A few tests run in the normal tree only: they kill and restart
// programs dozens of times or measure elapsed time, so under the sanitizers they took
// minutes of the CI run, or measured the sanitizers, while adding little the in-process
// tests do not already check there. They call GTEST_SKIP() with kSanitizerSkip.
#pragma once

namespace rflow::testing_support {

#if defined(__SANITIZE_ADDRESS__)
inline constexpr bool kUnderSanitizers = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
inline constexpr bool kUnderSanitizers = true;
#else
inline constexpr bool kUnderSanitizers = false;
#endif
#else
inline constexpr bool kUnderSanitizers = false;
#endif

inline constexpr const char* kSanitizerSkip =
    "runs in the normal build only (tests/common/sanitizers.h)";

}  // namespace rflow::testing_support
