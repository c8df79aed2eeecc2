#include "placement.hpp"

#include <omp.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <set>

#include "options.hpp"

namespace sumbench {
namespace {

constexpr int kMaxCpus = 1024;
struct PackedPlace {
  char host[256];
  char source[192];
  int packages, numa_nodes, cores, pus, this_system;
  int bad_hook;                  // SUMBENCH_TEST_CPUSETS could not be read on this rank
  unsigned char cpu[kMaxCpus];   // 1 if the rank may use that PU (OS index)
  unsigned char core[kMaxCpus];  // 1 if one of those PUs belongs to that core (logical index)
};

// SUMBENCH_TEST_CPUSETS (test-only): item `rank` of "0-1;2-3;...", or nothing.
bool hooked_cpus(int rank, std::vector<int>& cpus) {
  const char* hook = std::getenv("SUMBENCH_TEST_CPUSETS");
  if (!hook || !*hook) return false;
  std::string items = hook;
  for (int r = 0; r < rank; ++r) {
    const auto semi = items.find(';');
    if (semi == std::string::npos) return false;  // no item for this rank: keep its own
    items.erase(0, semi + 1);
  }
  cpus = parse_cpu_list(items.substr(0, items.find(';')), "SUMBENCH_TEST_CPUSETS");
  return true;
}

// The CPUs this rank may use: with OMP_PROC_BIND set, libgomp has already bound this
// (initial) thread to the first place, so its affinity shows one CPU; the team may use
// every place. On a topology of another machine, all of its PUs.
std::vector<int> own_cpus(const Topology& topo) {
  if (!topo.shape().this_system || omp_get_proc_bind() == omp_proc_bind_false || omp_get_num_places() <= 0)
    return topo.allowed_pus();
  std::set<int> cpus;
  for (int place = 0; place < omp_get_num_places(); ++place) {
    std::vector<int> ids(static_cast<std::size_t>(omp_get_place_num_procs(place)));
    omp_get_place_proc_ids(place, ids.data());
    cpus.insert(ids.begin(), ids.end());
  }
  return {cpus.begin(), cpus.end()};
}

}  // namespace

std::string cpu_list(const std::vector<int>& cpus) {
  std::string out;
  for (std::size_t i = 0; i < cpus.size();) {
    std::size_t j = i;
    while (j + 1 < cpus.size() && cpus[j + 1] == cpus[j] + 1) ++j;
    if (!out.empty()) out += ',';
    out += std::to_string(cpus[i]);
    if (j > i) out += '-' + std::to_string(cpus[j]);
    i = j + 1;
  }
  return out;
}

std::vector<int> parse_cpu_list(const std::string& text, const std::string& what) {
  const std::string bad = what + ": '" + text + "' is not a CPU list such as 0-3,6 (each 0 to " +
                          std::to_string(kMaxCpus - 1) + ")";
  std::set<int> out;
  std::size_t at = 0;
  while (at <= text.size()) {
    const std::size_t comma = std::min(text.find(',', at), text.size());
    const std::string item = text.substr(at, comma - at);
    const std::size_t dash = item.find('-');
    const std::string lo = item.substr(0, dash), hi = dash == std::string::npos ? lo : item.substr(dash + 1);
    for (const std::string& s : {lo, hi})
      if (s.empty() || s.size() > 4 || s.find_first_not_of("0123456789") != std::string::npos)
        throw UsageError(bad);
    const int a = std::stoi(lo), b = std::stoi(hi);
    if (a > b || b >= kMaxCpus) throw UsageError(bad);
    for (int c = a; c <= b; ++c) out.insert(c);
    at = comma + 1;
  }
  return {out.begin(), out.end()};
}

Placement Placement::gather(const World& world) {
  const Topology& topo = Topology::get();
  PackedPlace mine{};
  gethostname(mine.host, sizeof(mine.host) - 1);
  const NodeShape& shape = topo.shape();
  std::strncpy(mine.source, shape.source.c_str(), sizeof(mine.source) - 1);
  mine.packages = shape.packages, mine.numa_nodes = shape.numa_nodes, mine.cores = shape.cores;
  mine.pus = shape.pus, mine.this_system = shape.this_system;
  std::vector<int> cpus = own_cpus(topo);
  try {
    hooked_cpus(world.rank(), cpus);
  } catch (const UsageError&) {
    mine.bad_hook = 1;
  }
  for (int c : cpus)
    if (c >= 0 && c < kMaxCpus) mine.cpu[c] = 1;
  for (int c : topo.cores_of(cpus))
    if (c >= 0 && c < kMaxCpus) mine.core[c] = 1;
  std::vector<PackedPlace> all(static_cast<std::size_t>(world.size()));
  MPI_Allgather(&mine, sizeof(PackedPlace), MPI_BYTE, all.data(), sizeof(PackedPlace), MPI_BYTE,
                world.comm());
  std::vector<RankPlace> ranks;
  for (const PackedPlace& packed : all) {
    if (packed.bad_hook) {  // every rank stops, with the same line
      const char* hook = std::getenv("SUMBENCH_TEST_CPUSETS");
      throw UsageError("SUMBENCH_TEST_CPUSETS='" + std::string(hook ? hook : "") +
                       "' is not a ';'-separated list of CPU lists such as 0-1;2-3 (one per rank)");
    }
    RankPlace r;
    r.host = packed.host;
    r.node = {packed.packages, packed.numa_nodes,       packed.cores,
              packed.pus,      packed.this_system != 0, packed.source};
    for (int c = 0; c < kMaxCpus; ++c) {
      if (packed.cpu[c]) r.cpus.push_back(c);
      if (packed.core[c]) r.cores.push_back(c);
    }
    ranks.push_back(std::move(r));
  }
  Placement p(std::move(ranks));
  const char* hook = std::getenv("SUMBENCH_TEST_CPUSETS");
  p.test_cpusets_ = hook && *hook;  // main warns of it once every check has passed
  return p;
}

std::vector<std::string> Placement::hosts(int ranks) const {
  std::vector<std::string> out;
  for (int r = 0; r < ranks && r < static_cast<int>(ranks_.size()); ++r)
    if (std::find(out.begin(), out.end(), ranks_[r].host) == out.end()) out.push_back(ranks_[r].host);
  return out;
}

std::string Placement::oversubscription(const Layout& layout, CpuUnit unit) const {
  const bool by_core = unit == CpuUnit::cores;
  const std::string what_cpu = by_core ? " core(s)" : " hardware thread(s)";
  const int ranks = std::min<int>(layout.ranks, static_cast<int>(ranks_.size()));
  const std::string t = std::to_string(layout.threads);
  for (int r = 0; r < ranks; ++r) {
    const auto& place = ranks_[r];
    const int usable = static_cast<int>(by_core ? place.cores.size() : place.cpus.size());
    if (layout.threads <= usable) continue;
    const std::string what = "rank " + std::to_string(r) + " runs " + t + " threads on the " +
                             std::to_string(usable) + what_cpu + " of its CPUs (" + cpu_list(place.cpus) +
                             ")";
    if (static_cast<int>(place.cpus.size()) < place.node.pus)  // bound to part of its node by the launcher
      return what + "; its launcher bound it to part of the node: give each rank " + t +
             " cores (mpirun --map-by slot:PE=" + t + " --bind-to core, mpiexec.mpich -bind-to core:" + t +
             ", srun --cpus-per-task=" + t + ") or no binding (mpirun --bind-to none)";
    const bool smt = by_core && static_cast<int>(place.cpus.size()) >= layout.threads;
    return what + ": the run measures time-sharing, not parallel speed; use at most " +
           std::to_string(usable) + " threads" +
           (smt ? " (or --cpus=hwthreads to count hardware threads, which share a core)" : "");
  }
  for (const std::string& host : hosts(ranks)) {
    int workers = 0;
    std::set<int> usable;
    for (int r = 0; r < ranks; ++r) {
      if (ranks_[r].host != host) continue;
      workers += layout.threads;
      const auto& set = by_core ? ranks_[r].cores : ranks_[r].cpus;
      usable.insert(set.begin(), set.end());
    }
    if (workers > static_cast<int>(usable.size()))
      return std::to_string(workers) + " workers share the " + std::to_string(usable.size()) + what_cpu +
             " of " + host +
             ": the run measures time-sharing, not parallel speed; use fewer workers or more nodes";
  }
  return {};
}

namespace {
// "0@host:0-1;1@host:2-3": one CPU list of each rank.
std::string per_rank(const std::vector<RankPlace>& ranks, std::vector<int> RankPlace::*list) {
  std::string out;
  for (std::size_t r = 0; r < ranks.size(); ++r) {
    if (r) out += ';';
    out += std::to_string(r);
    out += '@';
    out += ranks[r].host;
    out += ':';
    out += cpu_list(ranks[r].*list);
  }
  return out;
}
}  // namespace

std::string Placement::rank_cpus() const {
  return per_rank(ranks_, &RankPlace::cpus);
}
std::string Placement::rank_cores() const {
  return per_rank(ranks_, &RankPlace::cores);
}

std::vector<std::pair<std::string, std::string>> Placement::context(CpuUnit unit) const {
  const NodeShape node = ranks_.empty() ? NodeShape{} : ranks_.front().node;
  std::vector<std::pair<std::string, std::string>> c{{"cpus", cpu_unit_name(unit)},
                                                     {"topology", node.describe()},
                                                     {"topology_packages", std::to_string(node.packages)},
                                                     {"topology_numa_nodes", std::to_string(node.numa_nodes)},
                                                     {"topology_cores", std::to_string(node.cores)},
                                                     {"topology_pus", std::to_string(node.pus)},
                                                     {"topology_source", node.source},
                                                     {"rank_cores", rank_cores()}};
  std::string others;  // nodes whose topology differs from rank 0's
  for (const std::string& host : hosts(static_cast<int>(ranks_.size())))
    for (const RankPlace& r : ranks_)
      if (r.host == host) {
        if (r.node.describe() != node.describe())
          others += (others.empty() ? "" : "; ") + host + ": " + r.node.describe();
        break;
      }
  if (!others.empty()) c.emplace_back("topology_other_nodes", others);
  if (test_cpusets_)
    c.emplace_back("test_cpusets",
                   std::string(std::getenv("SUMBENCH_TEST_CPUSETS")) + " (SUMBENCH_TEST_CPUSETS)");
  return c;
}

}  // namespace sumbench
