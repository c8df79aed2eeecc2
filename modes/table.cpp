// The one table of execution modes. Adding a mode: its own file, a row here, a line in CMakeLists.txt.
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

const std::vector<ModeDescriptor>& mode_table() {
  static const std::vector<ModeDescriptor> table{
      {"serial", "one worker: the baseline", make_serial_modes},
      {"omp", "T OpenMP threads in one process, no lock (free threads)", make_omp_modes},
      {"mpi", "R MPI ranks, one worker each (processes; one node or many)", make_mpi_modes},
      {"hybrid", "R MPI ranks x T OpenMP threads (--hybrid=RxT)", make_hybrid_modes},
      {"gil", "T threads serialized by a CPython-like global interpreter lock", make_gil_modes,
       check_gil_options},
  };
  return table;
}

const ModeDescriptor* find_mode(std::string_view name) {
  for (const auto& m : mode_table())
    if (m.name == name) return &m;
  return nullptr;
}

}  // namespace sumbench
