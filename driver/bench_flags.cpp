#include "bench_flags.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <climits>
#include <cmath>
#include <iomanip>
#include <sstream>

#include "options.hpp"

namespace sumbench {
namespace {

enum class Kind { boolean, color, integer, seconds, choice, list, path, regex };

struct Spec {
  const char* name;
  Kind kind;
  const char* fallback;  // Google Benchmark's default
  const char* allowed;   // a choice's values: "console|json|csv"
  double lo, hi;         // an integer's or a duration's range
  bool shared;           // decides what every rank runs: must agree across ranks
};

// Every flag of Google Benchmark 1.7.1 but --benchmark_context (a list of pairs, see resolve).
const std::vector<Spec>& specs() {
  static const std::vector<Spec> table{
      {"benchmark_list_tests", Kind::boolean, "false", nullptr, 0, 0, true},
      {"benchmark_filter", Kind::regex, "", nullptr, 0, 0, true},
      {"benchmark_min_time", Kind::seconds, "0.5", nullptr, 0, 3600, true},
      {"benchmark_min_warmup_time", Kind::seconds, "0", nullptr, 0, 3600, true},
      {"benchmark_repetitions", Kind::integer, "1", nullptr, 1, 100000, true},
      {"benchmark_enable_random_interleaving", Kind::boolean, "false", nullptr, 0, 0, true},
      {"benchmark_report_aggregates_only", Kind::boolean, "false", nullptr, 0, 0, false},
      {"benchmark_display_aggregates_only", Kind::boolean, "false", nullptr, 0, 0, false},
      {"benchmark_format", Kind::choice, "console", "console|json|csv", 0, 0, false},
      {"benchmark_out_format", Kind::choice, "json", "console|json|csv", 0, 0, false},
      {"benchmark_out", Kind::path, "", nullptr, 0, 0, false},
      {"benchmark_color", Kind::color, "auto", nullptr, 0, 0, false},
      {"benchmark_counters_tabular", Kind::boolean, "false", nullptr, 0, 0, false},
      {"benchmark_perf_counters", Kind::list, "", nullptr, 0, 0, false},
      {"benchmark_time_unit", Kind::choice, "", "ns|us|ms|s", 0, 0, false},
      {"v", Kind::integer, "0", nullptr, INT_MIN, INT_MAX, false},
  };
  return table;
}

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

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Google Benchmark's words for true and false ("" is a bare --flag).
const char* as_bool(const std::string& text) {
  const std::string t = lower(text);
  for (const char* yes : {"", "1", "t", "y", "true", "yes", "on"})
    if (t == yes) return "true";
  for (const char* no : {"0", "f", "n", "false", "no", "off"})
    if (t == no) return "false";
  return nullptr;
}

std::string range_text(const Spec& s) {
  std::ostringstream out;  // every bound in the table is whole: --v's is -2147483648, not -2.14748e+09
  out << std::fixed << std::setprecision(0) << "--" << s.name << " takes "
      << (s.kind == Kind::integer ? "a whole number" : "a number of seconds") << " from " << s.lo << " to " << s.hi;
  return out.str();
}

// The canonical value of `text` for flag `s`; `where` names it ("--benchmark_repetitions=-1").
std::string check(const Spec& s, const std::string& text, const std::string& where) {
  const std::string bad = where + " is ";
  switch (s.kind) {
    case Kind::boolean:
      if (const char* b = as_bool(text)) return b;
      throw UsageError(bad + "not allowed; --" + s.name + " takes true or false");
    case Kind::color:
      if (lower(text) == "auto") return "auto";
      if (const char* b = text.empty() ? nullptr : as_bool(text)) return b;
      throw UsageError(bad + "not allowed; --benchmark_color takes auto, true or false");
    case Kind::integer: {
      long long v = 0;
      const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
      if (text.empty() || ec == std::errc::invalid_argument || end != text.data() + text.size())
        throw UsageError(bad + "not a whole number; " + range_text(s));
      if (ec == std::errc::result_out_of_range || v < s.lo || v > s.hi)
        throw UsageError(bad + "out of range; " + range_text(s));
      return std::to_string(v);
    }
    case Kind::seconds: {
      double v = 0;
      const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
      if (text.empty() || ec != std::errc{} || end != text.data() + text.size() || !std::isfinite(v))
        throw UsageError(bad + "not a number of seconds; " + range_text(s) + " (Google Benchmark 1.7 has no Nx)");
      if (v < s.lo || v > s.hi) throw UsageError(bad + "out of range; " + range_text(s));
      char buf[32];
      return std::string(buf, std::to_chars(buf, buf + sizeof buf, v).ptr);
    }
    case Kind::choice: {
      std::vector<std::string> values;
      std::istringstream in(s.allowed);
      for (std::string v; std::getline(in, v, '|');) values.push_back(v);
      if (std::find(values.begin(), values.end(), text) != values.end()) return text;
      std::string words;
      for (std::size_t i = 0; i < values.size(); ++i)
        words += (i == 0 ? "" : i + 1 == values.size() ? " or " : ", ") + values[i];
      throw UsageError(bad + "not allowed; --" + s.name + " takes " + words);
    }
    case Kind::regex:
      try {
        NameFilter filter(text);
      } catch (const std::regex_error& e) {
        throw UsageError(bad + "not a valid regular expression (" + e.what() + "); --benchmark_filter takes a POSIX "
                         "extended regular expression, -REGEX for the names it does not match, or all");
      }
      return text;
    case Kind::path:
    case Kind::list:  // a list is split at commas: no empty item, as in every list
      if (s.kind == Kind::list && !text.empty() &&
          (text.front() == ',' || text.back() == ',' || text.find(",,") != std::string::npos))
        throw UsageError(bad + "not allowed: an empty item in the list; --" + s.name + " takes comma-separated names");
      return text;
  }
  return text;
}

// "k=v,k2=v2" into `pairs`; a key may be given once over all of them.
void add_context(const std::string& text, const std::string& where,
                 std::vector<std::pair<std::string, std::string>>& pairs) {
  for (std::size_t at = 0, end = 0; !text.empty() && at <= text.size(); at = end + 1) {  // "a=1," has an empty item
    end = std::min(text.find(',', at), text.size());
    const std::string item = text.substr(at, end - at);
    const auto eq = item.find('=');
    if (eq == 0 || eq == std::string::npos || item.find('=', eq + 1) != std::string::npos)
      throw UsageError(where + ": '" + item + "' is not KEY=VALUE; --benchmark_context takes KEY=VALUE,KEY=VALUE");
    const std::string key = item.substr(0, eq);
    for (const auto& [k, v] : pairs)
      if (k == key) throw UsageError(where + ": context key '" + key + "' is given twice; give each key once");
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
    const auto spec = std::find_if(specs().begin(), specs().end(), [&](const Spec& x) { return x.name == name; });
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

const std::string& BenchSettings::value(const std::string& name) const { return settings_.at(name).value; }
const std::string& BenchSettings::source(const std::string& name) const { return settings_.at(name).source; }

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
    const std::string name = spec.name, v = name == "benchmark_filter" ? "" : name == "benchmark_list_tests" ? "false"
                                             : name == "benchmark_out" ? out_path : value(name);
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
