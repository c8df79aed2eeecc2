// sumbench's kernel API: what a kernel is, for the built-in kernels (kernels/*.cpp) and
// for a kernel of your own built against an installed sumbench (docs/DESIGN.md, "The
// kernel API"). Every kernel body is written once and run unchanged by every execution
// mode (serial, omp, mpi, hybrid, gil). Needs C++20 and nothing but the standard library.
//
// A stable contract: SUMBENCH_KERNEL_API_VERSION changes whenever a declaration here
// changes meaning or layout. Each row of the kernel table records the version it was
// compiled against (KernelDescriptor::api_version), and sumbench refuses a row of another
// version, so a kernel compiled against an older header is never run by a newer driver.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#define SUMBENCH_KERNEL_API_VERSION 1

namespace sumbench {

inline constexpr int kernel_api_version = SUMBENCH_KERNEL_API_VERSION;

// A half-open range [begin, end) of global element indices.
struct Slice {
  std::uint64_t begin = 0;
  std::uint64_t end = 0;
  std::uint64_t size() const { return end - begin; }
  bool operator==(const Slice&) const = default;
};

// The contiguous slice of `outer` owned by part `index` of `parts`.
// Slice lengths differ by at most one; the first (size % parts) slices are longer.
inline Slice partition(Slice outer, int parts, int index) {
  const std::uint64_t n = outer.size();
  const auto p = static_cast<std::uint64_t>(parts);
  const auto i = static_cast<std::uint64_t>(index);
  const std::uint64_t base = n / p, extra = n % p;
  const std::uint64_t begin = outer.begin + i * base + (i < extra ? i : extra);
  return {begin, begin + base + (i < extra ? 1 : 0)};
}
inline Slice partition(std::uint64_t n, int parts, int index) {
  return partition(Slice{0, n}, parts, index);
}

// A worker's partial result. Combining is the element-wise sum of both vectors
// (counts modulo 2^64), done in shared memory by threads and by MPI_Reduce by ranks.
struct Partial {
  std::vector<std::uint64_t> counts;
  std::vector<double> values;

  void zero();
  void add(const Partial& other);
  bool operator==(const Partial&) const = default;
  // A fold of the whole result, exactly representable as a double, for cross-mode checks.
  std::uint64_t checksum() const;
};

// What a mode lends a kernel body while it runs: its place in the team, and the
// hooks a GIL-like mode uses to release its lock around a blocking call
// (CPython's Py_BEGIN_ALLOW_THREADS / Py_END_ALLOW_THREADS).
class Worker {
 public:
  virtual ~Worker() = default;
  virtual void before_blocking() {}
  virtual void after_blocking() {}
  int index = 0;  // worker index within this process's team
  int team = 1;   // team size in this process
};

// Releases the worker's lock (if any) for the lifetime of the guard.
class BlockingRegion {
 public:
  explicit BlockingRegion(Worker& w) : w_(w) { w_.before_blocking(); }
  ~BlockingRegion() { w_.after_blocking(); }
  BlockingRegion(const BlockingRegion&) = delete;
  BlockingRegion& operator=(const BlockingRegion&) = delete;

 private:
  Worker& w_;
};

// The driver's memory for the built-in kernels' large data (kernels/workspace.hpp, not
// part of this API): a kernel of your own keeps its own data and ignores it.
class Workspace;

// Per-run inputs of a kernel instance.
struct KernelConfig {
  std::uint64_t n = 0;  // total elements (tasks for sleep) over all workers
  int sleep_ms = 100;   // --sleep-ms: duration of one sleep task
  bool quick = false;   // --quick: small sizes for tests
  // Kept by the driver across the cases of one kernel; nullptr: the instance keeps its own.
  Workspace* workspace = nullptr;
};

// One kernel, instantiated for one run on one process. It owns the data of the
// process's range of [0, n) and is shared by the process's workers.
class KernelInstance {
 public:
  virtual ~KernelInstance() = default;
  // A partial with the right shape, all zero.
  virtual Partial make_partial() const = 0;
  // Untimed: initialize the data of `s`, run by the worker that later runs `s` (first touch).
  // With reused memory this re-initializes pages the same process touched before.
  virtual void first_touch(Slice /*s*/) {}
  // The part of `range` that worker `index` of a team of `team` runs. Kernels whose
  // workers have different roles (convoy: one I/O thread, the rest CPU) override it.
  virtual Slice worker_slice(Slice range, int index, int team) const { return partition(range, team, index); }
  // True once the run's work is complete even if slices remain (convoy's CPU threads
  // stop when its I/O thread is done); modes that run ticks check it between ticks.
  virtual bool done() const { return false; }
  // Timed: prepare a worker's partial for a new run (zero it).
  virtual void reset(Partial& p) const { p.zero(); }
  // Timed: the kernel body on one slice, accumulating into the worker's partial. The gil
  // mode calls it on consecutive sub-slices (ticks) of a worker's slice.
  virtual void body(Slice s, Partial& acc, Worker& w) = 0;
  // Whether check() has anything to check: the driver asks the mode to run it only then.
  virtual bool checks_slices() const { return false; }
  // Untimed, after the runs: per-slice checks of the data (e.g. triad's gold values), run
  // by the worker that ran `s` (Mode::check) and accumulated into `acc` so they are
  // combined like the result itself. It may re-arm what it checked (triad poisons
  // sampled elements of its output so the next run must write them again).
  virtual void check(Slice /*s*/, Partial& /*acc*/) {}
  // Validates the combined result of one run (on rank 0); returns "" when valid, else why not.
  virtual std::string validate(const Partial& combined) const = 0;
  // The fold of a combined result that must be equal across modes and worker counts.
  virtual std::uint64_t checksum(const Partial& combined) const { return combined.checksum(); }
  // Named per-run figures besides the time (convoy's added latency per wait).
  virtual std::vector<std::pair<std::string, double>> figures(const Partial& /*combined*/) const {
    return {};
  }
  // Per-run samples behind a figure, as Google Benchmark's label of the entry ("" for none):
  // convoy's added latency of every wait, which a mean cannot show (docs/DESIGN.md, GIL
  // policies: convoy states).
  virtual std::string label(const Partial& /*combined*/) const { return {}; }
  // Test-only (SUMBENCH_TEST_CORRUPT, docs/DESIGN.md): corrupts one element of this
  // process's result after a run, as a bug would, so the tests can see validation catch it.
  // By default one slot of the partial; kernels whose result is data (triad) override it.
  virtual void corrupt(Slice /*range*/, Partial& local) {
    if (!local.counts.empty())
      local.counts[0] += 1;
    else if (!local.values.empty())
      local.values[0] += 1.0;
  }

  // Elements per GIL tick (a few microseconds of work); set from the descriptor.
  std::uint64_t tick_elements = 1;
};

enum class Scaling { strong, weak };

// What decides a kernel's default size.
struct SizeContext {
  bool quick = false;
  Scaling scaling = Scaling::strong;
  int max_workers = 1;          // largest worker count of the run
  std::uint64_t llc_bytes = 0;  // last-level cache size of this machine
};

// A row of the kernel table. `sumbench --list=json` publishes every field a runner or
// report needs, so a new row needs no change outside C++.
struct KernelDescriptor {
  int api_version = SUMBENCH_KERNEL_API_VERSION;  // left as it is: the header it was compiled with
  std::string_view name;  // [a-z][a-z0-9_]*, at most 32 characters, unique in the binary
  std::string_view summary;
  std::string_view kind;  // what it stresses: "cpu-bound", "io-bound", "memory-bound", "combine", "latency"
                          // (kernel_kinds() in kernels/table.cpp; --list=json's "kernel_kinds")
  std::string_view item;  // what n counts: "element", "task", "wait", ...
  std::string_view validation;  // how every run is checked
  // The members with a default may be left out of a row's initializer.
  double bytes_per_element = 0;  // bytes moved per element (STREAM convention for triad)
  bool rate_in_bytes = false;    // report bytes_per_second (true) or items_per_second
  bool thread_only = false;      // runs only in thread modes (one process)
  std::uint64_t tick_elements;   // elements per GIL tick: a few microseconds of work
  // Default n at one worker (weak scaling multiplies it by the worker count).
  std::uint64_t (*default_n)(const SizeContext&);
  std::unique_ptr<KernelInstance> (*make)(const KernelConfig&, Slice process_range);
  // Bytes of data a process holds per element of its range while a case runs (triad: a, b
  // and c), for the memory check before anything is allocated; a kernel with such data
  // also gets the page size its memory gets in the run's context (NAME_pages).
  double held_bytes_per_element = 0;
};

// The rows a benchmark binary adds to the table, after the built-in kernels (or alone:
// sumbench_add_benchmark(... NO_BUILTIN_KERNELS)). Define it in one of the binary's own
// sources; sumbench's own binary has none.
std::vector<KernelDescriptor> extra_kernel_rows();

}  // namespace sumbench
