// The real gil mode (std::threads + GilLock) on test kernels and on the sleep kernel:
// mutual exclusion, progress, overlap of blocking calls, statistics.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <memory>
#include <ostream>

#include "gil.hpp"
#include "gil_invariants.hpp"
#include "gil_params.hpp"
#include "kernel.hpp"
#include "test_kernels.hpp"

namespace sumbench {
namespace {

using Clock = std::chrono::steady_clock;

ModeOptions options(double interval_s, std::uint64_t tick = 0) {
  ModeOptions opt;
  opt.switch_intervals_s = {interval_s};
  opt.gil_tick_elements = tick;
  return opt;
}

// Sets the occupancy probe for one scope.
struct ProbeScope {
  GilOccupancyProbe probe;
  ProbeScope() { GilMode::set_occupancy_probe(&probe); }
  ~ProbeScope() { GilMode::set_occupancy_probe(nullptr); }
};

class GilModeTest : public testing::TestWithParam<test::PolicyCase> {};

// CPU ticks with blocking calls in between, two runs: every thread runs exactly its
// slice (no starvation), ticks never overlap under a lock, and the statistics add up.
TEST_P(GilModeTest, ExclusiveProgressAndConsistentStatistics) {
  const auto [policy, threads] = GetParam();
  constexpr int kLegacyCheck = 10;
  test::RecordingKernel::Shape shape;
  shape.team = threads;
  shape.n = 600 * static_cast<std::uint64_t>(threads);
  shape.work_per_element = std::chrono::microseconds(1);
  shape.block_every = 97;
  shape.block_ns = 30'000;
  test::RecordingKernel kernel(shape);
  const Slice range{0, shape.n};

  GilMode mode(policy, 200e-6, kLegacyCheck, options(200e-6, /*tick=*/5));
  mode.first_touch(kernel, range, threads);
  ProbeScope scope;
  mode.reset_counters();
  for (int run = 0; run < 2; ++run) {
    Partial out = kernel.make_partial();
    const auto start = Clock::now();
    mode.run(kernel, range, threads, out);
    const double wall = std::chrono::duration<double>(Clock::now() - start).count();
    EXPECT_EQ(kernel.validate(out), "");

    test::RunFacts facts;
    facts.policy = policy;
    facts.threads = threads;
    facts.blocking_calls = kernel.blocking_calls(out);
    facts.check_interval = kLegacyCheck;
    facts.exact_ticks = policy != GilPolicy::legacy;  // legacy runs up to a check per call
    facts.wall_s = wall;
    for (int i = 0; i < threads; ++i) {
      EXPECT_EQ(kernel.elements_of(out, i), partition(range, threads, i).size()) << "worker " << i;
      // Legacy: every tick but those of a thread's last call reaches between_ticks.
      facts.between_ticks.push_back(policy == GilPolicy::legacy ? kernel.elements_of(out, i) / 5
                                                                : kernel.ticks_of(out, i) - 1);
    }
    test::expect_consistent(mode.last_lock_stats(), mode.last_thread_stats(), facts);
  }
  if (policy != GilPolicy::none) {
    EXPECT_EQ(scope.probe.max_running.load(), 1);
  }
  EXPECT_EQ(scope.probe.running.load(), 0);
  EXPECT_EQ(scope.probe.ticks.load(), 2 * shape.n / 5);

  const ModeCounters c = mode.counters();
  for (const char* key :
       {"gil_switches", "gil_drop_requests", "gil_drop_releases", "gil_forced_waits",
        "gil_voluntary_releases", "gil_wait_total_s", "gil_wait_max_s", "gil_wait_longest_s",
        "gil_held_min_s", "gil_held_max_s", "gil_fairness", "gil_takes"})
    EXPECT_TRUE(c.count(key)) << key;
  EXPECT_LE(c.at("gil_held_min_s"), c.at("gil_held_max_s"));
  EXPECT_LE(c.at("gil_wait_max_s"), c.at("gil_wait_total_s") + 1e-12);
  EXPECT_GE(c.at("gil_fairness"), 1.0);
  // Means per run over the two runs: the voluntary releases are the same in both.
  EXPECT_DOUBLE_EQ(c.at("gil_voluntary_releases"),
                   static_cast<double>(threads + static_cast<int>(shape.n / 97 + 1)));
}

INSTANTIATE_TEST_SUITE_P(Policies, GilModeTest, testing::ValuesIn(test::policy_cases({2, 3, 8})),
                         test::case_name);

// Ticks that sleep while holding the lock: a lock serializes them, `none` overlaps
// them (sleeping needs no core, so this holds on a busy 2-core machine too).
TEST(GilModeOccupancy, LockSerializesTicksNoneOverlapsThem) {
  for (GilPolicy policy : {GilPolicy::cpython, GilPolicy::none}) {
    test::RecordingKernel::Shape shape;
    shape.team = 2;
    shape.n = 8;
    shape.work_per_element = std::chrono::nanoseconds(0);
    shape.sleep_in_tick_ns = 3'000'000;  // 3 ms per tick, inside the lock
    test::RecordingKernel kernel(shape);
    GilMode mode(policy, 1e-3, kDefaultCheckInterval, options(1e-3, /*tick=*/1));
    ProbeScope scope;
    Partial out = kernel.make_partial();
    const auto start = Clock::now();
    mode.run(kernel, {0, shape.n}, 2, out);
    const double wall = std::chrono::duration<double>(Clock::now() - start).count();
    EXPECT_EQ(kernel.validate(out), "");
    if (policy == GilPolicy::none) {
      EXPECT_GE(scope.probe.overlapping_ticks.load(), 1u);
      EXPECT_EQ(scope.probe.max_running.load(), 2);
    } else {
      EXPECT_EQ(scope.probe.max_running.load(), 1);
      EXPECT_EQ(scope.probe.overlapping_ticks.load(), 0u);
      EXPECT_GE(wall, 8 * 3e-3);  // 8 ticks of 3 ms, one at a time
    }
  }
}

// The post's hello_func: W sleeping threads of one task each finish in about one
// sleep under every policy, because a blocking call releases the lock.
TEST(GilModeSleep, BlockingCallsOverlap) {
  const KernelDescriptor* sleep = find_kernel("sleep");
  ASSERT_NE(sleep, nullptr);
  constexpr int kWorkers = 4, kSleepMs = 50;
  for (auto name : kGilPolicyNames) {
    const GilPolicy policy = parse_gil_policy(name).value();
    KernelConfig cfg;
    cfg.n = kWorkers;
    cfg.sleep_ms = kSleepMs;
    auto kernel = sleep->make(cfg, {0, cfg.n});
    kernel->tick_elements = sleep->tick_elements;
    GilMode mode(policy, 5e-3, kDefaultCheckInterval, options(5e-3));
    mode.first_touch(*kernel, {0, cfg.n}, kWorkers);
    Partial out = kernel->make_partial();
    const auto start = Clock::now();
    mode.run(*kernel, {0, cfg.n}, kWorkers, out);
    const double wall = std::chrono::duration<double>(Clock::now() - start).count();
    EXPECT_EQ(kernel->validate(out), "") << name;
    EXPECT_GE(wall, kSleepMs * 1e-3) << name;
    EXPECT_LT(wall, 0.6 * kWorkers * kSleepMs * 1e-3) << name << ": the sleeps did not overlap";
  }
}

// The sum kernel under the GIL: same result as any mode (partials combined after join).
TEST(GilModeSum, CombinesPartialsIntoTheExactSum) {
  const KernelDescriptor* sum = find_kernel("sum");
  ASSERT_NE(sum, nullptr);
  KernelConfig cfg;
  cfg.n = 1u << 22;
  auto kernel = sum->make(cfg, {0, cfg.n});
  kernel->tick_elements = sum->tick_elements;
  for (auto name : kGilPolicyNames) {
    GilMode mode(parse_gil_policy(name).value(), 1e-3, kDefaultCheckInterval, options(1e-3));
    Partial out = kernel->make_partial();
    out.counts.assign(out.counts.size(), 12345);  // run() must overwrite, not add to, `out`
    mode.run(*kernel, {0, cfg.n}, 3, out);
    EXPECT_EQ(kernel->validate(out), "") << name;
  }
}

TEST(GilModeCounters, EmptyAfterReset) {
  test::RecordingKernel::Shape shape;
  shape.n = 10;
  shape.team = 2;
  test::RecordingKernel kernel(shape);
  GilMode mode(GilPolicy::cpython, 5e-3, kDefaultCheckInterval, options(5e-3));
  Partial out = kernel.make_partial();
  mode.run(kernel, {0, shape.n}, 2, out);
  EXPECT_FALSE(mode.counters().empty());
  mode.reset_counters();
  EXPECT_TRUE(mode.counters().empty());
}

// legacy without --gil-tick: CPython 2.7's stored bytecode time (gil_params.hpp) in sum
// elements at the rate measured at start-up; no interpreter involved.
TEST(GilTick, LegacyDefaultIsTheStoredBytecodeAtTheMeasuredRate) {
  const double element_ns = sum_element_ns();
  ASSERT_GT(element_ns, 0.0);
  ASSERT_LT(element_ns, 10.0);  // a sum element is picoseconds, not nanoseconds
  const KernelDescriptor* sum = find_kernel("sum");
  auto k = sum->make(KernelConfig{.n = 1000}, {0, 1000});
  k->tick_elements = sum->tick_elements;
  GilMode legacy(GilPolicy::legacy, 5e-3, kDefaultCheckInterval, ModeOptions{});
  const auto tick = legacy.tick_elements(*k);
  EXPECT_EQ(tick, std::max<std::uint64_t>(1, std::llround(kPython27BytecodeNs / element_ns)));
  EXPECT_NEAR(static_cast<double>(tick) * element_ns, kPython27BytecodeNs,
              element_ns);  // half an element each way
  ModeOptions over;
  over.gil_tick_elements = 7;
  EXPECT_EQ(GilMode(GilPolicy::legacy, 5e-3, 100, over).tick_elements(*k), 7u);
  EXPECT_EQ(GilMode(GilPolicy::cpython, 5e-3, 100, ModeOptions{}).tick_elements(*k), sum->tick_elements >> 5);
}

}  // namespace
}  // namespace sumbench
