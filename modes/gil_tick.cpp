// How much kernel work a gil thread does between two checks of the lock (a "tick"), per
// policy, and the element rate legacy's default converts Python 2.7's bytecode with.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <limits>

#include "gil.hpp"
#include "gil_params.hpp"
#include "kernel.hpp"
#include "sum.hpp"

namespace sumbench {

double sum_element_ns() {
  // Calls of 2^22 elements (~0.1 ms here): long enough that the call and the clock reads
  // vanish, as in the fidelity run's rate (the serial sum mode, ~22 ps per element on the
  // 2-core Zen 4 guest: docs/DESIGN.md, GIL policies: Python 2 bytecode); the fastest of 9
  // after one warm-up, since other load
  // only ever slows a call down. About 1 ms, once per process.
  static const double ns = [] {
    using Clock = std::chrono::steady_clock;
    constexpr std::uint64_t kElements = 1u << 22;
    double best = std::numeric_limits<double>::infinity();
    volatile std::uint64_t sink = 0;
    for (std::uint64_t i = 0; i < 10; ++i) {
      const auto start = Clock::now();
      sink = sink + sum_range(i * kElements, (i + 1) * kElements);
      const double elapsed = std::chrono::duration<double, std::nano>(Clock::now() - start).count();
      if (i > 0) best = std::min(best, elapsed / static_cast<double>(kElements));
    }
    return best > 0 ? best : 1e-3;  // a clock that did not move: a tiny rate, still a valid tick
  }();
  return ns;
}

std::uint64_t GilMode::tick_elements(const KernelInstance& k) const {
  if (tick_override_) return tick_override_;
  if (policy_ == GilPolicy::legacy) {
    // One bytecode of CPython 2.7 (gil_params.hpp: 4.49 ns, measured from 2.7.18's tick
    // counter) in sum elements at this machine's rate; another kernel scales its own tick
    // (about 5 us of its work, like sum's) by the same fraction of sum's tick. Before issue
    // 20 this was the kernel tick / 1024, which assumed a 5 us sum tick: on the 2-core guest
    // that tick takes ~2.9 us, so the check interval was ~35% shorter than 2.7's.
    const KernelDescriptor* sum = find_kernel("sum");
    const double sum_tick =
        sum ? static_cast<double>(sum->tick_elements) : static_cast<double>(k.tick_elements);
    const double elements =
        kPython27BytecodeNs / element_ns_ * static_cast<double>(k.tick_elements) / sum_tick;
    return std::max<std::uint64_t>(1, static_cast<std::uint64_t>(std::llround(std::min(elements, 1e18))));
  }
  // Why 1/32 for cpython: CPython 3 checks its eval breaker at every backward jump, every
  // ~20 ns of the post's loop, so a holder answers a drop request at once: its signal
  // reaches the condition variable while the requester is still entering its wait, and
  // the requester wins the wake-up over an older waiter (the I/O thread) 37% of the time
  // instead of 12% with a 5 us answer (docs/DESIGN.md, GIL policies: answer time). ~150 ns of work keeps
  // the answer that fast and the per-tick cost small. Fitted: see gil_params.hpp.
  if (policy_ == GilPolicy::cpython) return std::max<std::uint64_t>(1, k.tick_elements >> 5);
  return std::max<std::uint64_t>(1, k.tick_elements);
}

}  // namespace sumbench
