// The one table of kernels. Adding a kernel: its own file, a row here, a line in CMakeLists.txt.
#include "kernel.hpp"

namespace sumbench {

#define SUMBENCH_KERNEL_ENTRY(id)                                        \
  std::uint64_t id##_default_n(const SizeContext&);                     \
  std::unique_ptr<KernelInstance> make_##id(const KernelConfig&, Slice);
SUMBENCH_KERNEL_ENTRY(sum)
SUMBENCH_KERNEL_ENTRY(sleep)
SUMBENCH_KERNEL_ENTRY(triad)
SUMBENCH_KERNEL_ENTRY(combine)
SUMBENCH_KERNEL_ENTRY(convoy)
#undef SUMBENCH_KERNEL_ENTRY

const std::vector<KernelDescriptor>& kernel_table() {
  // tick_elements: about 5 us of work per GIL tick on a 2020s x86 core.
  static const std::vector<KernelDescriptor> table{
      {"sum", "CPU-bound: unsigned 64-bit sum of i over [0,n) (the post's heavy_calculation)",
       0.0, 1.0, false, false, 1u << 17, sum_default_n, make_sum},
      {"sleep", "I/O-bound: tasks that block in clock_nanosleep for --sleep-ms (the post's hello_func)",
       0.0, 0.0, false, false, 1, sleep_default_n, make_sleep},
      {"triad", "memory-bound: STREAM triad a[i] = b[i] + s*c[i] on doubles, 24 B per element",
       24.0, 2.0, true, false, 1u << 11, triad_default_n, make_triad, 24.0},
      {"combine", "combine cost: each worker builds an 8 MiB partial vector; partials are summed",
       8.0, 1.0, false, false, 1u << 13, combine_default_n, make_combine},
      {"convoy", "GIL convoy: one thread does short blocking waits while the others run sum",
       0.0, 0.0, false, true, 1u << 17, convoy_default_n, make_convoy},
  };
  return table;
}

const KernelDescriptor* find_kernel(std::string_view name) {
  for (const auto& k : kernel_table())
    if (k.name == name) return &k;
  return nullptr;
}

}  // namespace sumbench
