// sumbench: one driver for every kernel and mode, timed by Google Benchmark.
//   mpirun -n 4 ./sumbench          every kernel in every mode at 4 workers
//   ./sumbench --list               what there is
// Every binary made by sumbench_add_benchmark (sumbench itself, a user's with its own
// kernels) is this driver: its generated main calls run_benchmark.
#include <benchmark/benchmark.h>
#include <omp.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "bench_flags.hpp"
#include "build_info.hpp"
#include "cases.hpp"
#include "catalogue.hpp"
#include "checks.hpp"
#include "consistency.hpp"
#include "context.hpp"
#include "memory.hpp"
#include "options.hpp"
#include "output.hpp"
#include "overhead.hpp"
#include "placement.hpp"
#include "speedup_table.hpp"
#include "world.hpp"

namespace sumbench {
namespace {

constexpr const char* kSchemaVersion = "1";
constexpr BuildInfo kBuild{.version = SUMBENCH_VERSION,
                           .git_commit = SUMBENCH_GIT_COMMIT,
                           .schema_version = kSchemaVersion,
                           .build_type = SUMBENCH_BUILD_TYPE,
                           .native = SUMBENCH_NATIVE != 0,
                           .arch_flags = SUMBENCH_ARCH_FLAGS,
                           .cxx_flags = SUMBENCH_CXX_FLAGS};

// Starts the workers and does nothing else: what launching costs, without work.
int launch_only(const Options& opt, World& world) {
  const int threads = opt.workers.empty() ? 1 : opt.workers.front();
  int started = 0;
#pragma omp parallel num_threads(threads) reduction(+ : started)
  started += 1;
  world.sleepy_barrier();
  if (world.root()) std::printf("launch-only: %d rank(s) x %d thread(s) started\n", world.size(), started);
  return 0;
}

// Runs the cases under Google Benchmark; returns the exit status of this rank.
int measure(World& world, Plan& plan, const Inputs& in, const Context& context, OutputFile* out,
            const std::string& program) {
  for (const auto& [key, value] : context) benchmark::AddCustomContext(key, value);
  add_page_size_context(world, plan);
  // Google Benchmark never gets --benchmark_out (it would write the file during the whole run):
  // rank 0's TeeReporter keeps the file's report in memory, seeing every run (it applies the
  // two aggregates flags itself), and `out` writes it at the end.
  std::vector<std::string> bench_args = in.bench.initialize_args(program, "");
  if (out)
    bench_args.insert(bench_args.end(), {"--benchmark_display_aggregates_only=false",
                                         "--benchmark_report_aggregates_only=false"});
  std::vector<char*> bench_argv;
  for (auto& a : bench_args) bench_argv.push_back(a.data());
  int bench_argc = static_cast<int>(bench_argv.size());
  benchmark::Initialize(&bench_argc, bench_argv.data());  // every value was checked: it cannot exit

  plan.register_all();
  std::string file_text;
  if (world.root()) {
    const bool console = in.bench.format() == "console";
    std::set<std::string> shown;
    if (console)
      shown = {"ranks",          "threads",          "valid",
               "oversubscribed", "items_per_second", "bytes_per_second",
               "imbalance",      "gil_switches",     "io_latency_s"};
    CollectingReporter reporter(make_reporter(in.bench.format()), shown);
    std::unique_ptr<TeeReporter> tee;
    if (out)
      tee = std::make_unique<TeeReporter>(reporter, in.bench.value("benchmark_out_format"),
                                          in.bench.value("benchmark_display_aggregates_only") == "true",
                                          in.bench.value("benchmark_report_aggregates_only") == "true");
    benchmark::RunSpecifiedBenchmarks(tee ? static_cast<benchmark::BenchmarkReporter*>(tee.get())
                                          : &reporter);
    plan.finish();
    if (tee) file_text = tee->text();
    // Keep stdout machine-readable when it carries JSON or CSV.
    std::ostream& text = console ? std::cout : std::cerr;
    print_summary(text, plan, reporter.runs(), in.opt.scaling);
    text << std::flush;
  } else {
    NullReporter quiet;
    benchmark::RunSpecifiedBenchmarks(&quiet);
    plan.finish();
  }
  benchmark::Shutdown();

  int status = plan.any_invalid() ? 1 : 0;
  if (out) {
    add_overhead_context(file_text, plan);
    if (const std::string why = out->write(file_text); !why.empty()) {
      std::fprintf(stderr, "sumbench: error: %s\n", one_line(why).c_str());
      status |= 2;  // told apart from "invalid" below; exits 1 either way
    }
  }
  int any = status;  // every rank exits with the same status
  MPI_Allreduce(&status, &any, 1, MPI_INT, MPI_BOR, world.comm());
  if (world.root() && (any & 1))
    std::fprintf(stderr, "sumbench: error: some results failed validation (marked NO above)\n");
  return any ? 1 : 0;
}

// An error line: rank 0's, on one line whatever the values in it hold.
void print_error(const World& world, const char* what) {
  if (world.root()) std::fprintf(stderr, "sumbench: error: %s\n", one_line(what).c_str());
}

int run(int argc, char** argv) {
  // Before MPI_Init: Open MPI's singleton starts an orted that would build the topology of
  // HWLOC_SYNTHETIC too, however large, and outlive sumbench (topology.hpp).
  const std::string topology_problem = Topology::load_input();
  World world(&argc, &argv);
  omp_set_dynamic(0);  // a team must have exactly the threads asked for
  const std::vector<std::string> args(argv, argv + argc);
  const BinaryInfo& binary = this_binary();
  try {
    // Each rank's own environment, and its binary's own rows (a user's kernels: an MPMD
    // launch may start two binaries), agreed on before any rank may stop (world.hpp).
    std::string problem = world.expected_ranks_problem();
    if (problem.empty()) problem = topology_problem;
    if (problem.empty()) problem = kernel_table_problem(kernel_table());
    agree_on_error(world, problem);
    const Inputs in =
        read_inputs(world, args,
                    SUMBENCH_VERSION " " SUMBENCH_GIT_COMMIT " " SUMBENCH_CXX_FLAGS " " + binary.name + " " +
                        binary.cxx_flags + (binary.builtin_kernels ? " builtin" : ""));
    if (in.opt.version) {  // the build's identity, as --list=json's keys say it
      if (world.root())
        std::cout << binary.name
                  << " " SUMBENCH_VERSION " (git " SUMBENCH_GIT_COMMIT ", " SUMBENCH_BUILD_TYPE ")\n";
      return 0;
    }
    if (in.opt.help) {
      if (world.root()) {
        std::cout << options_help() << "\nGoogle Benchmark's flags:\n" << std::flush;
        benchmark::PrintDefaultHelp();
      }
      return 0;
    }
    if (in.opt.list) {
      if (world.root() && in.opt.list_json)
        std::cout << catalogue_json(in.opt, world, kBuild);
      else if (world.root())
        list_kernels_and_modes();  // catalogue.hpp
      return 0;
    }
    if (in.opt.launch_only) return launch_only(in.opt, world);

    const Placement placement = Placement::gather(world);
    Plan plan(in.opt, world, placement);
    select_cases(world, plan, in.bench);
    // Notes and warnings once every check has passed: a refusal is one line.
    const auto say = [&](const char* kind, const std::vector<std::string>& lines) {
      for (const std::string& line : lines)
        if (world.root()) std::fprintf(stderr, "sumbench: %s: %s\n", kind, line.c_str());
    };
    if (in.bench.list_tests()) {  // as Google Benchmark lists them, on rank 0 only
      say("note", plan.notes());
      for (const Case& c : plan.cases())
        if (world.root()) std::printf("%s/manual_time\n", c.name.c_str());
      return 0;
    }
    const std::vector<std::string> warnings = oversubscription_warnings(plan);
    const Context context = run_context(world, placement, in, kBuild, warnings, join(args, " "));
    check_memory(world, plan, placement, KernelConfig{0, in.opt.sleep_ms, in.opt.quick});
    const std::unique_ptr<OutputFile> out = open_output(world, in.bench);
    say("note", plan.notes());
    say("warning", plan.warnings());
    if (placement.test_cpusets())
      say("warning", {"test-only hook SUMBENCH_TEST_CPUSETS replaces every rank's CPUs"});
    for (const std::string& w : warnings) say("warning", {"oversubscribed: " + w});
    return measure(world, plan, in, context, out.get(), args[0]);
  } catch (const UsageError& e) {
    print_error(world, e.what());
    return 2;
  } catch (const DoesNotFit& e) {
    print_error(world, e.what());
    return 1;
  }
}

}  // namespace

int run_benchmark(int argc, char** argv, const char* binary, bool builtin_kernels, const char* cxx_flags,
                  const char* build_type) {
  use_builtin_kernels(builtin_kernels);
  set_this_binary({binary, builtin_kernels, cxx_flags, build_type});
  return run(argc, argv);
}

}  // namespace sumbench
