// Google Benchmark's variables (BENCHMARK_REPETITIONS, ..., V), read by sumbench alone.
//
// Google Benchmark 1.7.1 reads its variables while libbenchmark.so is loaded, before main,
// and answers a value it cannot parse with a line of its own ("Environment variable
// BENCHMARK_REPETITIONS is expected to be a 32-bit integer, but actually has value "abc"."),
// then takes its default; sumbench's own line followed: two lines for one mistake.
// sumbench resolves every flag itself and hands Google Benchmark explicit values
// (bench_flags.hpp), so Google Benchmark needs none of them. A function in the executable's
// .preinit_array, which glibc runs before the initializers of every shared library
// (elf/dl-init.c), moves them out of the environment and keeps them here. The driver is a
// static library (sumbench_add_benchmark links it into each binary, a user's included): the
// linker takes this object because read_inputs (checks.cpp) calls benchmark_variable, and
// with it the .preinit_array entry.
#include <cstdlib>
#include <cstring>

#include "bench_flags.hpp"

namespace sumbench {
namespace {

// "NAME=VALUE" entries of the initial environment: they live as long as the process.
constexpr int kMostKept = 64;
const char* g_kept[kMostKept];
int g_count = 0;

bool starts_with(const char* entry, const char* prefix) {
  while (*prefix && *entry == *prefix) ++entry, ++prefix;
  return *prefix == '\0';
}

// Runs before any C++ static initializer and before libc's own: no library call. Google
// Benchmark's variable for a flag is the flag's name in capitals (every flag but --v starts
// with benchmark_; BENCHMARK_CONTEXT included).
void keep_benchmark_variables(int, char**, char** envp) {
  if (!envp) return;
  char** out = envp;
  for (char** in = envp; *in; ++in)
    if (g_count < kMostKept && (starts_with(*in, "BENCHMARK_") || starts_with(*in, "V=")))
      g_kept[g_count++] = *in;
    else
      *out++ = *in;
  *out = nullptr;
}

__attribute__((section(".preinit_array"), used)) void (*const g_keep)(int, char**,
                                                                      char**) = keep_benchmark_variables;

}  // namespace

const char* benchmark_variable(const char* name) {
  const std::size_t n = std::strlen(name);
  for (int i = 0; i < g_count; ++i)
    if (std::strncmp(g_kept[i], name, n) == 0 && g_kept[i][n] == '=') return g_kept[i] + n + 1;
  return std::getenv(name);  // where the pre-initializer did not run (a shared object)
}

}  // namespace sumbench
