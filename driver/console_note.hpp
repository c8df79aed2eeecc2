// What rank 0's reporters show besides Google Benchmark's own output: the context with
// sumbench's note in place of the library's DEBUG warning, and the console rows' labels.
#pragma once

#include <benchmark/benchmark.h>

#include <ostream>
#include <set>
#include <string>
#include <vector>

namespace sumbench {

// Debian's libbenchmark is built without NDEBUG, so its console and CSV reporters end the
// context with "***WARNING*** Library was built as DEBUG. Timings may be affected." That is
// true of Google Benchmark's own timing, not of sumbench's: every kernel is timed manually
// (a steady clock around the timed region, reported with SetIterationTime), and the library's
// internal checks run outside it. This puts sumbench's note in its place (the JSON context's
// library_build_type still says "debug"); any other text is kept as it is.
std::string replace_debug_warning(const std::string& context_text);

// `inner`'s ReportContext, with its error stream (where Google Benchmark writes the
// context) passed through replace_debug_warning into `err`.
bool report_context(benchmark::BenchmarkReporter& inner, const benchmark::BenchmarkReporter::Context& context,
                    std::ostream& err);

// The console row of `runs` without counter columns: each row's label says what the
// counters in `shown` said ("1x2 valid, 7.42G items/s"), taken for an aggregate row from
// the run's median (the cv of a counter that is always 0, say, would read -nan%); a long
// label of the kernel's own (convoy's every wait) is cut to its start.
std::vector<benchmark::BenchmarkReporter::Run> labelled(
    const std::vector<benchmark::BenchmarkReporter::Run>& runs, const std::set<std::string>& shown);

}  // namespace sumbench
