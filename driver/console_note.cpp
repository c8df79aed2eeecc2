#include "console_note.hpp"

#include <cmath>
#include <cstdio>
#include <map>
#include <sstream>

namespace sumbench {

namespace {

constexpr const char* kDebugWarning = "***WARNING*** Library was built as DEBUG. Timings may be affected.";
constexpr const char* kNote =
    "sumbench: note: Google Benchmark (libbenchmark) was built without NDEBUG, so its own internal "
    "checks are on (library_build_type: debug); sumbench times every kernel itself (a steady clock around "
    "the timed region, reported as manual time), so the times are unaffected.";

std::string human(double v) {  // as Google Benchmark writes a counter: 3 significant digits, k M G
  const char* units[] = {"", "k", "M", "G", "T"};
  int u = 0;
  while (std::fabs(v) >= 1000 && u < 4) v /= 1000, ++u;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g%s", v, units[u]);
  return buf;
}

// The layout and the verdict; with `values`, the rates and the other counters too (not on a
// stddev or cv row, where they would read as that statistic).
std::string label_of(const std::map<std::string, benchmark::Counter>& c, const std::set<std::string>& shown,
                     bool values) {
  const auto has = [&](const char* name) { return shown.count(name) && c.count(name); };
  const auto value = [&](const char* name) { return c.at(name).value; };
  std::string label;
  if (has("ranks") && has("threads"))
    label += human(value("ranks")) + "x" + human(value("threads")) + " ";
  else if (has("workers"))
    label += human(value("workers")) + " workers ";
  if (has("valid")) label += value("valid") >= 1 ? "valid" : "INVALID";
  if (has("oversubscribed") && value("oversubscribed") > 0) label += " OVERSUBSCRIBED";
  if (!values) return label;
  if (has("items_per_second")) label += ", " + human(value("items_per_second")) + " items/s";
  if (has("bytes_per_second")) label += ", " + human(value("bytes_per_second")) + "B/s";
  if (has("imbalance") && value("imbalance") >= 0.01)
    label += ", imbalance " + human(value("imbalance") * 100) + "%";
  if (has("gil_switches") && value("gil_switches") > 0)
    label += ", " + human(value("gil_switches")) + " GIL switches";
  if (has("io_latency_s") && value("io_latency_s") > 0)
    label += ", I/O latency " + human(value("io_latency_s") * 1e3) + " ms";
  return label;
}

// A kernel's own label (KernelInstance::label) as the console shows it: convoy's lists every
// wait (200 numbers, ~1000 characters by default), which would bury the row; the console
// shows its start, and the JSON and CSV keep it whole.
std::string console_label(const std::string& own) {
  constexpr std::size_t kShown = 40;
  if (own.size() <= kShown + 24) return own;
  return own.substr(0, kShown) + "... (" + std::to_string(own.size()) + " chars in the JSON)";
}

}  // namespace

std::string replace_debug_warning(const std::string& text) {
  const std::size_t at = text.find(kDebugWarning);
  if (at == std::string::npos) return text;
  std::size_t end = text.find('\n', at);
  end = end == std::string::npos ? text.size() : end + 1;
  return text.substr(0, at) + kNote + "\n" + text.substr(end);
}

bool report_context(benchmark::BenchmarkReporter& inner, const benchmark::BenchmarkReporter::Context& context,
                    std::ostream& err) {
  std::ostringstream text;
  inner.SetErrorStream(&text);
  const bool ok = inner.ReportContext(context);
  inner.SetErrorStream(&err);
  err << replace_debug_warning(text.str()) << std::flush;
  return ok;
}

std::vector<benchmark::BenchmarkReporter::Run> labelled(
    const std::vector<benchmark::BenchmarkReporter::Run>& runs, const std::set<std::string>& shown) {
  using Run = benchmark::BenchmarkReporter::Run;
  const Run* median = nullptr;
  for (const Run& r : runs)
    if (r.run_type == Run::RT_Aggregate && r.aggregate_name == "median") median = &r;
  std::vector<Run> out = runs;
  for (Run& r : out) {
    const bool statistic =
        r.run_type == Run::RT_Aggregate && r.aggregate_name != "mean" && r.aggregate_name != "median";
    const Run& source = statistic && median ? *median : r;
    std::string label = label_of(source.counters, shown, !statistic);
    if (statistic && !median) label.clear();  // a spread of counters: nothing to say in words
    r.report_label =
        label + (r.report_label.empty() || label.empty() ? "" : " ") + console_label(r.report_label);
    r.counters.clear();
  }
  return out;
}

}  // namespace sumbench
