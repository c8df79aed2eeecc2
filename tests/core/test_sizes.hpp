// Test sizes from the kernel table, for runs of up to `workers` workers: at most `elements`, and never more
// than the kernel's own quick size, so a kernel whose n counts tasks, waits or milliseconds (sleep, convoy,
// ioconvoy) runs as briefly as its --quick run. A name list here once missed ioconvoy, whose
// n is milliseconds, and ran it for 100 s per case.
#pragma once

#include <algorithm>
#include <cstdint>

#include "kernel.hpp"

namespace sumbench {

inline std::uint64_t test_n(const KernelDescriptor& d, std::uint64_t elements, int workers) {
  SizeContext quick;
  quick.quick = true;
  quick.max_workers = workers;  // sleep: one task per worker
  return std::min(elements, d.default_n(quick));
}

}  // namespace sumbench
