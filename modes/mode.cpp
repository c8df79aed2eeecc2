// What every mode shares: the default check (one std::thread per worker), the
// single-worker modes' run, and the mode table's option checks.
#include "mode.hpp"

#include <thread>

namespace sumbench {
namespace {

class SoloWorker final : public Worker {};

}  // namespace

void Mode::check(KernelInstance& k, Slice range, int threads, Partial& out) {
  check_with_threads(k, range, threads, out);
}

void check_with_threads(KernelInstance& k, Slice range, int threads, Partial& out) {
  if (threads <= 1) {
    k.check(k.worker_slice(range, 0, 1), out);
    return;
  }
  // No lock: checking reads only what the worker wrote. Each thread checks the slice it
  // ran, into its own partial, then the partials are added after join.
  std::vector<Partial> checked(static_cast<std::size_t>(threads), Partial{});
  std::vector<std::thread> team;
  team.reserve(static_cast<std::size_t>(threads));
  for (int i = 0; i < threads; ++i)
    team.emplace_back([&, i] {
      Partial& mine = checked[static_cast<std::size_t>(i)];
      mine = k.make_partial();
      k.check(k.worker_slice(range, i, threads), mine);
    });
  for (auto& t : team) t.join();
  for (const Partial& p : checked) out.add(p);
}

void SingleWorkerMode::first_touch(KernelInstance& k, Slice range, int) {
  k.first_touch(k.worker_slice(range, 0, 1));
}

void SingleWorkerMode::run(KernelInstance& k, Slice range, int, Partial& out) {
  SoloWorker w;
  k.reset(out);
  k.body(k.worker_slice(range, 0, 1), out, w);
}

void SingleWorkerMode::check(KernelInstance& k, Slice range, int, Partial& out) {
  k.check(k.worker_slice(range, 0, 1), out);
}

std::string check_mode_options(ModeOptions& opt) {
  for (const ModeDescriptor& m : mode_table())
    if (m.check_options)
      if (std::string why = m.check_options(opt); !why.empty()) return why;
  return {};
}

}  // namespace sumbench
