#include "memory.hpp"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>

namespace sumbench {
namespace {

std::optional<std::uint64_t> read_number(const std::string& path) {
  std::ifstream in(path);
  std::string text;
  if (!(in >> text) || text.empty() || text.find_first_not_of("0123456789") != std::string::npos)
    return std::nullopt;  // missing, or "max"
  return std::strtoull(text.c_str(), nullptr, 10);
}

std::uint64_t stat_field(const std::string& path, const std::string& key) {
  std::ifstream in(path);
  std::string name;
  std::uint64_t value = 0;
  while (in >> name >> value)
    if (name == key) return value;
  return 0;
}

// The folder of this process's memory cgroup and whether it is v2, from /proc/self/cgroup
// and the cgroup mount of /proc/self/mountinfo.
std::optional<std::pair<std::string, bool>> cgroup_folder(std::string* mount) {
  std::ifstream cg("/proc/self/cgroup");
  std::string v1, v2;
  for (std::string line; std::getline(cg, line);) {
    const auto a = line.find(':'), b = line.find(':', a + 1);
    if (a == std::string::npos || b == std::string::npos) continue;
    std::string controllers = ",";  // ",cpu,memory,"
    controllers.append(line, a + 1, b - a - 1).append(",");
    if (line.compare(0, a, "0") == 0 && controllers == ",,") v2 = line.substr(b + 1);
    if (controllers.find(",memory,") != std::string::npos) v1 = line.substr(b + 1);
  }
  std::ifstream mi("/proc/self/mountinfo");
  for (std::string line; std::getline(mi, line);) {
    std::istringstream f(line);
    std::string id, parent, dev, root, point, word;
    f >> id >> parent >> dev >> root >> point;
    while (f >> word && word != "-") {
    }
    std::string fstype, source, options;
    f >> fstype >> source >> options;
    const bool is_v2 = fstype == "cgroup2" && !v2.empty() && v1.empty();
    const bool is_v1 = fstype == "cgroup" && !v1.empty() &&
                       ("," + options).append(",").find(",memory,") != std::string::npos;
    if (!is_v1 && !is_v2) continue;
    std::string path = is_v1 ? v1 : v2;
    if (root != "/" && path.rfind(root, 0) == 0) path = path.substr(root.size());
    *mount = point;
    return std::make_pair(point + (path == "/" ? "" : path), is_v2);
  }
  return std::nullopt;
}

// The least headroom (limit - usage not counting reclaimable file pages) from the cgroup up
// to the mount point: a parent's limit binds its children too.
std::optional<std::uint64_t> cgroup_headroom(std::string* where) {
  std::string mount;
  const auto found = cgroup_folder(&mount);
  if (!found) return std::nullopt;
  auto [folder, v2] = *found;
  std::optional<std::uint64_t> least;
  for (;;) {
    const auto limit = read_number(folder + (v2 ? "/memory.max" : "/memory.limit_in_bytes"));
    const auto usage = read_number(folder + (v2 ? "/memory.current" : "/memory.usage_in_bytes"));
    if (limit && usage && *limit < (1ull << 60)) {
      const std::uint64_t inactive =
          stat_field(folder + "/memory.stat", v2 ? "inactive_file" : "total_inactive_file");
      const std::uint64_t used = *usage - std::min(*usage, inactive);
      const std::uint64_t room = *limit - std::min(*limit, used);
      if (!least || room < *least) least = room, *where = folder;
    }
    if (folder.size() <= mount.size()) break;
    folder = folder.substr(0, folder.find_last_of('/'));
  }
  return least;
}

std::string gib(double bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f GiB", bytes / (1024.0 * 1024.0 * 1024.0));
  return buf;
}

}  // namespace

std::uint64_t usable_memory(std::string* how) {
  std::uint64_t available = 0;
  std::ifstream in("/proc/meminfo");
  std::string name, unit;
  std::uint64_t kb = 0;
  while (in >> name >> kb >> unit)
    if (name == "MemAvailable:") available = kb * 1024, *how = "MemAvailable";
  std::string where;
  if (const auto room = cgroup_headroom(&where); room && (available == 0 || *room < available))
    available = *room, *how = "the headroom of cgroup " + where;
  return available;
}

double case_bytes(const Case& c, int rank, const KernelConfig& config) {
  if (rank >= c.layout.ranks) return 0;
  const Slice range = partition(c.n, c.layout.ranks, rank);
  double bytes = c.kernel->held_bytes_per_element * static_cast<double>(range.size());
  try {  // the partial's shape, from an instance of the kernel with no data
    const auto probe = c.kernel->make(config, Slice{range.begin, range.begin});
    const Partial p = probe->make_partial();
    bytes += 8.0 * static_cast<double>(p.counts.size() + p.values.size()) * (2.0 * c.layout.threads + 2.0);
  } catch (const std::exception&) {
    // The set-up of the case will fail and say why.
  }
  return bytes;
}

std::string memory_problem(const std::vector<Case>& cases, const std::vector<std::string>& rank_host,
                           const std::vector<std::uint64_t>& rank_usable,
                           const std::vector<std::string>& rank_how,
                           const std::function<double(const Case&, int)>& bytes) {
  std::string first;
  int more = 0;
  for (const Case& c : cases) {
    std::map<std::string, std::pair<double, int>> need;  // host -> bytes, ranks
    std::map<std::string, int> lowest;                   // host -> the rank with the least usable memory
    for (int r = 0; r < c.layout.ranks && r < static_cast<int>(rank_host.size()); ++r) {
      auto& [sum, ranks] = need[rank_host[r]];
      sum += bytes(c, r), ranks += 1;
      auto [it, fresh] = lowest.emplace(rank_host[r], r);
      if (!fresh && rank_usable[r] < rank_usable[it->second]) it->second = r;
    }
    for (const auto& [host, sum_ranks] : need) {
      const int r = lowest[host];
      if (rank_usable[r] == 0 || sum_ranks.first <= kMemoryShare * static_cast<double>(rank_usable[r]))
        continue;
      if (first.empty())
        first = c.name + " does not fit in memory: it needs " + gib(sum_ranks.first) + " on " + host + " (" +
                std::to_string(sum_ranks.second) + " rank(s)), where " +
                gib(static_cast<double>(rank_usable[r])) + " is free (" + rank_how[r] +
                ") and sumbench uses at most " + std::to_string(static_cast<int>(kMemoryShare * 100)) +
                "% of it; use a smaller --n or fewer workers";
      else
        ++more;
      break;
    }
  }
  if (more > 0) first += " (and " + std::to_string(more) + " more case(s))";
  return first;
}

void check_memory(const World& world, const Plan& plan, const Placement& placement,
                  const KernelConfig& config) {
  std::string how;
  unsigned long long mine = usable_memory(&how);
  std::vector<unsigned long long> usable(static_cast<std::size_t>(world.size()));
  MPI_Allgather(&mine, 1, MPI_UNSIGNED_LONG_LONG, usable.data(), 1, MPI_UNSIGNED_LONG_LONG, world.comm());
  char said[160] = {};
  std::snprintf(said, sizeof said, "%s", how.c_str());
  std::vector<char> all(usable.size() * sizeof said);
  MPI_Allgather(said, sizeof said, MPI_CHAR, all.data(), sizeof said, MPI_CHAR, world.comm());
  std::vector<std::string> hosts, hows;
  for (const RankPlace& place : placement.ranks()) hosts.push_back(place.host);
  for (std::size_t r = 0; r < usable.size(); ++r) hows.emplace_back(all.data() + r * sizeof said);
  const std::vector<std::uint64_t> rank_usable(usable.begin(), usable.end());
  const std::string problem =
      memory_problem(plan.cases(), hosts, rank_usable, hows, [&](const Case& c, int r) {
        return case_bytes(c, r, KernelConfig{c.n, config.sleep_ms, config.quick});
      });
  if (!problem.empty()) throw DoesNotFit(problem);
}

}  // namespace sumbench
