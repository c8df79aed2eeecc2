#include "topology.hpp"

#include <hwloc.h>
#include <sched.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <optional>
#include <set>
#include <stdexcept>

#include "topology_input.hpp"

namespace sumbench {
namespace {

int count_of(hwloc_topology_t t, hwloc_obj_type_t type) {
  return std::max(0, hwloc_get_nbobjs_by_type(t, type));
}

// Where the topology came from, for the context and the catalogue.
std::string source_of(hwloc_topology_t t, const std::string& given) {
  hwloc_obj_t root = hwloc_get_root_obj(t);
  const char* backend = hwloc_obj_get_info_by_name(root, "Backend");
  if (!given.empty()) return given;
  if (backend && std::string(backend) == "Synthetic") {
    const char* desc = hwloc_obj_get_info_by_name(root, "SyntheticDescription");
    return "synthetic: " + std::string(desc ? desc : "?");
  }
  if (hwloc_topology_is_thissystem(t)) return "this system";
  return "another machine (hwloc backend " + std::string(backend ? backend : "?") + ")";
}

std::optional<Topology>& loaded() {
  static std::optional<Topology> topology;
  return topology;
}

const char* variable(const char* name) {
  const char* v = std::getenv(name);
  return v && *v ? v : nullptr;
}

}  // namespace

const char* cpu_unit_name(CpuUnit unit) {
  return unit == CpuUnit::hwthreads ? "hwthreads" : "cores";
}

std::string NodeShape::describe() const {
  return std::to_string(packages) + " package(s), " + std::to_string(numa_nodes) + " NUMA node(s), " +
         std::to_string(cores) + " cores, " + std::to_string(pus) + " hardware threads (" + source + ")";
}

Topology::Topology(Input input, const std::string& text) {
  hwloc_topology_init(&topo_);
  // Why an input is refused before this process loads it: hwloc would not take it, it is
  // larger than sumbench plans, or loading it fails or crashes in a child process.
  std::string why = [&]() -> std::string {
    if (input == Input::synthetic) {
      if (hwloc_topology_set_synthetic(topo_, text.c_str()) != 0) return "is not an hwloc synthetic topology";
      if (const double pus = synthetic_pus(text); pus > kMaxPus)
        return "describes " + whole_number(pus) + " hardware threads, more than the " +
               std::to_string(kMaxPus) + " of the largest node sumbench plans";
      return load_in_child(true, text);
    }
    if (input == Input::xml) {
      if (std::string problem = xml_file_problem(text); !problem.empty()) return problem;
      if (std::string problem = load_in_child(false, text); !problem.empty()) return problem;
      if (hwloc_topology_set_xml(topo_, text.c_str()) != 0)
        return std::string("is not an XML topology hwloc can read (") + std::strerror(errno) + ")";
    }
    return {};
  }();
  if (why.empty() && hwloc_topology_load(topo_) != 0) {
    if (input != Input::this_system)
      why = std::string("is a topology hwloc cannot load (") + std::strerror(errno) + ")";
    else
      shape_.source = "unknown (hwloc could not load a topology)";  // one core, one PU
  }
  if (why.empty() && !shape_.source.empty()) return;
  if (why.empty() && input != Input::this_system) {  // loaded: does it describe a node sumbench can plan?
    const int pus = count_of(topo_, HWLOC_OBJ_PU);
    unsigned last = 0;  // OS indices are unsigned: os_index="-1" in a file is 4294967295
    for (hwloc_obj_t pu = nullptr; (pu = hwloc_get_next_obj_by_type(topo_, HWLOC_OBJ_PU, pu));)
      last = std::max(last, pu->os_index);
    const int last_bit =
        hwloc_bitmap_last(hwloc_topology_get_complete_cpuset(topo_));  // -1: empty or infinite
    if (pus == 0 || hwloc_bitmap_iszero(hwloc_topology_get_topology_cpuset(topo_)))
      why = "has no hardware threads (an empty cpuset)";
    else if (pus > kMaxPus)
      why = "has " + std::to_string(pus) + " hardware threads, more than the " + std::to_string(kMaxPus) +
            " of the largest node sumbench plans";
    else if (last >= static_cast<unsigned>(kMaxPus) || last_bit < 0 || last_bit >= kMaxPus)
      why = "numbers a hardware thread " + std::to_string(std::max<long long>(last, last_bit)) +
            ", beyond the 0 to " + std::to_string(kMaxPus - 1) + " sumbench plans";
  }
  if (!why.empty()) {
    hwloc_topology_destroy(topo_);
    throw std::invalid_argument(why);
  }
  shape_.packages = count_of(topo_, HWLOC_OBJ_PACKAGE);
  shape_.numa_nodes = count_of(topo_, HWLOC_OBJ_NUMANODE);
  shape_.pus = std::max(1, count_of(topo_, HWLOC_OBJ_PU));
  const int cores = count_of(topo_, HWLOC_OBJ_CORE);
  shape_.cores = cores > 0 ? cores : shape_.pus;
  shape_.this_system = hwloc_topology_is_thissystem(topo_) != 0;
  shape_.source = source_of(topo_, input == Input::synthetic ? "synthetic: " + text
                                   : input == Input::xml     ? "xml: " + text
                                                             : "");
}

Topology::Topology(Topology&& other) noexcept : topo_(other.topo_), shape_(std::move(other.shape_)) {
  other.topo_ = nullptr;
}

Topology::~Topology() {
  if (topo_) hwloc_topology_destroy(topo_);
}

std::string Topology::load_input() {
  if (loaded()) return {};
  // hwloc's order: HWLOC_SYNTHETIC before HWLOC_XMLFILE (which an administrator may set for
  // the whole system), as mpirun and mpiexec read them. hwloc itself would silently load this
  // machine instead of an input it cannot use: sumbench loads the input explicitly.
  const char* synthetic = variable("HWLOC_SYNTHETIC");
  const char* xml = synthetic ? nullptr : variable("HWLOC_XMLFILE");
  const Input input = synthetic ? Input::synthetic : xml ? Input::xml : Input::this_system;
  const std::string text = synthetic ? synthetic : xml ? xml : "";
  try {
    loaded().emplace(Topology(input, text));
    return {};
  } catch (const std::invalid_argument& e) {
    unsetenv("HWLOC_SYNTHETIC");
    unsetenv("HWLOC_XMLFILE");
    loaded().emplace(Topology(Input::this_system, ""));
    const std::string most = std::to_string(kMaxPus) + " hardware threads";
    return std::string(synthetic ? "HWLOC_SYNTHETIC" : "HWLOC_XMLFILE") + "='" + text + "' " + e.what() +
           "; " +
           (synthetic
                ? "give levels such as 'pack:2 core:16 pu:2' (lstopo -i DESCRIPTION shows them), at most " +
                      most
                : "give an XML file written by lstopo --of xml, of at most " + most) +
           ", or unset it";
  }
}

const Topology& Topology::get() {
  if (!loaded()) load_input();
  return *loaded();
}

Topology Topology::synthetic(const std::string& description) {
  return Topology(Input::synthetic, description);
}
Topology Topology::xml(const std::string& path) {
  return Topology(Input::xml, path);
}

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

int usable_cpus(CpuUnit unit) {
  const Topology& topo = Topology::get();
  return std::max(1, topo.count(topo.allowed_pus(), unit));
}

std::vector<int> default_workers(int world_size, CpuUnit unit) {
  return {world_size > 1 ? world_size : usable_cpus(unit)};
}

std::uint64_t last_level_cache_bytes() {
  std::uint64_t best = 0;
  for (int index = 0; index < 8; ++index) {
    std::ifstream in("/sys/devices/system/cpu/cpu0/cache/index" + std::to_string(index) + "/size");
    std::string text;
    if (!(in >> text) || text.empty()) continue;
    std::uint64_t v = std::strtoull(text.c_str(), nullptr, 10);
    if (text.back() == 'K') v <<= 10;
    if (text.back() == 'M') v <<= 20;
    best = std::max(best, v);
  }
  return best;
}

}  // namespace sumbench
