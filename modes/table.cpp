// The one table of execution modes. Adding a mode: its own file, a row here, a line in CMakeLists.txt.
// The first row is the reference mode (one worker) that every speedup is measured against.
#include "mode.hpp"

namespace sumbench {

#define SUMBENCH_MODE_ENTRY(id) std::vector<std::unique_ptr<Mode>> make_##id##_modes(const ModeOptions&);
SUMBENCH_MODE_ENTRY(serial)
SUMBENCH_MODE_ENTRY(omp)
SUMBENCH_MODE_ENTRY(mpi)
SUMBENCH_MODE_ENTRY(hybrid)
SUMBENCH_MODE_ENTRY(gil)
#undef SUMBENCH_MODE_ENTRY
std::string check_gil_options(ModeOptions&);

// Weak: the test-only binary sumbench_extra links a definition with one more row.
__attribute__((weak)) std::vector<ModeDescriptor> extra_mode_rows() {
  return {};
}

const std::vector<ModeDescriptor>& mode_table() {
  static const std::vector<ModeDescriptor> table = [] {
    std::vector<ModeDescriptor> rows{
        {"serial", "one worker: the baseline", "1x1 at every worker count", make_serial_modes},
        {"omp", "T OpenMP threads in one process, no lock (free threads)", "1xW", make_omp_modes},
        {"mpi", "R MPI ranks, one worker each (processes; one node or many)",
         "Wx1, when the world has W ranks", make_mpi_modes},
        {"hybrid", "R MPI ranks x T OpenMP threads (--hybrid=RxT)",
         "the --hybrid layouts with R x T = W and R <= the world size; without --hybrid: 2x(W/2) when the "
         "world has 2 or more ranks and W is even, else 1xW",
         make_hybrid_modes},
        {"gil",
         "T threads serialized by a CPython-like global interpreter lock",
         "1xW, once per --gil-policy x --switch-interval",
         make_gil_modes,
         check_gil_options,
         {{"--gil-policy", "gil_policy", "str", "", "policy"},
          {"--switch-interval", "switch_interval_s", "float", "s", "interval"},   // not legacy's
          {"--check-interval", "check_interval", "int", "bytecodes", "check"}}},  // legacy's only
    };
    for (auto& row : extra_mode_rows()) rows.push_back(std::move(row));
    return rows;
  }();
  return table;
}

const ModeDescriptor* find_mode(std::string_view name) {
  for (const auto& m : mode_table())
    if (m.name == name) return &m;
  return nullptr;
}

}  // namespace sumbench
