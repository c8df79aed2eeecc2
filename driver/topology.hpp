// The node's hardware as hwloc (the library Open MPI and MPICH use) sees it: packages
// (sockets), NUMA nodes, cores and hardware threads (PUs), and which cores a CPU mask
// touches. HWLOC_SYNTHETIC="pack:2 core:16 pu:2" or HWLOC_XMLFILE=node.xml replace the
// real machine, as they do for mpirun and mpiexec (docs/DESIGN.md, "Topology").
#pragma once

#include <cstdint>
#include <string>
#include <vector>

struct hwloc_topology;  // hwloc.h's hwloc_topology_t, kept out of this header

namespace sumbench {

// What a CPU is when sumbench counts them (--cpus): a physical core (the default), or a
// hardware thread (SMT), which the user must choose explicitly.
enum class CpuUnit { cores, hwthreads };
const char* cpu_unit_name(CpuUnit unit);

// The largest node sumbench plans: hardware threads numbered 0 to kMaxPus - 1. Placement
// sends each rank's CPUs as masks of this size (placement.cpp); the largest two-socket
// nodes sold have 768 (2 x 192 cores x 2). A topology given by HWLOC_SYNTHETIC or
// HWLOC_XMLFILE beyond it is refused before MPI starts: hwloc, Open MPI's orted and Hydra
// would each build every object of it ("pack:100000 core:100000 pu:2" kept an orted
// busy, past 1 GB, after sumbench had exited).
inline constexpr int kMaxPus = 1024;
// The largest HWLOC_XMLFILE read: lstopo --of xml writes 0.3 MB for a synthetic node of
// 1024 hardware threads (hwloc 2.9), a real node's file with its caches and devices a few
// times that.
inline constexpr long long kMaxTopologyXmlBytes = 16ll << 20;

struct NodeShape {
  int packages = 0, numa_nodes = 0, cores = 1, pus = 1;  // 0 packages: hwloc found none
  bool this_system = true;  // false for a synthetic or XML topology: another machine
  std::string source;       // "this system", "synthetic: pack:2 core:16 pu:2", "xml: FILE"
  // "2 packages, 2 NUMA nodes, 32 cores, 64 hardware threads (synthetic: ...)"
  std::string describe() const;
};

class Topology {
 public:
  // Loads this process's topology, once: the one HWLOC_SYNTHETIC describes, else the one
  // in HWLOC_XMLFILE (hwloc's order; empty counts as unset), else this machine. Call it
  // before MPI_Init. "" when the variable was taken or none is set; else one line naming
  // the variable, its value and what is allowed, and both variables are removed from the
  // environment, so that MPI_Init (Open MPI's singleton starts an orted that reads them)
  // and get() see this machine.
  static std::string load_input();
  // This process's topology (load_input() on first use).
  static const Topology& get();
  // A topology from a synthetic description or an XML file (tests); throws
  // std::invalid_argument (what() says why) for one that load_input() refuses.
  static Topology synthetic(const std::string& description);
  static Topology xml(const std::string& path);
  Topology(Topology&& other) noexcept;
  Topology& operator=(Topology&&) = delete;
  ~Topology();

  const NodeShape& shape() const { return shape_; }
  // Logical indices of the cores owning any of `pus` (OS indices), sorted; PUs hwloc
  // does not know are ignored. Without core objects each PU counts as a core.
  std::vector<int> cores_of(const std::vector<int>& pus) const;
  // OS indices of every PU of the topology.
  std::vector<int> all_pus() const;
  // The PUs (OS indices) this process may use: its affinity on this system, every PU of
  // a topology that describes another machine (its real affinity means nothing there).
  std::vector<int> allowed_pus() const;
  // How many CPUs of `unit` a set of PUs offers: its PUs, or the cores it touches.
  int count(const std::vector<int>& pus, CpuUnit unit) const;

 private:
  enum class Input { this_system, synthetic, xml };
  Topology(Input input, const std::string& text);
  ::hwloc_topology* topo_ = nullptr;
  NodeShape shape_;
};

// The CPUs this process may use, counted in `unit` (its cores, or its hardware threads).
int usable_cpus(CpuUnit unit);
// Worker counts without --workers: the world size under mpirun with more than one rank,
// else the CPUs (of --cpus) this process may use.
std::vector<int> default_workers(int world_size, CpuUnit unit);
// Size of the last-level cache in bytes (0 if unknown).
std::uint64_t last_level_cache_bytes();

}  // namespace sumbench
