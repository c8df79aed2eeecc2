// Whether every case fits in memory, checked on every rank before anything is allocated:
// triad at --n=1500000000 (36 GB) on a 24 GB node met the OOM killer halfway through a run.
#pragma once

#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "cases.hpp"
#include "placement.hpp"
#include "world.hpp"

namespace sumbench {

// A run that cannot work on these nodes (exit 1, as a failed set-up).
struct DoesNotFit : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// The share of the usable memory a case may take: the rest is for MPI's buffers, the
// libraries, the other processes and the page cache.
constexpr double kMemoryShare = 0.9;

// What this process may still allocate: MemAvailable of /proc/meminfo, or less where a
// memory cgroup (v1 or v2, at any level: Slurm's, a container's) leaves less headroom.
// `how` says which ("MemAvailable", "cgroup /sys/fs/cgroup/..."); 0 when unknown.
std::uint64_t usable_memory(std::string* how);

// Bytes case `c` holds on world rank `rank` while it runs: the kernel's data for the rank's
// range, and the partials (one per thread while running, one per thread while validating,
// and the rank's own two).
double case_bytes(const Case& c, int rank, const KernelConfig& config);

// The first case that needs more than kMemoryShare of what is usable on a node (the sum
// over its ranks there), as one line; "" when all fit. `rank_host`, `rank_usable`,
// `rank_how`: one entry per world rank.
std::string memory_problem(const std::vector<Case>& cases, const std::vector<std::string>& rank_host,
                           const std::vector<std::uint64_t>& rank_usable,
                           const std::vector<std::string>& rank_how,
                           const std::function<double(const Case&, int)>& bytes);

// Collective: throws DoesNotFit on every rank when memory_problem finds one.
void check_memory(const World& world, const Plan& plan, const Placement& placement,
                  const KernelConfig& config);

}  // namespace sumbench
