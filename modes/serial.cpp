// serial: one worker on one process, the baseline every speedup is measured against.
#include "mode.hpp"

namespace sumbench {
namespace {

class SerialMode final : public SingleWorkerMode {
 public:
  std::string_view name() const override { return "serial"; }
  std::vector<Layout> layouts(int, const ModeOptions&) const override { return {{1, 1}}; }
};

}  // namespace

std::vector<std::unique_ptr<Mode>> make_serial_modes(const ModeOptions&) {
  return one_mode<SerialMode>();
}

}  // namespace sumbench
