// sumbench's own flags: every bad input is a UsageError naming the bad value.
#include <gtest/gtest.h>

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

TEST(Options, DefaultsRunEveryKernelButConvoyInEveryMode) {
  const Options opt = parse({});
  EXPECT_EQ(opt.kernels.size(), kernel_table().size() - 1);
  EXPECT_EQ(opt.modes.size(), mode_table().size());
  EXPECT_EQ(opt.scaling, Scaling::strong);
  EXPECT_EQ(opt.sleep_ms, 100);
}

TEST(Options, ParsesListsAndLeavesBenchmarkFlags) {
  std::vector<std::string> args{"sumbench", "--kernels=sum,triad", "--workers=1,2,4", "--hybrid=2x2,1x4",
                                "--benchmark_filter=omp", "--scaling=weak", "--n=1000", "--quick"};
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
  EXPECT_EQ(parse({"--check-interval=1,100,1000000"}).mode.check_intervals, (std::vector<int>{1, 100, 1000000}));
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

TEST(Options, SizeParser) {
  EXPECT_EQ(parse_size("--n", "4611686018427387904"), 1ull << 62);
  EXPECT_THROW(parse_size("--n", "4611686018427387905"), UsageError);
  EXPECT_THROW(parse_size("--n", "12abc"), UsageError);
  EXPECT_THROW(parse_size("--n", ""), UsageError);
}

}  // namespace
}  // namespace sumbench
