// The harness around the kernels: memory reused across cases (Workspace), validation
// by each mode's own workers (Mode::check), and the faster checksum and checks.
#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "kernel.hpp"
#include "mode.hpp"
#include "reuse.hpp"
#include "test_sizes.hpp"
#include "workspace.hpp"

namespace sumbench {
namespace {

TEST(Workspace, ReusesASlotThatIsLargeEnough) {
  Workspace ws;
  double* big = ws.doubles(0, 4096);
  big[4095] = 1.0;  // the mapping is writable to its end
  EXPECT_EQ(ws.doubles(0, 1000), big) << "a smaller request reuses the pages";
  EXPECT_NE(ws.doubles(1, 1000), big) << "each slot has its own memory";
  const std::uint64_t mapped = ws.mapped_bytes();
  EXPECT_GE(mapped, (4096 + 1000) * sizeof(double));
  ws.doubles(0, 8192);  // grows: a new mapping
  EXPECT_GE(ws.mapped_bytes(), (8192 + 1000) * sizeof(double));
  ws.release();
  EXPECT_EQ(ws.mapped_bytes(), 0u);
}

TEST(Workspace, CapacityHintMapsAheadAndNoReuseMapsFresh) {
  Workspace ws;
  ws.set_capacity_hint(1 << 16);
  double* p = ws.doubles(0, 100);
  EXPECT_GE(ws.mapped_bytes(), (1u << 16) * sizeof(double)) << "the hint is mapped (not backed) at once";
  EXPECT_EQ(ws.doubles(0, 1 << 16), p) << "a later, larger range within the hint keeps its pages";
  ws.set_reuse(false);
  ws.doubles(0, 100);
  EXPECT_LT(ws.mapped_bytes(), (1u << 16) * sizeof(double))
      << "without reuse: fresh pages, exactly what is asked";
  EXPECT_THROW(ws.doubles(0, 1ull << 62), std::length_error);
  EXPECT_GE(numa_nodes_of_this_process(), 1);
}

// Triad on a reused workspace: a second instance with another range re-initializes the
// pages the first one used, and validates.
TEST(Workspace, TriadReinitializesReusedPages) {
  const KernelDescriptor* d = find_kernel("triad");
  Workspace ws;
  auto modes = find_mode("omp")->make(ModeOptions{});
  for (Slice range : {Slice{0, 100000}, Slice{100000, 160000}, Slice{5, 99999}}) {
    KernelConfig cfg{160000, 0, true, &ws};
    auto k = d->make(cfg, range);
    modes[0]->first_touch(*k, range, 2);
    Partial out = k->make_partial();
    modes[0]->run(*k, range, 2, out);
    modes[0]->check(*k, range, 2, out);
    EXPECT_EQ(out.counts[0], range.size());
    EXPECT_EQ(out.counts[1], 0u) << "range [" << range.begin << ", " << range.end << ")";
  }
}

// Every thread mode's check covers every worker's slice: a corrupted last element (the
// test-only hook's) is found, with 1 to 3 workers.
TEST(ModeCheck, EveryThreadModeFindsTheCorruptedElement) {
  const KernelDescriptor* d = find_kernel("triad");
  ModeOptions opt;
  opt.switch_intervals_s = {0.0005};
  for (const char* name : {"serial", "omp", "hybrid", "gil"})
    for (auto& mode : find_mode(name)->make(opt))
      for (int threads : {1, 2, 3}) {
        const Slice range{0, 30011};
        auto k = d->make(KernelConfig{range.end, 0, true}, range);
        mode->first_touch(*k, range, threads);
        Partial out = k->make_partial();
        mode->run(*k, range, threads, out);
        k->corrupt(range, out);
        mode->check(*k, range, threads, out);
        EXPECT_EQ(out.counts[0], range.size()) << name << " threads=" << threads;
        EXPECT_EQ(out.counts[1], 1u) << name << " threads=" << threads;
        EXPECT_NE(k->validate(out), "");
      }
}

// Triad poisons sampled elements after each check, so a later run that skips part of its
// slice fails instead of passing on the earlier run's values.
TEST(ModeCheck, TriadCatchesASkippedRangeOnALaterRun) {
  const KernelDescriptor* d = find_kernel("triad");
  const Slice range{0, 10000};
  auto k = d->make(KernelConfig{range.end, 0, true}, range);
  class NoLock : public Worker {
  } w;
  k->first_touch(range);
  Partial p = k->make_partial();
  k->body(range, p, w);
  k->check(range, p);
  EXPECT_EQ(k->validate(p), "");
  Partial again = k->make_partial();
  k->body(Slice{0, 6000}, again, w);  // the second run forgets [6000, 10000)
  k->check(range, again);
  EXPECT_NE(k->validate(again), "");
}

// The poison is written inside the check's own pass, per period: every multiple of the
// stride in a slice is poisoned, whatever the slice's bounds, so a later run that skips any
// one of them is caught.
TEST(ModeCheck, TriadPoisonsEveryStrideOfUnalignedSlices) {
  const KernelDescriptor* d = find_kernel("triad");
  const Slice range{100, 10100}, halves[2] = {{100, 3333}, {3333, 10100}};
  auto k = d->make(KernelConfig{range.size(), 0, true}, range);  // this process's part of n
  class NoLock : public Worker {
  } w;
  for (const Slice& s : halves) k->first_touch(s);
  Partial p = k->make_partial();
  k->body(range, p, w);
  for (const Slice& s : halves) k->check(s, p);
  ASSERT_EQ(k->validate(p), "");
  for (std::uint64_t skip = 512; skip < range.end; skip += 512) {
    Partial again = k->make_partial();
    k->body(Slice{range.begin, skip}, again, w);  // every element but `skip`
    k->body(Slice{skip + 1, range.end}, again, w);
    for (const Slice& s : halves) k->check(s, again);
    EXPECT_EQ(again.counts[1], 1u) << "skipped element " << skip;
    k->body(range, again, w);  // whole again for the next round
    Partial whole = k->make_partial();
    for (const Slice& s : halves) k->check(s, whole);
    ASSERT_EQ(whole.counts[1], 0u);
  }
}

// The default corruption changes what validate() sees, for every kernel.
TEST(ModeCheck, DefaultCorruptionIsCaughtByEveryKernel) {
  for (const auto& d : kernel_table()) {
    if (d.name == "triad") continue;  // corrupts its data, checked above
    KernelConfig cfg{test_n(d, 100003u, 1), 1, true};
    auto k = d.make(cfg, Slice{0, cfg.n});
    k->tick_elements = d.tick_elements;
    auto modes = find_mode("serial")->make(ModeOptions{});
    modes[0]->first_touch(*k, Slice{0, cfg.n}, 1);
    Partial out = k->make_partial();
    modes[0]->run(*k, Slice{0, cfg.n}, 1, out);
    EXPECT_EQ(k->validate(out), "") << d.name;
    k->corrupt(Slice{0, cfg.n}, out);
    EXPECT_NE(k->validate(out), "") << d.name;
  }
}

// The default run's triad cases on one node of 4 ranks: with reuse, rank 0 keeps serial's
// arrays during mpi's case, where it uses a quarter of them, so the node holds 1.75x the
// case's own data then; reuse is allowed only where that still fits the memory check's rule.
TEST(Reuse, OnlyWhereTheMemoryKeptStillFits) {
  const KernelDescriptor* triad = find_kernel("triad");
  const std::uint64_t n = 1u << 20;  // 24 MiB of arrays in all
  std::vector<Case> cases;
  for (const Layout l : {Layout{1, 1}, Layout{1, 4}, Layout{4, 1}, Layout{2, 2}, Layout{1, 4}}) {
    Case c;
    c.kernel = triad, c.layout = l, c.n = n;
    c.name = "triad/" + std::to_string(l.ranks) + "x" + std::to_string(l.threads) + "/" +
             std::to_string(cases.size());
    cases.push_back(c);
  }
  const std::vector<std::string> hosts(4, "node");
  auto held = [](const Case& c, int r) {  // the arrays only
    return r < c.layout.ranks ? 24.0 * static_cast<double>(partition(c.n, c.layout.ranks, r).size()) : 0.0;
  };
  auto allowed = [&](std::uint64_t usable) {
    return kernels_that_may_keep_memory(cases, hosts, std::vector<std::uint64_t>(4, usable), held)
               .count(triad) == 1;
  };
  const double data = 24.0 * n, peak_with_reuse = 1.75 * data;
  EXPECT_TRUE(allowed(static_cast<std::uint64_t>(peak_with_reuse / 0.9) + 4096));
  EXPECT_FALSE(allowed(static_cast<std::uint64_t>(peak_with_reuse / 0.9) - 4096))
      << "the surplus does not fit";
  EXPECT_TRUE(allowed(0)) << "unknown memory passes, as in the memory check";
}

TEST(Checksum, DependsOnEveryWordAndOnWhereCountsEnd) {
  Partial a{{1, 2, 3}, std::vector<double>(1001, 0.5)};
  std::set<std::uint64_t> seen{a.checksum()};
  for (std::size_t i = 0; i < a.values.size(); i += 97) {
    Partial b = a;
    b.values[i] = std::nextafter(b.values[i], 1.0);
    EXPECT_TRUE(seen.insert(b.checksum()).second) << "value " << i;
  }
  EXPECT_TRUE(seen.insert(Partial{{1, 2}, {3.0}}.checksum()).second);
  EXPECT_TRUE(seen.insert(Partial{{1, 2, 3}, {}}.checksum()).second);
  EXPECT_LT(a.checksum(), 1ull << 53);
}

}  // namespace
}  // namespace sumbench
