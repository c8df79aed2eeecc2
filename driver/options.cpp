#include "options.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <map>
#include <set>
#include <sstream>

#include "flags.hpp"

namespace sumbench {

std::string one_line(const std::string& text) {
  std::string out;
  for (unsigned char c : text)
    if (c == '\n')
      out += "\\n";
    else if (c == '\t')
      out += "\\t";
    else if (c == '\r')
      out += "\\r";
    else if (c < 0x20 || c == 0x7f) {
      const char* hex = "0123456789abcdef";
      ((out += "\\x") += hex[c >> 4]) += hex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  return out;
}

std::vector<std::string> split_list(const std::string& flag, const std::string& text) {
  std::vector<std::string> items;
  std::string item;
  std::istringstream in(text);
  if (!text.empty() &&
      text.back() == ',')  // getline drops a last empty item; ",1" and "1," alike are refused
    throw UsageError(flag + "=" + text + ": empty item in the list; use comma-separated values");
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

std::uint64_t parse_size(const std::string& flag, const std::string& text) {
  const std::string allowed = flag + " takes a whole number from 1 to 2^62";
  if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos)
    throw UsageError(flag + "=" + text + " is not a number: " + allowed);
  errno = 0;
  const unsigned long long v = std::strtoull(text.c_str(), nullptr, 10);
  if (errno == ERANGE || v > (1ull << 62)) throw UsageError(flag + "=" + text + " is too large: " + allowed);
  if (v == 0) throw UsageError(flag + "=0 is not allowed: " + allowed);
  return v;
}

std::vector<int> parse_int_list(const std::string& flag, const std::string& text, int max) {
  std::vector<int> out;
  for (const std::string& item : split_list(flag, text)) {
    const std::string allowed =
        flag + " takes comma-separated whole numbers from 1 to " + std::to_string(max);
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
  const std::string allowed =
      flag + " takes RxT layouts such as 2x2,4x1 (ranks x threads, each at least 1, R x T at most " +
      std::to_string(kMaxWorkers) + ")";
  for (const std::string& item : split_list(flag, text)) {
    const std::string bad = flag + "=" + text + ": '" + item + "' ";
    const auto x = item.find('x');
    if (x == std::string::npos || item.find('x', x + 1) != std::string::npos)
      throw UsageError(bad + "is not RxT; " + allowed);
    // One side of RxT: a whole number from 1 to kMaxWorkers.
    const auto side = [&](const std::string& digits, const std::string& what) {
      if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos)
        throw UsageError(bad + "has no whole number of " + what + "; " + allowed);
      errno = 0;
      const unsigned long long v = std::strtoull(digits.c_str(), nullptr, 10);
      if (errno == ERANGE || v < 1 || v > kMaxWorkers)
        throw UsageError(bad + "has " + digits + " " + what + "; " + allowed);
      return static_cast<int>(v);
    };
    const Layout layout{side(item.substr(0, x), "ranks"), side(item.substr(x + 1), "threads")};
    if (static_cast<long long>(layout.ranks) * layout.threads > kMaxWorkers)
      throw UsageError(bad + "has " + std::to_string(static_cast<long long>(layout.ranks) * layout.threads) +
                       " workers; " + allowed);
    if (std::find(out.begin(), out.end(), layout) != out.end())
      throw UsageError(bad + "is given twice; give each layout once");
    out.push_back(layout);
  }
  return out;
}

Options parse_options(std::vector<std::string>& args) {
  Options opt;
  std::vector<std::string> rest{args.empty() ? std::string("sumbench") : args[0]};
  // Each flag takes --name=value (or no value for switches), as Google Benchmark's do, and is
  // applied through its row of the flag table (flags.cpp).
  std::map<std::string, std::string> given;  // sumbench's flags seen so far, as written
  for (std::size_t i = 1; i < args.size(); ++i) {
    const std::string& arg = args[i];
    const auto eq = arg.find('=');
    const std::string name = arg.substr(0, eq), value = eq == std::string::npos ? "" : arg.substr(eq + 1);
    if (const FlagSpec* f = find_flag(name)) {
      if (auto [it, fresh] = given.emplace(name, arg); !fresh)
        throw UsageError(name + " is given twice ('" + it->second + "' and '" + arg + "'); give it once");
      if (f->type == "switch" && eq != std::string::npos) {
        if (f->choices.empty()) throw UsageError(name + " takes no value (got '" + arg + "')");
        if (value.empty())
          throw UsageError(arg + " is not allowed; use " + name + " or " + name +
                           "=VALUE with VALUE one of " + flag_choices(*f));
      }
      if (f->type != "switch" && eq == std::string::npos)
        throw UsageError(name + " needs a value: " + name + "=VALUE");
      f->apply(*f, value, opt);
      if (name == "--help") rest.push_back(arg);  // Google Benchmark prints its flags too
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
  return "sumbench: the same kernels serially, under OpenMP threads, MPI ranks, hybrid MPIxOpenMP and a "
         "GIL.\n"
         "usage: [mpirun -n R] sumbench [flags] [--benchmark_* flags]\n" +
         flags_help() +
         "each flag once; Google Benchmark's: the last one, else its BENCHMARK_* variable, else sumbench's\n"
         "  defaults --benchmark_min_time=0.03 --benchmark_repetitions=3 (--quick: 0.01 and 2)\n"
         "  --benchmark_display_aggregates_only=true --benchmark_time_unit=ms, else Google Benchmark's\n"
         "exit status: " +
         exits + "\n";
}

}  // namespace sumbench
