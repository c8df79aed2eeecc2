// Where a run's time went: the run-level totals of the cases' costs, the summary's
// "harness overhead" section and the combine step against a plain MPI_Reduce, and the
// same figures added to the JSON context once the run is over.
#pragma once

#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "cases.hpp"
#include "speedup_table.hpp"

namespace sumbench {

// Seconds, on rank 0, from MPI start-up to Plan::finish().
struct RunCost {
  double wall_s = 0, measured_s = 0, setup_s = 0, teardown_s = 0, validate_s = 0, reference_s = 0;
  std::vector<std::pair<std::string, double>> share_by_kernel;  // measured / wall of its cases
  double share() const { return wall_s > 0 ? measured_s / wall_s : 0.0; }
  double other_s() const { return wall_s - measured_s - setup_s - teardown_s - validate_s - reference_s; }
};
RunCost run_cost(const Plan& plan);

// The summary's closing section (rank 0): where the time went, and each multi-rank
// case's combine step against the plain MPI_Reduce reference, medians of repetitions.
void print_overhead(std::ostream& out, const Plan& plan, const std::vector<ReportedRun>& runs);

// Adds the run-level figures to the "context" object of `json`, Google Benchmark's JSON
// report (a report in another format is left as it is).
void add_overhead_context(std::string& json, const Plan& plan);

}  // namespace sumbench
