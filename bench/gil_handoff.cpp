// Hand-off latency of each GIL policy: two threads both running tiny ticks under one
// lock, each checking between ticks as the eval loop does. Reported: wall time per
// hand-off (ns_per_handoff), i.e. per switch of the lock from one thread to the other.
// For cpython and fifo one hand-off = the waiter's interval timeout + drop request +
// release + wake-up, so with the 1 us interval it is the protocol's own cost and with
// 5000 us the interval dominates. (A 1 us timed wait really lasts about Linux's
// 50 us timer slack plus a wake-up, as it does in CPython, which waits the same way.)
// legacy (check interval 100: a release every 101 of these tiny ticks, not calibrated
// against Python 2's bytecodes; runners/fidelity.py does that) hands off only when the
// releaser's immediate re-take loses the race; none has no lock and no hand-offs (it
// shows the cost of an unlocked tick). The Time column is per tick of
// the main thread, not per hand-off.
//
// Google Benchmark 1.7.1: the partner is a std::thread started per run of the loop.
#include <benchmark/benchmark.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "gil_lock.hpp"

namespace {

using sumbench::GilLock;
using sumbench::GilPolicy;
using sumbench::GilRelease;

// A tick of a few nanoseconds of opaque work.
inline void tiny_tick(std::uint64_t& x) {
  x = x * 6364136223846793005ull + 1442695040888963407ull;
  benchmark::DoNotOptimize(x);
}

void BM_Handoff(benchmark::State& state) {
  const auto policy = static_cast<GilPolicy>(state.range(0));
  const double interval_s = static_cast<double>(state.range(1)) * 1e-6;
  GilLock lock(policy, interval_s, 2, /*legacy_check_ticks=*/100);
  std::atomic<bool> stop{false};

  lock.take(0);  // the main thread starts as the holder, as CPython's main thread does
  std::thread partner([&] {
    std::uint64_t x = 1;
    lock.take(1);
    while (!stop.load(std::memory_order_relaxed)) {
      tiny_tick(x);
      lock.between_ticks(1);
    }
    lock.release(1, GilRelease::final);
  });

  std::uint64_t x = 2;
  const auto start = std::chrono::steady_clock::now();
  for (auto _ : state) {
    tiny_tick(x);
    lock.between_ticks(0);
  }
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  stop.store(true, std::memory_order_relaxed);
  lock.release(0, GilRelease::final);
  partner.join();

  const double handoffs = static_cast<double>(lock.lock_stats().switches);
  state.counters["handoffs"] = handoffs;
  state.counters["ns_per_handoff"] = handoffs > 0 ? elapsed * 1e9 / handoffs : 0.0;
  state.counters["drop_requests"] = static_cast<double>(lock.lock_stats().drop_requests);
  state.SetLabel(std::string(sumbench::gil_policy_name(policy)) +
                 (policy == GilPolicy::none ? " (no lock: no hand-offs)" : ""));
}

void policies(benchmark::internal::Benchmark* b) {
  b->ArgNames({"policy", "interval_us"});
  for (GilPolicy p : {GilPolicy::cpython, GilPolicy::legacy, GilPolicy::fifo, GilPolicy::none})
    b->Args({static_cast<long>(p), 1});
  for (GilPolicy p : {GilPolicy::cpython, GilPolicy::fifo}) b->Args({static_cast<long>(p), 5000});
}

BENCHMARK(BM_Handoff)->Apply(policies)->UseRealTime()->MinTime(0.2);

}  // namespace

BENCHMARK_MAIN();
