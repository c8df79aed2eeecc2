// sumbench's own flags: every bad input is a UsageError naming the bad value.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <utility>
#include <vector>

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

}  // namespace
}  // namespace sumbench
