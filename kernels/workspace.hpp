// Memory for a kernel's large data that outlives one kernel instance. The driver keeps
// one per process across the cases of a kernel, so a case re-initializes the pages an
// earlier case faulted in instead of unmapping them and faulting new ones (page faults
// were most of triad's set-up; see BENCHMARKS.md, "Harness overhead").
//
// Placement: a page lands on the NUMA node of the thread that first writes it, and stays
// there. Reusing a page keeps that placement, so reuse is honest only when it cannot
// matter: when this process's CPUs all sit on one NUMA node (set_reuse). Otherwise every
// request gets fresh, untouched pages, and the new team's first touch places them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace sumbench {

class Workspace {
 public:
  Workspace() = default;
  ~Workspace() { release(); }
  Workspace(const Workspace&) = delete;
  Workspace& operator=(const Workspace&) = delete;

  // `count` doubles in slot `slot`, page-aligned; their contents are unspecified (the
  // kernel's first_touch writes them). Reuses the slot's pages when they are enough and
  // reuse is on; otherwise maps max(count, capacity hint) fresh doubles, of which only
  // the pages written are ever backed. Throws std::bad_alloc or std::length_error.
  double* doubles(std::size_t slot, std::uint64_t count);

  // Unmaps every slot. With release threads > 1, the pages are first freed by that many
  // threads at once (madvise MADV_DONTNEED on chunks takes the mmap lock for reading, so
  // they free in parallel), then the empty mappings are unmapped.
  void release();
  void set_release_threads(int threads) { release_threads_ = threads; }
  // Whether pages may be handed to the next request (default on; see above).
  void set_reuse(bool reuse) { reuse_ = reuse; }
  bool reuse() const { return reuse_; }
  // The most elements a later request of this kernel may ask for: mapping that much at
  // once lets a growing range keep its pages (a mapping costs nothing until written).
  void set_capacity_hint(std::uint64_t count) { hint_ = count; }
  // What a kernel recorded as verified in a slot's pages (global indices it wrote there and
  // checked); kept with reused pages, empty when the slot's pages are fresh.
  std::uint64_t verified_begin(std::size_t slot) const {
    return slot < blocks_.size() ? blocks_[slot].verified_begin : 0;
  }
  std::uint64_t verified_end(std::size_t slot) const {
    return slot < blocks_.size() ? blocks_[slot].verified_end : 0;
  }
  void set_verified(std::size_t slot, std::uint64_t begin, std::uint64_t end) {
    if (slot < blocks_.size()) blocks_[slot].verified_begin = begin, blocks_[slot].verified_end = end;
  }
  // Bytes mapped now (not all of them backed).
  std::uint64_t mapped_bytes() const;

 private:
  struct Block {
    void* base = nullptr;
    std::size_t bytes = 0;
    std::uint64_t verified_begin = 0, verified_end = 0;
  };
  std::vector<Block> blocks_;
  bool reuse_ = true;
  std::uint64_t hint_ = 0;
  int release_threads_ = 1;
};

// The page size this process's fresh anonymous memory gets, for the run's context:
// "4 KiB (transparent huge pages: madvise)", or, where the kernel's transparent huge pages
// are "always" and a 2 MiB-aligned test mapping got one when first written, "2 MiB (...)".
// sumbench never asks for huge pages (madvise MADV_HUGEPAGE made triad's set-up 2x slower
// on the project's VMs: BENCHMARKS.md, "Harness overhead") and never refuses them: a
// kernel set to "always" gives them, and the context says so.
std::string page_size_probe();

// The NUMA nodes that hold the CPUs this process may run on (1 when the machine has no
// NUMA information), read from /sys/devices/system/node.
int numa_nodes_of_this_process();

}  // namespace sumbench
