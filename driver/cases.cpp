#include "cases.hpp"

#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <set>

namespace sumbench {

int usable_cpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) != 0) return 1;
  return std::max(1, CPU_COUNT(&set));
}

std::vector<int> default_workers(int world_size) { return {world_size > 1 ? world_size : usable_cpus()}; }

std::uint64_t last_level_cache_bytes() {
  std::uint64_t best = 0;
  for (int index = 0; index < 8; ++index) {
    std::ifstream in("/sys/devices/system/cpu/cpu0/cache/index" + std::to_string(index) + "/size");
    std::string text;
    if (!(in >> text) || text.empty()) continue;
    std::uint64_t v = std::strtoull(text.c_str(), nullptr, 10);
    if (text.back() == 'K') v <<= 10;
    if (text.back() == 'M') v <<= 20;
    best = std::max(best, v);
  }
  return best;
}

Plan::Plan(const Options& opt, World& world, const Placement& placement) : opt_(opt), world_(world) {
  std::vector<int> workers = opt.workers;
  if (workers.empty()) workers = default_workers(world.size());
  max_workers_ = *std::max_element(workers.begin(), workers.end());

  ModeOptions mode_options = opt.mode;
  mode_options.world_size = world.size();
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
            const std::uint64_t scale = opt.scaling == Scaling::weak ? static_cast<std::uint64_t>(layout.workers()) : 1;
            if (n_one > (1ull << 62) / scale)
              throw UsageError("--n=" + std::to_string(n_one) + " times " + std::to_string(scale) +
                               " workers overflows; weak scaling needs n x workers <= 2^62");
            c.n = n_one * scale;
            c.name = std::string(kernel->name) + "/" + std::string(m->name()) + "/ranks:" +
                     std::to_string(layout.ranks) + "/threads:" + std::to_string(layout.threads) +
                     "/n:" + std::to_string(c.n) + m->name_suffix();
            c.oversubscribed = placement.oversubscription(layout);
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
    benchmark::RegisterBenchmark(c.name.c_str(), [this, &c](benchmark::State& s) { run(s, c); })
        ->UseManualTime();
  }
}

bool Plan::any_invalid() const {
  return std::any_of(outcomes_.begin(), outcomes_.end(), [](const auto& o) { return o.second.invalid; });
}

namespace {

using Clock = std::chrono::steady_clock;

// Sums a partial over `comm` into `out` on its rank 0: the combine step of processes.
void reduce_partial(const Partial& local, Partial& out, MPI_Comm comm) {
  if (!local.counts.empty())
    MPI_Reduce(local.counts.data(), out.counts.data(), static_cast<int>(local.counts.size()),
               MPI_UINT64_T, MPI_SUM, 0, comm);
  if (!local.values.empty())
    MPI_Reduce(local.values.data(), out.values.data(), static_cast<int>(local.values.size()),
               MPI_DOUBLE, MPI_SUM, 0, comm);
}

}  // namespace

PreparedCase& Plan::prepare(const Case& c) {
  if (prepared_.c == &c) return prepared_;
  prepared_ = PreparedCase{};  // frees the last case's data first
  PreparedCase& p = prepared_;
  p.c = &c;
  p.team = world_.first_ranks(c.layout.ranks);
  int setup_failed = 0;
  if (p.team != MPI_COMM_NULL) {
    p.range = partition(c.n, c.layout.ranks, world_.rank());  // ranks [0, R) are the team, in world order
    try {
      const KernelConfig config{c.n, opt_.sleep_ms, opt_.quick};
      p.kernel = c.kernel->make(config, p.range);
      p.kernel->tick_elements = c.kernel->tick_elements;
      p.local = p.kernel->make_partial();
      p.combined = p.kernel->make_partial();
      c.mode->first_touch(*p.kernel, p.range, c.layout.threads);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "sumbench: %s: rank %d: setup failed: %s\n", c.name.c_str(), world_.rank(), e.what());
      setup_failed = 1;
    }
  }
  // All ranks agree, without spinning, on whether every member could set up.
  int any = 0;
  MPI_Request request;
  MPI_Iallreduce(&setup_failed, &any, 1, MPI_INT, MPI_MAX, world_.comm(), &request);
  World::sleepy_wait(request);
  p.failed = any != 0;
  if (p.failed) p.kernel.reset();
  return p;
}

void Plan::run(benchmark::State& state, const Case& c) {
  // Every rank runs every case, in the same order, with the same iteration counts:
  // the time each iteration reports is the same maximum on all ranks.
  world_.sleepy_barrier();
  PreparedCase& p = prepare(c);
  const int ranks = c.layout.ranks, threads = c.layout.threads;
  const bool member = p.team != MPI_COMM_NULL;
  MPI_Comm team = p.team;
  const Slice range = p.range;
  KernelInstance* kernel = p.kernel.get();
  Partial& local = p.local;
  Partial& combined = p.combined;

  CaseOutcome& outcome = outcomes_[c.name];
  if (p.failed) {
    outcome.invalid = true;
    outcome.error = "setup failed (see stderr)";
    state.SkipWithError("setup failed: the size may not fit in memory (see stderr)");
    return;
  }

  c.mode->reset_counters();
  double sum_max = 0, sum_min = 0, sum_combine = 0;
  for (auto _ : state) {
    double times[3] = {0, 0, 0};  // max over ranks, min over ranks, combine step (max)
    if (member) {
      MPI_Barrier(team);
      const auto start = Clock::now();
      c.mode->run(*kernel, range, threads, local);
      const auto combine_start = Clock::now();
      if (ranks > 1) reduce_partial(local, combined, team);
      const auto end = Clock::now();
      const double elapsed = std::chrono::duration<double>(end - start).count();
      const double combine = std::chrono::duration<double>(end - combine_start).count();
      double mine[2] = {elapsed, combine};
      double most[2], least = 0;
      MPI_Reduce(mine, most, 2, MPI_DOUBLE, MPI_MAX, 0, team);
      MPI_Reduce(&elapsed, &least, 1, MPI_DOUBLE, MPI_MIN, 0, team);
      times[0] = most[0], times[1] = least, times[2] = most[1];
    }
    world_.bcast(times, 3, !member);
    state.SetIterationTime(times[0]);
    sum_max += times[0], sum_min += times[1], sum_combine += times[2];
  }

  // Validation is always on: per-slice checks, then the combined result on rank 0.
  double verdict[2] = {1.0, 0.0};  // valid, checksum
  std::string why;
  std::vector<std::pair<std::string, double>> figures;
  if (member) {
    // Each thread checks the slice it ran (where its pages are), into its own partial.
    std::vector<Partial> checked(static_cast<std::size_t>(threads), kernel->make_partial());
#pragma omp parallel for num_threads(threads) schedule(static, 1)
    for (int t = 0; t < threads; ++t) kernel->check(kernel->worker_slice(range, t, threads), checked[t]);
    for (const Partial& part : checked) local.add(part);
    if (ranks > 1) reduce_partial(local, combined, team);
    const Partial& result = ranks > 1 ? combined : local;
    if (world_.root()) {
      why = kernel->validate(result);
      verdict[0] = why.empty() ? 1.0 : 0.0;
      verdict[1] = static_cast<double>(kernel->checksum(result));
      figures = kernel->figures(result);
    }
  }
  world_.bcast(verdict, 2, !member);

  const double iterations = static_cast<double>(state.iterations());
  const double time = sum_max / iterations;
  auto& counters = state.counters;
  counters["ranks"] = ranks;
  counters["threads"] = threads;
  counters["workers"] = c.layout.workers();
  counters["n"] = static_cast<double>(c.n);
  counters["nodes"] = static_cast<double>(c.hosts.size());
  counters["valid"] = verdict[0];
  counters["oversubscribed"] = c.oversubscribed.empty() ? 0 : 1;
  counters["time_max_rank_s"] = time;
  counters["time_min_rank_s"] = sum_min / iterations;
  counters["imbalance"] = sum_min > 0 ? sum_max / sum_min - 1.0 : 0.0;
  counters["checksum"] = verdict[1];
  counters["combine_s"] = sum_combine / iterations;
  // Bytes that must travel to combine: every worker's partial but one.
  const double partial_bytes = member ? 8.0 * static_cast<double>(local.counts.size() + local.values.size()) : 0.0;
  counters["combine_bytes"] = partial_bytes * (c.layout.workers() - 1);
  if (c.kernel->rate_in_bytes)
    counters["bytes_per_second"] = c.kernel->bytes_per_element * static_cast<double>(c.n) / time;
  else  // elements, tasks or waits per second
    counters["items_per_second"] = static_cast<double>(c.n) / time;
  for (const auto& [name, value] : figures) counters[name] = value;
  for (const auto& [name, value] : c.mode->counters()) counters[name] = value;

  if (verdict[0] == 0.0) {
    outcome.invalid = true;
    outcome.error = world_.root() ? why : "invalid result";
    state.SkipWithError(("invalid result: " + outcome.error).c_str());
  }
}

}  // namespace sumbench
