// The smallest kernel row a user may write: the members without a default, each set, and
// every member with one left out. A valid row for kernel_table_problem (test_table.cpp);
// core.KernelHeaderAlone (kernel_header_alone.cpp) checks that it compiles with the kernel
// API header alone and what the left-out members become. Needs only that header.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

#include <sumbench/kernel.hpp>

namespace sumbench {

constexpr KernelDescriptor minimal_row(std::string_view name) {
  return {.name = name,
          .summary = "s",
          .kind = "cpu-bound",
          .item = "element",
          .validation = "v",
          .tick_elements = 1,
          .default_n = [](const SizeContext&) -> std::uint64_t { return 1; },
          .make = [](const KernelConfig&, Slice) -> std::unique_ptr<KernelInstance> { return nullptr; }};
}

}  // namespace sumbench
