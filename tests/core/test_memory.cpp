// The memory check before a run (issue 10): the total over a case's ranks on each node,
// against what is usable there.
#include <gtest/gtest.h>

#include "memory.hpp"

namespace sumbench {
namespace {

constexpr std::uint64_t kGiB = 1ull << 30;

Case make_case(const std::string& name, int ranks) {
  Case c;
  c.name = name;
  c.layout = {ranks, 1};
  c.kernel = find_kernel("triad");
  return c;
}

// Every rank of every case holds `per_rank` bytes.
std::string problem(const std::vector<Case>& cases, const std::vector<std::string>& hosts,
                    std::vector<std::uint64_t> usable, double per_rank) {
  const std::vector<std::string> how(hosts.size(), "MemAvailable");
  return memory_problem(cases, hosts, usable, how, [&](const Case&, int) { return per_rank; });
}

TEST(Memory, TheRanksOfANodeAddUp) {
  const std::vector<Case> cases{make_case("triad/mpi/ranks:2", 2)};
  // Each rank alone would fit (0.6 of 1 GiB), the two on one node do not.
  EXPECT_NE(problem(cases, {"a", "a"}, {kGiB, kGiB}, 0.6 * kGiB)
                .find("triad/mpi/ranks:2 does not fit in memory: it "
                      "needs 1.2 GiB on a (2 rank(s)), where 1.0 GiB is free (MemAvailable)"),
            std::string::npos);
  EXPECT_EQ(problem(cases, {"a", "b"}, {kGiB, kGiB}, 0.6 * kGiB), "");   // one on each node
  EXPECT_EQ(problem(cases, {"a", "a"}, {kGiB, kGiB}, 0.45 * kGiB), "");  // 0.9 of what is usable
  EXPECT_EQ(problem(cases, {"a", "a"}, {0, 0}, 1e30), "");               // unknown: not checked
}

TEST(Memory, TheLeastUsableRankOfANodeCountsAndOnlyTheCaseRanks) {
  const std::vector<Case> one_rank{make_case("triad/serial", 1)};
  EXPECT_EQ(problem(one_rank, {"a", "a", "a"}, {kGiB, kGiB, kGiB}, 0.8 * kGiB),
            "");  // ranks 1, 2 hold nothing
  const std::vector<Case> three{make_case("x", 3), make_case("y", 3), make_case("z", 1)};
  const std::string p = problem(three, {"a", "a", "b"}, {4 * kGiB, kGiB, 4 * kGiB}, 0.5 * kGiB);
  EXPECT_NE(p.find("x does not fit"), std::string::npos) << p;  // a: 1 GiB usable (its least), 2 ranks
  EXPECT_NE(p.find("(and 1 more case(s))"), std::string::npos) << p;
}

TEST(Memory, TriadHoldsThreeArraysAndThePartials) {
  Case c = make_case("triad", 2);
  c.n = 1000;
  const double bytes = case_bytes(c, 1, KernelConfig{c.n, 100, true});
  EXPECT_GE(bytes, 24.0 * 500);
  EXPECT_LT(bytes, 24.0 * 500 + 1024);
  EXPECT_EQ(case_bytes(c, 2, KernelConfig{c.n, 100, true}), 0.0);  // not in the case
  // combine holds an 8 MiB partial per thread, twice, whatever n: 4096 gil threads need 64 GiB.
  Case many = make_case("combine", 1);
  many.kernel = find_kernel("combine");
  many.layout = {1, 4096};
  many.n = 4u << 20;
  EXPECT_GE(case_bytes(many, 0, KernelConfig{many.n, 100, false}), 64.0 * kGiB);
  std::string how;
  EXPECT_GT(usable_memory(&how), 0u);
  EXPECT_FALSE(how.empty());
}

}  // namespace
}  // namespace sumbench
