// Where every rank runs, which CPUs it may use and which cores those are (hwloc),
// gathered once at start-up, and whether a (ranks x threads) layout oversubscribes them.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "mode.hpp"
#include "topology.hpp"
#include "world.hpp"

namespace sumbench {

struct RankPlace {
  std::string host;
  std::vector<int> cpus;   // hardware threads (OS indices): the affinity, or the OpenMP places
  std::vector<int> cores;  // logical indices of the cores owning them (hwloc)
  NodeShape node;          // the rank's node
};

class Placement {
 public:
  // Collective. SUMBENCH_TEST_CPUSETS="0-1;2-3;..." (test-only) replaces rank r's CPUs
  // with item r, for topologies that describe another machine.
  static Placement gather(const World& world);
  // From given places (tests).
  explicit Placement(std::vector<RankPlace> ranks) : ranks_(std::move(ranks)) {}

  const std::vector<RankPlace>& ranks() const { return ranks_; }
  // Distinct hosts among ranks [0, ranks), in rank order.
  std::vector<std::string> hosts(int ranks) const;
  // Why `layout` (on ranks [0, layout.ranks)) is oversubscribed, with how to fix it; ""
  // if it is not. A rank may run as many threads as its mask has CPUs of `unit`, a node
  // as many workers as its ranks' masks together have.
  std::string oversubscription(const Layout& layout, CpuUnit unit) const;
  // "0@host:0-1;1@host:0-1": the CPUs each rank may use; rank_cores: the cores they are.
  std::string rank_cpus() const;
  std::string rank_cores() const;
  // The JSON context keys of the topology (docs/DESIGN.md): rank 0's node, the cores of
  // every rank, the CPU unit, and the test hook when it is on.
  std::vector<std::pair<std::string, std::string>> context(CpuUnit unit) const;
  bool test_cpusets() const { return test_cpusets_; }

 private:
  std::vector<RankPlace> ranks_;
  bool test_cpusets_ = false;
};

// "0-3,6": a compact CPU list.
std::string cpu_list(const std::vector<int>& cpus);
// "0-3,6" -> {0,1,2,3,6}; throws UsageError naming `what` when it is not such a list.
std::vector<int> parse_cpu_list(const std::string& text, const std::string& what);

}  // namespace sumbench
