// Rank 0's reporters: Google Benchmark's own (console, json or csv, as
// --benchmark_format says) wrapped so the runs are also kept for the summary
// table printed at the end.
#pragma once

#include <benchmark/benchmark.h>

#include <map>
#include <memory>
#include <ostream>
#include <set>
#include <string>
#include <vector>

#include "cases.hpp"

namespace sumbench {

struct ReportedRun {
  std::string name;       // benchmark name without the aggregate suffix
  std::string aggregate;  // "", "mean", "median", "stddev", "cv"
  double seconds = 0;     // real (manual) time per iteration; the ratio itself for "cv"
  bool error = false;
  std::map<std::string, double> counters;  // sumbench's counters (of an aggregate: its statistic)
};

class CollectingReporter : public benchmark::BenchmarkReporter {
 public:
  // `console_counters`: the counters to pass on (all when empty).
  CollectingReporter(std::unique_ptr<benchmark::BenchmarkReporter> inner,
                     std::set<std::string> console_counters)
      : inner_(std::move(inner)), console_counters_(std::move(console_counters)) {}
  bool ReportContext(const Context& context) override;
  void ReportRuns(const std::vector<Run>& runs) override;
  void Finalize() override { inner_->Finalize(); }
  const std::vector<ReportedRun>& runs() const { return runs_; }

 private:
  std::unique_ptr<benchmark::BenchmarkReporter> inner_;
  std::set<std::string> console_counters_;
  std::vector<ReportedRun> runs_;
};

// Reports nothing: the reporter of every rank but 0.
class NullReporter : public benchmark::BenchmarkReporter {
 public:
  bool ReportContext(const Context&) override { return true; }
  void ReportRuns(const std::vector<Run>&) override {}
};

// The reporter --benchmark_format asks for ("console", "json" or "csv").
std::unique_ptr<benchmark::BenchmarkReporter> make_reporter(const std::string& format);

// One table per kernel: mode, ranks x threads, median time, spread, speedup and
// efficiency against serial, valid, placement.
void print_summary(std::ostream& out, const Plan& plan, const std::vector<ReportedRun>& runs,
                   Scaling scaling);

}  // namespace sumbench
