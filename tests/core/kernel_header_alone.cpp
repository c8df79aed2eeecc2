// The kernel API header alone, as a user's kernel source starts (core.KernelHeaderAlone):
// it must compile with nothing before it, and its version must be the one
// docs/DESIGN.md documents ("The kernel API"; tests/core/test_catalogue.py compares them).
#include <sumbench/kernel.hpp>
#include <sumbench/kernel.hpp>  // include guard

static_assert(SUMBENCH_KERNEL_API_VERSION >= 1);
static_assert(sumbench::kernel_api_version == SUMBENCH_KERNEL_API_VERSION);

// A row with every field a user sets: it compiles, and the version fills itself in.
constexpr sumbench::KernelDescriptor row{.name = "k",
                                         .summary = "s",
                                         .kind = "cpu-bound",
                                         .item = "element",
                                         .validation = "v",
                                         .bytes_per_element = 0,
                                         .rate_in_bytes = false,
                                         .thread_only = false,
                                         .tick_elements = 1,
                                         .default_n = nullptr,
                                         .make = nullptr};
static_assert(row.api_version == SUMBENCH_KERNEL_API_VERSION);
