#include "cases.hpp"

#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <thread>

#include "memory.hpp"
#include "output.hpp"
#include "params.hpp"
#include "reuse.hpp"
#include "spread.hpp"

namespace sumbench {
namespace {
using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}
}  // namespace

Plan::Plan(const Options& opt, World& world, const Placement& placement) : opt_(opt), world_(world) {
  std::vector<int> workers = opt.workers;
  if (workers.empty()) workers = default_workers(world.size(), opt.cpus);
  max_workers_ = *std::max_element(workers.begin(), workers.end());

  ModeOptions mode_options = opt.mode;
  mode_options.world_size = world.size();
  // Test-only hooks (docs/DESIGN.md): rank 0's environment decides for all ranks.
  const char* corrupt = std::getenv("SUMBENCH_TEST_CORRUPT");
  const char* delay = std::getenv("SUMBENCH_TEST_DELAY_MS");
  int flags[3] = {corrupt && *corrupt && std::string(corrupt) != "0", delay ? std::atoi(delay) : 0,
                  numa_nodes_of_this_process()};
  const long write_ms = world.rank() == 0 ? test_write_delay_ms() : 0;  // rank 0's final write
  MPI_Bcast(flags, 2, MPI_INT, 0, world.comm());
  corrupt_ = flags[0] != 0;
  test_delay_ = std::chrono::milliseconds(std::max(flags[1], 0));
  if (corrupt_)
    benchmark::AddCustomContext("test_corrupt",
                                "1 (SUMBENCH_TEST_CORRUPT: every result corrupted on purpose)");
  if (flags[1] > 0)
    benchmark::AddCustomContext("test_delay_ms", std::to_string(flags[1]) + " (SUMBENCH_TEST_DELAY_MS)");
  if (write_ms > 0)
    benchmark::AddCustomContext("test_write_delay_ms",
                                std::to_string(write_ms) + " (SUMBENCH_TEST_WRITE_DELAY_MS)");
  if (corrupt_ || flags[1] > 0 || write_ms > 0)
    warnings_.push_back(std::string("test-only hooks are on (SUMBENCH_TEST_CORRUPT=") +
                        (corrupt_ ? "1" : "0") +
                        ", SUMBENCH_TEST_DELAY_MS=" + std::to_string(std::max(flags[1], 0)) +
                        ", SUMBENCH_TEST_WRITE_DELAY_MS=" + std::to_string(write_ms) +
                        "): these results are wrong or slow on purpose");
  // Memory is reused across cases only where placement cannot differ (workspace.hpp), and
  // where it fits (register_all).
  numa_nodes_ = flags[2];
  MPI_Allreduce(&flags[2], &max_numa_nodes_, 1, MPI_INT, MPI_MAX, world.comm());
  for (const RankPlace& place : placement.ranks()) rank_hosts_.push_back(place.host);
  // Default sizes come from rank 0's machine so that every rank registers the same cases.
  unsigned long long llc = last_level_cache_bytes();
  MPI_Bcast(&llc, 1, MPI_UNSIGNED_LONG_LONG, 0, world.comm());
  std::set<std::string> seen;
  for (const KernelDescriptor* kernel : opt.kernels) {
    SizeContext size{opt.quick, opt.scaling, max_workers_, llc};
    const std::uint64_t n_one = opt.n ? *opt.n : kernel->default_n(size);
    for (const ModeDescriptor* descriptor : opt.modes) {
      for (auto& mode : descriptor->make(mode_options)) {
        Mode* m = mode.get();
        modes_.push_back(std::move(mode));
        if (kernel->thread_only && m->multi_process()) {
          notes_.push_back(std::string(kernel->name) + "/" + std::string(m->name()) +
                           ": skipped, the kernel runs only in thread modes");
          continue;
        }
        for (int w : workers) {
          const auto layouts = m->layouts(w, mode_options);
          if (layouts.empty())
            notes_.push_back(std::string(kernel->name) + "/" + std::string(m->name()) + " with " +
                             std::to_string(w) + " workers: skipped, no layout with " + std::to_string(w) +
                             " workers fits the world of " + std::to_string(world.size()) +
                             " rank(s) (and --hybrid); run under mpirun -n " + std::to_string(w) +
                             " or pass --hybrid=RxT with R x T = " + std::to_string(w));
          for (const Layout& layout : layouts) {
            Case c;
            c.kernel = kernel;
            c.mode = m;
            c.mode_name = std::string(m->name()) + m->name_suffix();
            c.layout = layout;
            c.n_per_worker = n_one;
            const std::uint64_t scale =
                opt.scaling == Scaling::weak ? static_cast<std::uint64_t>(layout.workers()) : 1;
            if (n_one > (1ull << 62) / scale)
              throw UsageError("--n=" + std::to_string(n_one) + " times " + std::to_string(scale) +
                               " workers overflows; weak scaling needs n x workers <= 2^62");
            c.n = n_one * scale;
            if (c.n <
                static_cast<std::uint64_t>(layout.workers()))  // a worker without an item measures nothing
              throw UsageError("--n=" + std::to_string(c.n) + " is fewer items than the " +
                               std::to_string(layout.workers()) + " workers of " + c.mode_name + " " +
                               std::to_string(layout.ranks) + "x" + std::to_string(layout.threads) + " (" +
                               std::string(kernel->name) +
                               "); strong scaling needs n >= workers: pass a larger --n or fewer workers");
            c.name = std::string(kernel->name) + "/" + std::string(m->name()) +
                     "/ranks:" + std::to_string(layout.ranks) + "/threads:" + std::to_string(layout.threads) +
                     "/n:" + std::to_string(c.n) + m->name_suffix();
            c.oversubscribed = placement.oversubscription(layout, opt.cpus);
            c.hosts = placement.hosts(layout.ranks);
            if (seen.insert(c.name).second) cases_.push_back(std::move(c));
          }
        }
      }
    }
  }
}

void Plan::register_all() {
  for (const Case& c : cases_) {  // the time unit is --benchmark_time_unit's (sumbench's default: ms)
    remember_params(c.name, c.mode->params());  // its JSON entry's "params" (params.hpp)
    benchmark::RegisterBenchmark(c.name.c_str(), [this, &c](benchmark::State& s) {
      run(s, c);
    })->UseManualTime();
  }
  // Which kernels may keep their memory across cases: every rank decides the same from the
  // same inputs (reuse.hpp).
  std::string how;
  unsigned long long mine = usable_memory(&how);
  std::vector<unsigned long long> usable(static_cast<std::size_t>(world_.size()));
  MPI_Allgather(&mine, 1, MPI_UNSIGNED_LONG_LONG, usable.data(), 1, MPI_UNSIGNED_LONG_LONG, world_.comm());
  reuse_kernels_ = kernels_that_may_keep_memory(
      cases_, rank_hosts_, std::vector<std::uint64_t>(usable.begin(), usable.end()),
      [&](const Case& c, int r) {
        return case_bytes(c, r, KernelConfig{c.n, opt_.sleep_ms, opt_.quick});
      });
  std::string off;
  for (const Case& c : cases_)
    if (c.kernel->held_bytes_per_element > 0 && !reuse_kernels_.count(c.kernel) &&
        off.find(c.kernel->name) == std::string::npos) {
      if (!off.empty()) off += ',';
      off += c.kernel->name;
    }
  benchmark::AddCustomContext(
      "memory_reuse", max_numa_nodes_ > 1 ? "off: a rank's CPUs span " + std::to_string(max_numa_nodes_) +
                                                " NUMA nodes; every case maps fresh pages"
                      : off.empty()
                          ? "on: each rank's CPUs are on one NUMA node"
                          : "on, but off for " + off + ": its cases would not fit beside the memory kept");
}

std::uint64_t Plan::capacity_hint(const Case& c) const {
  // The largest range this rank gets in the cases of this kernel from `c` on.
  std::uint64_t most = 0;
  for (auto it = cases_.begin() + (&c - cases_.data()); it != cases_.end() && it->kernel == c.kernel; ++it)
    if (world_.rank() < it->layout.ranks)
      most = std::max(most, partition(it->n, it->layout.ranks, world_.rank()).size());
  return most;
}

double Plan::release(bool keep_workspace) {
  const auto start = Clock::now();
  if (prepared_.c) prepared_.c->mode->release();
  prepared_ = PreparedCase{};  // frees the kernel instance and the partials
  if (!keep_workspace) {
    workspace_.set_release_threads(spread_parts(1, 1, 1));  // this rank's CPUs
    workspace_.release();
  }
  return seconds_since(start);
}

PreparedCase& Plan::prepare(const Case& c, CaseCost& cost) {
  if (prepared_.c == &c) return prepared_;
  MPI_Comm team = world_.first_ranks(c.layout.ranks);
  const bool member = team != MPI_COMM_NULL;
  // Teardown: what the last case kept and this one cannot use. A non-member frees its
  // data for the ranks that work; the same kernel keeps its pages for re-initialization.
  const Case* previous = prepared_.c;
  const bool same_kernel = previous && previous->kernel == c.kernel;
  double spent[3] = {0, release(member && same_kernel), 0};  // failed, teardown, setup
  PreparedCase& p = prepared_;
  p.c = &c;
  p.team = team;
  const auto setup_start = Clock::now();
  if (member) {
    p.range = partition(c.n, c.layout.ranks, world_.rank());  // ranks [0, R) are the team, in world order
    try {
      workspace_.set_reuse(numa_nodes_ == 1 && reuse_kernels_.count(c.kernel));
      workspace_.set_capacity_hint(capacity_hint(c));
      const KernelConfig config{c.n, opt_.sleep_ms, opt_.quick, &workspace_};
      p.kernel = c.kernel->make(config, p.range);
      p.kernel->tick_elements = c.kernel->tick_elements;
      p.local = p.kernel->make_partial();
      p.combined = p.kernel->make_partial();
      // Kernels with data: their untimed phases spread over the rank's CPUs (spread.hpp).
      if (numa_nodes_ == 1 && c.kernel->held_bytes_per_element > 0)
        p.spread = std::make_unique<SpreadKernel>(
            *p.kernel, spread_parts(numa_nodes_, ranks_on_my_host(rank_hosts_, world_.rank(), c.layout.ranks),
                                    c.layout.threads));
      c.mode->first_touch(p.untimed(), p.range, c.layout.threads);
      std::this_thread::sleep_for(test_delay_);  // test-only, 0 in a real run
    } catch (const std::exception& e) {
      std::fprintf(stderr, "sumbench: %s: rank %d: setup failed: %s\n", c.name.c_str(), world_.rank(),
                   e.what());
      spent[0] = 1;
    }
  }
  spent[2] = seconds_since(setup_start);
  // All ranks agree, without spinning, on whether every member could set up, and on the
  // longest teardown and set-up.
  double most[3] = {0, 0, 0};
  MPI_Request request;
  MPI_Iallreduce(spent, most, 3, MPI_DOUBLE, MPI_MAX, world_.comm(), &request);
  // Sleeps of at most 0.5 ms, not the 5 ms that suit waits beside timed runs: nothing is
  // timed here, a non-blocking collective advances only while its ranks test it, and each
  // 5 ms sleep could delay a step of it (triad-only runs: measured share 0.600-0.618 with
  // 5 ms, 0.622-0.658 with 0.5 ms, 5 runs each, load 1.2-1.5).
  World::sleepy_wait(request, 500);
  p.failed = most[0] != 0;
  if (p.failed) p.kernel.reset();
  // Ranks on several hosts align their clocks to time the combine step (collective).
  const auto align_start = Clock::now();
  if (!p.failed && member && c.layout.ranks > 1)
    p.clock_offset_s = World::clock_offset(team, c.hosts.size() == 1);
  // Summed: a case sets up again only when cases are interleaved (random interleaving).
  // The release is reported here, where it was paid, but it is the previous case's cost:
  // its wall time (and so its kernel's measured share) carries it.
  cost.teardown_s += most[1];
  if (previous) cost.wall_s -= most[1], costs_[previous->name].wall_s += most[1];
  cost.setup_s += most[2] + seconds_since(align_start);
  return p;
}

void Plan::finish() {
  const double mine = release(false);
  MPI_Allreduce(&mine, &final_teardown_s_, 1, MPI_DOUBLE, MPI_MAX, world_.comm());
  wall_s_ = seconds_since(world_.started());
  for (auto it = cases_.rbegin(); it != cases_.rend(); ++it)
    if (auto cost = costs_.find(it->name); cost != costs_.end()) {  // the last case run owned it
      cost->second.wall_s += final_teardown_s_;
      break;
    }
}

bool Plan::any_invalid() const {
  return std::any_of(outcomes_.begin(), outcomes_.end(), [](const auto& o) { return o.second.invalid; });
}

}  // namespace sumbench
