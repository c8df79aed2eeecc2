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
SUMBENCH_KERNEL_ENTRY(ioconvoy)
SUMBENCH_KERNEL_ENTRY(ioconvoy2)
#undef SUMBENCH_KERNEL_ENTRY

// Weak: the test-only binary sumbench_extra links a definition with one more row.
__attribute__((weak)) std::vector<KernelDescriptor> extra_kernel_rows() { return {}; }

const std::vector<KernelDescriptor>& kernel_table() {
  // tick_elements: about 5 us of work per GIL tick on a 2020s x86 core.
  static const std::vector<KernelDescriptor> table = [] {
    std::vector<KernelDescriptor> rows{
        {.name = "sum",
         .summary = "CPU-bound: unsigned 64-bit sum of i over [0,n) (the post's heavy_calculation)",
         .kind = "cpu-bound", .item = "element",
         .validation = "the sum equals n(n-1)/2 mod 2^64; the checksum is the same in every mode",
         .bytes_per_element = 0.0, .rate_in_bytes = false, .thread_only = false,
         .tick_elements = 1u << 17, .default_n = sum_default_n, .make = make_sum},
        {.name = "sleep",
         .summary = "I/O-bound: tasks that block in clock_nanosleep for --sleep-ms (the post's hello_func)",
         .kind = "io-bound", .item = "task",
         .validation = "all n tasks ran and none returned before --sleep-ms",
         .bytes_per_element = 0.0, .rate_in_bytes = false, .thread_only = false,
         .tick_elements = 1, .default_n = sleep_default_n, .make = make_sleep},
        {.name = "triad",
         .summary = "memory-bound: STREAM triad a[i] = b[i] + s*c[i] on doubles, 24 B per element",
         .kind = "memory-bound", .item = "element",
         .validation = "every element of a equals b + 3c, checked by the thread that wrote it",
         .bytes_per_element = 24.0, .rate_in_bytes = true, .thread_only = false,
         .tick_elements = 1u << 11, .default_n = triad_default_n, .make = make_triad,
         .held_bytes_per_element = 24.0},
        {.name = "combine",
         .summary = "combine cost: each worker builds an 8 MiB partial vector; partials are summed",
         .kind = "combine", .item = "element",
         .validation = "every bucket of the combined vector equals its exact sum 1 + 2 + ... + c",
         .bytes_per_element = 8.0, .rate_in_bytes = false, .thread_only = false,
         .tick_elements = 1u << 13, .default_n = combine_default_n, .make = make_combine},
        {.name = "convoy",
         .summary = "GIL convoy: one thread does short blocking waits while the others run sum",
         .kind = "latency", .item = "wait",
         .validation = "all n waits ran and each lasted at least its nominal 1 ms",
         .bytes_per_element = 0.0, .rate_in_bytes = false, .thread_only = true,
         .tick_elements = 1u << 17, .default_n = convoy_default_n, .make = make_convoy},
        {.name = "ioconvoy",
         .summary = "GIL I/O convoy (bpo-7946): one thread does 1-byte socketpair ping-pongs for n ms "
                    "while the others run sum",
         .kind = "latency", .item = "ms",
         .validation = "the I/O thread ran its n ms, completed operations, and every byte came back",
         .bytes_per_element = 0.0, .rate_in_bytes = false, .thread_only = true,
         .tick_elements = 1u << 17, .default_n = ioconvoy_default_n, .make = make_ioconvoy},
        {.name = "ioconvoy2",
         .summary = "GIL I/O convoy with two I/O threads (each its own socketpair) beside the sum threads",
         .kind = "latency", .item = "ms",
         .validation = "both I/O threads ran their n ms, completed operations, and every byte came back",
         .bytes_per_element = 0.0, .rate_in_bytes = false, .thread_only = true,
         .tick_elements = 1u << 17, .default_n = ioconvoy2_default_n, .make = make_ioconvoy2},
    };
    for (auto& row : extra_kernel_rows()) rows.push_back(row);
    return rows;
  }();
  return table;
}

const KernelDescriptor* find_kernel(std::string_view name) {
  for (const auto& k : kernel_table())
    if (k.name == name) return &k;
  return nullptr;
}

}  // namespace sumbench
