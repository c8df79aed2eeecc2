// The untimed phases of a case (set-up's first touch and the check after the runs) spread
// over the CPUs a rank may use, where that cannot change placement. A page lands on the
// NUMA node of the CPU that first writes it; when all of a rank's CPUs sit on one node
// (the same condition under which the driver reuses pages: workspace.hpp), any of them
// places a page where the worker that later runs it would, so a case with fewer workers
// than CPUs (the serial case: one) need not fault its pages in, and check them, with one
// thread. Where the rank spans nodes each worker still touches its own slice.
//
// SpreadKernel wraps a kernel for Mode::first_touch and Mode::check only (never for the
// timed runs): each worker's first_touch(s) and check(s) become the same calls on `parts`
// contiguous sub-slices of s, run by `parts` threads. The split is a pure function of s,
// so a check sees exactly the sub-slices first_touch wrote (triad's b and c bookkeeping),
// and every element is still checked once, into the worker's partial.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "kernel.hpp"

namespace sumbench {

class SpreadKernel final : public KernelInstance {
 public:
  SpreadKernel(KernelInstance& inner, int parts) : inner_(inner), parts_(parts) {}
  Partial make_partial() const override { return inner_.make_partial(); }
  Slice worker_slice(Slice range, int index, int team) const override {
    return inner_.worker_slice(range, index, team);
  }
  void first_touch(Slice s) override;
  void body(Slice s, Partial& acc, Worker& w) override { inner_.body(s, acc, w); }
  bool checks_slices() const override { return inner_.checks_slices(); }
  void check(Slice s, Partial& acc) override;
  std::string validate(const Partial& combined) const override { return inner_.validate(combined); }

  // Sub-slices of at least this many elements (2 MiB of doubles): smaller ones are not
  // worth a thread.
  static constexpr std::uint64_t kMinPart = std::uint64_t{1} << 18;

 private:
  int parts_for(Slice s) const;
  KernelInstance& inner_;
  int parts_;
};

// How many threads may share one worker's untimed work on this rank: the CPUs it may use
// (its affinity), at most the host's online CPUs over the team's ranks on this host, over
// the case's threads per rank; 1 (no spreading) when the rank's CPUs span NUMA nodes.
int spread_parts(int numa_nodes, int team_ranks_on_host, int threads);
// How many of world ranks [0, ranks) share rank `rank`'s host (`hosts`: one per world rank;
// `ranks` when unknown).
int ranks_on_my_host(const std::vector<std::string>& hosts, int rank, int ranks);

}  // namespace sumbench
