// The one table of kernels. Adding a kernel: its own file, a row here, a line in CMakeLists.txt.
// A kernel outside sumbench comes in through the binary's extra_kernel_rows() instead
// (include/sumbench/kernel.hpp, sumbench_add_benchmark).
#include <algorithm>
#include <cmath>

#include "kernel.hpp"

namespace sumbench {

#define SUMBENCH_KERNEL_ENTRY(id)                   \
  std::uint64_t id##_default_n(const SizeContext&); \
  std::unique_ptr<KernelInstance> make_##id(const KernelConfig&, Slice);
SUMBENCH_KERNEL_ENTRY(sum)
SUMBENCH_KERNEL_ENTRY(sleep)
SUMBENCH_KERNEL_ENTRY(triad)
SUMBENCH_KERNEL_ENTRY(combine)
SUMBENCH_KERNEL_ENTRY(convoy)
SUMBENCH_KERNEL_ENTRY(ioconvoy)
SUMBENCH_KERNEL_ENTRY(ioconvoy2)
#undef SUMBENCH_KERNEL_ENTRY

// Weak: a benchmark binary's own sources define it (the test-only sumbench_extra, a user's
// sumbench_add_benchmark); sumbench itself adds nothing.
__attribute__((weak)) std::vector<KernelDescriptor> extra_kernel_rows() {
  return {};
}

namespace {

bool builtin = true;
std::size_t builtin_rows = 0;  // how many rows of the table are built-in kernels

std::vector<KernelDescriptor> builtin_kernel_rows() {
  // tick_elements: about 5 us of work per GIL tick on a 2020s x86 core.
  return {
      {.name = "sum",
       .summary = "CPU-bound: unsigned 64-bit sum of i over [0,n) (the post's heavy_calculation)",
       .kind = "cpu-bound",
       .item = "element",
       .validation = "the sum equals n(n-1)/2 mod 2^64; the checksum is the same in every mode",
       .tick_elements = 1u << 17,
       .default_n = sum_default_n,
       .make = make_sum},
      {.name = "sleep",
       .summary = "I/O-bound: tasks that block in clock_nanosleep for --sleep-ms (the post's hello_func)",
       .kind = "io-bound",
       .item = "task",
       .validation = "all n tasks ran and none returned before --sleep-ms",
       .tick_elements = 1,
       .default_n = sleep_default_n,
       .make = make_sleep},
      {.name = "triad",
       .summary = "memory-bound: STREAM triad a[i] = b[i] + s*c[i] on doubles, 24 B per element",
       .kind = "memory-bound",
       .item = "element",
       .validation = "every element of a equals b + 3c, checked by the thread that wrote it",
       .bytes_per_element = 24.0,
       .rate_in_bytes = true,
       .tick_elements = 1u << 11,
       .default_n = triad_default_n,
       .make = make_triad,
       .held_bytes_per_element = 24.0},
      {.name = "combine",
       .summary = "combine cost: each worker builds an 8 MiB partial vector; partials are summed",
       .kind = "combine",
       .item = "element",
       .validation = "every bucket of the combined vector equals its exact sum 1 + 2 + ... + c",
       .bytes_per_element = 8.0,
       .tick_elements = 1u << 13,
       .default_n = combine_default_n,
       .make = make_combine},
      {.name = "convoy",
       .summary = "GIL convoy: one thread does short blocking waits while the others run sum",
       .kind = "latency",
       .item = "wait",
       .validation = "all n waits ran and each lasted at least its nominal 1 ms",
       .thread_only = true,
       .tick_elements = 1u << 17,
       .default_n = convoy_default_n,
       .make = make_convoy},
      {.name = "ioconvoy",
       .summary = "GIL I/O convoy (bpo-7946): one thread does 1-byte socketpair ping-pongs for n ms "
                  "while the others run sum",
       .kind = "latency",
       .item = "ms",
       .validation = "the I/O thread ran its n ms, completed operations, and every byte came back",
       .thread_only = true,
       .tick_elements = 1u << 17,
       .default_n = ioconvoy_default_n,
       .make = make_ioconvoy},
      {.name = "ioconvoy2",
       .summary = "GIL I/O convoy with two I/O threads (each its own socketpair) beside the sum threads",
       .kind = "latency",
       .item = "ms",
       .validation = "both I/O threads ran their n ms, completed operations, and every byte came back",
       .thread_only = true,
       .tick_elements = 1u << 17,
       .default_n = ioconvoy2_default_n,
       .make = make_ioconvoy2},
  };
}

std::string kind_names() {
  std::string out;
  for (const KernelKind& k : kernel_kinds()) out += (out.empty() ? "" : ", ") + std::string(k.name);
  return out;
}

bool valid_name(std::string_view name) {
  if (name.empty() || name.size() > 32 || name[0] < 'a' || name[0] > 'z') return false;
  return std::all_of(name.begin(), name.end(),
                     [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'; });
}

}  // namespace

const std::vector<KernelKind>& kernel_kinds() {
  static const std::vector<KernelKind> kinds{
      {"cpu-bound", "CPU work and no memory traffic: what a GIL serializes (the post's loop)"},
      {"io-bound", "blocking waits: what a GIL lets run (the post's hello_func)"},
      {"memory-bound", "memory bandwidth",
       "the post compares CPU-bound and I/O-bound work; bandwidth limits show in the scaling figures"},
      {"combine", "the cost of combining the workers' partial results",
       "a cost of the reduction, not a workload; the scaling figures show it"},
      {"latency", "added latency of short waits beside CPU threads (GIL convoys)",
       "it measures latency, not time to solution; the GIL figures show it", false},
  };
  return kinds;
}

void use_builtin_kernels(bool use) {
  builtin = use;
}
bool builtin_kernels_used() {
  return builtin;
}

const std::vector<KernelDescriptor>& kernel_table() {
  static const std::vector<KernelDescriptor> table = [] {
    std::vector<KernelDescriptor> rows;
    if (builtin) rows = builtin_kernel_rows();
    builtin_rows = rows.size();
    for (auto& row : extra_kernel_rows()) rows.push_back(row);
    return rows;
  }();
  return table;
}

bool is_builtin_kernel(const KernelDescriptor& k) {
  const auto& t = kernel_table();
  return &k >= t.data() && &k < t.data() + builtin_rows;
}

std::string kernel_table_problem(const std::vector<KernelDescriptor>& rows) {
  if (rows.empty())
    return "this binary has no kernels: it was built with NO_BUILTIN_KERNELS and its sources define no "
           "sumbench::extra_kernel_rows() (include/sumbench/kernel.hpp)";
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const KernelDescriptor& k = rows[i];
    const std::string row =
        "kernel table row " + std::to_string(i + 1) + " ('" + std::string(k.name) + "'): ";
    if (k.api_version != SUMBENCH_KERNEL_API_VERSION)
      return row + "compiled against kernel API version " + std::to_string(k.api_version) +
             ", this sumbench has " + std::to_string(SUMBENCH_KERNEL_API_VERSION) +
             "; rebuild it against this sumbench's <sumbench/kernel.hpp>";
    if (!valid_name(k.name)) return row + "a name is a-z, then a-z, 0-9 or _, at most 32 characters";
    for (std::size_t j = 0; j < i; ++j)
      if (rows[j].name == k.name)
        return row + "the name is taken by row " + std::to_string(j + 1) + "; choose another";
    const auto& kinds = kernel_kinds();
    if (std::none_of(kinds.begin(), kinds.end(), [&](const KernelKind& kk) { return kk.name == k.kind; }))
      return row + "kind '" + std::string(k.kind) + "' is not one of " + kind_names();
    if (k.summary.empty() || k.item.empty() || k.validation.empty())
      return row + "summary, item and validation must each say something";
    if (!k.default_n || !k.make) return row + "default_n and make must be set";
    if (k.tick_elements < 1) return row + "tick_elements must be at least 1";
    if (!std::isfinite(k.bytes_per_element) || k.bytes_per_element < 0 ||
        !std::isfinite(k.held_bytes_per_element) || k.held_bytes_per_element < 0)
      return row + "bytes_per_element and held_bytes_per_element must be finite and at least 0";
    if (k.rate_in_bytes && k.bytes_per_element <= 0)
      return row + "a rate in bytes needs bytes_per_element > 0";
  }
  return {};
}

const KernelDescriptor* find_kernel(std::string_view name) {
  for (const auto& k : kernel_table())
    if (k.name == name) return &k;
  return nullptr;
}

}  // namespace sumbench
