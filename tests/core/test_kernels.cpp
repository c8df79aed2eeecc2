// Kernel invariants: exact expected values, partitions, and the same combined
// result from every thread count and mode that runs in one process.
#include <gtest/gtest.h>

#include <chrono>
#include <random>
#include <set>

#include "kernel.hpp"
#include "mode.hpp"
#include "sum.hpp"
#include "test_sizes.hpp"

namespace sumbench {
namespace {

std::uint64_t scalar_sum(std::uint64_t begin, std::uint64_t end) {
  std::uint64_t s = 0;
  for (std::uint64_t i = begin; i < end; ++i) s += i;
  return s;
}

TEST(Partition, CoversEveryIndexExactlyOnce) {
  for (std::uint64_t n : {0ull, 1ull, 3ull, 7ull, 64ull, 1000003ull}) {
    for (int parts : {1, 2, 3, 4, 7, 16}) {
      std::uint64_t expected_begin = 0, smallest = ~0ull, largest = 0;
      for (int p = 0; p < parts; ++p) {
        const Slice s = partition(n, parts, p);
        EXPECT_EQ(s.begin, expected_begin) << "n=" << n << " parts=" << parts << " p=" << p;
        EXPECT_LE(s.begin, s.end);
        expected_begin = s.end;
        smallest = std::min(smallest, s.size());
        largest = std::max(largest, s.size());
      }
      EXPECT_EQ(expected_begin, n) << "the slices must end at n";
      EXPECT_LE(largest - smallest, 1u) << "slice lengths differ by at most one";
    }
  }
}

TEST(Partition, FewerElementsThanWorkersLeavesSomeEmpty) {
  int empty = 0;
  for (int p = 0; p < 8; ++p) empty += partition(3, 8, p).size() == 0;
  EXPECT_EQ(empty, 5);
}

TEST(Partition, NestedSlicesCoverTheOuterSlice) {
  const Slice outer = partition(1001, 3, 1);
  std::uint64_t at = outer.begin;
  for (int t = 0; t < 4; ++t) {
    const Slice inner = partition(outer, 4, t);
    EXPECT_EQ(inner.begin, at);
    at = inner.end;
  }
  EXPECT_EQ(at, outer.end);
}

TEST(Sum, ExpectedValueIsExactModulo2To64) {
  for (std::uint64_t n : {0ull, 1ull, 2ull, 3ull, 10ull, 12345ull})
    EXPECT_EQ(sum_expected(n), scalar_sum(0, n)) << n;
  // Beyond 2^32 the product wraps: compare with 128-bit arithmetic.
  for (std::uint64_t n : {1ull << 33, (1ull << 33) + 1, ~0ull, (1ull << 63) + 5}) {
    const unsigned __int128 exact = static_cast<unsigned __int128>(n) * (n - 1) / 2;
    EXPECT_EQ(sum_expected(n), static_cast<std::uint64_t>(exact)) << n;
  }
}

TEST(Sum, VectorLoopMatchesScalarLoopOnAnyRange) {
  std::mt19937_64 rng(42);
  for (int trial = 0; trial < 2000; ++trial) {
    const std::uint64_t begin = rng() % 5000, length = rng() % 300;
    EXPECT_EQ(sum_range(begin, begin + length), scalar_sum(begin, begin + length))
        << "[" << begin << ", " << begin + length << ")";
  }
  const std::uint64_t high = ~0ull - 1000;  // indices near 2^64 wrap like the reference loop
  EXPECT_EQ(sum_range(high, high + 999), scalar_sum(high, high + 999));
  EXPECT_EQ(sum_range(7, 7), 0u);
}

// Guards against a compiler replacing the loop with n(n-1)/2: 64 times the work
// must take clearly longer (a closed form takes the same time for any n).
TEST(Sum, TimeGrowsWithN) {
  auto seconds = [](std::uint64_t n) {
    double best = 1e9;
    for (int r = 0; r < 3; ++r) {
      const auto t0 = std::chrono::steady_clock::now();
      volatile std::uint64_t s = sum_range(0, n);
      (void)s;
      best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    }
    return best;
  };
  const double small = seconds(1u << 22), large = seconds(1u << 28);
  EXPECT_GT(large, 8 * small) << "64x the elements took " << large / small << "x the time";
}

class NoLock : public Worker {};

// Runs a kernel on `workers` slices serially and combines: the reference result.
Partial run_reference(const KernelDescriptor& d, const KernelConfig& cfg, int workers) {
  auto k = d.make(cfg, Slice{0, cfg.n});
  Partial total = k->make_partial();
  for (int w = 0; w < workers; ++w) {
    const Slice s = k->worker_slice(Slice{0, cfg.n}, w, workers);
    k->first_touch(s);
    Partial p = k->make_partial();
    k->reset(p);  // once per worker per run, as every mode does
    NoLock worker;
    worker.index = w;
    worker.team = workers;
    k->body(s, p, worker);
    k->check(s, p);
    total.add(p);
  }
  return total;
}

TEST(Kernels, EveryKernelValidatesItsOwnResult) {
  for (const auto& d : kernel_table()) {
    KernelConfig cfg{test_n(d, 100003u, 3), 5, true};
    auto k = d.make(cfg, Slice{0, cfg.n});
    EXPECT_EQ(k->validate(run_reference(d, cfg, 3)), "") << d.name;
  }
}

TEST(Kernels, ValidationRejectsAWrongResult) {
  for (const auto& d : kernel_table()) {
    KernelConfig cfg{test_n(d, 100003u, 3), 5, true};
    auto k = d.make(cfg, Slice{0, cfg.n});
    Partial wrong = run_reference(d, cfg, 2);
    if (!wrong.counts.empty())
      wrong.counts[0] += 1;
    else
      wrong.values[wrong.values.size() / 2] += 1.0;
    EXPECT_NE(k->validate(wrong), "") << d.name << " accepted a corrupted result";
  }
}

TEST(Kernels, SleepCountsEveryTaskAndItsDuration) {
  const auto* d = find_kernel("sleep");
  ASSERT_NE(d, nullptr);
  KernelConfig cfg{3, 20, true};
  auto k = d->make(cfg, Slice{0, 3});
  Partial p = k->make_partial();
  NoLock w;
  const auto t0 = std::chrono::steady_clock::now();
  k->body(Slice{0, 2}, p, w);  // only two of the three tasks
  EXPECT_GE(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(40));
  EXPECT_NE(k->validate(p), "") << "a missing task must be reported";
  k->body(Slice{2, 3}, p, w);
  EXPECT_EQ(k->validate(p), "");
}

TEST(Kernels, TriadCheckFindsACorruptedElement) {
  const auto* d = find_kernel("triad");
  KernelConfig cfg{1000, 0, true};
  auto k = d->make(cfg, Slice{0, 1000});
  k->first_touch(Slice{0, 1000});
  Partial p = k->make_partial();
  NoLock w;
  k->body(Slice{0, 999}, p, w);  // the last element is never computed
  k->check(Slice{0, 1000}, p);
  EXPECT_NE(k->validate(p), "");
}

// The same kernel code gives the same combined result in every in-process mode
// and thread count (the MPI modes are compared by the end-to-end tests).
TEST(Modes, SameResultFromEveryThreadModeAndCount) {
  ModeOptions opt;
  opt.switch_intervals_s = {0.0005};
  for (const auto& d : kernel_table()) {
    KernelConfig cfg{test_n(d, 200003u, 3), 2, true};
    const Partial reference = run_reference(d, cfg, 1);
    for (const char* mode_name : {"serial", "omp", "gil"}) {
      for (auto& mode : find_mode(mode_name)->make(opt)) {
        for (int threads : {1, 2, 3}) {
          if (std::string_view(mode_name) == "serial" && threads > 1) continue;
          auto k = d.make(cfg, Slice{0, cfg.n});
          k->tick_elements = d.tick_elements;
          Partial out = k->make_partial();
          mode->first_touch(*k, Slice{0, cfg.n}, threads);
          mode->run(*k, Slice{0, cfg.n}, threads, out);
          if (k->checks_slices()) mode->check(*k, Slice{0, cfg.n}, threads, out);
          EXPECT_EQ(k->validate(out), "") << d.name << "/" << mode_name << " threads=" << threads;
          EXPECT_EQ(k->checksum(out), k->checksum(reference))
              << d.name << "/" << mode_name << " threads=" << threads;
        }
      }
    }
  }
}

TEST(Tables, NamesAreUniqueAndDescribed) {
  std::set<std::string_view> names;
  for (const auto& d : kernel_table()) {
    EXPECT_TRUE(names.insert(d.name).second) << d.name;
    EXPECT_FALSE(d.summary.empty());
    EXPECT_GT(d.tick_elements, 0u);
    EXPECT_EQ(find_kernel(d.name), &d);
  }
  for (const auto& m : mode_table()) {
    EXPECT_TRUE(names.insert(m.name).second) << m.name;
    EXPECT_EQ(find_mode(m.name), &m);
  }
  EXPECT_EQ(find_kernel("nope"), nullptr);
}

}  // namespace
}  // namespace sumbench
