#include "topology.hpp"

#include <hwloc.h>
#include <sched.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <set>
#include <stdexcept>

namespace sumbench {
namespace {

int count_of(hwloc_topology_t t, hwloc_obj_type_t type) { return std::max(0, hwloc_get_nbobjs_by_type(t, type)); }

// The hardware threads a synthetic description hwloc has accepted makes: the product of
// its levels' arities. hwloc's grammar (topology-synthetic.c): levels "[type:]arity" with
// optional "(attributes)", separated by spaces; "(...)" first for the root, "[...]" for
// memory children; the arity read as strtoul(..., 0) reads it (0x10, 010).
double synthetic_pus(const std::string& description) {
  double pus = 1;
  for (std::size_t at = 0; at < description.size();) {
    if (description[at] == ' ') {
      ++at;
      continue;
    }
    std::size_t end = at;
    for (int depth = 0; end < description.size() && (depth > 0 || description[end] != ' '); ++end)
      depth += (description[end] == '(' || description[end] == '[') - (description[end] == ')' || description[end] == ']');
    const std::string level = description.substr(at, end - at);
    at = end;
    if (level[0] == '(' || level[0] == '[') continue;
    const std::size_t colon = level.find(':');
    const bool typed = !(level[0] >= '0' && level[0] <= '9');
    if (typed && colon == std::string::npos) continue;
    pus *= static_cast<double>(std::strtoull(level.c_str() + (typed ? colon + 1 : 0), nullptr, 0));
  }
  return pus;
}

std::string whole(double v) {
  char text[64];
  std::snprintf(text, sizeof text, v < 1e15 ? "%.0f" : "%.3g", v);
  return text;
}

// Why HWLOC_XMLFILE's file cannot be read as a topology before hwloc tries ("" if it may):
// hwloc falls back to this machine without a word, and would wait for ever on a FIFO.
std::string xml_file_problem(const std::string& path) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) return errno == ENOENT ? "does not exist" : std::string("cannot be read (") + std::strerror(errno) + ")";
  if (S_ISDIR(st.st_mode)) return "is a directory";
  if (!S_ISREG(st.st_mode)) return "is not a regular file";
  if (st.st_size > kMaxTopologyXmlBytes)
    return "has " + std::to_string(st.st_size) + " bytes, more than the " + std::to_string(kMaxTopologyXmlBytes >> 20) +
           " MiB an XML topology of " + std::to_string(kMaxPus) + " hardware threads needs";
  if (FILE* f = std::fopen(path.c_str(), "r")) std::fclose(f);
  else return std::string("cannot be read (") + std::strerror(errno) + ")";
  return {};
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
  return hwloc_topology_is_thissystem(t) ? "this system" : "another machine (hwloc backend " + std::string(backend ? backend : "?") + ")";
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

const char* cpu_unit_name(CpuUnit unit) { return unit == CpuUnit::hwthreads ? "hwthreads" : "cores"; }

std::string NodeShape::describe() const {
  return std::to_string(packages) + " package(s), " + std::to_string(numa_nodes) + " NUMA node(s), " +
         std::to_string(cores) + " cores, " + std::to_string(pus) + " hardware threads (" + source + ")";
}

Topology::Topology(Input input, const std::string& text) {
  hwloc_topology_init(&topo_);
  std::string why;  // an input hwloc would not take, or that is larger than sumbench plans
  if (input == Input::synthetic && hwloc_topology_set_synthetic(topo_, text.c_str()) != 0)
    why = "is not an hwloc synthetic topology";
  else if (input == Input::synthetic && synthetic_pus(text) > kMaxPus)
    why = "describes " + whole(synthetic_pus(text)) + " hardware threads, more than the " + std::to_string(kMaxPus) +
          " of the largest node sumbench plans";
  else if (input == Input::xml && (why = xml_file_problem(text)).empty() && hwloc_topology_set_xml(topo_, text.c_str()) != 0)
    why = std::string("is not an XML topology hwloc can read (") + std::strerror(errno) + ")";
  if (why.empty() && hwloc_topology_load(topo_) != 0) {
    if (input != Input::this_system) why = std::string("is a topology hwloc cannot load (") + std::strerror(errno) + ")";
    else shape_.source = "unknown (hwloc could not load a topology)";  // one core, one PU
  }
  if (why.empty() && !shape_.source.empty()) return;
  if (why.empty() && input != Input::this_system) {  // loaded: does it describe a node sumbench can plan?
    const std::vector<int> pus = all_pus();
    if (pus.empty() || hwloc_bitmap_iszero(hwloc_topology_get_topology_cpuset(topo_)))
      why = "has no hardware threads (an empty cpuset)";
    else if (pus.size() > static_cast<std::size_t>(kMaxPus))
      why = "has " + std::to_string(pus.size()) + " hardware threads, more than the " + std::to_string(kMaxPus) +
            " of the largest node sumbench plans";
    else if (pus.back() >= kMaxPus)
      why = "numbers a hardware thread " + std::to_string(pus.back()) + ", beyond the 0 to " +
            std::to_string(kMaxPus - 1) + " sumbench plans";
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
  shape_.source = source_of(topo_, input == Input::synthetic ? "synthetic: " + text : input == Input::xml ? "xml: " + text : "");
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
    return std::string(synthetic ? "HWLOC_SYNTHETIC" : "HWLOC_XMLFILE") + "='" + text + "' " + e.what() + "; " +
           (synthetic ? "give levels such as 'pack:2 core:16 pu:2' (lstopo -i DESCRIPTION shows them), at most " + most
                      : "give an XML file written by lstopo --of xml, of at most " + most) + ", or unset it";
  }
}

const Topology& Topology::get() {
  if (!loaded()) load_input();
  return *loaded();
}

Topology Topology::synthetic(const std::string& description) { return Topology(Input::synthetic, description); }
Topology Topology::xml(const std::string& path) { return Topology(Input::xml, path); }

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
