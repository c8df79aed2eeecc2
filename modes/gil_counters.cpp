// The gil mode's statistics: a run's lock statistics summed into per-run means, and
// the counters the driver adds to each benchmark entry.
#include <algorithm>
#include <limits>

#include "gil.hpp"

namespace sumbench {

void GilMode::record_run(const GilLock& lock) {
  const int threads = lock.threads();
  last_threads_.assign(static_cast<std::size_t>(threads), GilThreadStats{});
  double wait_total = 0, wait_max = 0, wait_longest = 0, drop_releases = 0, voluntary = 0, forced = 0;
  double held_min = std::numeric_limits<double>::infinity(), held_max = 0;
  for (int i = 0; i < threads; ++i) {
    const GilThreadStats& s = lock.thread_stats(i);
    last_threads_[static_cast<std::size_t>(i)] = s;
    wait_total += s.wait_s;
    wait_max = std::max(wait_max, s.wait_s);
    wait_longest = std::max(wait_longest, s.longest_wait_s);
    held_min = std::min(held_min, s.held_s);
    held_max = std::max(held_max, s.held_s);
    drop_releases += static_cast<double>(s.drop_releases);
    voluntary += static_cast<double>(s.voluntary_releases);
    forced += static_cast<double>(s.forced_waits);
  }
  last_lock_ = lock.lock_stats();

  Totals& t = totals_;
  t.runs += 1;
  t.takes += static_cast<double>(last_lock_.takes);
  t.switches += static_cast<double>(last_lock_.switches);
  t.drop_requests += static_cast<double>(last_lock_.drop_requests);
  t.drop_releases += drop_releases;
  t.forced_waits += forced;
  t.voluntary_releases += voluntary;
  t.wait_total_s += wait_total;
  t.wait_max_s += wait_max;
  t.held_min_s += held_min;
  t.held_max_s += held_max;
  // A thread that never held the lock for a measurable time makes the ratio meaningless: count it as 0.
  t.fairness += held_min > 0 ? held_max / held_min : 0.0;
  t.wait_longest_s = std::max(t.wait_longest_s, wait_longest);
}

ModeCounters GilMode::counters() const {
  // Every counter is the mean per run over the runs since reset_counters(), except
  // gil_wait_longest_s, the longest single wait over all those runs.
  //   gil_takes               lock acquisitions (0 for policy none)
  //   gil_switches            takes by a thread other than the previous holder (a run's first take excluded)
  //   gil_drop_requests       times a waiter set the drop request (cpython, fifo)
  //   gil_drop_releases       releases at a drop request (cpython, fifo) or check interval (legacy)
  //   gil_forced_waits        releases followed by a forced-switch wait (cpython)
  //   gil_voluntary_releases  releases around blocking calls + end-of-work releases
  //   gil_wait_total_s        sum over threads of the time spent waiting to take the lock
  //                           (incl. forced-switch waits)
  //   gil_wait_max_s          max over threads of a thread's total wait
  //   gil_held_min_s/max_s    min/max over threads of a thread's total time holding the lock
  //   gil_fairness            gil_held_max_s / gil_held_min_s of a run (1 = fair)
  //   gil_tick_elements       kernel elements per tick (legacy: per bytecode) of the last run
  //   gil_check_interval      legacy: the check interval, in bytecodes
  //   gil_element_ns          legacy: the sum kernel's ns per element, measured at start-up
  //   gil_bytecode_ns         legacy: what one tick (bytecode) costs at that rate: ~4.49 ns
  //                           with the default tick (gil_params.hpp), else --gil-tick's
  ModeCounters c;
  const double runs = static_cast<double>(totals_.runs);
  if (totals_.runs == 0) return c;
  const Totals& t = totals_;
  c["gil_takes"] = t.takes / runs;
  c["gil_switches"] = t.switches / runs;
  c["gil_drop_requests"] = t.drop_requests / runs;
  c["gil_drop_releases"] = t.drop_releases / runs;
  c["gil_forced_waits"] = t.forced_waits / runs;
  c["gil_voluntary_releases"] = t.voluntary_releases / runs;
  c["gil_wait_total_s"] = t.wait_total_s / runs;
  c["gil_wait_max_s"] = t.wait_max_s / runs;
  c["gil_wait_longest_s"] = t.wait_longest_s;
  c["gil_held_min_s"] = t.held_min_s / runs;
  c["gil_held_max_s"] = t.held_max_s / runs;
  c["gil_fairness"] = t.fairness / runs;
  c["gil_tick_elements"] = static_cast<double>(last_tick_);
  if (policy_ == GilPolicy::legacy) {
    c["gil_check_interval"] = check_interval_;
    c["gil_element_ns"] = element_ns_;
    c["gil_bytecode_ns"] = element_ns_ * static_cast<double>(last_tick_);
  }
  return c;
}

}  // namespace sumbench
