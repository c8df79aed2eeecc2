// The plan: one benchmark case per (kernel, mode, ranks, threads, n), registered
// with Google Benchmark under the name kernel/mode/ranks:R/threads:T/n:N[...].
#pragma once

#include <benchmark/benchmark.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "kernel.hpp"
#include "mode.hpp"
#include "options.hpp"
#include "placement.hpp"
#include "workspace.hpp"
#include "world.hpp"

namespace sumbench {

struct Case {
  std::string name;
  const KernelDescriptor* kernel = nullptr;
  Mode* mode = nullptr;
  std::string mode_name;  // "gil/policy:cpython/interval:5000us" for display
  Layout layout;
  std::uint64_t n = 0;  // total size
  std::uint64_t n_per_worker = 0;
  std::string oversubscribed;  // why, or ""
  std::vector<std::string> hosts;
};

// What rank 0 learned about a case while running it (for the summary and the exit status).
struct CaseOutcome {
  bool invalid = false;
  std::string error;
};

// Where a case's time went, on rank 0, in seconds. The set-up, teardown and validation
// figures are maxima over ranks; everything is summed over all the calls Google Benchmark
// made (its sizing calls included), so measured_s / wall_s is the share measured.
struct CaseCost {
  double measured_s = 0;   // the timed regions (the max over ranks of every iteration)
  double setup_s = 0;      // once: allocate or re-initialize the data, first touch, partials
  double teardown_s = 0;   // once, at its start: free what earlier cases left that it cannot reuse
  double validate_s = 0;   // after every call: the checks by the case's workers, then rank 0's
  double reference_s = 0;  // after every call with ranks > 1: the plain MPI_Reduce reference
  double wall_s = 0;       // rank 0's wall time in the case's calls, and in freeing what it kept
};

// A case set up on this rank: its team, its range and its kernel with first-touched data.
// Google Benchmark calls a case's function once per repetition (and while it sizes the
// iteration count); the set-up is kept for all those calls.
struct PreparedCase {
  const Case* c = nullptr;
  MPI_Comm team = MPI_COMM_NULL;
  Slice range;
  std::unique_ptr<KernelInstance> kernel;
  // What the mode's first_touch and check get: the kernel itself, or the kernel spread
  // over the rank's CPUs where placement allows (spread.hpp). Never used by the timed runs.
  std::unique_ptr<KernelInstance> spread;
  KernelInstance& untimed() { return spread ? *spread : *kernel; }
  Partial local, combined;
  double clock_offset_s = 0;  // this rank's steady clock minus the team root's
  bool failed = false;
};

class Plan {
 public:
  Plan(const Options& opt, World& world, const Placement& placement);
  // Keeps only the cases `keep` selects (--benchmark_filter); before register_all (checks.cpp).
  void keep_only(const std::function<bool(const Case&)>& keep);
  // Registers every case with Google Benchmark.
  void register_all();
  // After the runs, on every rank: frees what the last case kept and stops the clock.
  void finish();
  const std::vector<Case>& cases() const { return cases_; }
  // Printed by rank 0 once every check has passed (a refusal is one line): layouts
  // skipped, and why; the test-only hooks that are on.
  const std::vector<std::string>& notes() const { return notes_; }
  const std::vector<std::string>& warnings() const { return warnings_; }
  const std::map<std::string, CaseOutcome>& outcomes() const { return outcomes_; }
  const std::map<std::string, CaseCost>& costs() const { return costs_; }
  bool any_invalid() const;
  // Seconds from MPI start-up (World) to finish(), and the run's last release.
  double wall_s() const { return wall_s_; }
  double final_teardown_s() const { return final_teardown_s_; }

 private:
  void run(benchmark::State& state, const Case& c);
  PreparedCase& prepare(const Case& c, CaseCost& cost);
  double release(bool keep_workspace);  // frees the prepared case; seconds it took here
  std::uint64_t capacity_hint(const Case& c) const;

  const Options& opt_;
  World& world_;
  std::vector<std::unique_ptr<Mode>> modes_;
  std::vector<Case> cases_;
  std::vector<std::string> notes_;  // layouts skipped, and why
  std::vector<std::string> warnings_;
  std::map<std::string, CaseOutcome> outcomes_;
  std::map<std::string, CaseCost> costs_;
  PreparedCase prepared_;
  Workspace workspace_;                      // the prepared kernel's large data, kept across its cases
  int numa_nodes_ = 1, max_numa_nodes_ = 1;  // this rank's, the most of any rank
  std::vector<std::string> rank_hosts_;      // per world rank
  std::set<const KernelDescriptor*> reuse_kernels_;  // kernels whose cases may reuse memory
  bool corrupt_ = false;                             // SUMBENCH_TEST_CORRUPT (test-only)
  std::chrono::milliseconds test_delay_{0};          // SUMBENCH_TEST_DELAY_MS (test-only)
  int max_workers_ = 1;
  double wall_s_ = 0, final_teardown_s_ = 0;
};

}  // namespace sumbench
