#include "options.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <functional>
#include <map>
#include <set>
#include <sstream>

#include "flags.hpp"

namespace sumbench {
namespace {

std::vector<std::string> split_list(const std::string& flag, const std::string& text) {
  std::vector<std::string> items;
  std::string item;
  std::istringstream in(text);
  while (std::getline(in, item, ','))
    if (item.empty())
      throw UsageError(flag + "=" + text + ": empty item in the list; use comma-separated values");
    else if (std::find(items.begin(), items.end(), item) != items.end())
      throw UsageError(flag + "=" + text + ": '" + item + "' is given twice; give each value once");
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
    if (std::find(out.begin(), out.end(), static_cast<int>(v)) != out.end())
      throw UsageError(flag + "=" + text + ": " + item + " is given twice; give each value once");
    out.push_back(static_cast<int>(v));
  }
  return out;
}

std::vector<Layout> parse_layouts(const std::string& flag, const std::string& text) {
  std::vector<Layout> out;
  const std::string allowed = flag + " takes RxT layouts such as 2x2,4x1 (ranks x threads, each 1 to 4096)";
  for (const std::string& item : split_list(flag, text)) {
    const std::string bad = flag + "=" + text + ": '" + item + "' ";
    const auto x = item.find('x');
    if (x == std::string::npos || item.find('x', x + 1) != std::string::npos)
      throw UsageError(bad + "is not RxT; " + allowed);
    // One side of RxT: a whole number from 1 to 4096.
    const auto side = [&](const std::string& digits, const std::string& what) {
      if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos)
        throw UsageError(bad + "has no whole number of " + what + "; " + allowed);
      errno = 0;
      const unsigned long long v = std::strtoull(digits.c_str(), nullptr, 10);
      if (errno == ERANGE || v < 1 || v > 4096) throw UsageError(bad + "has " + digits + " " + what + "; " + allowed);
      return static_cast<int>(v);
    };
    const Layout layout{side(item.substr(0, x), "ranks"), side(item.substr(x + 1), "threads")};
    if (std::find(out.begin(), out.end(), layout) != out.end())
      throw UsageError(bad + "is given twice; give each layout once");
    out.push_back(layout);
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
      {"--cpus",
       [&](const std::string& f, const std::string& v) {
         if (v == "cores") opt.cpus = CpuUnit::cores;
         else if (v == "hwthreads") opt.cpus = CpuUnit::hwthreads;
         else throw UsageError(f + "=" + v + " is not allowed; use cores or hwthreads");
       }},
      {"--sleep-ms",
       [&](const std::string& f, const std::string& v) {
         opt.sleep_ms = parse_int_list(f, v, 3600 * 1000).at(0);
         if (v.find(',') != std::string::npos) throw UsageError(f + "=" + v + ": takes one value (milliseconds)");
       }},
      // The modes check their own values (check_mode_options below).
      {"--gil-policy", [&](const std::string& f, const std::string& v) { opt.mode.gil_policies = split_list(f, v); }},
      {"--switch-interval",
       [&](const std::string& f, const std::string& v) { opt.mode.switch_interval_texts = split_list(f, v); }},
      {"--gil-tick", [&](const std::string& f, const std::string& v) { opt.mode.gil_tick_elements = parse_size(f, v); }},
      {"--check-interval",
       [&](const std::string& f, const std::string& v) { opt.mode.check_interval_texts = split_list(f, v); }},
  };
  const std::map<std::string, bool*> switches{
      {"--quick", &opt.quick}, {"--list", &opt.list}, {"--help", &opt.help}, {"--launch-only", &opt.launch_only}};
  // Every row of the flag table has a handler here and every handler a row (flags.hpp).
  for (const auto& f : flag_table())
    if ((f.type == "switch" ? switches.count(std::string(f.name)) : flags.count(std::string(f.name))) == 0)
      throw std::logic_error("flag table: " + std::string(f.name) + " has no " + std::string(f.type) + " handler");
  for (const auto& entry : flags)
    if (!find_flag(entry.first)) throw std::logic_error("flag " + entry.first + " has no row in the flag table");
  for (const auto& entry : switches)
    if (!find_flag(entry.first)) throw std::logic_error("flag " + entry.first + " has no row in the flag table");

  std::map<std::string, std::string> given;  // sumbench's flags seen so far, as written
  for (std::size_t i = 1; i < args.size(); ++i) {
    const std::string& arg = args[i];
    const auto eq = arg.find('=');
    const std::string name = arg.substr(0, eq);
    if (switches.count(name) || flags.count(name))
      if (auto [it, fresh] = given.emplace(name, arg); !fresh)
        throw UsageError(name + " is given twice ('" + it->second + "' and '" + arg + "'); give it once");
    if (auto s = switches.find(name); s != switches.end()) {
      if (eq != std::string::npos && name == "--list") {  // --list=text|json
        const std::string v = arg.substr(eq + 1), allowed = flag_choices(*find_flag(name));
        if (v.empty() || v.find(',') != std::string::npos || ("," + allowed + ",").find("," + v + ",") == std::string::npos)
          throw UsageError(arg + " is not allowed; use --list or --list=VALUE with VALUE one of " + allowed);
        opt.list_json = v == "json";
      } else if (eq != std::string::npos) {
        throw UsageError(name + " takes no value (got '" + arg + "')");
      }
      *s->second = true;
      if (name == "--help") rest.push_back(arg);  // Google Benchmark prints its flags too
    } else if (auto f = flags.find(name); f != flags.end()) {
      if (eq == std::string::npos) throw UsageError(name + " needs a value: " + name + "=VALUE");
      f->second(name, arg.substr(eq + 1));
    } else if (arg.rfind("--benchmark_", 0) == 0 || arg.rfind("--v=", 0) == 0) {
      rest.push_back(arg);  // Google Benchmark's
    } else {
      throw UsageError("unknown argument '" + arg + "'; sumbench takes " + flag_names() +
                       " and Google Benchmark's --benchmark_* flags (see --help)");
    }
  }
  if (const std::string why = check_mode_options(opt.mode); !why.empty()) throw UsageError(why);
  if (opt.kernels.empty())
    for (const auto& k : kernel_table())
      if (!k.thread_only) opt.kernels.push_back(&k);
  if (opt.modes.empty())
    for (const auto& m : mode_table()) opt.modes.push_back(&m);
  args = std::move(rest);
  return opt;
}

std::string options_help() {
  std::string exits;
  for (const auto& e : exit_statuses()) {
    if (!exits.empty()) exits += ", ";
    exits += std::to_string(e.code) + " " + std::string(e.meaning);
  }
  return "sumbench: the same kernels serially, under OpenMP threads, MPI ranks, hybrid MPIxOpenMP and a GIL.\n"
         "usage: [mpirun -n R] sumbench [flags] [--benchmark_* flags]\n" +
         flags_help() +
         "each flag once; Google Benchmark's: the last one, else its BENCHMARK_* variable, else sumbench's\n"
         "  defaults --benchmark_min_time=0.03 --benchmark_repetitions=3 (--quick: 0.01 and 2)\n"
         "  --benchmark_display_aggregates_only=true --benchmark_time_unit=ms, else Google Benchmark's\n"
         "exit status: " + exits + "\n";
}

}  // namespace sumbench
