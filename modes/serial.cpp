// serial: one worker on one process, the baseline every speedup is measured against.
#include "mode.hpp"

namespace sumbench {
namespace {

class SerialMode final : public Mode {
 public:
  std::string_view name() const override { return "serial"; }
  std::vector<Layout> layouts(int, const ModeOptions&) const override { return {{1, 1}}; }
  void first_touch(KernelInstance& k, Slice range, int) override { k.first_touch(range); }
  void run(KernelInstance& k, Slice range, int, Partial& out) override { omp_run(k, range, 1, out); }
};

}  // namespace

std::vector<std::unique_ptr<Mode>> make_serial_modes(const ModeOptions&) {
  std::vector<std::unique_ptr<Mode>> modes;
  modes.push_back(std::make_unique<SerialMode>());
  return modes;
}

}  // namespace sumbench
