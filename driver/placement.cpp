#include "placement.hpp"

#include <omp.h>
#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <set>

namespace sumbench {
namespace {

constexpr int kMaxCpus = 1024;
struct PackedPlace {
  char host[256];
  int node_cpus;
  unsigned char cpu[kMaxCpus];  // 1 if the rank may use that CPU
};

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

Placement Placement::gather(const World& world) {
  PackedPlace mine{};
  gethostname(mine.host, sizeof(mine.host) - 1);
  mine.node_cpus = static_cast<int>(sysconf(_SC_NPROCESSORS_ONLN));
  if (omp_get_proc_bind() != omp_proc_bind_false && omp_get_num_places() > 0) {
    // With OMP_PROC_BIND set, libgomp has already bound this (initial) thread to the
    // first place, so its affinity shows one CPU; the team may use every place.
    for (int place = 0; place < omp_get_num_places(); ++place) {
      std::vector<int> ids(static_cast<std::size_t>(omp_get_place_num_procs(place)));
      omp_get_place_proc_ids(place, ids.data());
      for (int c : ids)
        if (c >= 0 && c < kMaxCpus) mine.cpu[c] = 1;
    }
  } else {
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof(set), &set) == 0)
      for (int c = 0; c < kMaxCpus && c < CPU_SETSIZE; ++c) mine.cpu[c] = CPU_ISSET(c, &set) ? 1 : 0;
  }
  std::vector<PackedPlace> all(static_cast<std::size_t>(world.size()));
  MPI_Allgather(&mine, sizeof(PackedPlace), MPI_BYTE, all.data(), sizeof(PackedPlace), MPI_BYTE,
                world.comm());
  Placement p;
  for (const PackedPlace& packed : all) {
    RankPlace r;
    r.host = packed.host;
    r.node_cpus = packed.node_cpus;
    for (int c = 0; c < kMaxCpus; ++c)
      if (packed.cpu[c]) r.cpus.push_back(c);
    p.ranks_.push_back(std::move(r));
  }
  return p;
}

std::vector<std::string> Placement::hosts(int ranks) const {
  std::vector<std::string> out;
  for (int r = 0; r < ranks && r < static_cast<int>(ranks_.size()); ++r)
    if (std::find(out.begin(), out.end(), ranks_[r].host) == out.end()) out.push_back(ranks_[r].host);
  return out;
}

std::string Placement::oversubscription(const Layout& layout) const {
  const int ranks = std::min<int>(layout.ranks, static_cast<int>(ranks_.size()));
  for (int r = 0; r < ranks; ++r) {
    const auto& place = ranks_[r];
    const int usable = static_cast<int>(place.cpus.size());
    if (layout.threads <= usable) continue;
    const std::string what = "rank " + std::to_string(r) + " runs " + std::to_string(layout.threads) +
                             " threads on the " + std::to_string(usable) + " CPU(s) it may use (" +
                             cpu_list(place.cpus) + ")";
    if (usable < place.node_cpus)  // bound to part of its node, as mpirun does for 1-2 ranks
      return what + "; mpirun binds 1-2 ranks to one core each: run mpirun --bind-to none, or --map-by slot:PE=" +
             std::to_string(layout.threads) + " --bind-to core";
    return what + ": the run measures time-sharing, not parallel speed; use at most " + std::to_string(usable) +
           " threads";
  }
  for (const std::string& host : hosts(ranks)) {
    int workers = 0, node_cpus = 0;
    std::set<int> usable;
    for (int r = 0; r < ranks; ++r) {
      if (ranks_[r].host != host) continue;
      workers += layout.threads;
      node_cpus = ranks_[r].node_cpus;
      usable.insert(ranks_[r].cpus.begin(), ranks_[r].cpus.end());
    }
    const int cores = std::min<int>(node_cpus, static_cast<int>(usable.size()));
    if (workers > cores)
      return std::to_string(workers) + " workers share the " + std::to_string(cores) +
             " CPU(s) of " + host +
             ": the run measures time-sharing, not parallel speed; use fewer workers or more nodes";
  }
  return {};
}

std::string Placement::rank_cpus() const {
  std::string out;
  for (std::size_t r = 0; r < ranks_.size(); ++r) {
    if (!out.empty()) out += ';';
    out += std::to_string(r) + '@' + ranks_[r].host + ':' + cpu_list(ranks_[r].cpus);
  }
  return out;
}

}  // namespace sumbench
