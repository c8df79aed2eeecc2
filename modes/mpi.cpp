// mpi: R ranks (separate processes, on one node or many), one worker each.
// The driver splits [0, n) over the ranks and combines with MPI_Reduce; here each
// rank just runs its slice, like the serial mode.
#include "mode.hpp"

namespace sumbench {
namespace {

class MpiMode final : public SingleWorkerMode {
 public:
  std::string_view name() const override { return "mpi"; }
  bool multi_process() const override { return true; }
  std::vector<Layout> layouts(int workers, const ModeOptions& opt) const override {
    if (workers > opt.world_size) return {};
    return {{workers, 1}};
  }
};

}  // namespace

std::vector<std::unique_ptr<Mode>> make_mpi_modes(const ModeOptions&) {
  return one_mode<MpiMode>();
}

}  // namespace sumbench
