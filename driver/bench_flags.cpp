#include "bench_flags.hpp"

#include <algorithm>
#include <cctype>

#include "bench_flag_specs.hpp"
#include "options.hpp"

namespace sumbench {
namespace {

using bench_flags::check;
using bench_flags::Kind;
using bench_flags::Spec;
using bench_flags::specs;

// sumbench's defaults: short runs whose repetitions give the spread, times in milliseconds.
// 0.03 s gives triad and combine (milliseconds per run) 3 or more runs per repetition for
// the set-up and validation each call needs (docs/DESIGN.md); --quick keeps 0.01 s.
const char* our_default(const std::string& name, bool quick) {
  if (name == "benchmark_min_time") return quick ? "0.01" : "0.03";
  if (name == "benchmark_repetitions") return quick ? "2" : "3";
  if (name == "benchmark_display_aggregates_only") return "true";
  if (name == "benchmark_time_unit") return "ms";
  return nullptr;
}

std::string env_name(const std::string& flag) {
  std::string out;
  for (char c : flag) out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

// "k=v,k2=v2" into `pairs`; a key may be given once over all of them.
void add_context(const std::string& text, const std::string& where,
                 std::vector<std::pair<std::string, std::string>>& pairs) {
  for (std::size_t at = 0, end = 0; !text.empty() && at <= text.size();
       at = end + 1) {  // "a=1," has an empty item
    end = std::min(text.find(',', at), text.size());
    const std::string item = text.substr(at, end - at);
    const auto eq = item.find('=');
    if (eq == 0 || eq == std::string::npos || item.find('=', eq + 1) != std::string::npos)
      throw UsageError(where + ": '" + item +
                       "' is not KEY=VALUE; --benchmark_context takes KEY=VALUE,KEY=VALUE");
    const std::string key = item.substr(0, eq);
    for (const auto& [k, v] : pairs)
      if (k == key)
        throw UsageError(where + ": context key '" + key + "' is given twice; give each key once");
    pairs.emplace_back(key, item.substr(eq + 1));
  }
}

}  // namespace

BenchSettings BenchSettings::resolve(const std::vector<std::string>& args, bool quick, int world_size,
                                     const Getenv& getenv) {
  BenchSettings s;
  if (const char* env = getenv("BENCHMARK_CONTEXT"); env && *env) {
    add_context(env, std::string("BENCHMARK_CONTEXT=") + env + " (in the environment)", s.context_);
    s.context_env_ = env;
  }
  std::map<std::string, std::pair<std::string, std::string>> given;  // flag -> last (value, argument)
  for (std::size_t i = 1; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--help") continue;  // sumbench's, passed on for Google Benchmark's usage text
    const auto eq = arg.find('=');
    const std::string name = arg.substr(2, eq == std::string::npos ? std::string::npos : eq - 2);
    const std::string text = eq == std::string::npos ? "" : arg.substr(eq + 1);
    if (name == "benchmark_context" && eq != std::string::npos) {
      add_context(text, arg, s.context_);
      s.context_args_.push_back(arg);
      continue;
    }
    const auto spec =
        std::find_if(specs().begin(), specs().end(), [&](const Spec& x) { return x.name == name; });
    if (arg.rfind("--", 0) != 0 || spec == specs().end())
      throw UsageError("unknown Google Benchmark flag '" + arg + "'; see --help");
    if (eq == std::string::npos && spec->kind != Kind::boolean)
      throw UsageError("--" + name + " needs a value: --" + name + "=VALUE");
    if (spec->kind == Kind::path && text.empty()) throw UsageError("--" + name + "= needs a file name");
    check(*spec, text, arg);  // every occurrence, also those a later one overrides
    given[name] = {text, arg};
  }
  for (const Spec& spec : specs()) {
    Setting& out = s.settings_[spec.name];
    const std::string var = env_name(spec.name);
    const char* env = getenv(var.c_str());
    if (auto g = given.find(spec.name); g != given.end())
      out = {check(spec, g->second.first, g->second.second), "the command line"};
    else if (env && *env)
      out = {check(spec, env, var + "=" + env + " (in the environment)"), var + " in the environment"};
    else if (const char* ours = our_default(spec.name, quick))
      out = {ours, "sumbench's default"};
    else
      out = {spec.fallback, "Google Benchmark's default"};
  }
  if (world_size > 1 && s.value("benchmark_enable_random_interleaving") == "true")
    throw UsageError("--benchmark_enable_random_interleaving=true (from " +
                     s.source("benchmark_enable_random_interleaving") +
                     ") would order the cases differently on each rank; it needs a world of one rank");
  return s;
}

const std::string& BenchSettings::value(const std::string& name) const {
  return settings_.at(name).value;
}
const std::string& BenchSettings::source(const std::string& name) const {
  return settings_.at(name).source;
}

std::vector<std::string> BenchSettings::shared_names() const {
  std::vector<std::string> names;
  for (const Spec& spec : specs())
    if (spec.shared) names.emplace_back(spec.name);
  return names;
}

std::vector<std::string> BenchSettings::initialize_args(const std::string& program,
                                                        const std::string& out_path) const {
  std::vector<std::string> args{program};
  for (const Spec& spec : specs()) {
    // The plan holds only the selected cases, sumbench lists them itself, `out_path` is this rank's.
    const std::string name = spec.name, v = name == "benchmark_filter"       ? ""
                                            : name == "benchmark_list_tests" ? "false"
                                            : name == "benchmark_out"        ? out_path
                                                                             : value(name);
    args.push_back("--" + name + "=" + v);
  }
  args.insert(args.end(), context_args_.begin(), context_args_.end());
  return args;
}

std::string BenchSettings::from_environment() const {
  std::string out = context_env_.empty() ? "" : "BENCHMARK_CONTEXT=" + context_env_;
  for (const Spec& spec : specs())
    if (source(spec.name) == env_name(spec.name) + " in the environment") {
      if (!out.empty()) out += ' ';  // not (empty ? "" : " ") + ...: GCC 12's -Wrestrict false alarm
      out += env_name(spec.name) + "=" + value(spec.name);
    }
  return out;
}

}  // namespace sumbench
