// The statistics invariants of a GilLock run (see GilLockStats in gil_lock.hpp).
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "gil_lock.hpp"

namespace sumbench::test {

// A parameter of the lock and mode tests: a policy and a thread count.
struct PolicyCase {
  GilPolicy policy;
  int threads;
};
// Readable parameters in test names ("... # GetParam() = cpython/2 threads").
inline void PrintTo(const PolicyCase& c, std::ostream* os) {
  *os << gil_policy_name(c.policy) << "/" << c.threads << " threads";
}
inline std::string case_name(const testing::TestParamInfo<PolicyCase>& info) {
  return std::string(gil_policy_name(info.param.policy)) + "_" + std::to_string(info.param.threads) +
         "threads";
}
// cpython, legacy and fifo with 2, 3 and 8 threads; none with `none_threads`.
inline std::vector<PolicyCase> policy_cases(const std::vector<int>& none_threads) {
  std::vector<PolicyCase> out;
  for (GilPolicy p : {GilPolicy::cpython, GilPolicy::legacy, GilPolicy::fifo})
    for (int t : {2, 3, 8}) out.push_back({p, t});
  for (int t : none_threads) out.push_back({GilPolicy::none, t});
  return out;
}

struct RunFacts {
  GilPolicy policy = GilPolicy::cpython;
  int threads = 0;
  std::uint64_t blocking_calls = 0;            // BlockingRegions entered, all threads
  std::vector<std::uint64_t> between_ticks;    // ticks passed to between_ticks() per thread (legacy)
  bool exact_ticks = true;                     // false: between_ticks is only an upper bound
  int check_interval = kDefaultCheckInterval;  // legacy
  double wall_s = 0;                           // wall time of the run
};

inline void expect_consistent(const GilLockStats& lock, const std::vector<GilThreadStats>& threads,
                              const RunFacts& f) {
  ASSERT_EQ(static_cast<int>(threads.size()), f.threads);
  std::uint64_t takes = 0, drops = 0, voluntary = 0, forced = 0;
  double held = 0;
  for (const auto& t : threads) {
    takes += t.takes;
    drops += t.drop_releases;
    voluntary += t.voluntary_releases;
    forced += t.forced_waits;
    held += t.held_s;
    EXPECT_GE(t.takes, 1u) << "every thread takes the lock at least once";
    EXPECT_GE(t.wait_s, 0.0);
    EXPECT_LE(t.longest_wait_s, t.wait_s + 1e-12);
  }
  // Every take ends in exactly one release; voluntary = blocking calls + one final release per thread.
  EXPECT_EQ(takes, drops + voluntary);
  EXPECT_EQ(voluntary, f.blocking_calls + static_cast<std::uint64_t>(f.threads));

  if (f.policy == GilPolicy::none) {
    EXPECT_EQ(lock.takes, 0u);
    EXPECT_EQ(lock.switches, 0u);
    EXPECT_EQ(lock.drop_requests, 0u);
    EXPECT_EQ(drops, 0u);
    EXPECT_EQ(forced, 0u);
    return;
  }
  // Each take is classified once: the run's first, a switch, or a re-take by the last holder.
  EXPECT_EQ(lock.takes, takes);
  EXPECT_EQ(lock.first_takes, 1u);
  EXPECT_EQ(lock.takes, lock.switches + lock.retakes + lock.first_takes);
  // Each switch is the hand-off of one release, whose kind is known.
  EXPECT_EQ(lock.switches, lock.handoffs_after_drop + lock.handoffs_after_voluntary);
  EXPECT_LE(lock.handoffs_after_drop, drops);
  EXPECT_LE(lock.handoffs_after_voluntary, voluntary);
  // Held intervals of a real lock never overlap: together they fit in the run's wall time.
  if (f.wall_s > 0) {
    EXPECT_LE(held, f.wall_s * 1.001 + 1e-4);
  }

  switch (f.policy) {
    case GilPolicy::cpython:
      // FORCE_SWITCHING: a drop release is always followed by a switch, by waiting for it
      // unless another thread already took the lock (drop_gil's "not switched yet" check,
      // made after gil->mutex is released); each forced wait consumes one drop request.
      EXPECT_EQ(lock.handoffs_after_drop, drops);
      EXPECT_LE(forced, lock.drop_requests);
      EXPECT_LE(forced, drops + voluntary);
      break;
    case GilPolicy::fifo:
      EXPECT_EQ(forced, 0u);  // the ticket order hands off by itself
      EXPECT_LE(drops, lock.drop_requests);
      break;
    case GilPolicy::legacy: {
      EXPECT_EQ(lock.drop_requests, 0u);
      EXPECT_EQ(forced, 0u);
      // One ticker for all threads (CPython 2's _Py_Ticker): a release every N + 1 ticks.
      std::uint64_t ticks = 0;
      for (auto t : f.between_ticks) ticks += t;
      const std::uint64_t checks = ticks / (static_cast<std::uint64_t>(f.check_interval) + 1);
      if (f.exact_ticks) {
        EXPECT_EQ(drops, checks);
      } else {
        EXPECT_LE(drops, checks);
        EXPECT_GE(drops, checks > 0 ? 1u : 0u);
      }
      break;
    }
    case GilPolicy::none:
      break;
  }
}

}  // namespace sumbench::test
