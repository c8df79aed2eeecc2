// The execution-mode interface. The driver owns the process level (which ranks
// take part, the barrier, the timer, MPI_Reduce of the per-process partials);
// a mode says which (ranks, threads) layouts it runs and how the workers of one
// process run the kernel and combine their partials in shared memory.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "kernel.hpp"

namespace sumbench {

struct Layout {
  int ranks = 1;
  int threads = 1;
  int workers() const { return ranks * threads; }
  bool operator==(const Layout&) const = default;
};

// Options of the run that modes may read.
struct ModeOptions {
  int world_size = 1;                   // MPI ranks available
  std::vector<Layout> hybrid_layouts;   // from --hybrid (empty: derive from the worker count)
  std::vector<std::string> gil_policies{"cpython"};
  std::vector<double> switch_intervals_s{0.005};
  std::uint64_t gil_tick_elements = 0;  // 0: the kernel's own tick (legacy: a bytecode's share of it)
  std::vector<int> check_intervals{100};  // legacy: CPython 2's sys.setcheckinterval, in bytecodes
};

// Statistics a mode adds to a benchmark entry, as named counters.
using ModeCounters = std::map<std::string, double>;

class Mode {
 public:
  virtual ~Mode() = default;
  virtual std::string_view name() const = 0;
  // Extra name components, e.g. "/policy:cpython/interval:5000us" (start with '/').
  virtual std::string name_suffix() const { return {}; }
  // Layouts to run for a requested worker count; empty when not applicable.
  virtual std::vector<Layout> layouts(int workers, const ModeOptions& opt) const = 0;
  // Whether the mode can run a kernel that only works inside one process.
  virtual bool multi_process() const { return false; }

  // Untimed: the team's workers initialize their own sub-slices of `range`.
  virtual void first_touch(KernelInstance& k, Slice range, int threads) = 0;
  // Timed: `threads` workers run `range` and combine into `out` (already shaped).
  virtual void run(KernelInstance& k, Slice range, int threads, Partial& out) = 0;

  // Counters describing the runs since the last reset (e.g. GIL statistics).
  virtual void reset_counters() {}
  virtual ModeCounters counters() const { return {}; }
};

// A row of the mode table: one factory may return several configured instances
// (the gil mode returns one per policy and switch interval).
struct ModeDescriptor {
  std::string_view name;
  std::string_view summary;
  std::vector<std::unique_ptr<Mode>> (*make)(const ModeOptions&);
};

const std::vector<ModeDescriptor>& mode_table();
const ModeDescriptor* find_mode(std::string_view name);

// Shared by the OpenMP-based modes (omp, hybrid): one parallel region of `threads`
// threads, each running its sub-slice, then a parallel element-wise combine.
void omp_first_touch(KernelInstance& k, Slice range, int threads);
void omp_run(KernelInstance& k, Slice range, int threads, Partial& out);

// The two ways a process runs its range: one worker (serial, mpi) or an OpenMP team (omp, hybrid).
class SingleWorkerMode : public Mode {
 public:
  void first_touch(KernelInstance& k, Slice range, int) override { k.first_touch(range); }
  void run(KernelInstance& k, Slice range, int, Partial& out) override { omp_run(k, range, 1, out); }
};
class OmpTeamMode : public Mode {
 public:
  void first_touch(KernelInstance& k, Slice range, int threads) override { omp_first_touch(k, range, threads); }
  void run(KernelInstance& k, Slice range, int threads, Partial& out) override { omp_run(k, range, threads, out); }
};

// The factory of a mode table row with a single instance.
template <class M>
std::vector<std::unique_ptr<Mode>> one_mode() {
  std::vector<std::unique_ptr<Mode>> modes;
  modes.push_back(std::make_unique<M>());
  return modes;
}

}  // namespace sumbench
