// Bad and good input of the gil flags' parse helpers, and the mode factory's naming.
#include <gtest/gtest.h>

#include <cmath>

#include "gil.hpp"
#include "gil_lock.hpp"

namespace sumbench {
namespace {

TEST(SwitchInterval, AcceptsSysSetswitchintervalForms) {
  EXPECT_DOUBLE_EQ(parse_switch_interval("500us").value(), 500e-6);
  EXPECT_DOUBLE_EQ(parse_switch_interval("1ms").value(), 1e-3);
  EXPECT_DOUBLE_EQ(parse_switch_interval("0.005s").value(), 0.005);
  EXPECT_DOUBLE_EQ(parse_switch_interval("0.005").value(), 0.005);  // bare seconds
  EXPECT_DOUBLE_EQ(parse_switch_interval("5ms").value(), 0.005);
  EXPECT_DOUBLE_EQ(parse_switch_interval("1us").value(), 1e-6);
  EXPECT_DOUBLE_EQ(parse_switch_interval("2.5e-3s").value(), 2.5e-3);
}

TEST(SwitchInterval, RejectsBadValues) {
  for (const char* bad : {"0",   "0s",  "0us",  "-1ms",  "-0.005", "abc",   "1e400s", "1e400",  "",
                          "s",   "ms",  "us",   "5 ms",  " 5ms",   "5ms ",  "5m",     "5msx",   "+5ms",
                          "nan", "inf", "infs", "0.1us", "1e-400", "7200s", "1,5ms",  "5ms,1ms"})
    EXPECT_FALSE(parse_switch_interval(bad).has_value()) << "accepted '" << bad << "'";
}

TEST(SwitchInterval, WholeMicroseconds) {
  EXPECT_EQ(switch_interval_us(0.005), 5000);
  EXPECT_EQ(switch_interval_us(500e-6), 500);
  EXPECT_EQ(switch_interval_us(parse_switch_interval("0.001s").value()), 1000);
}

TEST(GilPolicyNames, KnownAndUnknown) {
  for (const char* p : {"cpython", "legacy", "fifo", "none"}) EXPECT_TRUE(is_gil_policy(p)) << p;
  for (const char* p : {"", "CPython", "python", "fifo ", "nogil", "cpython,fifo"})
    EXPECT_FALSE(is_gil_policy(p)) << p;
  EXPECT_EQ(gil_policy_list(), "cpython,legacy,fifo,none");
  for (auto name : kGilPolicyNames) EXPECT_EQ(gil_policy_name(parse_gil_policy(name).value()), name);
}

TEST(GilModes, OnePerPolicyAndInterval) {
  ModeOptions opt;
  opt.gil_policies = {"cpython", "fifo", "none"};
  opt.switch_intervals_s = {0.005, 500e-6};
  const auto modes = make_gil_modes(opt);
  ASSERT_EQ(modes.size(), 6u);
  const char* want[] = {"/policy:cpython/interval:5000us", "/policy:cpython/interval:500us",
                        "/policy:fifo/interval:5000us",    "/policy:fifo/interval:500us",
                        "/policy:none/interval:5000us",    "/policy:none/interval:500us"};
  for (std::size_t i = 0; i < modes.size(); ++i) {
    EXPECT_EQ(modes[i]->name(), "gil");
    EXPECT_EQ(modes[i]->name_suffix(), want[i]);
    EXPECT_FALSE(modes[i]->multi_process());
    EXPECT_EQ(modes[i]->layouts(4, opt), (std::vector<Layout>{{1, 4}}));
  }
}

// Python 2 has a check interval and no switch interval: one legacy mode per check
// interval, named by it, whatever the switch intervals.
TEST(GilModes, LegacyOnePerCheckInterval) {
  ModeOptions opt;
  opt.gil_policies = {"legacy", "cpython"};
  opt.switch_intervals_s = {0.005, 0.001};
  opt.check_intervals = {100, 10};
  const auto modes = make_gil_modes(opt);
  ASSERT_EQ(modes.size(), 4u);
  EXPECT_EQ(modes[0]->name_suffix(), "/policy:legacy/check:100");
  EXPECT_EQ(modes[1]->name_suffix(), "/policy:legacy/check:10");
  EXPECT_EQ(modes[2]->name_suffix(), "/policy:cpython/interval:5000us");
  EXPECT_EQ(modes[3]->name_suffix(), "/policy:cpython/interval:1000us");
}

TEST(GilModes, CheckIntervalOutOfRangeThrows) {
  ModeOptions opt;
  for (int bad : {0, -1, kMaxCheckInterval + 1}) {
    EXPECT_THROW(GilMode(GilPolicy::legacy, 5e-3, bad, opt), std::invalid_argument) << bad;
    EXPECT_THROW(GilLock(GilPolicy::legacy, 5e-3, 2, bad), std::invalid_argument) << bad;
  }
  EXPECT_NO_THROW(GilLock(GilPolicy::legacy, 5e-3, 2, kMaxCheckInterval));
}

TEST(GilModes, UnknownPolicyOrBadIntervalThrows) {
  ModeOptions opt;
  opt.gil_policies = {"cpython", "bogus"};
  EXPECT_THROW(make_gil_modes(opt), std::invalid_argument);
  opt.gil_policies = {"cpython"};
  opt.switch_intervals_s = {0.0};
  EXPECT_THROW(make_gil_modes(opt), std::invalid_argument);
}

}  // namespace
}  // namespace sumbench
