#include "catalogue.hpp"

#include <algorithm>
#include <cstdint>
#include <string>

#include "build_info.hpp"
#include "cases.hpp"
#include "flags.hpp"
#include "json.hpp"
#include "params.hpp"
#include "placement.hpp"
#include "topology.hpp"
#include "world.hpp"

namespace sumbench {
namespace {

std::string layout_text(const Layout& l) {
  return std::to_string(l.ranks) + "x" + std::to_string(l.threads);
}

// A kernel's default n for one scaling, and which inputs of the size context it reads
// (found by changing each input and looking whether the size changes).
void default_n(Json& j, const KernelDescriptor& k, SizeContext ctx) {
  const std::uint64_t n = k.default_n(ctx);
  j.begin_object().key("value").value(static_cast<unsigned long long>(n)).key("inputs").begin_array();
  SizeContext other = ctx;
  other.quick = !ctx.quick;
  if (k.default_n(other) != n) j.value("quick");
  other = ctx;
  other.max_workers = ctx.max_workers + 1;
  if (k.default_n(other) != n) j.value("max_workers");
  other = ctx;
  other.llc_bytes = ctx.llc_bytes * 2 + (64ull << 20);
  if (k.default_n(other) != n) j.value("llc_bytes");
  j.end_array().end_object();
}

void kernels(Json& j, const SizeContext& ctx) {
  j.begin_array();
  for (const KernelDescriptor& k : kernel_table()) {
    j.begin_object();
    j.key("name").value(k.name).key("summary").value(k.summary).key("kind").value(k.kind);
    j.key("item")
        .value(k.item)
        .key("thread_only")
        .value(k.thread_only)
        .key("builtin")
        .value(is_builtin_kernel(k));
    j.key("tick_elements").value(static_cast<unsigned long long>(k.tick_elements));
    j.key("validation").value(k.validation);
    j.key("rate").begin_object();
    j.key("counter").value(k.rate_in_bytes ? "bytes_per_second" : "items_per_second");
    j.key("unit").value(k.rate_in_bytes ? std::string("bytes/s") : std::string(k.item) + "s/s");
    j.end_object();
    j.key("bytes_per_element").value(k.bytes_per_element);
    j.key("default_n").begin_object();
    for (Scaling s : {Scaling::strong, Scaling::weak}) {
      SizeContext c = ctx;
      c.scaling = s;
      j.key(s == Scaling::strong ? "strong" : "weak");
      default_n(j, k, c);
    }
    j.end_object().end_object();
  }
  j.end_array();
}

// Each mode with the layouts it runs at every requested worker count, as planned for a
// launch with as many ranks as a layout needs.
void modes(Json& j, const Options& opt, const std::vector<int>& workers) {
  ModeOptions mo = opt.mode;
  mo.world_size = *std::max_element(workers.begin(), workers.end());
  j.begin_array();
  bool first = true;
  for (const ModeDescriptor& d : mode_table()) {
    const auto instances = d.make(mo);
    j.begin_object();
    j.key("name").value(d.name).key("summary").value(d.summary);
    const bool multi = !instances.empty() && instances.front()->multi_process();
    j.key("kind").value(multi ? "processes" : "threads").key("multi_process").value(multi);
    j.key("reference").value(first).key("layouts_rule").value(d.layouts_rule);
    j.key("flags").begin_array();
    for (const auto& f : flag_table())
      if (f.mode == d.name) j.value(f.name);
    describe_params(j.end_array(), d, instances);  // "params" and "instances" (params.hpp)
    j.key("layouts").begin_array();
    for (int w : workers) {
      j.begin_object().key("workers").value(w).key("layouts").begin_array();
      if (!instances.empty())
        for (const Layout& l : instances.front()->layouts(w, mo)) j.value(layout_text(l));
      j.end_array().end_object();
    }
    j.end_array().end_object();
    first = false;
  }
  j.end_array();
}

void flags(Json& j, const Options& defaults) {
  j.begin_array();
  for (const FlagSpec& f : flag_table()) {
    j.begin_object();
    j.key("name").value(f.name).key("value").value(f.value).key("type").value(f.type);
    j.key("choices");
    if (f.choices.empty()) {
      j.null();
    } else {
      j.begin_array();
      const std::string all = flag_choices(f);
      for (std::size_t at = 0; at <= all.size();) {
        const std::size_t comma = std::min(all.find(',', at), all.size());
        j.value(all.substr(at, comma - at));
        at = comma + 1;
      }
      j.end_array();
    }
    j.key("min");
    f.min == 0 && f.max == 0 ? void(j.null()) : void(j.value(f.min));
    j.key("max");
    f.min == 0 && f.max == 0 ? void(j.null()) : void(j.value(f.max));
    j.key("unit").value(f.unit).key("default");
    flag_value(f, defaults, j);
    j.key("default_rule").value(f.default_rule).key("mode");
    f.mode.empty() ? void(j.null()) : void(j.value(f.mode));
    j.key("help").value(f.help).end_object();
  }
  j.end_array();
}

// This node's hardware (hwloc) and the CPUs this process may use: what the runner plans on.
void topology(Json& j) {
  const Topology& topo = Topology::get();
  const NodeShape& s = topo.shape();
  const std::vector<int> allowed = topo.allowed_pus();
  j.begin_object();
  j.key("packages").value(s.packages).key("numa_nodes").value(s.numa_nodes);
  j.key("cores").value(s.cores).key("pus").value(s.pus);
  j.key("source").value(s.source).key("this_system").value(s.this_system);
  j.key("allowed_cores").value(topo.count(allowed, CpuUnit::cores));
  j.key("allowed_pus").value(topo.count(allowed, CpuUnit::hwthreads));
  j.key("allowed_cpus").value(cpu_list(allowed));
  // The largest topology HWLOC_SYNTHETIC / HWLOC_XMLFILE may give (topology.hpp).
  j.key("max_pus").value(kMaxPus).key("max_xml_bytes").value(kMaxTopologyXmlBytes);
  j.end_object();
}

}  // namespace

std::string catalogue_json(const Options& opt, const World& world, const BuildInfo& build) {
  const int world_size = world.size();
  const std::string mpi_library = world.library_version();
  std::vector<std::string> none{"sumbench"};
  const Options defaults = parse_options(none);
  const std::vector<int> workers = opt.workers.empty() ? default_workers(world_size, opt.cpus) : opt.workers;
  const SizeContext ctx{opt.quick, opt.scaling, *std::max_element(workers.begin(), workers.end()),
                        last_level_cache_bytes()};

  Json j;
  j.begin_object();
  j.key("catalogue_version").value(kCatalogueVersion);
  j.key("sumbench_version").value(build.version).key("git_commit").value(build.git_commit);
  j.key("schema_version").value(std::stoi(std::string(build.schema_version)));
  // Which binary this is: a native build may die with SIGILL on another CPU model.
  j.key("build").begin_object().key("compiler").value(compiler_id());
  j.key("build_type").value(build.build_type).key("native").value(build.native);
  j.key("arch_flags").value(build.arch_flags).end_object();
  // Which benchmark binary (sumbench_add_benchmark): sumbench's own, or a user's with its kernels.
  const BinaryInfo& binary = this_binary();
  j.key("binary").begin_object().key("name").value(binary.name);
  j.key("builtin_kernels")
      .value(binary.builtin_kernels)
      .key("kernel_api_version")
      .value(SUMBENCH_KERNEL_API_VERSION);
  j.key("cxx_flags").value(binary.cxx_flags).key("build_type").value(binary.build_type).end_object();
  j.key("context").begin_object();
  j.key("world_size").value(world_size).key("workers").array(workers);
  j.key("max_workers").value(ctx.max_workers).key("quick").value(ctx.quick);
  j.key("llc_bytes").value(static_cast<unsigned long long>(ctx.llc_bytes)).end_object();
  j.key("mpi")
      .begin_object()
      .key("library")
      .value(mpi_library)
      .key("kind")
      .value(mpi_kind(mpi_library))
      .end_object();
  j.key("topology");
  topology(j);
  j.key("reference_mode").value(mode_table().front().name);
  j.key("kernels");
  kernels(j, ctx);
  j.key("kernel_kinds").begin_array();  // the figures that show each kind (kernels/table.cpp)
  for (const KernelKind& k : kernel_kinds())
    j.begin_object()
        .key("name")
        .value(k.name)
        .key("summary")
        .value(k.summary)
        .key("summary_figure")
        .value(k.not_in_summary.empty())
        .key("not_in_summary")
        .value(k.not_in_summary)
        .key("scaling_figures")
        .value(k.scaling_figures)
        .end_object();
  j.end_array();
  j.key("modes");
  modes(j, opt, workers);
  gil_catalogue(j);  // gil_policies, gil_parameters, legacy_bytecode_ns (gil_catalogue.cpp)
  j.key("flags");
  flags(j, defaults);
  j.key("options").begin_object();
  for (const FlagSpec& f : flag_table()) {
    j.key(f.name);
    flag_value(f, opt, j);
  }
  j.end_object();
  j.key("exit_status").begin_array();
  for (const ExitStatus& e : exit_statuses())
    j.begin_object().key("code").value(e.code).key("meaning").value(e.meaning).end_object();
  j.end_array();
  j.end_object();
  return j.str();
}

}  // namespace sumbench
