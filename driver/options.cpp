#include "options.hpp"

#include <cerrno>
#include <cstdlib>
#include <functional>
#include <map>
#include <sstream>

#include "gil_lock.hpp"

namespace sumbench {
namespace {

std::vector<std::string> split_list(const std::string& flag, const std::string& text) {
  std::vector<std::string> items;
  std::string item;
  std::istringstream in(text);
  while (std::getline(in, item, ','))
    if (item.empty())
      throw UsageError(flag + "=" + text + ": empty item in the list; use comma-separated values");
    else
      items.push_back(item);
  if (items.empty()) throw UsageError(flag + " needs a value: " + flag + "=LIST");
  return items;
}

template <class T>
std::string names_of(const std::vector<T>& table) {
  std::string out;
  for (const auto& row : table) out += (out.empty() ? "" : ", ") + std::string(row.name);
  return out;
}

}  // namespace

std::uint64_t parse_size(const std::string& flag, const std::string& text) {
  const std::string allowed = flag + " takes a whole number from 1 to 2^62";
  if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos)
    throw UsageError(flag + "=" + text + " is not a number: " + allowed);
  errno = 0;
  const unsigned long long v = std::strtoull(text.c_str(), nullptr, 10);
  if (errno == ERANGE || v > (1ull << 62))
    throw UsageError(flag + "=" + text + " is too large: " + allowed);
  if (v == 0) throw UsageError(flag + "=0 is not allowed: " + allowed);
  return v;
}

std::vector<int> parse_int_list(const std::string& flag, const std::string& text, int max) {
  std::vector<int> out;
  for (const std::string& item : split_list(flag, text)) {
    const std::string allowed = flag + " takes comma-separated whole numbers from 1 to " + std::to_string(max);
    if (item.find_first_not_of("0123456789") != std::string::npos)
      throw UsageError(flag + "=" + text + ": '" + item + "' is not a whole number; " + allowed);
    errno = 0;
    const unsigned long long v = std::strtoull(item.c_str(), nullptr, 10);
    if (errno == ERANGE || v < 1 || v > static_cast<unsigned long long>(max))
      throw UsageError(flag + "=" + text + ": " + item + " is out of range; " + allowed);
    out.push_back(static_cast<int>(v));
  }
  return out;
}

std::vector<Layout> parse_layouts(const std::string& flag, const std::string& text) {
  std::vector<Layout> out;
  for (const std::string& item : split_list(flag, text)) {
    const auto x = item.find('x');
    const std::string allowed = flag + " takes RxT layouts such as 2x2,4x1 (ranks x threads, each 1 to 4096)";
    if (x == std::string::npos) throw UsageError(flag + "=" + text + ": '" + item + "' is not RxT; " + allowed);
    const auto ranks = parse_int_list(flag, item.substr(0, x), 4096);
    const auto threads = parse_int_list(flag, item.substr(x + 1), 4096);
    if (ranks.size() != 1 || threads.size() != 1)
      throw UsageError(flag + "=" + text + ": '" + item + "' is not RxT; " + allowed);
    out.push_back({ranks[0], threads[0]});
  }
  return out;
}

Options parse_options(std::vector<std::string>& args) {
  Options opt;
  std::vector<std::string> rest{args.empty() ? std::string("sumbench") : args[0]};
  // Each flag takes --name=value (or no value for switches), as Google Benchmark's do.
  const std::map<std::string, std::function<void(const std::string&, const std::string&)>> flags{
      {"--kernels",
       [&](const std::string& f, const std::string& v) {
         opt.kernels.clear();
         for (const auto& name : split_list(f, v)) {
           const auto* k = find_kernel(name);
           if (!k) throw UsageError(f + ": unknown kernel '" + name + "'; allowed: " + names_of(kernel_table()));
           opt.kernels.push_back(k);
         }
       }},
      {"--modes",
       [&](const std::string& f, const std::string& v) {
         opt.modes.clear();
         for (const auto& name : split_list(f, v)) {
           const auto* m = find_mode(name);
           if (!m) throw UsageError(f + ": unknown mode '" + name + "'; allowed: " + names_of(mode_table()));
           opt.modes.push_back(m);
         }
       }},
      {"--workers", [&](const std::string& f, const std::string& v) { opt.workers = parse_int_list(f, v, 4096); }},
      {"--hybrid", [&](const std::string& f, const std::string& v) { opt.mode.hybrid_layouts = parse_layouts(f, v); }},
      {"--scaling",
       [&](const std::string& f, const std::string& v) {
         if (v == "strong") opt.scaling = Scaling::strong;
         else if (v == "weak") opt.scaling = Scaling::weak;
         else throw UsageError(f + "=" + v + " is not allowed; use strong or weak");
       }},
      {"--n", [&](const std::string& f, const std::string& v) { opt.n = parse_size(f, v); }},
      {"--sleep-ms",
       [&](const std::string& f, const std::string& v) {
         opt.sleep_ms = parse_int_list(f, v, 3600 * 1000).at(0);
         if (v.find(',') != std::string::npos) throw UsageError(f + "=" + v + ": takes one value (milliseconds)");
       }},
      {"--gil-policy",
       [&](const std::string& f, const std::string& v) {
         opt.mode.gil_policies.clear();
         for (const auto& p : split_list(f, v)) {
           if (!is_gil_policy(p)) throw UsageError(f + ": unknown policy '" + p + "'; allowed: " + gil_policy_list());
           opt.mode.gil_policies.push_back(p);
         }
       }},
      {"--switch-interval",
       [&](const std::string& f, const std::string& v) {
         opt.mode.switch_intervals_s.clear();
         for (const auto& item : split_list(f, v)) {
           const auto seconds = parse_switch_interval(item);
           if (!seconds)
             throw UsageError(f + ": '" + item + "' is not a duration between 1us and 3600s; use e.g. 500us, 1ms, 0.005s or 0.005 (seconds)");
           opt.mode.switch_intervals_s.push_back(*seconds);
         }
       }},
      {"--gil-tick", [&](const std::string& f, const std::string& v) { opt.mode.gil_tick_elements = parse_size(f, v); }},
      {"--check-interval",
       [&](const std::string& f, const std::string& v) { opt.mode.check_intervals = parse_int_list(f, v, kMaxCheckInterval); }},
  };
  const std::map<std::string, bool*> switches{
      {"--quick", &opt.quick}, {"--list", &opt.list}, {"--help", &opt.help}, {"--launch-only", &opt.launch_only}};

  for (std::size_t i = 1; i < args.size(); ++i) {
    const std::string& arg = args[i];
    const auto eq = arg.find('=');
    const std::string name = arg.substr(0, eq);
    if (auto s = switches.find(name); s != switches.end()) {
      if (eq != std::string::npos) throw UsageError(name + " takes no value (got '" + arg + "')");
      *s->second = true;
      if (name == "--help") rest.push_back(arg);  // Google Benchmark prints its flags too
    } else if (auto f = flags.find(name); f != flags.end()) {
      if (eq == std::string::npos) throw UsageError(name + " needs a value: " + name + "=VALUE");
      f->second(name, arg.substr(eq + 1));
    } else if (arg.rfind("--benchmark_", 0) == 0 || arg.rfind("--v=", 0) == 0) {
      rest.push_back(arg);  // Google Benchmark's
    } else {
      throw UsageError("unknown argument '" + arg + "'; sumbench takes " +
                       "--kernels --modes --workers --hybrid --scaling --n --sleep-ms --quick --list "
                       "--launch-only --gil-policy --switch-interval --check-interval --gil-tick and Google Benchmark's "
                       "--benchmark_* flags (see --help)");
    }
  }
  if (opt.kernels.empty())
    for (const auto& k : kernel_table())
      if (!k.thread_only) opt.kernels.push_back(&k);
  if (opt.modes.empty())
    for (const auto& m : mode_table()) opt.modes.push_back(&m);
  args = std::move(rest);
  return opt;
}

std::string options_help() {
  return R"(sumbench: the same kernels serially, under OpenMP threads, MPI ranks, hybrid MPIxOpenMP and a GIL.
usage: [mpirun -n R] sumbench [flags] [--benchmark_* flags]
  --kernels=LIST          kernels to run (see --list); default: all but convoy
  --modes=LIST            serial,omp,mpi,hybrid,gil; default: all
  --workers=LIST          worker counts (threads or ranks); default: the world size under
                          mpirun with more than one rank, else the CPUs this process may use
  --hybrid=RxT,...        hybrid layouts (ranks x threads); default 2x(W/2) or 1xW
  --scaling=strong|weak   strong: total size fixed; weak: size per worker fixed (default strong)
  --n=N                   problem size at one worker (default: per kernel, see --list)
  --sleep-ms=MS           duration of one sleep task (default 100)
  --quick                 small sizes and short runs, for tests and smoke runs
  --list                  list kernels and modes, one line each
  --launch-only           start the workers (MPI ranks, threads) with no work, then exit
  --gil-policy=LIST       cpython,legacy,fifo,none (default cpython)
  --switch-interval=LIST  GIL switch interval like sys.setswitchinterval: 500us,1ms,0.005s (default 5ms)
  --check-interval=LIST   legacy's check interval in bytecodes, like sys.setcheckinterval (default 100)
  --gil-tick=ELEMS        elements per GIL tick (default: the kernel's, about 5 us of work;
                          cpython 1/32 of it; legacy 1/1024: a tick is a bytecode)
defaults added before your flags: --benchmark_min_time=0.01 --benchmark_repetitions=3
  --benchmark_display_aggregates_only=true (--quick: min_time 0.01, 2 repetitions)
exit status: 0 ok, 1 a result failed validation or a run failed, 2 bad usage
)";
}

}  // namespace sumbench
