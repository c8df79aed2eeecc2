// The convoy kernel: every wait runs and lasts at least its nominal 1 ms, the CPU
// threads stop when the I/O thread is done (run after run), io_latency_s is reported, and
// the label holds every wait.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <sstream>
#include <string>

#include "gil.hpp"
#include "kernel.hpp"
#include "mode.hpp"
#include "test_kernels.hpp"

namespace sumbench {
namespace {

using Clock = std::chrono::steady_clock;

double io_latency(const KernelInstance& k, const Partial& p) {
  for (const auto& [name, value] : k.figures(p))
    if (name == "io_latency_s") return value;
  ADD_FAILURE() << "no io_latency_s figure";
  return -1;
}

TEST(Convoy, DefaultSizes) {
  const KernelDescriptor* d = find_kernel("convoy");
  ASSERT_NE(d, nullptr);
  SizeContext ctx;
  EXPECT_EQ(d->default_n(ctx), 200u);
  ctx.quick = true;
  EXPECT_EQ(d->default_n(ctx), 20u);
}

TEST(Convoy, WorkerZeroWaitsOthersSum) {
  auto k = test::make_thread_kernel("convoy", 20);
  EXPECT_EQ(k->worker_slice({0, 20}, 0, 3), (Slice{0, 20}));
  const Slice a = k->worker_slice({0, 20}, 1, 3), b = k->worker_slice({0, 20}, 2, 3);
  EXPECT_GE(a.begin, 20u);
  EXPECT_GT(a.size(), 1000000u);
  EXPECT_GE(b.begin, a.end);  // disjoint
}

// Runs convoy `runs` times in gil mode; each run must end (CPU threads stop) and validate.
void run_gil_convoy(GilPolicy policy, int threads, int runs, std::uint64_t tick = 0,
                    std::uint64_t kWaits = 20, double max_wall_s = 10.0) {
  auto k = test::make_thread_kernel("convoy", kWaits);
  ModeOptions opt;
  opt.gil_tick_elements = tick;
  GilMode mode(policy, 5e-3, kDefaultCheckInterval, opt);
  mode.first_touch(*k, {0, kWaits}, threads);
  for (int run = 0; run < runs; ++run) {
    Partial out = k->make_partial();
    const auto start = Clock::now();
    mode.run(*k, {0, kWaits}, threads, out);
    const double wall = std::chrono::duration<double>(Clock::now() - start).count();
    EXPECT_EQ(k->validate(out), "") << "run " << run;
    EXPECT_GE(wall, kWaits * 1e-3);
    // Generous: a wait can cost a switch interval (5 ms) or more on a loaded machine,
    // but a CPU thread that did not stop would run for minutes.
    EXPECT_LT(wall, max_wall_s) << "run " << run;
    EXPECT_GE(io_latency(*k, out), 0.0);
  }
}

TEST(Convoy, GilCpythonTwoThreadsRunAfterRun) {
  run_gil_convoy(GilPolicy::cpython, 2, 3);
}
TEST(Convoy, GilCpythonFourThreads) {
  run_gil_convoy(GilPolicy::cpython, 4, 2);
}
// Python 2's semaphore: a woken I/O thread wins the lock within a few check intervals
// (microseconds), so the waits end and the CPU threads stop, as in Python 2.7.
TEST(Convoy, GilLegacyTwoCpuThreads) {
  run_gil_convoy(GilPolicy::legacy, 3, 2);
}
TEST(Convoy, GilFifo) {
  run_gil_convoy(GilPolicy::fifo, 3, 2);
}
TEST(Convoy, GilNoneCpuThreadsStopWithoutLock) {
  run_gil_convoy(GilPolicy::none, 3, 3);
}
TEST(Convoy, GilTinyTicksOneWaitPerTick) {
  run_gil_convoy(GilPolicy::cpython, 2, 2, /*tick=*/1);
}
TEST(Convoy, GilTeamOfOneIsTheBaseline) {
  run_gil_convoy(GilPolicy::cpython, 1, 2);
}

// The omp mode runs the CPU workers' whole slice in one body call, with no barrier between
// a worker's reset and its body: they must still stop, run after run. OpenMP is not
// TSan-instrumented, so this one is skipped in the TSan build.
TEST(Convoy, OmpRunAfterRun) {
#if defined(__SANITIZE_THREAD__)
  GTEST_SKIP() << "OpenMP under ThreadSanitizer";
#else
  constexpr std::uint64_t kWaits = 20;
  auto modes = find_mode("omp")->make(ModeOptions{});
  Mode& omp = *modes.at(0);
  for (int threads : {1, 2, 3}) {
    auto k = test::make_thread_kernel("convoy", kWaits);  // one instance per team size, as the driver does
    omp.first_touch(*k, {0, kWaits}, threads);
    for (int run = 0; run < 3; ++run) {
      Partial out = k->make_partial();
      const auto start = Clock::now();
      omp.run(*k, {0, kWaits}, threads, out);
      const double wall = std::chrono::duration<double>(Clock::now() - start).count();
      EXPECT_EQ(k->validate(out), "") << threads << " threads, run " << run;
      EXPECT_LT(wall, 10.0);
      EXPECT_GE(io_latency(*k, out), 0.0);
    }
  }
#endif
}

// convoy's label: every wait's added latency in whole microseconds, in run order; their
// mean is the io_latency_s figure.
TEST(Convoy, LabelHoldsEveryWait) {
  constexpr std::uint64_t kWaits = 12;
  auto k = test::make_thread_kernel("convoy", kWaits);
  GilMode mode(GilPolicy::cpython, 1e-3, kDefaultCheckInterval, ModeOptions{});
  Partial out = k->make_partial();
  mode.run(*k, {0, kWaits}, 2, out);
  ASSERT_EQ(k->validate(out), "");
  const std::string label = k->label(out), prefix = "io_waits_us=";
  ASSERT_EQ(label.rfind(prefix, 0), 0u) << label;
  std::istringstream items(label.substr(prefix.size()));
  std::string item;
  double sum_us = 0;
  std::uint64_t count = 0;
  while (std::getline(items, item, ',')) {
    EXPECT_GE(std::stod(item), 0.0) << label;
    sum_us += std::stod(item);
    ++count;
  }
  EXPECT_EQ(count, kWaits);
  EXPECT_NEAR(sum_us / kWaits * 1e-6, io_latency(*k, out), 1e-6);  // rounding: 0.5 us
}

}  // namespace
}  // namespace sumbench
