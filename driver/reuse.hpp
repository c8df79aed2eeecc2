// Which kernels may keep their memory across their cases (the Workspace), by the memory
// check's own rule (driver/memory.cpp). A rank that reuses keeps the pages of its largest
// range so far: while a case runs, its node also holds what its ranks kept from the
// kernel's earlier cases beyond what the case itself uses (rank 0 keeps all of serial's
// triad arrays during mpi's, where it uses a quarter of them). Reuse stays on for a kernel
// only when every one of its cases still fits with that surplus; otherwise each case maps
// fresh pages and frees them, and a node never holds more than the case needs.
#pragma once

#include <cstdint>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "cases.hpp"

namespace sumbench {

// `bytes(c, r)`: what case c holds on world rank r without reuse (memory.cpp's case_bytes).
// `rank_host`, `rank_usable`: one entry per world rank (0: unknown, which passes, as in the
// memory check).
std::set<const KernelDescriptor*> kernels_that_may_keep_memory(
    const std::vector<Case>& cases, const std::vector<std::string>& rank_host,
    const std::vector<std::uint64_t>& rank_usable, const std::function<double(const Case&, int)>& bytes);

}  // namespace sumbench
