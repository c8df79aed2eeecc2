#include "context.hpp"

#include <benchmark/benchmark.h>
#include <mpi.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <set>

#include "build_info.hpp"
#include "cases.hpp"
#include "consistency.hpp"
#include "workspace.hpp"

namespace sumbench {
namespace {

// "AMD EPYC 7763 64-Core Processor": /proc/cpuinfo's first model name, or "unknown".
std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);)
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  return "unknown";
}

BinaryInfo& binary_info() {
  static BinaryInfo info;
  return info;
}

}  // namespace

const BinaryInfo& this_binary() {
  return binary_info();
}
void set_this_binary(BinaryInfo info) {
  binary_info() = std::move(info);
}

std::string join(const std::vector<std::string>& items, const char* sep) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : sep) + s;
  return out;
}

std::vector<std::string> oversubscription_warnings(const Plan& plan) {
  std::vector<std::string> warnings;
  for (const Case& c : plan.cases())
    if (!c.oversubscribed.empty() &&
        std::find(warnings.begin(), warnings.end(), c.oversubscribed) == warnings.end())
      warnings.push_back(c.oversubscribed);
  return warnings;
}

Context run_context(const World& world, const Placement& placement, const Inputs& in, const BuildInfo& build,
                    const std::vector<std::string>& warnings, const std::string& command_line) {
  Context c;
  for (const char* name : {"OMP_NUM_THREADS", "OMP_PROC_BIND", "OMP_PLACES"}) {
    const char* v = std::getenv(name);
    c.emplace_back(name, v ? v : "(unset)");
  }
  c.emplace_back("sumbench_version", build.version);
  c.emplace_back("schema_version", build.schema_version);
  c.emplace_back("hosts", join(placement.hosts(world.size()), ","));
  c.emplace_back("nodes", std::to_string(placement.hosts(world.size()).size()));
  c.emplace_back("cpu_model", cpu_model());
  c.emplace_back("mpi_library", world.library_version());
  c.emplace_back("mpi_ranks", std::to_string(world.size()));
  c.emplace_back("rank_cpus", placement.rank_cpus());
  for (auto& kv : placement.context(in.opt.cpus)) c.push_back(std::move(kv));
  c.emplace_back("compiler", compiler_id());
  c.emplace_back("cxx_flags", build.cxx_flags);
  c.emplace_back("build_type", build.build_type);
  c.emplace_back("native", build.native ? "true" : "false");  // -march=native: this CPU model only
  c.emplace_back("arch_flags", build.arch_flags);
  c.emplace_back("git_commit", build.git_commit);
  // This binary (sumbench_add_benchmark): its name, whether sumbench's own kernels came
  // along, the kernel API its rows were checked against, and how its own sources were built.
  const BinaryInfo& binary = this_binary();
  c.emplace_back("binary", binary.name);
  c.emplace_back("builtin_kernels", binary.builtin_kernels ? "true" : "false");
  c.emplace_back("kernel_api_version", std::to_string(SUMBENCH_KERNEL_API_VERSION));
  c.emplace_back("binary_cxx_flags", binary.cxx_flags);
  c.emplace_back("binary_build_type", binary.build_type);
  c.emplace_back("scaling", in.opt.scaling == Scaling::weak ? "weak" : "strong");
  c.emplace_back("sleep_ms", std::to_string(in.opt.sleep_ms));
  c.emplace_back("command_line", command_line);
  c.emplace_back("benchmark_environment", in.bench.from_environment());
  c.emplace_back("placement_warnings", join(warnings, " | "));
  // --benchmark_context may add keys, not replace sumbench's or Google Benchmark's own.
  static const std::set<std::string> kGoogleBenchmark{
      "date",   "host_name", "executable",         "num_cpus",           "mhz_per_cpu", "cpu_scaling_enabled",
      "caches", "load_avg",  "library_build_type", "json_schema_version"};
  std::string error;
  for (const auto& [key, value] : in.bench.context())
    if (kGoogleBenchmark.count(key) ||
        std::any_of(c.begin(), c.end(), [&](const auto& kv) { return kv.first == key; }))
      error = "--benchmark_context: key '" + key +
              "' is one of sumbench's or Google Benchmark's own; choose another";
  agree_on_error(world, error);
  return c;
}

void add_page_size_context(const World& world, const Plan& plan) {
  std::vector<const KernelDescriptor*> holding;  // in the plan's order, each once
  for (const Case& c : plan.cases())
    if (c.kernel->held_bytes_per_element > 0 &&
        std::find(holding.begin(), holding.end(), c.kernel) == holding.end())
      holding.push_back(c.kernel);
  if (holding.empty()) return;
  std::string pages = page_size_probe();  // the same for every kernel: fresh anonymous memory
  const int huge = pages.rfind("2 MiB", 0) == 0 ? 1 : 0, mine[2] = {huge, -huge};
  int least[2];  // the least of huge and of -huge: whether all ranks got the same
  MPI_Allreduce(mine, least, 2, MPI_INT, MPI_MIN, world.comm());
  if (least[0] != -least[1])
    pages += std::string("; other ranks got ") + (huge ? "4 KiB" : "2 MiB") + " pages";
  for (const KernelDescriptor* k : holding)
    benchmark::AddCustomContext(std::string(k->name) + "_pages", pages);
}

}  // namespace sumbench
