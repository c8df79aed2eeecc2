#include "checks.hpp"

#include <dlfcn.h>

#include <cstdio>
#include <cstdlib>

#include "consistency.hpp"
#include "context.hpp"

namespace sumbench {

Inputs read_inputs(const World& world, std::vector<std::string> args, const std::string& build_id) {
  std::string arguments;
  for (std::size_t i = 1; i < args.size(); ++i) arguments += (i > 1 ? " " : "") + args[i];
  check_same_everywhere(
      world, {{"arguments", arguments, "its command line"}, {"the sumbench build", build_id, "its binary"}});
  Inputs in;
  std::string error;
  try {
    in.opt = parse_options(args);
    if (!in.opt.help && !in.opt.version) {
      in.bench = BenchSettings::resolve(args, in.opt.quick, world.size(), benchmark_variable);
      // Google Benchmark reads counters through libpfm, loaded with it where it was built with
      // them; without (Debian's 1.7.1), it prints "Performance counters not supported." on
      // every rank that asked, and records none.
      if (const std::string& perf = in.bench.value("benchmark_perf_counters");
          !perf.empty() && !dlopen("libpfm.so.4", RTLD_LAZY | RTLD_NOLOAD))
        throw UsageError(
            "--benchmark_perf_counters=" + perf + " (from " + in.bench.source("benchmark_perf_counters") +
            ") is not allowed: this Google Benchmark was built without performance counters (libpfm)");
      const std::string& out = in.bench.out();
      if (in.bench.list_tests() && !out.empty())
        throw UsageError("--benchmark_list_tests runs nothing, so it writes no --benchmark_out=" + out +
                         " (from " + in.bench.source("benchmark_out") + "); drop one of them");
      // Neither do --list and --launch-only: an explicit --benchmark_out would be ignored; a
      // BENCHMARK_OUT in the environment is a standing setting for runs, and stays quiet.
      if ((in.opt.list || in.opt.launch_only) && in.bench.source("benchmark_out") == "the command line")
        throw UsageError(in.opt.launch_only
                             ? "--launch-only runs no benchmark, so it writes no --benchmark_out=" + out +
                                   "; drop one of them"
                             : std::string(in.opt.list_json ? "--list=json" : "--list") +
                                   " prints on stdout and writes no --benchmark_out=" + out +
                                   "; drop it, or redirect stdout to the file");
    }
  } catch (const UsageError& e) {
    error = e.what();
  }
  agree_on_error(world, error);
  return in;
}

NameFilter::NameFilter(const std::string& spec) {
  std::string re = spec.empty() || spec == "all" ? "." : spec;
  if ((negative_ = re[0] == '-')) re.erase(0, 1);
  re_ = std::regex(re, std::regex::extended);
}

bool NameFilter::matches(const std::string& full_name) const {
  return std::regex_search(full_name, re_) != negative_;
}

void Plan::keep_only(const std::function<bool(const Case&)>& keep) {
  std::erase_if(cases_, [&](const Case& c) { return !keep(c); });
}

void select_cases(const World& world, Plan& plan, const BenchSettings& bench) {
  const std::size_t all = plan.cases().size();
  const NameFilter filter(bench.filter());
  plan.keep_only([&](const Case& c) { return filter.matches(c.name + "/manual_time"); });
  std::vector<SharedInput> shared;
  for (const std::string& name : bench.shared_names())
    shared.push_back({"--" + name, bench.value(name), bench.source(name)});
  std::string names;
  for (const Case& c : plan.cases()) names += c.name + "\n";
  char cases[64];
  std::snprintf(cases, sizeof cases, "%zu benchmark(s), fingerprint %016llx", plan.cases().size(),
                fingerprint(names));
  shared.push_back({"the benchmarks to run", cases, "from its flags"});
  check_same_everywhere(world, shared);
  if (all == 0)
    throw UsageError("nothing to run: no kernel/mode/worker combination applies: " +
                     join(plan.notes(), "; "));
  if (plan.cases().empty())
    throw UsageError("--benchmark_filter=" + bench.filter() + " (from " + bench.source("benchmark_filter") +
                     ") matches none of the " + std::to_string(all) +
                     " benchmarks; see --benchmark_list_tests");
}

std::unique_ptr<OutputFile> open_output(const World& world, const BenchSettings& bench) {
  std::unique_ptr<OutputFile> out;
  std::string error;
  if (world.root() && !bench.out().empty()) try {
      out = std::make_unique<OutputFile>(bench.out());
    } catch (const UsageError& e) {
      error = e.what();
      if (bench.source("benchmark_out") != "the command line")
        error += " (from " + bench.source("benchmark_out") + ")";
    }
  agree_on_error(world, error);
  return out;
}

}  // namespace sumbench
