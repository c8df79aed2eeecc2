// The untimed phases spread over a rank's CPUs (driver/spread.hpp), the parallel release of
// a workspace, and triad's inputs kept on reused pages (kernels/triad.cpp).
#include <gtest/gtest.h>

#include "kernel.hpp"
#include "mode.hpp"
#include "spread.hpp"
#include "workspace.hpp"

namespace sumbench {
namespace {

class NoLock final : public Worker {};

// Every part count, with 1 to 3 workers: each element is checked exactly once, and one
// corrupted element is found, whichever sub-slice holds it.
TEST(Spread, CheckCountsEveryElementOnceAndFindsTheCorruption) {
  const KernelDescriptor* d = find_kernel("triad");
  const Slice range{0, 5 * SpreadKernel::kMinPart + 17};  // up to 5 parts of a worker's slice
  for (int parts : {1, 2, 3, 8})
    for (int threads : {1, 2, 3}) {
      auto k = d->make(KernelConfig{range.end, 0, true}, range);
      NoLock w;
      SpreadKernel spread(*k, parts);
      for (int t = 0; t < threads; ++t) spread.first_touch(partition(range, threads, t));
      Partial out = k->make_partial();
      for (int t = 0; t < threads; ++t) {
        Partial mine = k->make_partial();
        k->body(partition(range, threads, t), mine, w);
      }
      k->corrupt(range, out);
      check_with_threads(spread, range, threads, out);
      EXPECT_EQ(out.counts[0], range.size()) << "parts=" << parts << " threads=" << threads;
      EXPECT_EQ(out.counts[1], 1u) << "parts=" << parts << " threads=" << threads;
      Partial again = k->make_partial();  // b and c were checked by the first check only
      for (int t = 0; t < threads; ++t) k->body(partition(range, threads, t), again, w);
      check_with_threads(spread, range, threads, again);
      EXPECT_EQ(again.counts[0], range.size());
      EXPECT_EQ(again.counts[1], 0u);
    }
}

TEST(Spread, PartsFollowTheCpusAndNeverCrossNumaNodes) {
  EXPECT_EQ(spread_parts(2, 1, 1), 1) << "a rank on two NUMA nodes keeps per-worker first touch";
  const int one = spread_parts(1, 1, 1);
  EXPECT_GE(one, 1);
  EXPECT_LE(spread_parts(1, 2, 1), one) << "ranks sharing the host share its CPUs";
  EXPECT_EQ(spread_parts(1, 1, 1 << 20), 1) << "more threads than CPUs: no spreading";
  const std::vector<std::string> hosts{"a", "b", "a", "a"};
  EXPECT_EQ(ranks_on_my_host(hosts, 0, 4), 3);
  EXPECT_EQ(ranks_on_my_host(hosts, 1, 4), 1);
  EXPECT_EQ(ranks_on_my_host(hosts, 2, 2), 1) << "only the case's ranks count";
  EXPECT_EQ(ranks_on_my_host(hosts, 7, 4), 4) << "unknown: assume all share it";
}

TEST(Workspace, ParallelReleaseUnmapsEverything) {
  Workspace ws;
  for (std::size_t slot = 0; slot < 3; ++slot) {
    double* p = ws.doubles(slot, 10u << 20);  // 80 MiB each, 3 written pages
    p[0] = p[5u << 20] = p[(10u << 20) - 1] = 1.0;
  }
  ws.set_release_threads(3);
  ws.release();
  EXPECT_EQ(ws.mapped_bytes(), 0u);
}

// Triad keeps b and c on reused pages only for a range with the same start within what an
// earlier instance wrote and verified; a wrong kept input still shows as a wrong a.
TEST(Workspace, TriadKeepsVerifiedInputsOnlyWhereTheyHold) {
  const KernelDescriptor* d = find_kernel("triad");
  const std::uint64_t n = 100000;
  Workspace ws;
  NoLock w;
  auto one_case = [&](Slice range, bool check) {
    auto k = d->make(KernelConfig{n, 0, true, &ws}, range);
    k->first_touch(range);
    Partial out = k->make_partial();
    k->body(range, out, w);
    if (check) k->check(range, out);
    return out;
  };
  one_case({0, n}, false);  // written, never checked: nothing is recorded
  EXPECT_EQ(ws.verified_end(1), 0u);
  Partial first = one_case({0, n}, true);
  EXPECT_EQ(first.counts[1], 0u);
  EXPECT_EQ(ws.verified_begin(1), 0u);
  EXPECT_EQ(ws.verified_end(1), n);
  Partial kept = one_case({0, n / 2}, true);  // same start, inside: kept
  EXPECT_EQ(kept.counts[0], n / 2);
  EXPECT_EQ(kept.counts[1], 0u);
  EXPECT_EQ(ws.verified_end(1), n) << "a kept range leaves the record as it was";
  ws.doubles(1, n)[123] += 1.0;  // an input goes wrong on the kept pages
  Partial wrong = one_case({0, n}, true);
  EXPECT_EQ(wrong.counts[1], 1u) << "a = b + 3c from a wrong b differs from the gold a";
  Partial moved = one_case({n / 2, n}, true);  // another start: rewritten and verified again
  EXPECT_EQ(moved.counts[1], 0u);
  EXPECT_EQ(ws.verified_begin(1), n / 2);
}

}  // namespace
}  // namespace sumbench
