#include "speedup_table.hpp"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iterator>
#include <map>

#include "console_note.hpp"
#include "overhead.hpp"

namespace sumbench {

bool CollectingReporter::ReportContext(const Context& context) {
  inner_->SetOutputStream(&GetOutputStream());
  return report_context(*inner_, context, GetErrorStream());  // sumbench's note, not the DEBUG line
}

void CollectingReporter::ReportRuns(const std::vector<Run>& runs) {
  static const std::string kManual = "/manual_time";
  for (const Run& run : runs) {
    ReportedRun r;
    r.name = run.run_name.str();
    if (r.name.size() > kManual.size() &&
        r.name.compare(r.name.size() - kManual.size(), kManual.size(), kManual) == 0)
      r.name.resize(r.name.size() - kManual.size());
    r.aggregate = run.run_type == Run::RT_Aggregate ? run.aggregate_name : "";
    r.error = run.error_occurred;
    // GetAdjustedRealTime() divides by the iteration count, which for an aggregate is the
    // repetition count: right for the time aggregates, wrong for cv (a ratio, not a time),
    // which Google Benchmark's JSON writes unscaled. Read cv as the JSON does.
    const double per_unit = benchmark::GetTimeUnitMultiplier(run.time_unit);
    if (run.run_type == Run::RT_Aggregate && run.aggregate_unit == benchmark::kPercentage)
      r.seconds = run.real_accumulated_time;
    else
      r.seconds = run.GetAdjustedRealTime() / per_unit;
    for (const auto& [name, counter] : run.counters) r.counters[name] = counter.value;
    runs_.push_back(std::move(r));
  }
  if (console_counters_.empty()) return inner_->ReportRuns(runs);
  // The console says a few counters in each row's label; JSON and CSV keep them all.
  inner_->ReportRuns(labelled(runs, console_counters_));
}

std::unique_ptr<benchmark::BenchmarkReporter> make_reporter(const std::string& format) {
  if (format == "json") return std::make_unique<benchmark::JSONReporter>();
  if (format == "csv") {  // deprecated in Google Benchmark, still honoured
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
    return std::make_unique<benchmark::CSVReporter>();
#pragma GCC diagnostic pop
  }
  const bool color = isatty(STDOUT_FILENO) != 0;
  return std::make_unique<benchmark::ConsoleReporter>(color ? benchmark::ConsoleReporter::OO_Defaults
                                                            : benchmark::ConsoleReporter::OO_Tabular);
}

namespace {

struct Row {
  const Case* c = nullptr;
  std::vector<double> seconds;  // one per repetition
  double median = NAN, cv = NAN;
  bool error = false;
};

std::string format_time(double s) {
  char buf[32];
  if (!std::isfinite(s)) return "-";
  if (s >= 1)
    std::snprintf(buf, sizeof buf, "%.3f s", s);
  else if (s >= 1e-3)
    std::snprintf(buf, sizeof buf, "%.2f ms", s * 1e3);
  else
    std::snprintf(buf, sizeof buf, "%.1f us", s * 1e6);
  return buf;
}

double median_of(std::vector<double> v) {
  if (v.empty()) return NAN;
  std::sort(v.begin(), v.end());
  const std::size_t m = v.size() / 2;
  return v.size() % 2 ? v[m] : 0.5 * (v[m - 1] + v[m]);
}

}  // namespace

void print_summary(std::ostream& out, const Plan& plan, const std::vector<ReportedRun>& runs,
                   Scaling scaling) {
  std::map<std::string, Row> rows;
  for (const Case& c : plan.cases()) rows[c.name].c = &c;
  for (const ReportedRun& r : runs) {
    auto it = rows.find(r.name);
    if (it == rows.end()) continue;
    Row& row = it->second;
    if (r.error)
      row.error = true;
    else if (r.aggregate.empty())
      row.seconds.push_back(r.seconds);
    else if (r.aggregate == "median")
      row.median = r.seconds;
    else if (r.aggregate == "cv")
      row.cv = r.seconds;  // a ratio, not a time
  }
  for (auto& [name, row] : rows) {
    if (std::isnan(row.median)) row.median = median_of(row.seconds);
    if (std::isnan(row.cv) && row.seconds.size() > 1) {
      double mean = 0, var = 0;
      for (double s : row.seconds) mean += s;
      mean /= static_cast<double>(row.seconds.size());
      for (double s : row.seconds) var += (s - mean) * (s - mean);
      row.cv = std::sqrt(var / static_cast<double>(row.seconds.size() - 1)) / mean;
    }
    const auto o = plan.outcomes().find(name);
    if (o != plan.outcomes().end() && o->second.invalid) row.error = true;
  }

  const char* kind = scaling == Scaling::weak ? "scaled speedup (weak scaling)" : "speedup (strong scaling)";
  // The reference of every speedup: the mode table's first row (modes/table.cpp).
  const std::string_view reference = mode_table().front().name;
  std::string kernel;
  double serial = NAN;
  char line[512];
  for (const Case& c : plan.cases()) {
    const Row& row = rows[c.name];
    if (kernel != c.kernel->name) {
      kernel = std::string(c.kernel->name);
      serial = NAN;
      for (const Case& other : plan.cases())
        if (other.kernel == c.kernel && other.mode->name() == reference) serial = rows[other.name].median;
      out << "\n" << kernel << ": " << kind << " against " << reference << ", median of repetitions\n";
      std::snprintf(line, sizeof line, "  %-36s %9s %12s %8s %9s %10s  %-5s %s\n", "mode", "RxT", "median",
                    "cv", "speedup", "efficiency", "valid", "placement");
      out << line;
    }
    const int w = c.layout.workers();
    // Weak scaling: W workers do W times the serial work.
    const double speedup = serial / row.median * (scaling == Scaling::weak ? w : 1);
    char rxt[32], cv[16], sp[16], eff[16];
    std::snprintf(rxt, sizeof rxt, "%dx%d", c.layout.ranks, c.layout.threads);
    std::snprintf(cv, sizeof cv, std::isfinite(row.cv) ? "%.1f%%" : "-", row.cv * 100);
    std::snprintf(sp, sizeof sp, std::isfinite(speedup) ? "%.2fx" : "-", speedup);
    std::snprintf(eff, sizeof eff, std::isfinite(speedup) ? "%.0f%%" : "-", speedup / w * 100);
    std::snprintf(line, sizeof line, "  %-36s %9s %12s %8s %9s %10s  %-5s %s\n", c.mode_name.c_str(), rxt,
                  format_time(row.median).c_str(), cv, row.error ? "-" : sp, row.error ? "-" : eff,
                  row.error ? "NO" : "yes", c.oversubscribed.empty() ? "ok" : "OVERSUBSCRIBED");
    out << line;
  }
  for (const std::string& note : plan.notes()) out << "note: " << note << "\n";
  print_overhead(out, plan, runs);
}

}  // namespace sumbench
