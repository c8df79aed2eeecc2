// The gil mode: T std::threads (spawned per run, like threading.Thread start/join)
// serialized by a GilLock. Declared here for the tests; the driver only needs
// make_gil_modes (through the mode table).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "gil_lock.hpp"
#include "mode.hpp"

namespace sumbench {

// Test-only: counts the threads running kernel code in gil mode (inside a tick and
// outside blocking regions) to check mutual exclusion with the real mode.
struct GilOccupancyProbe {
  std::atomic<int> running{0};
  std::atomic<int> max_running{0};
  std::atomic<std::uint64_t> ticks{0};
  std::atomic<std::uint64_t> overlapping_ticks{0};  // ticks entered while another thread ran

  void enter() {
    const int now = running.fetch_add(1, std::memory_order_acq_rel) + 1;
    if (now > 1) overlapping_ticks.fetch_add(1, std::memory_order_relaxed);
    int seen = max_running.load(std::memory_order_relaxed);
    while (now > seen && !max_running.compare_exchange_weak(seen, now, std::memory_order_relaxed)) {
    }
  }
  void leave() { running.fetch_sub(1, std::memory_order_acq_rel); }
};

class GilMode final : public Mode {
 public:
  // `check_interval`: legacy's, in bytecodes (ignored by the other policies).
  GilMode(GilPolicy policy, double switch_interval_s, int check_interval, const ModeOptions& opt);

  std::string_view name() const override { return "gil"; }
  // "/policy:<p>/interval:<N>us"; legacy, which has no switch interval: "/policy:legacy/check:<N>"
  std::string name_suffix() const override;
  // gil_policy, and switch_interval_s (legacy: check_interval instead).
  ModeParams params() const override;
  std::vector<Layout> layouts(int workers, const ModeOptions&) const override { return {{1, workers}}; }

  void first_touch(KernelInstance& k, Slice range, int threads) override;
  void run(KernelInstance& k, Slice range, int threads, Partial& out) override;

  void release() override { partials_ = {}; }
  void reset_counters() override { totals_ = {}; }
  ModeCounters counters() const override;

  // Elements per tick for kernel `k`: --gil-tick, else the kernel's own tick (about 5 us
  // of work), except legacy, whose tick is one bytecode of CPython 2.7 (kPython27BytecodeNs
  // at the element rate measured at start-up), and cpython, which answers a drop request
  // within ~150 ns as CPython does (1/32 of it). gil_tick.cpp.
  std::uint64_t tick_elements(const KernelInstance& k) const;

  // Test-only: the lock statistics of the last run (per thread and lock-wide).
  const std::vector<GilThreadStats>& last_thread_stats() const { return last_threads_; }
  const GilLockStats& last_lock_stats() const { return last_lock_; }
  // Test-only: when set (before run(), nullptr to clear), every tick enters/leaves it.
  static void set_occupancy_probe(GilOccupancyProbe* probe) {
    occupancy_probe_.store(probe, std::memory_order_release);
  }

 private:
  // Sums over the runs since reset_counters(); counters() divides by runs.
  struct Totals {
    std::uint64_t runs = 0;
    double takes = 0, switches = 0, drop_requests = 0, drop_releases = 0, forced_waits = 0,
           voluntary_releases = 0, wait_total_s = 0, wait_max_s = 0, held_min_s = 0, held_max_s = 0,
           fairness = 0, wait_longest_s = 0;
  };

  void worker_main(KernelInstance& k, GilLock& lock, Slice range, int index, int threads, std::uint64_t tick,
                   GilOccupancyProbe* probe);
  void record_run(const GilLock& lock);

  GilPolicy policy_;
  double switch_interval_s_;
  std::uint64_t tick_override_;
  int check_interval_;
  std::uint64_t last_tick_ = 0;    // elements per tick of the last run (a counter)
  double element_ns_ = 0;          // legacy: the sum kernel's ns per element, measured at start-up
  std::vector<Partial> partials_;  // one per thread, kept across runs (not allocated in the timed run)
  Totals totals_;
  std::vector<GilThreadStats> last_threads_;
  GilLockStats last_lock_;
  static std::atomic<GilOccupancyProbe*> occupancy_probe_;
};

// The sum kernel's nanoseconds per element on this machine: the fastest of a few short
// timed calls of sum_range, measured once per process at its first use (gil_tick.cpp).
double sum_element_ns();

// One configured GilMode per (policy in opt.gil_policies) x (interval in opt.switch_intervals_s).
// Throws std::invalid_argument for an unknown policy or an interval <= 0.
std::vector<std::unique_ptr<Mode>> make_gil_modes(const ModeOptions& opt);

}  // namespace sumbench
