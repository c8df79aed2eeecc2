// hybrid: R ranks x T OpenMP threads, the usual layout of MPI+X codes on clusters.
#include "mode.hpp"

namespace sumbench {
namespace {

class HybridMode final : public OmpTeamMode {
 public:
  std::string_view name() const override { return "hybrid"; }
  bool multi_process() const override { return true; }
  std::vector<Layout> layouts(int workers, const ModeOptions& opt) const override {
    std::vector<Layout> out;
    if (!opt.hybrid_layouts.empty()) {  // --hybrid=RxT: the layouts with this worker count
      for (const Layout& l : opt.hybrid_layouts)
        if (l.workers() == workers && l.ranks <= opt.world_size) out.push_back(l);
      return out;
    }
    // Default: two ranks when the world and the worker count allow it, else one.
    const int ranks = (opt.world_size >= 2 && workers % 2 == 0) ? 2 : 1;
    out.push_back({ranks, workers / ranks});
    return out;
  }
};

}  // namespace

std::vector<std::unique_ptr<Mode>> make_hybrid_modes(const ModeOptions&) {
  return one_mode<HybridMode>();
}

}  // namespace sumbench
