// The kernel table, inside sumbench. What a kernel is lives in the public kernel API,
// include/sumbench/kernel.hpp, which every built-in kernel includes as a kernel of your
// own does (docs/DESIGN.md, "The kernel API").
#pragma once

#include <sumbench/kernel.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace sumbench {

// The table of kernels, in display order: the built-in kernels (unless the binary was
// built without them), then the binary's extra_kernel_rows().
const std::vector<KernelDescriptor>& kernel_table();
const KernelDescriptor* find_kernel(std::string_view name);
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
