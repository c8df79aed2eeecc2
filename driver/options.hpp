// sumbench's own flags. Google Benchmark owns every --benchmark_* flag; these are
// the few that choose what to run.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "kernel.hpp"
#include "mode.hpp"
#include "topology.hpp"

namespace sumbench {

// A bad command line: the message names the bad value and what is allowed (exit 2).
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// The most workers (ranks x threads) of one case: 2^20, what the largest machines hold
// (64 nodes x 128 hardware threads is 2^13); each worker also needs an item of its own,
// so strong scaling needs n >= workers (cases.cpp).
constexpr int kMaxWorkers = 1 << 20;

struct Options {
  std::vector<const KernelDescriptor*> kernels;
  std::vector<const ModeDescriptor*> modes;
  std::vector<int> workers;  // empty: the default (world size or CPUs)
  Scaling scaling = Scaling::strong;
  std::optional<std::uint64_t> n;  // size at one worker
  int sleep_ms = 100;
  bool quick = false;
  bool list = false;
  bool list_json = false;  // --list=json: the catalogue (driver/catalogue.hpp)
  bool help = false;
  bool version = false;  // --version
  bool launch_only = false;
  CpuUnit cpus = CpuUnit::cores;  // --cpus: what one CPU is (placement.hpp)
  ModeOptions mode;               // --hybrid, --gil-policy, --switch-interval, --gil-tick
};

// Parses and removes sumbench's flags from `args` (args[0] is the program);
// everything else is left for Google Benchmark. Throws UsageError.
Options parse_options(std::vector<std::string>& args);

// --help: generated from the flag table (driver/flags.hpp).
std::string options_help();

// `text` on one line: control characters written as \n, \t, \r or \xNN. Error messages
// quote values as given (a flag, a variable), and one error is one line on stderr.
std::string one_line(const std::string& text);

// Parsers shared by the flag table (flags.cpp) and the tests.
std::vector<std::string> split_list(const std::string& flag, const std::string& text);
std::uint64_t parse_size(const std::string& flag, const std::string& text);
std::vector<int> parse_int_list(const std::string& flag, const std::string& text, int max);
std::vector<Layout> parse_layouts(const std::string& flag, const std::string& text);

}  // namespace sumbench
