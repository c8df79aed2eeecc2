// convoy: the GIL convoy effect (David Beazley 2009-2010, CPython issue 7946).
// One I/O thread does K short blocking waits while the other threads run the sum
// kernel's CPU loop; under a GIL each wait ends with re-taking the lock from a CPU
// thread, which can cost up to a switch interval per wait instead of nothing.
//
// Reference loop:
//     worker 0 (I/O):                       workers 1..C (CPU):
//       for (k = 0; k < K; ++k) {             while (!io_done)
//         t0 = now();                           count += sum of i over the next tick
//         release lock; sleep 1 ms; re-take
//         added += (now() - t0) - 1 ms;
//       }
//       io_done = true;
//     io_latency_s = added / K
//
// Every wait's added latency is kept too (the partial's values after the sum) and
// published as the entry's label, "io_waits_us=..." in whole microseconds, in run order:
// with two or three CPU threads a run settles into waiting a whole number of switch
// intervals, which the mean hides (docs/DESIGN.md, GIL policies: convoy states); the fidelity run
// compares those states.
//
// n = K waits (default 200, quick 20). With a team of 1 (serial mode, or workers=1)
// there is no CPU thread: the baseline latency of the waits themselves.
//
// Which run is the current one: modes call reset() once per worker per run and only
// then start that worker's ticks, but without a barrier between workers (omp, gil), so a
// plain "I/O done" flag cleared at a run's start could be seen still set from the last
// run by a CPU worker that starts before the I/O worker. Instead reset() numbers the
// calls: with a team of T, calls [r*T, (r+1)*T) belong to run r, and the I/O worker
// counts the runs it finished; a worker of run r is done once io_runs_finished_ > r.
// So an instance serves one team size (the driver makes one per benchmark).
#include <time.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <memory>
#include <string>

#include <sumbench/kernel.hpp>

#include "sum.hpp"

namespace sumbench {
namespace {

constexpr std::chrono::nanoseconds kNominalWait = std::chrono::milliseconds(1);
// Each CPU worker gets this many sum elements: far more than it can run while the
// I/O thread waits (~2^40 elements take minutes), so it always stops on io_done.
constexpr std::uint64_t kCpuSpan = 1ull << 40;

// Partial slots.
enum Count : std::size_t { kWaitsRun, kWaitsShort, kCpuElements, kCpuSum, kResetIndex, kCounts };
enum Value : std::size_t { kAddedLatencyS, kValues };  // then one value per wait: its added latency

class ConvoyKernel final : public KernelInstance {
 public:
  explicit ConvoyKernel(std::uint64_t waits) : waits_(waits) {}

  Partial make_partial() const override {
    return Partial{std::vector<std::uint64_t>(kCounts, 0), std::vector<double>(kValues + waits_, 0.0)};
  }

  // Worker 0 gets the K waits, [0, K); worker i >= 1 a disjoint huge range of sum elements.
  Slice worker_slice(Slice range, int index, int /*team*/) const override {
    if (index == 0) return range;
    const std::uint64_t begin = waits_ + static_cast<std::uint64_t>(index - 1) * kCpuSpan;
    return {begin, begin + kCpuSpan};
  }

  // Only the waits are deterministic: the CPU threads' work depends on timing.
  std::uint64_t checksum(const Partial& combined) const override {
    return Partial{{combined.counts[kWaitsRun]}, {}}.checksum();
  }

  bool done() const override {
    if (waits_ == 0) return true;  // nothing to wait for: no CPU work either
    const std::uint64_t resets = resets_.load(std::memory_order_acquire);
    const std::uint64_t team = team_.load(std::memory_order_relaxed);
    if (resets == 0 || team == 0) return false;  // no body ran yet: the I/O worker is not done
    return io_runs_finished_.load(std::memory_order_acquire) > (resets - 1) / team;
  }

  void reset(Partial& p) const override {
    p.zero();
    p.counts[kResetIndex] = resets_.fetch_add(1, std::memory_order_acq_rel);
  }

  void body(Slice s, Partial& acc, Worker& w) override {
    team_.store(static_cast<std::uint64_t>(std::max(w.team, 1)), std::memory_order_relaxed);
    if (w.index == 0)
      io_waits(s, acc, w);
    else
      cpu_sum(s, acc, w);
  }

  std::string validate(const Partial& combined) const override {
    if (combined.counts[kWaitsRun] != waits_)
      return std::to_string(combined.counts[kWaitsRun]) + " of " + std::to_string(waits_) +
             " convoy waits ran";
    if (combined.counts[kWaitsShort] != 0)
      return std::to_string(combined.counts[kWaitsShort]) + " convoy waits lasted less than the nominal 1 ms";
    return {};
  }

  std::vector<std::pair<std::string, double>> figures(const Partial& combined) const override {
    const auto waits = combined.counts[kWaitsRun];
    return {{"io_latency_s", waits ? combined.values[kAddedLatencyS] / static_cast<double>(waits) : 0.0}};
  }

  std::string label(const Partial& combined) const override {
    std::string text = "io_waits_us=";
    for (std::uint64_t k = 0; k < waits_ && k < combined.counts[kWaitsRun]; ++k)
      text.append(k ? "," : "").append(std::to_string(std::llround(combined.values[kValues + k] * 1e6)));
    return text;
  }

 private:
  // The I/O thread: each wait blocks with the lock released, then re-takes it.
  void io_waits(Slice s, Partial& acc, Worker& w) {
    using Clock = std::chrono::steady_clock;  // CLOCK_MONOTONIC on Linux, as the sleep
    for (std::uint64_t k = s.begin; k < s.end; ++k) {
      const auto start = Clock::now();
      {
        BlockingRegion released(w);
        sleep_until(start + kNominalWait);
      }
      const auto waited = Clock::now() - start;  // includes re-taking the lock
      acc.counts[kWaitsRun] += 1;
      if (waited < kNominalWait) acc.counts[kWaitsShort] += 1;
      const double added = std::chrono::duration<double>(waited - kNominalWait).count();
      acc.values[kAddedLatencyS] += added;
      acc.values[kValues + k] = added;  // k < waits_: worker 0's slice is [0, waits)
    }
    if (s.end >= waits_) {  // the last wait of the run: stop the CPU workers
      io_runs_finished_.fetch_add(1, std::memory_order_acq_rel);
    }
  }

  // A CPU thread: the sum kernel's loop, one tick at a time until the I/O thread is done
  // (checked here too, for modes that run a whole slice in one call).
  void cpu_sum(Slice s, Partial& acc, Worker& w) {
    if (waits_ == 0) return;
    const std::uint64_t team = static_cast<std::uint64_t>(std::max(w.team, 1));
    const std::uint64_t my_run = acc.counts[kResetIndex] / team;
    const std::uint64_t tick = std::max<std::uint64_t>(tick_elements, 1);
    for (std::uint64_t begin = s.begin; begin < s.end;) {
      if (io_runs_finished_.load(std::memory_order_acquire) > my_run) return;
      const std::uint64_t end = begin + std::min(tick, s.end - begin);
      acc.counts[kCpuSum] += sum_range(begin, end);
      acc.counts[kCpuElements] += end - begin;
      begin = end;
    }
  }

  static void sleep_until(std::chrono::steady_clock::time_point deadline) {
    const auto since_epoch =
        std::chrono::duration_cast<std::chrono::nanoseconds>(deadline.time_since_epoch());
    const timespec at{static_cast<time_t>(since_epoch.count() / 1000000000),
                      static_cast<long>(since_epoch.count() % 1000000000)};
    // An absolute deadline: signals (EINTR) cannot shorten the wait.
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &at, nullptr) == EINTR) {
    }
  }

  std::uint64_t waits_;
  mutable std::atomic<std::uint64_t> resets_{0};    // reset() calls so far
  std::atomic<std::uint64_t> team_{0};              // team size, from the bodies
  std::atomic<std::uint64_t> io_runs_finished_{0};  // runs whose K waits are done
};

}  // namespace

std::uint64_t convoy_default_n(const SizeContext& ctx) {
  return ctx.quick ? 20 : 200;
}

std::unique_ptr<KernelInstance> make_convoy(const KernelConfig& cfg, Slice) {
  return std::make_unique<ConvoyKernel>(cfg.n);
}

}  // namespace sumbench
