// sumbench: one driver for every kernel and mode, timed by Google Benchmark.
//   mpirun -n 4 ./sumbench          every kernel in every mode at 4 workers
//   ./sumbench --list               what there is
#include <benchmark/benchmark.h>
#include <omp.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <set>
#include <functional>
#include <iostream>
#include <string>
#include <vector>

#include "cases.hpp"
#include "gil_lock.hpp"
#include "options.hpp"
#include "placement.hpp"
#include "summary.hpp"
#include "world.hpp"

#ifndef SUMBENCH_VERSION
#define SUMBENCH_VERSION "unknown"
#endif
#ifndef SUMBENCH_GIT_COMMIT
#define SUMBENCH_GIT_COMMIT "unknown"
#endif
#ifndef SUMBENCH_CXX_FLAGS
#define SUMBENCH_CXX_FLAGS "unknown"
#endif
#ifndef SUMBENCH_BUILD_TYPE
#define SUMBENCH_BUILD_TYPE "unknown"
#endif

namespace sumbench {
namespace {

constexpr const char* kSchemaVersion = "1";

std::string flag_value(const std::vector<std::string>& args, const std::string& flag) {
  std::string value;
  for (const auto& a : args)
    if (a.rfind(flag + "=", 0) == 0) value = a.substr(flag.size() + 1);
  return value;
}

bool has_flag(const std::vector<std::string>& args, const std::string& exact) {
  return std::find(args.begin(), args.end(), exact) != args.end();
}

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);)
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  return "unknown";
}

std::string join(const std::vector<std::string>& items, const char* sep) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : sep) + s;
  return out;
}

void list_kernels_and_modes() {
  std::printf("kernels:\n");
  for (const auto& k : kernel_table())
    std::printf("  %-8s %s%s\n", std::string(k.name).c_str(), std::string(k.summary).c_str(),
                k.thread_only ? " [thread modes only]" : "");
  std::printf("modes:\n");
  for (const auto& m : mode_table())
    std::printf("  %-8s %s\n", std::string(m.name).c_str(), std::string(m.summary).c_str());
  std::printf("gil policies (--gil-policy), measured against the real interpreters by bench/fidelity:\n");
  for (std::size_t i = 0; i < kGilPolicyNames.size(); ++i)
    std::printf("  %-8s %s\n", std::string(kGilPolicyNames[i]).c_str(), std::string(kGilPolicySummaries[i]).c_str());
}

// Starts the workers and does nothing else: what launching costs, without work.
int launch_only(const Options& opt, World& world) {
  const int threads = opt.workers.empty() ? 1 : opt.workers.front();
  int started = 0;
#pragma omp parallel num_threads(threads) reduction(+ : started)
  started += 1;
  world.sleepy_barrier();
  if (world.root())
    std::printf("launch-only: %d rank(s) x %d thread(s) started\n", world.size(), started);
  return 0;
}

// Fails with exit 2 on every rank when any rank was started with other arguments.
void check_same_inputs(World& world, const std::vector<std::string>& args) {
  const std::size_t mine = std::hash<std::string>{}(join(args, "\x1f"));
  unsigned long long lo = mine, hi = mine, least = 0, most = 0;
  MPI_Allreduce(&lo, &least, 1, MPI_UNSIGNED_LONG_LONG, MPI_MIN, world.comm());
  MPI_Allreduce(&hi, &most, 1, MPI_UNSIGNED_LONG_LONG, MPI_MAX, world.comm());
  if (least != most)
    throw UsageError("the ranks were started with different arguments; every rank must get the same command line");
}

int run(int argc, char** argv) {
  World world(&argc, &argv);
  omp_set_dynamic(0);  // a team must have exactly the threads asked for
  std::vector<std::string> args(argv, argv + argc);
  const std::string command_line = join(args, " ");
  Options opt;
  try {
    check_same_inputs(world, args);
    opt = parse_options(args);
    if (opt.help) {
      if (!world.root()) return 0;
      std::cout << options_help() << "\nGoogle Benchmark's flags:\n" << std::flush;
      char help[] = "--help";
      char* help_argv[] = {argv[0], help, nullptr};
      int help_argc = 2;
      benchmark::Initialize(&help_argc, help_argv);  // prints its flags and exits 0
      return 0;
    }
    if (opt.list) {
      if (world.root()) list_kernels_and_modes();
      return 0;
    }
    if (opt.launch_only) return launch_only(opt, world);

    const Placement placement = Placement::gather(world);
    Plan plan(opt, world, placement);
    if (plan.cases().empty()) throw UsageError("nothing to run: no kernel/mode/worker combination applies (see the notes above)");

    // Our defaults go first so that the user's own --benchmark_* flags override them.
    std::vector<std::string> bench_args{args[0]};
    if (opt.quick) bench_args.insert(bench_args.end(), {"--benchmark_min_time=0.01", "--benchmark_repetitions=2"});
    else bench_args.insert(bench_args.end(), {"--benchmark_min_time=0.01", "--benchmark_repetitions=3"});
    bench_args.push_back("--benchmark_display_aggregates_only=true");
    // --benchmark_out: rank 0 writes a temporary file and renames it when the run ends;
    // the other ranks write nothing.
    // Google Benchmark also reads BENCHMARK_OUT from the environment.
    std::string out_path = std::getenv("BENCHMARK_OUT") ? std::getenv("BENCHMARK_OUT") : "";
    for (const auto& a : args)
      if (a.rfind("--benchmark_out=", 0) == 0) out_path = a.substr(16);
    if (out_path.empty() && (flag_value(args, "--benchmark_out") != "" || has_flag(args, "--benchmark_out=")))
      throw UsageError("--benchmark_out= needs a file name");
    const std::string tmp_path = out_path + ".tmp." + std::to_string(getpid());
    for (std::size_t i = 1; i < args.size(); ++i)
      if (args[i].rfind("--benchmark_out=", 0) != 0) bench_args.push_back(args[i]);
    bench_args.push_back("--benchmark_out=" + (world.root() && !out_path.empty() ? tmp_path : std::string()));
    // Every rank must run the cases in the same order: no per-rank shuffling.
    if (world.size() > 1) bench_args.push_back("--benchmark_enable_random_interleaving=false");
    std::vector<char*> bench_argv;
    for (auto& a : bench_args) bench_argv.push_back(a.data());
    int bench_argc = static_cast<int>(bench_argv.size());
    benchmark::Initialize(&bench_argc, bench_argv.data());
    if (bench_argc > 1) throw UsageError(std::string("unknown Google Benchmark flag '") + bench_argv[1] + "'; see --help");

    for (const std::string& note : plan.notes())
      if (world.root()) std::fprintf(stderr, "sumbench: note: %s\n", note.c_str());
    std::vector<std::string> warnings;
    for (const Case& c : plan.cases())
      if (!c.oversubscribed.empty() &&
          std::find(warnings.begin(), warnings.end(), c.oversubscribed) == warnings.end())
        warnings.push_back(c.oversubscribed);
    if (world.root())
      for (const auto& w : warnings) std::fprintf(stderr, "sumbench: warning: oversubscribed: %s\n", w.c_str());

    const char* omp_env[] = {"OMP_NUM_THREADS", "OMP_PROC_BIND", "OMP_PLACES"};
    for (const char* name : omp_env) {
      const char* v = std::getenv(name);
      benchmark::AddCustomContext(name, v ? v : "(unset)");
    }
    benchmark::AddCustomContext("sumbench_version", SUMBENCH_VERSION);
    benchmark::AddCustomContext("schema_version", kSchemaVersion);
    benchmark::AddCustomContext("hosts", join(placement.hosts(world.size()), ","));
    benchmark::AddCustomContext("nodes", std::to_string(placement.hosts(world.size()).size()));
    benchmark::AddCustomContext("cpu_model", cpu_model());
    benchmark::AddCustomContext("mpi_library", world.library_version());
    benchmark::AddCustomContext("mpi_ranks", std::to_string(world.size()));
    benchmark::AddCustomContext("rank_cpus", placement.rank_cpus());
    benchmark::AddCustomContext("compiler", std::string("g++ ") + __VERSION__);
    benchmark::AddCustomContext("cxx_flags", SUMBENCH_CXX_FLAGS);
    benchmark::AddCustomContext("build_type", SUMBENCH_BUILD_TYPE);
    benchmark::AddCustomContext("git_commit", SUMBENCH_GIT_COMMIT);
    benchmark::AddCustomContext("scaling", opt.scaling == Scaling::weak ? "weak" : "strong");
    benchmark::AddCustomContext("sleep_ms", std::to_string(opt.sleep_ms));
    benchmark::AddCustomContext("command_line", command_line);
    benchmark::AddCustomContext("placement_warnings", join(warnings, " | "));

    plan.register_all();
    if (world.root()) {
      const std::string format = flag_value(args, "--benchmark_format");
      const bool console = format.empty() || format == "console";
      std::set<std::string> shown;
      if (console) shown = {"workers", "valid", "oversubscribed", "items_per_second", "bytes_per_second", "imbalance", "gil_switches", "io_latency_s"};
      CollectingReporter reporter(make_reporter(console ? "console" : format), shown);
      benchmark::RunSpecifiedBenchmarks(&reporter);
      // Keep stdout machine-readable when it carries JSON or CSV.
      std::ostream& out = console ? std::cout : std::cerr;
      print_summary(out, plan, reporter.runs(), opt.scaling);
      out << std::flush;
    } else {
      NullReporter quiet;
      benchmark::RunSpecifiedBenchmarks(&quiet);
    }
    benchmark::Shutdown();

    int status = plan.any_invalid() ? 1 : 0;
    int worst = status;
    MPI_Allreduce(&status, &worst, 1, MPI_INT, MPI_MAX, world.comm());
    if (world.root() && !out_path.empty()) {
      if (std::rename(tmp_path.c_str(), out_path.c_str()) != 0) {
        std::fprintf(stderr, "sumbench: could not write %s\n", out_path.c_str());
        std::remove(tmp_path.c_str());
        worst = 1;
      }
    }
    if (world.root() && worst != 0)
      std::fprintf(stderr, "sumbench: error: some results failed validation (marked NO above)\n");
    return worst;
  } catch (const UsageError& e) {
    if (world.root()) std::fprintf(stderr, "sumbench: error: %s\n", e.what());
    return 2;
  }
}

}  // namespace
}  // namespace sumbench

int main(int argc, char** argv) { return sumbench::run(argc, argv); }
