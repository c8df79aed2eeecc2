// What built this binary, from the compiler's own macros (for the JSON context).
#pragma once

#include <string>

// Set by CMake for the binary (CMakeLists.txt, SUMBENCH_BUILD_DEFINITIONS); these stand in elsewhere.
#ifndef SUMBENCH_VERSION
#define SUMBENCH_VERSION "unknown"
#endif
#ifndef SUMBENCH_GIT_COMMIT
#define SUMBENCH_GIT_COMMIT "unknown"
#endif
#ifndef SUMBENCH_CXX_FLAGS
#define SUMBENCH_CXX_FLAGS "unknown"
#endif
#ifndef SUMBENCH_BUILD_TYPE
#define SUMBENCH_BUILD_TYPE "unknown"
#endif
#ifndef SUMBENCH_NATIVE
#define SUMBENCH_NATIVE 0
#endif
#ifndef SUMBENCH_ARCH_FLAGS
#define SUMBENCH_ARCH_FLAGS ""
#endif

namespace sumbench {

// "g++ 12.2.0", "clang 14.0.6", "icpx 2024.0.0"...: checked in that order of specificity,
// since clang and icpx also define __GNUC__.
inline std::string compiler_id() {
#define SUMBENCH_STR2(x) #x
#define SUMBENCH_STR(x) SUMBENCH_STR2(x)
#if defined(__INTEL_LLVM_COMPILER)
  return "icpx " SUMBENCH_STR(__INTEL_LLVM_COMPILER);
#elif defined(__clang__)
  return "clang " SUMBENCH_STR(__clang_major__) "." SUMBENCH_STR(__clang_minor__) "." SUMBENCH_STR(__clang_patchlevel__);
#elif defined(__GNUC__)
  return "g++ " SUMBENCH_STR(__GNUC__) "." SUMBENCH_STR(__GNUC_MINOR__) "." SUMBENCH_STR(__GNUC_PATCHLEVEL__);
#else
  return "unknown";
#endif
#undef SUMBENCH_STR
#undef SUMBENCH_STR2
}

}  // namespace sumbench
