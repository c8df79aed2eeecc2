// sumbench's own flags: every bad input is a UsageError naming the bad value.
#include <benchmark/benchmark.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <map>
#include <set>

#include "bench_flags.hpp"
#include "flags.hpp"
#include "options.hpp"

namespace sumbench {
namespace {

Options parse(std::vector<std::string> args) {
  args.insert(args.begin(), "sumbench");
  return parse_options(args);
}

void expect_usage_error(std::vector<std::string> args, const std::string& mentions) {
  try {
    parse(args);
    FAIL() << "accepted " << args.at(0);
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find(mentions), std::string::npos) << e.what();
  }
}

TEST(Options, DefaultsRunEveryKernelButTheThreadOnlyOnesInEveryMode) {
  const Options opt = parse({});
  std::size_t thread_only = 0;
  for (const auto& k : kernel_table()) thread_only += k.thread_only ? 1 : 0;
  EXPECT_EQ(thread_only, 3u);  // convoy, ioconvoy, ioconvoy2
  EXPECT_EQ(opt.kernels.size(), kernel_table().size() - thread_only);
  for (const KernelDescriptor* k : opt.kernels) EXPECT_FALSE(k->thread_only) << k->name;
  EXPECT_EQ(opt.modes.size(), mode_table().size());
  EXPECT_EQ(opt.scaling, Scaling::strong);
  EXPECT_EQ(opt.sleep_ms, 100);
}

TEST(Options, ParsesListsAndLeavesBenchmarkFlags) {
  std::vector<std::string> args{"sumbench",
                                "--kernels=sum,triad",
                                "--workers=1,2,4",
                                "--hybrid=2x2,1x4",
                                "--benchmark_filter=omp",
                                "--scaling=weak",
                                "--n=1000",
                                "--quick"};
  const Options opt = parse_options(args);
  ASSERT_EQ(opt.kernels.size(), 2u);
  EXPECT_EQ(opt.kernels[1]->name, "triad");
  EXPECT_EQ(opt.workers, (std::vector<int>{1, 2, 4}));
  EXPECT_EQ(opt.mode.hybrid_layouts, (std::vector<Layout>{{2, 2}, {1, 4}}));
  EXPECT_EQ(opt.scaling, Scaling::weak);
  EXPECT_EQ(*opt.n, 1000u);
  EXPECT_TRUE(opt.quick);
  EXPECT_EQ(args, (std::vector<std::string>{"sumbench", "--benchmark_filter=omp"}));
}

TEST(Options, GilFlags) {
  const Options opt = parse({"--gil-policy=cpython,fifo", "--switch-interval=500us,1ms,0.005s"});
  EXPECT_EQ(opt.mode.gil_policies, (std::vector<std::string>{"cpython", "fifo"}));
  ASSERT_EQ(opt.mode.switch_intervals_s.size(), 3u);
  EXPECT_DOUBLE_EQ(opt.mode.switch_intervals_s[0], 0.0005);
  EXPECT_DOUBLE_EQ(opt.mode.switch_intervals_s[2], 0.005);
  EXPECT_EQ(opt.mode.check_intervals, (std::vector<int>{100}));  // CPython 2's default
  EXPECT_EQ(parse({"--check-interval=1,100,1000000"}).mode.check_intervals,
            (std::vector<int>{1, 100, 1000000}));
}

TEST(Options, BadInputNamesTheValue) {
  expect_usage_error({"--kernels=sum,bogus"}, "bogus");
  expect_usage_error({"--modes=threads"}, "threads");
  expect_usage_error({"--n=0"}, "--n=0");
  expect_usage_error({"--n=-5"}, "-5");
  expect_usage_error({"--n=99999999999999999999999"}, "too large");
  expect_usage_error({"--workers=1,,2"}, "empty item");
  expect_usage_error({"--workers=two"}, "two");
  expect_usage_error({"--workers=0"}, "out of range");
  expect_usage_error({"--hybrid=2by2"}, "2by2");
  expect_usage_error({"--scaling=linear"}, "linear");
  expect_usage_error({"--sleep-ms=abc"}, "abc");
  expect_usage_error({"--switch-interval=0"}, "'0'");
  expect_usage_error({"--switch-interval=-1ms"}, "-1ms");
  expect_usage_error({"--gil-policy=lottery"}, "lottery");
  expect_usage_error({"--check-interval=0"}, "from 1 to 1000000");
  expect_usage_error({"--check-interval=1000001"}, "1000001");
  expect_usage_error({"--check-interval=5ms"}, "5ms");
  expect_usage_error({"--check-interval=-1"}, "-1");
  expect_usage_error({"--frobnicate"}, "--frobnicate");
  expect_usage_error({"--kernels"}, "needs a value");
  expect_usage_error({"--quick=yes"}, "takes no value");
}

// Issue 10: every message names the bad value (18ebea3 said "--hybrid needs a value" for 3x).
TEST(Options, HybridLayoutsNameTheBadItem) {
  expect_usage_error({"--hybrid=3x"}, "'3x' has no whole number of threads");
  expect_usage_error({"--hybrid=x3"}, "'x3' has no whole number of ranks");
  expect_usage_error({"--hybrid=1x1x1"}, "'1x1x1' is not RxT");
  expect_usage_error({"--hybrid=0x2"}, "'0x2' has 0 ranks");
  expect_usage_error({"--hybrid=2x1048577"}, "'2x1048577' has 1048577 threads");
  expect_usage_error({"--hybrid=1024x1025"}, "'1024x1025' has 1049600 workers");  // R x T <= 2^20
  EXPECT_EQ(parse({"--hybrid=1024x1024,4096x1"}).mode.hybrid_layouts,
            (std::vector<Layout>{{1024, 1024}, {4096, 1}}));
  EXPECT_EQ(parse({"--workers=1048576"}).workers, std::vector<int>{1048576});
  expect_usage_error({"--hybrid=2x2,4x1,2x2"}, "'2x2' is given twice");
  expect_usage_error({"--hybrid=2x2,02x2"}, "'02x2' is given twice");
  EXPECT_EQ(parse({"--hybrid=4x1,1x4"}).mode.hybrid_layouts, (std::vector<Layout>{{4, 1}, {1, 4}}));
}

// Names carry whole microseconds: 1.5us ran as 1.5 us under the name interval:2us, and
// 1.2us,1.4us became one case.
TEST(Options, SwitchIntervalsAreWholeMicrosecondsGivenOnce) {
  expect_usage_error({"--switch-interval=1.5us"},
                     "'1.5us' is not a whole number of microseconds; use e.g. 1us or 2us");
  expect_usage_error({"--switch-interval=1.2us,1.4us"}, "'1.2us'");
  expect_usage_error({"--switch-interval=0.0000025"}, "'0.0000025' is not a whole number of microseconds");
  expect_usage_error({"--switch-interval=1ms,1000us"}, "'1ms' and '1000us' are the same interval (1000us)");
  expect_usage_error({"--switch-interval=5ms,5ms"}, "'5ms' is given twice");
  const auto s = parse({"--switch-interval=0.005,1us,1s"}).mode.switch_intervals_s;
  EXPECT_EQ(s, (std::vector<double>{5000e-6, 1e-6, 1e6 * 1e-6}));
  // At most kMaxSwitchIntervalS: 3600s gave a convoy of 200 waits that ran for hours (issue 22).
  expect_usage_error({"--switch-interval=3600s"}, "'3600s' is not a duration between 1us and 1s");
  expect_usage_error({"--switch-interval=1000001us"}, "between 1us and 1s");
}

// Every list alike: an empty item is refused wherever it is ("cpython," was taken, ",fifo" not).
TEST(Options, NoEmptyItemInAnyList) {
  for (const char* text :
       {"--kernels=sum,", "--modes=,serial", "--workers=1,", "--hybrid=1x1,", "--gil-policy=cpython,",
        "--gil-policy=,fifo", "--switch-interval=1ms,", "--check-interval=10,", "--workers=,"})
    expect_usage_error({text}, "empty item in the list");
}

TEST(Options, DuplicatesAreRefused) {
  expect_usage_error({"--kernels=sum,triad,sum"}, "'sum' is given twice");
  expect_usage_error({"--workers=2,02"}, "02 is given twice");
  expect_usage_error({"--gil-policy=fifo,fifo"}, "'fifo' is given twice");
  expect_usage_error({"--kernels=sum", "--kernels=triad"},
                     "--kernels is given twice ('--kernels=sum' and '--kernels=triad')");
  expect_usage_error({"--quick", "--quick"}, "--quick is given twice");
  expect_usage_error({"--n=5", "--n=5"}, "--n is given twice");
}

TEST(Options, SizeParser) {
  EXPECT_EQ(parse_size("--n", "4611686018427387904"), 1ull << 62);
  EXPECT_THROW(parse_size("--n", "4611686018427387905"), UsageError);
  EXPECT_THROW(parse_size("--n", "12abc"), UsageError);
  EXPECT_THROW(parse_size("--n", ""), UsageError);
}

// The ranges the flag table publishes (--help, --list=json) are the parser's: each bound
// is accepted and the value just beyond it refused.
TEST(Options, FlagTableRangesAreTheParsers) {
  auto text = [](double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.17g", v);
    return std::string(buf);
  };
  int checked = 0;
  for (const FlagSpec& f : flag_table()) {
    if (f.min == 0 && f.max == 0) continue;
    std::vector<std::pair<std::string, std::string>> ok, bad;  // values accepted / refused
    if (f.type == "duration_list") {
      ok = {{text(f.min), ""}, {text(f.max), ""}};
      bad = {{text(f.min * 0.9), ""}, {text(f.max * 1.001), ""}};
    } else if (f.type == "layouts") {
      ok = {{text(f.max) + "x1", ""}, {"1x" + text(f.min), ""}};
      bad = {{text(f.max + 1) + "x1", ""}, {"1x" + text(f.min - 1), ""}};
    } else if (f.max >= 1e18) {  // sizes up to 2^62: exact in decimal
      ok = {{"4611686018427387904", ""}, {text(f.min), ""}};
      bad = {{"4611686018427387905", ""}, {text(f.min - 1), ""}};
    } else {
      ok = {{text(f.max), ""}, {text(f.min), ""}};
      bad = {{text(f.max + 1), ""}, {text(f.min - 1), ""}};
    }
    for (const auto& [v, _] : ok) {
      SCOPED_TRACE(std::string(f.name) + "=" + v);
      EXPECT_NO_THROW(parse({std::string(f.name) + "=" + v}));
    }
    for (const auto& [v, _] : bad) {
      SCOPED_TRACE(std::string(f.name) + "=" + v);
      EXPECT_THROW(parse({std::string(f.name) + "=" + v}), UsageError);
    }
    ++checked;
  }
  EXPECT_GE(checked, 5);
}

TEST(Options, ListTakesTextOrJson) {
  EXPECT_FALSE(parse({"--list"}).list_json);
  EXPECT_TRUE(parse({"--list=json"}).list_json);
  EXPECT_TRUE(parse({"--list=json"}).list);
  expect_usage_error({"--list=xml"}, "--list=xml");
}

// Google Benchmark's flags: resolved and checked by sumbench (issue 10: 18ebea3 aborted on
// --benchmark_repetitions=-1, printed usage and exited 0 on --benchmark_format=xml).
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
