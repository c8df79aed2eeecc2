// omp: one OpenMP parallel region of T threads on one process, free threads
// with no lock: what C/C++/Fortran threads buy on CPU-bound work.
#include <omp.h>

#include "mode.hpp"

namespace sumbench {
namespace {

class TeamWorker final : public Worker {};

// One partial per thread, allocated and first-touched by its thread before the
// timed runs, as each rank's partial is; the runs only zero them.
std::vector<Partial> team_partials;

bool same_shape(const Partial& a, const Partial& b) {
  return a.counts.size() == b.counts.size() && a.values.size() == b.values.size();
}

}  // namespace

void omp_first_touch(KernelInstance& k, Slice range, int threads) {
  team_partials.assign(static_cast<std::size_t>(threads), Partial{});
#pragma omp parallel num_threads(threads)
  {
    const int t = omp_get_thread_num();
    team_partials[static_cast<std::size_t>(t)] = k.make_partial();
    k.first_touch(k.worker_slice(range, t, threads));
  }
}

void omp_run(KernelInstance& k, Slice range, int threads, Partial& out) {
  if (threads == 1) {  // no parallel region: the serial mode's path, and hybrid with T = 1
    TeamWorker w;
    k.reset(out);
    k.body(k.worker_slice(range, 0, 1), out, w);
    return;
  }
  std::vector<Partial>& partials = team_partials;
  if (partials.size() != static_cast<std::size_t>(threads) || !same_shape(partials[0], out))
    partials.assign(static_cast<std::size_t>(threads), out);  // first_touch was not called
#pragma omp parallel num_threads(threads)
  {
    const int t = omp_get_thread_num();
    TeamWorker w;
    w.index = t;
    w.team = threads;
    Partial& mine = partials[static_cast<std::size_t>(t)];
    k.reset(mine);
    k.body(k.worker_slice(range, t, threads), mine, w);
#pragma omp barrier
    // Combine in shared memory: each thread sums its share of the slots over all partials.
    const Slice counts = partition(out.counts.size(), threads, t);
    const Slice values = partition(out.values.size(), threads, t);
    for (std::uint64_t j = counts.begin; j < counts.end; ++j) {
      std::uint64_t s = 0;
      for (const Partial& p : partials) s += p.counts[j];
      out.counts[j] = s;
    }
    for (std::uint64_t j = values.begin; j < values.end; ++j) {
      double s = 0.0;
      for (const Partial& p : partials) s += p.values[j];
      out.values[j] = s;
    }
  }
}

namespace {

class OmpMode final : public Mode {
 public:
  std::string_view name() const override { return "omp"; }
  std::vector<Layout> layouts(int workers, const ModeOptions&) const override {
    return {{1, workers}};
  }
  void first_touch(KernelInstance& k, Slice range, int threads) override {
    omp_first_touch(k, range, threads);
  }
  void run(KernelInstance& k, Slice range, int threads, Partial& out) override {
    omp_run(k, range, threads, out);
  }
};

}  // namespace

std::vector<std::unique_ptr<Mode>> make_omp_modes(const ModeOptions&) {
  std::vector<std::unique_ptr<Mode>> modes;
  modes.push_back(std::make_unique<OmpMode>());
  return modes;
}

}  // namespace sumbench
