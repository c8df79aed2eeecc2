// The node's hardware as hwloc (the library Open MPI and MPICH use) sees it: packages
// (sockets), NUMA nodes, cores and hardware threads (PUs), and which cores a CPU mask
// touches. HWLOC_SYNTHETIC="pack:2 core:16 pu:2" or HWLOC_XMLFILE=node.xml replace the
// real machine, as they do for mpirun and mpiexec (docs/DESIGN.md, "Topology").
#pragma once

#include <string>
#include <vector>

struct hwloc_topology;  // hwloc.h's hwloc_topology_t, kept out of this header

namespace sumbench {

// What a CPU is when sumbench counts them (--cpus): a physical core (the default), or a
// hardware thread (SMT), which the user must choose explicitly.
enum class CpuUnit { cores, hwthreads };
const char* cpu_unit_name(CpuUnit unit);

struct NodeShape {
  int packages = 0, numa_nodes = 0, cores = 1, pus = 1;  // 0 packages: hwloc found none
  bool this_system = true;    // false for a synthetic or XML topology: another machine
  std::string source;         // "this system", "synthetic: pack:2 core:16 pu:2", "xml: FILE"
  // "2 packages, 2 NUMA nodes, 32 cores, 64 hardware threads (synthetic: ...)"
  std::string describe() const;
};

class Topology {
 public:
  // This process's topology, loaded once (HWLOC_SYNTHETIC / HWLOC_XMLFILE honoured).
  static const Topology& get();
  // A topology from a synthetic description (tests); throws std::invalid_argument.
  static Topology synthetic(const std::string& description);
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
  explicit Topology(const char* synthetic);
  ::hwloc_topology* topo_ = nullptr;
  NodeShape shape_;
};

}  // namespace sumbench
