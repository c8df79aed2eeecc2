// Running one call of a case: the timed runs, the plain MPI_Reduce reference, and
// validation by the case's own workers, each phase timed for the overhead counters
// (docs/DESIGN.md, "Where a run's time goes"); set-up and teardown are in cases.cpp.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <thread>

#include "cases.hpp"

namespace sumbench {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}
double clock_s(Clock::time_point t) {
  return std::chrono::duration<double>(t.time_since_epoch()).count();
}

// Sums a partial over `comm` into `out` on its rank 0: the combine step of processes.
void reduce_partial(const Partial& local, Partial& out, MPI_Comm comm) {
  if (!local.counts.empty())
    MPI_Reduce(local.counts.data(), out.counts.data(), static_cast<int>(local.counts.size()), MPI_UINT64_T,
               MPI_SUM, 0, comm);
  if (!local.values.empty())
    MPI_Reduce(local.values.data(), out.values.data(), static_cast<int>(local.values.size()), MPI_DOUBLE,
               MPI_SUM, 0, comm);
}

}  // namespace

void Plan::run(benchmark::State& state, const Case& c) {
  // Every rank runs every case, in the same order, with the same iteration counts:
  // the time each iteration reports is the same maximum on all ranks.
  const auto call_start = Clock::now();
  CaseCost& cost = costs_[c.name];
  PreparedCase& p = prepare(c, cost);
  const int ranks = c.layout.ranks, threads = c.layout.threads;
  const bool member = p.team != MPI_COMM_NULL;
  const bool corrupt = corrupt_ && member && world_.rank() == ranks - 1;  // the last rank's result
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
    cost.wall_s += seconds_since(call_start);
    return;
  }

  c.mode->reset_counters();
  double sum_max = 0, sum_min = 0, sum_combine = 0, sum_wait = 0;
  for (auto _ : state) {
    // Max over ranks, min over ranks, the combine step from the last rank's arrival to the
    // last rank's exit, and the spread of the arrivals (the first rank's wait).
    double times[4] = {0, 0, 0, 0};
    if (member) {
      MPI_Barrier(team);
      const auto start = Clock::now();
      c.mode->run(*kernel, range, threads, local);
      if (corrupt) kernel->corrupt(range, local);  // test-only, never set in a real run
      const auto arrive = Clock::now();
      if (ranks > 1) reduce_partial(local, combined, team);
      const auto end = Clock::now();
      const double elapsed = std::chrono::duration<double>(end - start).count();
      const double at = clock_s(arrive) - p.clock_offset_s, left = clock_s(end) - p.clock_offset_s;
      // One reduce for maxima and minima (a minimum is minus the maximum of the negation):
      // under CPU contention every collective can cost a scheduler time slice per iteration.
      double mine[5] = {elapsed, at, left, -elapsed, -at}, most[5];
      MPI_Reduce(mine, most, 5, MPI_DOUBLE, MPI_MAX, 0, team);
      times[0] = most[0], times[1] = -most[3], times[2] = most[2] - most[1], times[3] = most[1] + most[4];
    }
    world_.bcast(times, 4, !member);
    state.SetIterationTime(times[0]);
    sum_max += times[0], sum_min += times[1], sum_combine += times[2], sum_wait += times[3];
  }
  cost.measured_s += sum_max;

  // Validation is always on: the case's own workers check their slices (Mode::check),
  // then rank 0 checks the combined result of the last run.
  const auto validate_start = Clock::now();
  double verdict[3] = {1.0, 0.0, 0.0};  // valid, checksum, seconds (max over ranks)
  std::string why;
  std::vector<std::pair<std::string, double>> figures;
  std::string label;
  if (member) {
    Partial& result = ranks > 1 ? combined : local;  // on rank 0
    if (kernel->checks_slices()) {
      Partial checked = kernel->make_partial(), all = kernel->make_partial();
      if (p.spread)  // one NUMA node: any thread of the rank may check (spread.hpp)
        check_with_threads(*p.spread, range, threads, checked);
      else
        c.mode->check(*kernel, range, threads, checked);
      if (ranks > 1) reduce_partial(checked, all, team);
      result.add(ranks > 1 ? all : checked);
    }
    std::this_thread::sleep_for(test_delay_);  // test-only, 0 in a real run
    if (world_.root()) {
      why = kernel->validate(result);
      verdict[0] = why.empty() ? 1.0 : 0.0;
      verdict[1] = static_cast<double>(kernel->checksum(result));
      figures = kernel->figures(result);
      label = kernel->label(result);
    }
    const double mine = seconds_since(validate_start);
    MPI_Reduce(&mine, &verdict[2], 1, MPI_DOUBLE, MPI_MAX, 0, team);
  }
  world_.bcast(verdict, 3, !member);
  cost.validate_s += verdict[2];

  // The reference, once the result is validated: the same MPI_Reduce calls on the same
  // buffers, from a barrier, max over ranks, as many times as the runs but at most 100 (a
  // microsecond kernel runs thousands of times per call; its reference would double the
  // call). The ranks' clocks need no alignment here. It overwrites `combined` with the same sum.
  const auto reference_start = Clock::now();
  const benchmark::IterationCount references = std::min<benchmark::IterationCount>(state.iterations(), 100);
  double sum_reference = 0;
  if (member && ranks > 1)
    for (benchmark::IterationCount i = 0; i < references; ++i) {
      MPI_Barrier(team);
      const auto start = Clock::now();
      reduce_partial(local, combined, team);
      const double mine = seconds_since(start);
      double most = 0;
      MPI_Reduce(&mine, &most, 1, MPI_DOUBLE, MPI_MAX, 0, team);
      sum_reference += most;
    }
  cost.reference_s += seconds_since(reference_start);

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
  counters["combine_wait_s"] = sum_wait / iterations;
  counters["mpi_reduce_s"] = references > 0 ? sum_reference / static_cast<double>(references) : 0.0;
  counters["setup_s"] = cost.setup_s;
  counters["teardown_s"] = cost.teardown_s;
  counters["validate_s"] = verdict[2];
  // Bytes that must travel to combine: every worker's partial but one.
  const double partial_bytes =
      member ? 8.0 * static_cast<double>(local.counts.size() + local.values.size()) : 0.0;
  counters["combine_bytes"] = partial_bytes * (c.layout.workers() - 1);
  if (c.kernel->rate_in_bytes)
    counters["bytes_per_second"] = c.kernel->bytes_per_element * static_cast<double>(c.n) / time;
  else  // elements, tasks or waits per second
    counters["items_per_second"] = static_cast<double>(c.n) / time;
  for (const auto& [name, value] : figures) counters[name] = value;
  for (const auto& [name, value] : c.mode->counters()) counters[name] = value;
  if (!label.empty()) state.SetLabel(label);  // rank 0's: only it reports

  if (verdict[0] == 0.0) {
    outcome.invalid = true;
    outcome.error = world_.root() ? why : "invalid result";
    state.SkipWithError(("invalid result: " + outcome.error).c_str());
  }
  cost.wall_s += seconds_since(call_start);
}

}  // namespace sumbench
