#include "spread.hpp"

#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <exception>
#include <thread>
#include <vector>

namespace sumbench {
namespace {

// Runs fn(part) for part in [0, parts): part 0 on the calling thread, the others on
// threads of their own (which inherit the caller's CPU affinity).
template <class F>
void fan_out(int parts, F fn) {
  std::vector<std::exception_ptr> errors(static_cast<std::size_t>(parts));
  std::vector<std::thread> team;
  team.reserve(static_cast<std::size_t>(parts - 1));
  auto guarded = [&](int i) {
    try {
      fn(i);
    } catch (...) {
      errors[static_cast<std::size_t>(i)] = std::current_exception();
    }
  };
  for (int i = 1; i < parts; ++i) team.emplace_back(guarded, i);
  guarded(0);
  for (auto& t : team) t.join();
  for (const auto& e : errors)
    if (e) std::rethrow_exception(e);
}

}  // namespace

int SpreadKernel::parts_for(Slice s) const {
  const std::uint64_t most = std::max<std::uint64_t>(1, s.size() / kMinPart);
  return static_cast<int>(std::min<std::uint64_t>(static_cast<std::uint64_t>(std::max(parts_, 1)), most));
}

void SpreadKernel::first_touch(Slice s) {
  const int parts = parts_for(s);
  if (parts == 1) return inner_.first_touch(s);
  fan_out(parts, [&](int i) { inner_.first_touch(partition(s, parts, i)); });
}

void SpreadKernel::check(Slice s, Partial& acc) {
  const int parts = parts_for(s);
  if (parts == 1) return inner_.check(s, acc);
  std::vector<Partial> checked(static_cast<std::size_t>(parts), inner_.make_partial());
  fan_out(parts, [&](int i) { inner_.check(partition(s, parts, i), checked[static_cast<std::size_t>(i)]); });
  for (const Partial& p : checked) acc.add(p);
}

int spread_parts(int numa_nodes, int team_ranks_on_host, int threads) {
  if (numa_nodes != 1 || threads < 1) return 1;
  cpu_set_t mine;
  CPU_ZERO(&mine);
  if (sched_getaffinity(0, sizeof(mine), &mine) != 0) return 1;
  const long online = sysconf(_SC_NPROCESSORS_ONLN);
  int cpus = CPU_COUNT(&mine);
  if (online > 0) cpus = std::min<long>(cpus, online / std::max(team_ranks_on_host, 1));
  return std::max(1, cpus / threads);
}

int ranks_on_my_host(const std::vector<std::string>& hosts, int rank, int ranks) {
  const auto mine = static_cast<std::size_t>(rank);
  if (rank < 0 || mine >= hosts.size()) return ranks;
  int same = 0;
  for (int r = 0; r < ranks && r < static_cast<int>(hosts.size()); ++r) same += hosts[r] == hosts[mine];
  return same;
}

}  // namespace sumbench
