// What built this binary: the compiler, from its own macros, and which benchmark binary
// it is (for the JSON context and the catalogue).
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

// A binary made by sumbench_add_benchmark (sumbench itself is one): its name, whether the
// built-in kernels came along, and how its own sources were compiled. Its generated main
// passes them to run_benchmark (driver/main.cpp), which sets them before anything else.
struct BinaryInfo {
  std::string name = "sumbench";
  bool builtin_kernels = true;
  std::string cxx_flags = "unknown";
  std::string build_type = "unknown";
};
const BinaryInfo& this_binary();
void set_this_binary(BinaryInfo info);
// The driver, for the generated main of a binary (cmake/benchmark_main.cpp.in declares it
// the same way): sets the binary's facts, then runs sumbench with its arguments.
int run_benchmark(int argc, char** argv, const char* binary, bool builtin_kernels, const char* cxx_flags,
                  const char* build_type);

// "g++ 12.2.0", "clang 14.0.6", "icpx 2024.0.0"...: checked in that order of specificity,
// since clang and icpx also define __GNUC__.
inline std::string compiler_id() {
#define SUMBENCH_STR2(x) #x
#define SUMBENCH_STR(x) SUMBENCH_STR2(x)
#if defined(__INTEL_LLVM_COMPILER)
  return "icpx " SUMBENCH_STR(__INTEL_LLVM_COMPILER);
#elif defined(__clang__)
  return "clang " SUMBENCH_STR(__clang_major__) "." SUMBENCH_STR(__clang_minor__) "." SUMBENCH_STR(
      __clang_patchlevel__);
#elif defined(__GNUC__)
  return "g++ " SUMBENCH_STR(__GNUC__) "." SUMBENCH_STR(__GNUC_MINOR__) "." SUMBENCH_STR(__GNUC_PATCHLEVEL__);
#else
  return "unknown";
#endif
#undef SUMBENCH_STR
#undef SUMBENCH_STR2
}

}  // namespace sumbench
