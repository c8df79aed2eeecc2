#include "bench_flag_specs.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <climits>
#include <cmath>
#include <iomanip>
#include <regex>
#include <sstream>

#include "bench_flags.hpp"
#include "options.hpp"

namespace sumbench::bench_flags {

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

namespace {

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
      << (s.kind == Kind::integer ? "a whole number" : "a number of seconds") << " from " << s.lo << " to "
      << s.hi;
  return out.str();
}

}  // namespace

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
        throw UsageError(bad + "not a number of seconds; " + range_text(s) +
                         " (Google Benchmark 1.7 has no Nx)");
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
        sumbench::NameFilter filter(text);
      } catch (const std::regex_error& e) {
        throw UsageError(bad + "not a valid regular expression (" + e.what() +
                         "); --benchmark_filter takes a POSIX "
                         "extended regular expression, -REGEX for the names it does not match, or all");
      }
      return text;
    case Kind::path:
    case Kind::list:  // a list is split at commas: no empty item, as in every list
      if (s.kind == Kind::list && !text.empty() &&
          (text.front() == ',' || text.back() == ',' || text.find(",,") != std::string::npos))
        throw UsageError(bad + "not allowed: an empty item in the list; --" + s.name +
                         " takes comma-separated names");
      return text;
  }
  return text;
}

}  // namespace sumbench::bench_flags
