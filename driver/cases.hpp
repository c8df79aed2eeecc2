// The plan: one benchmark case per (kernel, mode, ranks, threads, n), registered
// with Google Benchmark under the name kernel/mode/ranks:R/threads:T/n:N[...].
#pragma once

#include <benchmark/benchmark.h>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "kernel.hpp"
#include "mode.hpp"
#include "options.hpp"
#include "placement.hpp"
#include "world.hpp"

namespace sumbench {

struct Case {
  std::string name;
  const KernelDescriptor* kernel = nullptr;
  Mode* mode = nullptr;
  std::string mode_name;  // "gil/policy:cpython/interval:5000us" for display
  Layout layout;
  std::uint64_t n = 0;          // total size
  std::uint64_t n_per_worker = 0;
  std::string oversubscribed;   // why, or ""
  std::vector<std::string> hosts;
};

// What rank 0 learned about a case while running it (for the summary and the exit status).
struct CaseOutcome {
  bool invalid = false;
  std::string error;
};

// A case set up on this rank: its team, its range and its kernel with first-touched data.
// Google Benchmark calls a case's function once per repetition (and while it sizes the
// iteration count); the set-up is kept for all those calls.
struct PreparedCase {
  const Case* c = nullptr;
  MPI_Comm team = MPI_COMM_NULL;
  Slice range;
  std::unique_ptr<KernelInstance> kernel;
  Partial local, combined;
  bool failed = false;
};

class Plan {
 public:
  Plan(const Options& opt, World& world, const Placement& placement);
  // Keeps only the cases `keep` selects (--benchmark_filter); before register_all (checks.cpp).
  void keep_only(const std::function<bool(const Case&)>& keep);
  // Registers every case with Google Benchmark.
  void register_all();
  const std::vector<Case>& cases() const { return cases_; }
  const std::vector<std::string>& notes() const { return notes_; }
  const std::map<std::string, CaseOutcome>& outcomes() const { return outcomes_; }
  bool any_invalid() const;

 private:
  void run(benchmark::State& state, const Case& c);
  PreparedCase& prepare(const Case& c);

  const Options& opt_;
  World& world_;
  std::vector<std::unique_ptr<Mode>> modes_;
  std::vector<Case> cases_;
  std::vector<std::string> notes_;  // layouts skipped, and why
  std::map<std::string, CaseOutcome> outcomes_;
  PreparedCase prepared_;
  int max_workers_ = 1;
};

// The CPUs this process may use.
int usable_cpus();
// Worker counts without --workers: the world size under mpirun with more than one rank,
// else the CPUs this process may use.
std::vector<int> default_workers(int world_size);
// Size of the last-level cache in bytes (0 if unknown).
std::uint64_t last_level_cache_bytes();

}  // namespace sumbench
