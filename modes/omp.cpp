// omp: one OpenMP parallel region of T threads on one process, free threads
// with no lock: what C/C++/Fortran threads buy on CPU-bound work.
#include <omp.h>

#include <stdexcept>
#include <string>

#include "mode.hpp"

namespace sumbench {
namespace {

class TeamWorker final : public Worker {};

bool same_shape(const std::vector<Partial>& parts, const Partial& b) {
  for (const Partial& a : parts)
    if (a.counts.size() != b.counts.size() || a.values.size() != b.values.size()) return false;
  return true;
}

// Thread t of `threads` sums its share of the slots over all partials into `out`, in
// shared memory.
void combine_share(const std::vector<Partial>& partials, Partial& out, int t, int threads) {
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

}  // namespace

void OmpTeamMode::first_touch(KernelInstance& k, Slice range, int threads) {
  partials_.assign(static_cast<std::size_t>(threads), Partial{});
  int team = 0;
#pragma omp parallel num_threads(threads)
  {
    const int t = omp_get_thread_num();
#pragma omp single
    team = omp_get_num_threads();
    partials_[static_cast<std::size_t>(t)] = k.make_partial();
    k.first_touch(k.worker_slice(range, t, threads));
  }
  // A smaller team (OMP_THREAD_LIMIT, OMP_DYNAMIC) would leave slices unrun and stale.
  if (team != threads)
    throw std::runtime_error("OpenMP gave " + std::to_string(team) + " threads instead of " +
                             std::to_string(threads) + " (check OMP_THREAD_LIMIT and OMP_DYNAMIC)");
}

void OmpTeamMode::run(KernelInstance& k, Slice range, int threads, Partial& out) {
  if (threads == 1) {  // no parallel region: hybrid with T = 1 runs like the serial mode
    TeamWorker w;
    k.reset(out);
    k.body(k.worker_slice(range, 0, 1), out, w);
    return;
  }
  if (partials_.size() != static_cast<std::size_t>(threads) || !same_shape(partials_, out))
    partials_.assign(static_cast<std::size_t>(threads), out);  // first_touch was not called
  std::vector<Partial>& partials = partials_;
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
    combine_share(partials, out, t, threads);
  }
}

void OmpTeamMode::check(KernelInstance& k, Slice range, int threads, Partial& out) {
  if (partials_.size() != static_cast<std::size_t>(threads) || !same_shape(partials_, out))
    partials_.assign(static_cast<std::size_t>(threads), out);
  std::vector<Partial>& partials = partials_;
  // The same team and slice mapping as the runs: each thread reads the pages it wrote.
  // Checks are counts, so they are added after the region, without a barrier inside it
  // (which costs a scheduler time slice when the team is oversubscribed).
#pragma omp parallel num_threads(threads)
  {
    const int t = omp_get_thread_num();
    Partial& mine = partials[static_cast<std::size_t>(t)];
    mine.zero();
    k.check(k.worker_slice(range, t, threads), mine);
  }
  for (const Partial& p : partials) out.add(p);
}

namespace {

class OmpMode final : public OmpTeamMode {
 public:
  std::string_view name() const override { return "omp"; }
  std::vector<Layout> layouts(int workers, const ModeOptions&) const override { return {{1, workers}}; }
};

}  // namespace

std::vector<std::unique_ptr<Mode>> make_omp_modes(const ModeOptions&) {
  return one_mode<OmpMode>();
}

}  // namespace sumbench
