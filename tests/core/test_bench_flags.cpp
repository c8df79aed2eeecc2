// Google Benchmark's flags: resolved and checked by sumbench (issue 10: 18ebea3 aborted on
// --benchmark_repetitions=-1, printed usage and exited 0 on --benchmark_format=xml).
// Every bad value is a UsageError naming the flag or the variable.
#include <benchmark/benchmark.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "bench_flags.hpp"
#include "options.hpp"

namespace sumbench {
namespace {

BenchSettings resolve(std::vector<std::string> flags, std::map<std::string, std::string> env = {},
                      int world = 1) {
  flags.insert(flags.begin(), "sumbench");
  return BenchSettings::resolve(flags, false, world, [env](const char* name) -> const char* {
    const auto it = env.find(name);
    return it == env.end() ? nullptr : it->second.c_str();
  });
}

void expect_bench_error(std::vector<std::string> flags, std::map<std::string, std::string> env,
                        const std::string& mentions) {
  try {
    resolve(flags, env);
    FAIL() << "accepted " << (flags.empty() ? env.begin()->first : flags.at(0));
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find(mentions), std::string::npos) << e.what();
  }
}

TEST(BenchFlags, CommandLineThenEnvironmentThenOurDefaultThenGoogleBenchmarks) {
  const BenchSettings s =
      resolve({"--benchmark_repetitions=7"},
              {{"BENCHMARK_REPETITIONS", "5"}, {"BENCHMARK_MIN_TIME", "0.25"}, {"BENCHMARK_FILTER", ""}});
  EXPECT_EQ(s.value("benchmark_repetitions"), "7");
  EXPECT_EQ(s.source("benchmark_repetitions"), "the command line");
  EXPECT_EQ(s.value("benchmark_min_time"), "0.25");
  EXPECT_EQ(s.source("benchmark_min_time"), "BENCHMARK_MIN_TIME in the environment");
  EXPECT_EQ(s.value("benchmark_display_aggregates_only"), "true");
  EXPECT_EQ(s.source("benchmark_display_aggregates_only"), "sumbench's default");
  EXPECT_EQ(s.value("benchmark_time_unit"), "ms");
  EXPECT_EQ(s.value("benchmark_format"), "console");
  EXPECT_EQ(s.source("benchmark_filter"), "Google Benchmark's default");  // empty counts as unset
  EXPECT_EQ(s.from_environment(), "BENCHMARK_MIN_TIME=0.25");
  EXPECT_EQ(resolve({}, {{"V", "2"}}).value("v"), "2");
}

TEST(BenchFlags, LastOccurrenceWinsAndValuesAreCanonical) {
  const BenchSettings s =
      resolve({"--benchmark_min_time=1e-2", "--benchmark_min_time=0.5", "--benchmark_list_tests",
               "--benchmark_counters_tabular=YES", "--benchmark_color=off"});
  EXPECT_EQ(s.value("benchmark_min_time"), "0.5");
  EXPECT_TRUE(s.list_tests());
  EXPECT_EQ(s.value("benchmark_counters_tabular"), "true");
  EXPECT_EQ(s.value("benchmark_color"), "false");
  EXPECT_EQ(resolve({"--benchmark_min_time=1e-2"}).value("benchmark_min_time"), "0.01");
}

TEST(BenchFlags, GoogleBenchmarkGetsEveryFlagExplicitly) {
  const BenchSettings s =
      resolve({"--benchmark_filter=omp", "--benchmark_out=a.json", "--benchmark_context=k=v"});
  const auto args = s.initialize_args("sumbench", "a.json.tmp.1");
  EXPECT_EQ(args.size(), 1u + 16u + 1u);  // the program, every flag, the context
  auto has = [&](const std::string& a) { return std::find(args.begin(), args.end(), a) != args.end(); };
  EXPECT_TRUE(has("--benchmark_filter="));  // the plan holds only the selected cases
  EXPECT_TRUE(has("--benchmark_out=a.json.tmp.1"));
  EXPECT_TRUE(has("--benchmark_repetitions=3"));
  EXPECT_TRUE(has("--benchmark_list_tests=false"));
  EXPECT_TRUE(has("--benchmark_context=k=v"));
  EXPECT_EQ(s.context(), (std::vector<std::pair<std::string, std::string>>{{"k", "v"}}));
  EXPECT_EQ(s.shared_names(),
            (std::vector<std::string>{"benchmark_list_tests", "benchmark_filter", "benchmark_min_time",
                                      "benchmark_min_warmup_time", "benchmark_repetitions",
                                      "benchmark_enable_random_interleaving"}));
}

TEST(BenchFlags, BadValuesNameTheFlagOrTheVariable) {
  expect_bench_error({"--benchmark_repetitions=-1"}, {}, "--benchmark_repetitions=-1 is out of range");
  expect_bench_error({"--benchmark_repetitions=0", "--benchmark_repetitions=3"}, {},
                     "--benchmark_repetitions=0");
  expect_bench_error({"--benchmark_repetitions=2x"}, {}, "not a whole number");
  expect_bench_error({"--benchmark_min_time=-0.1"}, {}, "out of range");
  expect_bench_error({"--benchmark_min_time=inf"}, {}, "not a number of seconds");
  expect_bench_error({"--benchmark_min_time= 1"}, {}, "not a number of seconds");
  expect_bench_error({"--benchmark_format=xml"}, {}, "takes console, json or csv");
  expect_bench_error({"--benchmark_time_unit=ps"}, {}, "takes ns, us, ms or s");
  expect_bench_error({"--benchmark_list_tests=maybe"}, {}, "takes true or false");
  expect_bench_error({"--benchmark_filter=a(b"}, {}, "not a valid regular expression");
  expect_bench_error({"--benchmark_filter"}, {}, "needs a value");
  expect_bench_error({"--benchmark_out="}, {}, "needs a file name");
  expect_bench_error({"--benchmark_unknown=1"}, {}, "unknown Google Benchmark flag '--benchmark_unknown=1'");
  expect_bench_error({"--benchmark_context=a=1", "--benchmark_context=a=2"}, {}, "'a' is given twice");
  expect_bench_error({"--benchmark_context=a=1=2"}, {}, "'a=1=2' is not KEY=VALUE");
  expect_bench_error({}, {{"BENCHMARK_REPETITIONS", "-1"}}, "BENCHMARK_REPETITIONS=-1 (in the environment)");
  expect_bench_error({}, {{"BENCHMARK_OUT_FORMAT", "xml"}}, "BENCHMARK_OUT_FORMAT=xml");
  expect_bench_error({}, {{"V", "x"}}, "V=x");
  EXPECT_THROW(resolve({"--benchmark_enable_random_interleaving=true"}, {}, 2), UsageError);
  EXPECT_NO_THROW(resolve({"--benchmark_enable_random_interleaving=true"}, {}, 1));
}

TEST(BenchFlags, FilterMatchesAsGoogleBenchmarkDoes) {
  const std::string name = "sum/gil/ranks:1/threads:2/n:100/policy:cpython/interval:5000us/manual_time";
  EXPECT_TRUE(NameFilter("").matches(name));
  EXPECT_TRUE(NameFilter("all").matches(name));
  EXPECT_TRUE(NameFilter("^sum/(omp|gil)/").matches(name));  // searched, POSIX extended
  EXPECT_TRUE(NameFilter("manual_time$").matches(name));
  EXPECT_FALSE(NameFilter("-gil").matches(name));
  EXPECT_TRUE(NameFilter("-omp").matches(name));
  EXPECT_FALSE(NameFilter("-").matches(name));
}

// The filter against Google Benchmark's own, on names like sumbench's.
class NameCollector : public benchmark::BenchmarkReporter {
 public:
  bool ReportContext(const Context&) override { return true; }
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& r : runs) names.insert(r.benchmark_name());
  }
  std::set<std::string> names;
};

TEST(BenchFlags, FilterSelectsWhatGoogleBenchmarkSelects) {
  for (const char* name :
       {"sum/serial/ranks:1/threads:1/n:8", "sum/gil/ranks:1/threads:2/n:8/policy:fifo/interval:1us",
        "triad/mpi/ranks:2/threads:1/n:8", "triad/omp/ranks:1/threads:2/n:8"})
    benchmark::RegisterBenchmark(name,
                                 [](benchmark::State& s) {
                                   for (auto _ : s) s.SetIterationTime(1e-6);
                                 })
        ->UseManualTime()
        ->Iterations(1);
  NameCollector all;
  benchmark::RunSpecifiedBenchmarks(&all, "");
  ASSERT_EQ(all.names.size(), 4u);
  for (const char* spec : {"all", "^sum/", "-gil", "-^triad/", "manual_time$", "(omp|gil)/ranks:1",
                           "threads:[2-9]/n", "^$", "-", "n:8/iter"}) {
    NameCollector theirs;
    benchmark::RunSpecifiedBenchmarks(&theirs, spec);
    std::set<std::string> ours;
    for (const std::string& n : all.names)
      if (NameFilter(spec).matches(n)) ours.insert(n);
    EXPECT_EQ(ours, theirs.names) << spec;
  }
  benchmark::ClearRegisteredBenchmarks();
}

}  // namespace
}  // namespace sumbench
