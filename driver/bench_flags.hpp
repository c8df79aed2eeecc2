// Google Benchmark's flags, resolved and checked by sumbench before Google Benchmark sees them.
//
// Google Benchmark 1.7.1 takes each flag from the command line, else from an environment
// variable (BENCHMARK_FILTER, BENCHMARK_MIN_TIME, ..., V for --v), and answers a bad value
// with its usage text and exit 0 (--benchmark_format=xml), an abort
// (--benchmark_repetitions=-1) or a silent default (a bad variable). Under mpirun, one rank
// that sees other settings than the rest makes them wait for ever. So sumbench resolves
// every flag itself, refuses a bad value with one line, and hands Google Benchmark explicit
// values only. Precedence: the command line (the last occurrence wins, as in Google
// Benchmark), then the BENCHMARK_* variable (empty counts as unset), then sumbench's
// default, then Google Benchmark's.
#pragma once

#include <functional>
#include <map>
#include <regex>
#include <string>
#include <utility>
#include <vector>

namespace sumbench {

using Getenv = std::function<const char*(const char*)>;

// A variable of Google Benchmark's (BENCHMARK_*, V) as the process started with it, or
// null: sumbench takes them out of the environment before Google Benchmark's library is
// initialized, so that only sumbench reads them (bench_env.cpp).
const char* benchmark_variable(const char* name);

class BenchSettings {
 public:
  // `args`: the program, then Google Benchmark's flags only (what parse_options leaves).
  // Throws UsageError naming the bad value and what is allowed.
  static BenchSettings resolve(const std::vector<std::string>& args, bool quick, int world_size,
                               const Getenv& getenv);

  // A flag's canonical value ("benchmark_repetitions" -> "3") and where it came from
  // ("the command line", "BENCHMARK_REPETITIONS in the environment", "sumbench's default", ...).
  const std::string& value(const std::string& name) const;
  const std::string& source(const std::string& name) const;

  const std::string& filter() const { return value("benchmark_filter"); }
  const std::string& format() const { return value("benchmark_format"); }
  const std::string& out() const { return value("benchmark_out"); }
  bool list_tests() const { return value("benchmark_list_tests") == "true"; }

  // The settings that decide what every rank runs, in a fixed order: they must agree.
  std::vector<std::string> shared_names() const;
  // The command line for benchmark::Initialize: every flag explicit, the filter empty (sumbench
  // registers only the cases it selects), --benchmark_out as `out_path` (this rank's file).
  std::vector<std::string> initialize_args(const std::string& program, const std::string& out_path) const;
  // "BENCHMARK_MIN_TIME=0.1 V=2": the variables that set a flag, for the JSON context.
  std::string from_environment() const;
  // --benchmark_context and BENCHMARK_CONTEXT, key by key.
  const std::vector<std::pair<std::string, std::string>>& context() const { return context_; }

 private:
  struct Setting {
    std::string value, source;
  };
  std::map<std::string, Setting> settings_;
  std::vector<std::pair<std::string, std::string>> context_;
  std::vector<std::string> context_args_;  // the --benchmark_context flags, as given
  std::string context_env_;                // BENCHMARK_CONTEXT, when set
};

// --benchmark_filter as Google Benchmark applies it: a POSIX extended regular expression
// searched in the full name (with its "/manual_time"), "-REGEX" for the names it does not
// match, "" or "all" for every name. The spec must have passed BenchSettings::resolve.
class NameFilter {
 public:
  explicit NameFilter(const std::string& spec);
  bool matches(const std::string& full_name) const;

 private:
  bool negative_ = false;
  std::regex re_;
};

}  // namespace sumbench
