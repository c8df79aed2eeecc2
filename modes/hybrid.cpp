// hybrid: R ranks x T OpenMP threads, the usual layout of MPI+X codes on clusters.
#include "mode.hpp"

namespace sumbench {
namespace {

class HybridMode final : public Mode {
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
  void first_touch(KernelInstance& k, Slice range, int threads) override {
    omp_first_touch(k, range, threads);
  }
  void run(KernelInstance& k, Slice range, int threads, Partial& out) override {
    omp_run(k, range, threads, out);
  }
};

}  // namespace

std::vector<std::unique_ptr<Mode>> make_hybrid_modes(const ModeOptions&) {
  std::vector<std::unique_ptr<Mode>> modes;
  modes.push_back(std::make_unique<HybridMode>());
  return modes;
}

}  // namespace sumbench
