// The execution-mode interface. The driver owns the process level (which ranks
// take part, the barrier, the timer, MPI_Reduce of the per-process partials);
// a mode says which (ranks, threads) layouts it runs and how the workers of one
// process run the kernel and combine their partials in shared memory.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "kernel.hpp"

namespace sumbench {

struct Layout {
  int ranks = 1;
  int threads = 1;
  int workers() const { return ranks * threads; }
  bool operator==(const Layout&) const = default;
};

// Options of the run that modes may read. The driver fills them from the command line
// as given; each mode's check_options (in the mode table) checks and completes its own.
struct ModeOptions {
  int world_size = 1;                  // MPI ranks available
  std::vector<Layout> hybrid_layouts;  // from --hybrid (empty: derive from the worker count)
  std::vector<std::string> gil_policies{"cpython"};
  std::vector<std::string> switch_interval_texts;  // --switch-interval as given (empty: the default)
  std::vector<double> switch_intervals_s{0.005};   // parsed by the gil mode's check_options
  std::uint64_t gil_tick_elements = 0;  // 0: the kernel's own tick (legacy: a bytecode's share of it)
  std::vector<std::string> check_interval_texts;  // --check-interval as given (empty: the default)
  std::vector<int> check_intervals{100};  // legacy: CPython 2's sys.setcheckinterval, in bytecodes (parsed
                                          // by the gil mode's check_options)
  // The flags a mode declares itself (ModeParam::own_flag), as given: flag -> its list's items.
  std::map<std::string, std::vector<std::string>, std::less<>> texts;
};

// A parameter of a mode's cases: the catalogue declares it (--list=json: modes[].params)
// and every case's JSON entry carries its value ("params": {column: value}), so that the
// runner, the results and the report need no list of their own (docs/DESIGN.md).
struct ModeParam {
  std::string_view flag;      // the flag that sets it: "--switch-interval"
  std::string_view column;    // its key in an entry's "params", and its results column: "switch_interval_s"
  std::string_view type;      // of one value: "str", "int" or "float"
  std::string_view unit;      // of one value ("s"), "" for none
  std::string_view name_key;  // its part of the case name ("interval" in .../interval:5000us), "" for none
  // A flag the driver's flag table lacks: the mode declares it, as a list of values
  // (flag_table adds a row; ModeOptions::texts gets the items; check_options checks them).
  bool own_flag = false;
  std::string_view help = "";
};
// One case's parameter values, by column.
using ParamValue = std::variant<std::string, double, long long>;
using ModeParams = std::vector<std::pair<std::string, ParamValue>>;

// Statistics a mode adds to a benchmark entry, as named counters.
using ModeCounters = std::map<std::string, double>;

class Mode {
 public:
  virtual ~Mode() = default;
  virtual std::string_view name() const = 0;
  // Extra name components, e.g. "/policy:cpython/interval:5000us" (start with '/').
  virtual std::string name_suffix() const { return {}; }
  // This instance's values of its row's ModeDescriptor::params (by column).
  virtual ModeParams params() const { return {}; }
  // Layouts to run for a requested worker count; empty when not applicable.
  virtual std::vector<Layout> layouts(int workers, const ModeOptions& opt) const = 0;
  // Whether the mode can run a kernel that only works inside one process.
  virtual bool multi_process() const { return false; }

  // Untimed: the team's workers initialize their own sub-slices of `range` and the mode
  // shapes the per-worker partials it keeps for the runs.
  virtual void first_touch(KernelInstance& k, Slice range, int threads) = 0;
  // Timed: `threads` workers run `range` and combine into `out` (already shaped).
  virtual void run(KernelInstance& k, Slice range, int threads, Partial& out) = 0;
  // Untimed, after the runs, for kernels that check their data (k.checks_slices()): each
  // worker checks the slice it ran, where its pages are, and the checks are added into
  // `out`. The default runs one std::thread per worker (the gil mode's workers).
  virtual void check(KernelInstance& k, Slice range, int threads, Partial& out);
  // Frees what the mode keeps between runs (its partials) once its case is done.
  virtual void release() {}

  // Counters describing the runs since the last reset (e.g. GIL statistics).
  virtual void reset_counters() {}
  virtual ModeCounters counters() const { return {}; }
};

// A row of the mode table: one factory may return several configured instances
// (the gil mode returns one per policy and switch interval).
struct ModeDescriptor {
  std::string_view name;
  std::string_view summary;
  std::string_view layouts_rule;  // Mode::layouts in words (the catalogue also lists its results)
  std::vector<std::unique_ptr<Mode>> (*make)(const ModeOptions&);
  // Checks the mode's own options and completes them (parses what it owns); returns ""
  // when they are valid, else one line naming the bad value and what is allowed.
  // nullptr: the mode has no options of its own.
  std::string (*check_options)(ModeOptions&) = nullptr;
  std::vector<ModeParam> params = {};  // what one instance's params() gives values of
};

// Mode::check's default: one std::thread per worker, each checking the slice it ran into
// its own partial, added into `out` after join. The driver also uses it for every mode
// where a rank's CPUs sit on one NUMA node (driver/spread.hpp): joining std::threads sleeps,
// where an OpenMP team's closing barrier spins and takes the CPU from other ranks.
void check_with_threads(KernelInstance& k, Slice range, int threads, Partial& out);

// The first row is the reference every speedup is measured against (one worker).
const std::vector<ModeDescriptor>& mode_table();
// Rows appended by a test-only binary (tests/catalogue/extra_rows.cpp); empty by default.
std::vector<ModeDescriptor> extra_mode_rows();
const ModeDescriptor* find_mode(std::string_view name);
// Runs every mode's check_options; returns the first complaint, or "".
std::string check_mode_options(ModeOptions& opt);

// The two ways a process runs its range: one worker (serial, mpi) or an OpenMP team
// (omp, hybrid), which keeps one partial per thread, first-touched by that thread.
class SingleWorkerMode : public Mode {
 public:
  void first_touch(KernelInstance& k, Slice range, int threads) override;
  void run(KernelInstance& k, Slice range, int threads, Partial& out) override;
  void check(KernelInstance& k, Slice range, int threads, Partial& out) override;
};
class OmpTeamMode : public Mode {
 public:
  void first_touch(KernelInstance& k, Slice range, int threads) override;
  void run(KernelInstance& k, Slice range, int threads, Partial& out) override;
  void check(KernelInstance& k, Slice range, int threads, Partial& out) override;
  void release() override { partials_ = {}; }

 private:
  std::vector<Partial> partials_;  // one per thread, kept across runs (not allocated in the timed run)
};

// The factory of a mode table row with a single instance.
template <class M>
std::vector<std::unique_ptr<Mode>> one_mode() {
  std::vector<std::unique_ptr<Mode>> modes;
  modes.push_back(std::make_unique<M>());
  return modes;
}

}  // namespace sumbench
