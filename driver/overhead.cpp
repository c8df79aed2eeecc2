#include "overhead.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

namespace sumbench {
namespace {

std::string fixed(const char* format, double value) {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, value);
  return buf;
}

std::string duration(double s) {
  if (!std::isfinite(s)) return "-";
  if (s >= 1) return fixed("%.2f s", s);
  if (s >= 1e-3) return fixed("%.2f ms", s * 1e3);
  return fixed("%.1f us", s * 1e6);
}

std::string size(double bytes) {
  if (bytes >= 1 << 20) return fixed("%.1f MiB", bytes / (1 << 20));
  if (bytes >= 1 << 10) return fixed("%.1f KiB", bytes / (1 << 10));
  return fixed("%.0f B", bytes);
}

double median_of(std::vector<double> v) {
  if (v.empty()) return NAN;
  std::sort(v.begin(), v.end());
  const std::size_t m = v.size() / 2;
  return v.size() % 2 ? v[m] : 0.5 * (v[m - 1] + v[m]);
}

// The median over repetitions of a counter of one case: Google Benchmark's median
// aggregate when there is one, else the median of the repetitions themselves.
double median_counter(const std::vector<ReportedRun>& runs, const std::string& name,
                      const std::string& counter) {
  std::vector<double> values;
  for (const ReportedRun& r : runs) {
    if (r.name != name || r.error) continue;
    const auto it = r.counters.find(counter);
    if (it == r.counters.end()) continue;
    if (r.aggregate == "median") return it->second;
    if (r.aggregate.empty()) values.push_back(it->second);
  }
  return median_of(values);
}

}  // namespace

RunCost run_cost(const Plan& plan) {
  RunCost run;
  run.wall_s = plan.wall_s();
  run.teardown_s = plan.final_teardown_s();
  std::vector<std::pair<std::string, std::pair<double, double>>> kernels;  // measured, wall
  for (const Case& c : plan.cases()) {
    const auto it = plan.costs().find(c.name);
    if (it == plan.costs().end()) continue;  // filtered out
    const CaseCost& cost = it->second;
    run.measured_s += cost.measured_s, run.setup_s += cost.setup_s, run.teardown_s += cost.teardown_s;
    run.validate_s += cost.validate_s, run.reference_s += cost.reference_s;
    if (kernels.empty() || kernels.back().first != c.kernel->name)
      kernels.push_back({std::string(c.kernel->name), {0, 0}});
    kernels.back().second.first += cost.measured_s;
    kernels.back().second.second += cost.wall_s;
  }
  for (const auto& [name, t] : kernels)
    run.share_by_kernel.push_back({name, t.second > 0 ? t.first / t.second : 0.0});
  return run;
}

void print_overhead(std::ostream& out, const Plan& plan, const std::vector<ReportedRun>& runs) {
  const RunCost run = run_cost(plan);
  out << "\nwhere the time went: " << duration(run.wall_s) << " since MPI start-up, "
      << duration(run.measured_s) << " of it measured (" << fixed("%.0f%%", 100 * run.share())
      << ")\n  set-up " << duration(run.setup_s) << ", teardown " << duration(run.teardown_s)
      << ", validation " << duration(run.validate_s) << ", MPI_Reduce reference " << duration(run.reference_s)
      << ", other " << duration(run.other_s())
      << " (start-up, waits, Google Benchmark)\n  measured share per kernel (its cases' wall time):";
  for (const auto& [kernel, share] : run.share_by_kernel)
    out << " " << kernel << " " << fixed("%.0f%%", 100 * share);
  out << "\n";

  // Partials under 64 KiB take microseconds either way, and their ratio is mostly noise;
  // their counters are still in the JSON.
  constexpr double kShownBytes = 64 * 1024;
  bool header = false;
  for (const Case& c : plan.cases()) {
    if (c.layout.ranks < 2 || !plan.costs().count(c.name)) continue;
    const double combine = median_counter(runs, c.name, "combine_s");
    const double reference = median_counter(runs, c.name, "mpi_reduce_s");
    const double bytes = median_counter(runs, c.name, "combine_bytes") / (c.layout.workers() - 1);
    if (!std::isfinite(combine) || !std::isfinite(reference) || !(bytes >= kShownBytes)) continue;
    if (!header)
      out << "\ncombine step of the ranks against a plain MPI_Reduce of the same bytes and types\n"
          << "(partials of 64 KiB or more; median of repetitions; max over ranks, from the last\n"
          << "rank's arrival / from a barrier):\n";
    header = true;
    char line[512];
    std::snprintf(line, sizeof line,
                  "  %-8s %-8s %3dx%-3d %10s  combine %9s  MPI_Reduce %9s  ratio %s  (arrival spread %s)\n",
                  std::string(c.kernel->name).c_str(), c.mode_name.c_str(), c.layout.ranks, c.layout.threads,
                  size(bytes).c_str(), duration(combine).c_str(), duration(reference).c_str(),
                  reference > 0 ? fixed("%.2fx", combine / reference).c_str() : "-",
                  duration(median_counter(runs, c.name, "combine_wait_s")).c_str());
    out << line;
  }
}

void add_overhead_context(std::string& json, const Plan& plan) {
  const std::string key = "\"context\": {";
  const auto at = json.find(key);
  if (at == std::string::npos || json.compare(0, 1, "{") != 0) return;  // not Google Benchmark's JSON
  const RunCost run = run_cost(plan);
  std::string shares;
  for (const auto& [kernel, share] : run.share_by_kernel)
    shares += (shares.empty() ? "" : ",") + kernel + fixed(":%.3f", share);
  std::string added;
  auto add = [&added](const std::string& name, const std::string& value) {
    added += "\n    \"" + name + "\": \"" + value + "\",";
  };
  add("measured_share", fixed("%.3f", run.share()));
  add("measured_share_by_kernel", shares);
  add("run_wall_s", fixed("%.3f", run.wall_s));
  add("measured_s", fixed("%.3f", run.measured_s));
  add("setup_s", fixed("%.3f", run.setup_s));
  add("teardown_s", fixed("%.3f", run.teardown_s));
  add("validate_s", fixed("%.3f", run.validate_s));
  add("mpi_reduce_reference_s", fixed("%.3f", run.reference_s));
  json.insert(at + key.size(), added);
}

}  // namespace sumbench
