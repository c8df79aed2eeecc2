// The I/O convoy kernels (ioconvoy, ioconvoy2): every operation runs and its byte is
// checked, each I/O thread runs its time, the CPU threads stop when the I/O threads are
// done (run after run), and a corrupted result fails.
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <memory>
#include <string>

#include "gil.hpp"
#include "kernel.hpp"
#include "mode.hpp"
#include "test_kernels.hpp"

namespace sumbench {
namespace {

using Clock = std::chrono::steady_clock;

std::map<std::string, double> figures(const KernelInstance& k, const Partial& p) {
  std::map<std::string, double> out;
  for (const auto& [name, value] : k.figures(p)) out[name] = value;
  return out;
}

// `runs` runs of `kernel` (n ms) in gil mode with `threads` workers: each must validate,
// last at least n ms and end (the CPU threads stop), with every I/O thread counted.
void run_io(const char* kernel, GilPolicy policy, int threads, int runs, std::uint64_t tick = 0) {
  constexpr std::uint64_t kMs = 20;
  auto k = test::make_thread_kernel(kernel, kMs);
  ModeOptions opt;
  opt.gil_tick_elements = tick;
  GilMode mode(policy, 1e-3, kDefaultCheckInterval, opt);
  mode.first_touch(*k, {0, kMs}, threads);
  const int io = std::min(threads, std::string(kernel) == "ioconvoy2" ? 2 : 1);
  for (int run = 0; run < runs; ++run) {
    Partial out = k->make_partial();
    const auto start = Clock::now();
    mode.run(*k, {0, kMs}, threads, out);
    const double wall = std::chrono::duration<double>(Clock::now() - start).count();
    EXPECT_EQ(k->validate(out), "") << kernel << " run " << run;
    EXPECT_GE(wall, kMs * 1e-3) << "an I/O thread stopped before its time";
    EXPECT_LT(wall, 10.0) << "the CPU threads did not stop";
    const auto f = figures(*k, out);
    EXPECT_EQ(f.at("io_threads"), io);
    EXPECT_GE(f.at("io_ops"), io);
    EXPECT_GT(f.at("io_ops_per_s"), 0.0);
  }
}

TEST(IoConvoy, RowsDefaultsAndSlices) {
  for (const char* name : {"ioconvoy", "ioconvoy2"}) {
    const KernelDescriptor* d = find_kernel(name);
    ASSERT_NE(d, nullptr);
    EXPECT_EQ(d->kind, "latency");
    SizeContext ctx;
    EXPECT_EQ(d->default_n(ctx), 500u);
    ctx.quick = true;
    EXPECT_EQ(d->default_n(ctx), 50u);
  }
  auto one = test::make_thread_kernel("ioconvoy", 20), two = test::make_thread_kernel("ioconvoy2", 20);
  EXPECT_EQ(one->worker_slice({0, 20}, 0, 3), (Slice{0, 20}));
  EXPECT_GE(one->worker_slice({0, 20}, 1, 3).begin, 20u);       // a CPU thread: sum elements
  EXPECT_EQ(two->worker_slice({0, 20}, 1, 3), (Slice{0, 20}));  // the second I/O thread
  EXPECT_GE(two->worker_slice({0, 20}, 2, 3).begin, two->worker_slice({0, 20}, 1, 3).end);
}

TEST(IoConvoy, AloneIsTheBaseline) {
  run_io("ioconvoy", GilPolicy::cpython, 1, 2);
}
TEST(IoConvoy, CpythonBesideOneAndTwoCpuThreads) {
  run_io("ioconvoy", GilPolicy::cpython, 2, 3);
  run_io("ioconvoy", GilPolicy::cpython, 3, 2);
}
TEST(IoConvoy, LegacyFifoNone) {
  for (GilPolicy p : {GilPolicy::legacy, GilPolicy::fifo, GilPolicy::none}) run_io("ioconvoy", p, 2, 2);
}
TEST(IoConvoy, TwoIoThreads) {
  run_io("ioconvoy2", GilPolicy::cpython, 1, 1);  // a team of one: one I/O thread
  run_io("ioconvoy2", GilPolicy::cpython, 2, 2);  // two I/O threads, no CPU thread
  run_io("ioconvoy2", GilPolicy::cpython, 4, 2);
  run_io("ioconvoy2", GilPolicy::legacy, 3, 2);
}
// Ticks of one element: the I/O thread's time runs in many calls, timed from the first.
TEST(IoConvoy, TinyTicksRunTheWholeTime) {
  run_io("ioconvoy2", GilPolicy::cpython, 3, 2, 1);
}

TEST(IoConvoy, ACorruptedResultFails) {
  auto k = test::make_thread_kernel("ioconvoy", 5);
  GilMode mode(GilPolicy::cpython, 1e-3, kDefaultCheckInterval, ModeOptions{});
  Partial out = k->make_partial();
  mode.run(*k, {0, 5}, 2, out);
  ASSERT_EQ(k->validate(out), "");
  k->corrupt({0, 5}, out);  // what SUMBENCH_TEST_CORRUPT does: one operation's byte is wrong
  EXPECT_NE(k->validate(out).find("did not send and receive their byte"), std::string::npos);
}

}  // namespace
}  // namespace sumbench
