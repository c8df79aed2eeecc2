// Where every rank runs and which CPUs it may use, gathered once at start-up,
// and whether a (ranks x threads) layout oversubscribes them.
#pragma once

#include <string>
#include <vector>

#include "mode.hpp"
#include "world.hpp"

namespace sumbench {

struct RankPlace {
  std::string host;
  std::vector<int> cpus;  // from sched_getaffinity
  int node_cpus = 1;      // CPUs online on the rank's node
};

class Placement {
 public:
  static Placement gather(const World& world);

  const std::vector<RankPlace>& ranks() const { return ranks_; }
  // Distinct hosts among ranks [0, ranks), in rank order.
  std::vector<std::string> hosts(int ranks) const;
  // Why `layout` (on ranks [0, layout.ranks)) is oversubscribed, with how to fix it; "" if it is not.
  std::string oversubscription(const Layout& layout) const;
  // "0@host:0-1;1@host:0-1": the CPUs each rank may use.
  std::string rank_cpus() const;

 private:
  std::vector<RankPlace> ranks_;
};

// "0-3,6": a compact CPU list.
std::string cpu_list(const std::vector<int>& cpus);

}  // namespace sumbench
