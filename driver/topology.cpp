#include "topology.hpp"

#include <hwloc.h>
#include <sched.h>

#include <algorithm>
#include <cstdlib>
#include <set>
#include <stdexcept>

namespace sumbench {
namespace {

int count_of(hwloc_topology_t t, hwloc_obj_type_t type) { return std::max(0, hwloc_get_nbobjs_by_type(t, type)); }

// Where the topology came from: HWLOC_SYNTHETIC / HWLOC_XMLFILE when hwloc took them (an
// XML file keeps the Backend info of the machine it was made from, synthetic or real), else
// hwloc's own record. A description hwloc refused (it then reads this machine) is not claimed.
std::string source_of(hwloc_topology_t t) {
  hwloc_obj_t root = hwloc_get_root_obj(t);
  const char* backend = hwloc_obj_get_info_by_name(root, "Backend");
  const char* desc = hwloc_obj_get_info_by_name(root, "SyntheticDescription");
  const char* synthetic = std::getenv("HWLOC_SYNTHETIC");
  const char* xml = std::getenv("HWLOC_XMLFILE");
  const bool other = !hwloc_topology_is_thissystem(t);
  if (other && synthetic && *synthetic) return "synthetic: " + std::string(desc ? desc : synthetic);
  if (other && xml && *xml) return "xml: " + std::string(xml);
  if (backend && std::string(backend) == "Synthetic") return "synthetic: " + std::string(desc ? desc : "?");
  return other ? "another machine (hwloc backend " + std::string(backend ? backend : "?") + ")" : "this system";
}

}  // namespace

const char* cpu_unit_name(CpuUnit unit) { return unit == CpuUnit::hwthreads ? "hwthreads" : "cores"; }

std::string NodeShape::describe() const {
  return std::to_string(packages) + " package(s), " + std::to_string(numa_nodes) + " NUMA node(s), " +
         std::to_string(cores) + " cores, " + std::to_string(pus) + " hardware threads (" + source + ")";
}

Topology::Topology(const char* synthetic) {
  hwloc_topology_init(&topo_);
  if (synthetic && hwloc_topology_set_synthetic(topo_, synthetic) != 0) {
    hwloc_topology_destroy(topo_);
    throw std::invalid_argument(std::string("not an hwloc synthetic topology: ") + synthetic);
  }
  if (hwloc_topology_load(topo_) != 0) {  // hwloc found nothing usable: one core, one PU
    shape_.source = "unknown (hwloc could not load a topology)";
    return;
  }
  shape_.packages = count_of(topo_, HWLOC_OBJ_PACKAGE);
  shape_.numa_nodes = count_of(topo_, HWLOC_OBJ_NUMANODE);
  shape_.pus = std::max(1, count_of(topo_, HWLOC_OBJ_PU));
  const int cores = count_of(topo_, HWLOC_OBJ_CORE);
  shape_.cores = cores > 0 ? cores : shape_.pus;
  shape_.this_system = hwloc_topology_is_thissystem(topo_) != 0;
  shape_.source = source_of(topo_);
}

Topology::Topology(Topology&& other) noexcept : topo_(other.topo_), shape_(std::move(other.shape_)) {
  other.topo_ = nullptr;
}

Topology::~Topology() {
  if (topo_) hwloc_topology_destroy(topo_);
}

const Topology& Topology::get() {
  static const Topology topology(nullptr);
  return topology;
}

Topology Topology::synthetic(const std::string& description) { return Topology(description.c_str()); }

std::vector<int> Topology::cores_of(const std::vector<int>& pus) const {
  std::set<int> cores;
  const bool have_cores = count_of(topo_, HWLOC_OBJ_CORE) > 0;
  for (int os : pus) {
    hwloc_obj_t pu = os >= 0 ? hwloc_get_pu_obj_by_os_index(topo_, static_cast<unsigned>(os)) : nullptr;
    if (!pu) continue;
    if (!have_cores) {
      cores.insert(static_cast<int>(pu->logical_index));
      continue;
    }
    if (hwloc_obj_t core = hwloc_get_ancestor_obj_by_type(topo_, HWLOC_OBJ_CORE, pu))
      cores.insert(static_cast<int>(core->logical_index));
  }
  return {cores.begin(), cores.end()};
}

std::vector<int> Topology::all_pus() const {
  std::vector<int> out;
  for (hwloc_obj_t pu = nullptr; (pu = hwloc_get_next_obj_by_type(topo_, HWLOC_OBJ_PU, pu));)
    out.push_back(static_cast<int>(pu->os_index));
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<int> Topology::allowed_pus() const {
  if (!shape_.this_system) return all_pus();
  cpu_set_t set;
  CPU_ZERO(&set);
  std::vector<int> out;
  if (sched_getaffinity(0, sizeof(set), &set) != 0) return all_pus();
  for (int c = 0; c < CPU_SETSIZE; ++c)
    if (CPU_ISSET(c, &set)) out.push_back(c);
  return out;
}

int Topology::count(const std::vector<int>& pus, CpuUnit unit) const {
  if (unit == CpuUnit::hwthreads) return static_cast<int>(pus.size());
  return static_cast<int>(cores_of(pus).size());
}

}  // namespace sumbench
