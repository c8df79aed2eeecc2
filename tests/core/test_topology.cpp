// The topology (hwloc, synthetic machines) and the oversubscription rule of the placement:
// a node runs at most as many workers as its ranks' CPU masks have cores (hardware
// threads with --cpus=hwthreads), a rank at most as many threads as its own mask has.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "options.hpp"
#include "placement.hpp"
#include "topology.hpp"

namespace sumbench {
namespace {

std::vector<int> range(int from, int to) {  // [from, to]
  std::vector<int> out;
  for (int i = from; i <= to; ++i) out.push_back(i);
  return out;
}

TEST(Topology, SyntheticShapes) {
  struct Want {
    const char* desc;
    int packages, numa, cores, pus;
  };
  for (const Want& w :
       {Want{"pack:2 core:16 pu:2", 2, 1, 32, 64}, Want{"pack:2 [numa] core:16 pu:2", 2, 2, 32, 64},
        Want{"pack:2 numa:2 core:8 pu:2", 2, 4, 32, 64}, Want{"pack:1 core:2 pu:1", 1, 1, 2, 2},
        Want{"numa:2 core:16 pu:2", 0, 2, 32, 64}}) {
    const Topology t = Topology::synthetic(w.desc);
    const NodeShape& s = t.shape();
    EXPECT_EQ(s.packages, w.packages) << w.desc;
    EXPECT_EQ(s.numa_nodes, w.numa) << w.desc;
    EXPECT_EQ(s.cores, w.cores) << w.desc;
    EXPECT_EQ(s.pus, w.pus) << w.desc;
    EXPECT_FALSE(s.this_system) << w.desc;
    EXPECT_NE(s.source.find("synthetic"), std::string::npos) << s.source;
    // Another machine: its real affinity means nothing there, every PU is usable.
    EXPECT_EQ(t.allowed_pus(), range(0, w.pus - 1)) << w.desc;
  }
  EXPECT_THROW(Topology::synthetic("pack:2 core:16"), std::invalid_argument);  // must end with PUs
}

// Issue 22: refused before hwloc builds it (b132564 built 2e10 PUs; an orted kept at it).
TEST(Topology, LargerThanPlannedIsRefused) {
  const auto why = [](const std::string& desc) {
    try {
      Topology::synthetic(desc);
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string("taken");
  };
  EXPECT_EQ(why("pack:100000 core:100000 pu:2"),
            "describes 20000000000 hardware threads, more than the 1024 of the "
            "largest node sumbench plans");
  EXPECT_EQ(why("pack:2 core:0x100 pu:2"), "taken");  // 1024, strtoul's hexadecimal as hwloc reads it
  EXPECT_NE(why("pack:2 core:0x101 pu:2").find("describes 1028 hardware threads"), std::string::npos);
  // Root attributes and memory children are no level: 2 x 16 x 2 hardware threads.
  EXPECT_EQ(why("(memory=1GB) pack:2 [numa(memory=1GB)] core:16 pu:2"), "taken");
  EXPECT_EQ(why("pack:2 [numa(memory=1GB)] core:512 pu:2").substr(0, 34),
            "describes 2048 hardware threads, m");
  EXPECT_EQ(why("pack:1 core:2 pu:1(indexes=0,1024)"),
            "numbers a hardware thread 1024, beyond the 0 to 1023 sumbench plans");
  EXPECT_THROW(Topology::xml("/nonexistent/node.xml"), std::invalid_argument);
  EXPECT_THROW(Topology::xml("/"), std::invalid_argument);
}

TEST(Topology, MasksMapOntoCores) {
  const Topology t = Topology::synthetic("pack:2 core:16 pu:2");  // siblings are PUs 2c, 2c+1
  EXPECT_EQ(t.cores_of({0, 1, 2, 3, 62}), (std::vector<int>{0, 1, 31}));
  EXPECT_EQ(t.count({0, 1, 2, 3, 62}, CpuUnit::cores), 3);
  EXPECT_EQ(t.count({0, 1, 2, 3, 62}, CpuUnit::hwthreads), 5);
  EXPECT_EQ(t.cores_of({64, 500}), std::vector<int>{});  // PUs the topology does not have
  EXPECT_EQ(t.count(t.all_pus(), CpuUnit::cores), 32);
}

TEST(Topology, ThisSystem) {
  const Topology& t = Topology::get();
  EXPECT_GE(t.shape().cores, 1);
  EXPECT_GE(t.shape().pus, t.shape().cores);
  EXPECT_GE(t.count(t.allowed_pus(), CpuUnit::cores), 1);
}

// Places of `ranks` ranks on one node of `desc`, rank r given masks[r].
Placement places(const std::string& desc, const std::vector<std::vector<int>>& masks,
                 const char* host = "n1") {
  const Topology t = Topology::synthetic(desc);
  std::vector<RankPlace> ranks;
  for (const auto& mask : masks) ranks.push_back({host, mask, t.cores_of(mask), t.shape()});
  return Placement(std::move(ranks));
}

TEST(Oversubscription, SmtNodeCountsCoresByDefault) {
  const std::string smt = "pack:2 core:16 pu:2";
  const auto all = range(0, 63);
  // One unbound process: 32 threads fit its 32 cores, 33 do not; 64 fit its 64 hardware threads.
  const Placement one = places(smt, {all});
  EXPECT_EQ(one.oversubscription({1, 32}, CpuUnit::cores), "");
  EXPECT_NE(one.oversubscription({1, 33}, CpuUnit::cores), "");
  EXPECT_NE(one.oversubscription({1, 64}, CpuUnit::cores).find("--cpus=hwthreads"), std::string::npos);
  EXPECT_EQ(one.oversubscription({1, 64}, CpuUnit::hwthreads), "");
  EXPECT_NE(one.oversubscription({1, 65}, CpuUnit::hwthreads), "");
  // 64 unbound ranks on 32 cores: the node, not a rank, is oversubscribed.
  const Placement many = places(smt, std::vector<std::vector<int>>(64, all));
  const std::string why = many.oversubscription({64, 1}, CpuUnit::cores);
  EXPECT_NE(why.find("64 workers share the 32 core(s) of n1"), std::string::npos) << why;
  EXPECT_EQ(many.oversubscription({32, 1}, CpuUnit::cores), "");
  EXPECT_EQ(many.oversubscription({64, 1}, CpuUnit::hwthreads), "");
}

TEST(Oversubscription, BoundRanks) {
  const std::string smt = "pack:2 core:16 pu:2";
  // 2x2 with each rank bound to one core (its two siblings): two threads on one core.
  const Placement core_each = places(smt, {{0, 1}, {2, 3}});
  const std::string why = core_each.oversubscription({2, 2}, CpuUnit::cores);
  EXPECT_NE(why.find("rank 0 runs 2 threads on the 1 core(s)"), std::string::npos) << why;
  EXPECT_NE(why.find("bound it to part of the node"), std::string::npos) << why;
  EXPECT_EQ(core_each.oversubscription({2, 2}, CpuUnit::hwthreads), "");
  EXPECT_EQ(core_each.oversubscription({2, 1}, CpuUnit::cores), "");
  // 2x32 in hwthread mode: 32 PUs each = 16 cores each, all 32 cores used.
  const Placement halves = places(smt, {range(0, 31), range(32, 63)});
  EXPECT_EQ(halves.oversubscription({2, 32}, CpuUnit::hwthreads), "");
  EXPECT_NE(halves.oversubscription({2, 32}, CpuUnit::cores), "");
  EXPECT_EQ(halves.oversubscription({2, 16}, CpuUnit::cores), "");
  // Overlapping masks (a launcher that wraps around): the node's cores are what counts.
  const Placement overlap = places(smt, {range(0, 3), range(0, 3)});
  EXPECT_NE(overlap.oversubscription({2, 2}, CpuUnit::cores).find("4 workers share the 2 core(s)"),
            std::string::npos);
}

TEST(Oversubscription, NumaAndPlainNodes) {
  const Placement numa = places("pack:2 [numa] core:16 pu:2", {range(0, 31), range(32, 63)});
  EXPECT_EQ(numa.oversubscription({2, 16}, CpuUnit::cores), "");
  EXPECT_NE(numa.oversubscription({2, 17}, CpuUnit::cores), "");
  const Placement plain = places("pack:1 core:2 pu:1", {{0, 1}, {0, 1}});
  EXPECT_EQ(plain.oversubscription({2, 1}, CpuUnit::cores), "");
  EXPECT_NE(plain.oversubscription({2, 2}, CpuUnit::cores), "");
  EXPECT_NE(plain.oversubscription({1, 3}, CpuUnit::hwthreads), "");  // no SMT: no more with hwthreads
}

TEST(Oversubscription, EachNodeOnItsOwn) {
  const Topology t = Topology::synthetic("pack:1 core:2 pu:1");
  std::vector<RankPlace> ranks{{"a", {0, 1}, {0, 1}, t.shape()},
                               {"a", {0, 1}, {0, 1}, t.shape()},
                               {"b", {0, 1}, {0, 1}, t.shape()},
                               {"b", {0, 1}, {0, 1}, t.shape()}};
  const Placement two_nodes(ranks);
  EXPECT_EQ(two_nodes.oversubscription({4, 1}, CpuUnit::cores), "");  // 2 per node on 2 cores each
  EXPECT_NE(two_nodes.oversubscription({4, 2}, CpuUnit::cores), "");
  EXPECT_EQ(two_nodes.hosts(4), (std::vector<std::string>{"a", "b"}));
}

TEST(CpuList, ParsesAndPrints) {
  EXPECT_EQ(parse_cpu_list("0-3,62", "x"), (std::vector<int>{0, 1, 2, 3, 62}));
  EXPECT_EQ(cpu_list({0, 1, 2, 3, 62}), "0-3,62");
  for (const char* bad : {"", "3-1", "a", "1,", "-1", "0-1024", "1;2"})
    EXPECT_THROW(parse_cpu_list(bad, "x"), UsageError) << bad;
}

}  // namespace
}  // namespace sumbench
