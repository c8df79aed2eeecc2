// The kernel API header alone, as a user's kernel source starts (core.KernelHeaderAlone):
// it must compile with nothing before it, and its version must be the one
// docs/DESIGN.md documents ("The kernel API"; tests/core/test_catalogue.py compares them).
#include <sumbench/kernel.hpp>
#include <sumbench/kernel.hpp>  // include guard

static_assert(SUMBENCH_KERNEL_API_VERSION >= 1);
static_assert(sumbench::kernel_api_version == SUMBENCH_KERNEL_API_VERSION);

#include "minimal_row.hpp"

// The smallest row compiles (-Wmissing-field-initializers would name a required member left
// out), and the version and the defaults fill themselves in: no bytes moved, a rate in
// items, every mode. A row that also names the members with a default, as the example
// does (examples/own-kernel/histogram.cpp, built by tests/install), compiles as before.
constexpr sumbench::KernelDescriptor row = sumbench::minimal_row("k");
static_assert(row.api_version == SUMBENCH_KERNEL_API_VERSION);
static_assert(row.bytes_per_element == 0 && !row.rate_in_bytes && !row.thread_only);
static_assert(row.held_bytes_per_element == 0);
