// The checks before a run, made by every rank together: a bad flag or variable on any rank,
// ranks that would run different cases, a filter that selects nothing or an output file
// that cannot be written stop every rank with exit 2 before anything runs or is written.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "bench_flags.hpp"
#include "cases.hpp"
#include "options.hpp"
#include "output.hpp"
#include "world.hpp"

namespace sumbench {

struct Inputs {
  Options opt;
  BenchSettings bench;  // unset with --help
};

// Collective: the same arguments and build (`build_id`) on every rank, then sumbench's
// flags and Google Benchmark's (command line and environment). Throws UsageError on every rank.
Inputs read_inputs(const World& world, std::vector<std::string> args, const std::string& build_id);

// Collective: cuts the plan to --benchmark_filter (matched as Google Benchmark does, on
// names ending in /manual_time); then every rank must have the same settings that decide
// what runs, and the same cases, and at least one. Throws UsageError on every rank.
void select_cases(const World& world, Plan& plan, const BenchSettings& bench);

// Collective: rank 0's --benchmark_out (null elsewhere, or without one); throws UsageError
// on every rank when it cannot be written. Call it last: it creates the temporary file.
std::unique_ptr<OutputFile> open_output(const World& world, const BenchSettings& bench);

}  // namespace sumbench
