// The kernel table, inside sumbench. What a kernel is lives in the public kernel API,
// include/sumbench/kernel.hpp, which every built-in kernel includes as a kernel of your
// own does (docs/DESIGN.md, "The kernel API").
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <sumbench/kernel.hpp>

namespace sumbench {

// The table of kernels, in display order: the built-in kernels (unless the binary was
// built without them), then the binary's extra_kernel_rows().
const std::vector<KernelDescriptor>& kernel_table();
const KernelDescriptor* find_kernel(std::string_view name);
// The kinds a kernel may be (KernelDescriptor::kind) and which of the report's figures
// show each kind's kernels. The catalogue carries them (--list=json, "kernel_kinds") and
// the report reads them there: a kind is a bar of the summary figure unless its row says
// why not, so a new kind cannot drop out of it silently.
struct KernelKind {
  std::string_view name;
  std::string_view summary;
  std::string_view not_in_summary = {};  // why its kernels are no bars of the summary figure; "": they are
  bool scaling_figures = true;           // speedup/efficiency series (false: the GIL latency figures)
};
const std::vector<KernelKind>& kernel_kinds();
// Whether kernel_table() starts with the built-in kernels (default true); set once, by
// the binary's generated main (sumbench_add_benchmark), before the table is first read.
void use_builtin_kernels(bool builtin);
bool builtin_kernels_used();
// Whether `k` is one of the built-in kernels.
bool is_builtin_kernel(const KernelDescriptor& k);
// "" when `rows` is a table sumbench can run, else one line naming the first bad row and
// what is allowed (names, kinds, sizes, the API version each row was compiled with).
std::string kernel_table_problem(const std::vector<KernelDescriptor>& rows);

}  // namespace sumbench
