#include "reuse.hpp"

#include <algorithm>
#include <map>

#include "memory.hpp"

namespace sumbench {

std::set<const KernelDescriptor*> kernels_that_may_keep_memory(
    const std::vector<Case>& cases, const std::vector<std::string>& rank_host,
    const std::vector<std::uint64_t>& rank_usable, const std::function<double(const Case&, int)>& bytes) {
  const std::size_t ranks = rank_host.size();
  // What each rank would keep beyond each case's own data, following the cases in their order
  // (the kernel's data is freed when the kernel changes, and by a rank not in a case).
  std::map<std::string, std::vector<double>> surplus;  // case name -> per rank
  std::map<const KernelDescriptor*, std::vector<Case>> by_kernel;
  std::vector<double> kept(ranks, 0.0);
  const KernelDescriptor* kernel = nullptr;
  for (const Case& c : cases) {
    if (c.kernel != kernel) std::fill(kept.begin(), kept.end(), 0.0), kernel = c.kernel;
    by_kernel[c.kernel].push_back(c);
    std::vector<double>& extra = surplus[c.name];
    extra.assign(ranks, 0.0);
    for (std::size_t r = 0; r < ranks; ++r) {
      if (static_cast<int>(r) >= c.layout.ranks) {
        kept[r] = 0.0;
        continue;
      }
      const double held = c.kernel->held_bytes_per_element *
                          static_cast<double>(partition(c.n, c.layout.ranks, static_cast<int>(r)).size());
      extra[r] = std::max(0.0, kept[r] - held);
      kept[r] = std::max(kept[r], held);
    }
  }
  std::set<const KernelDescriptor*> allowed;
  const std::vector<std::string> how(ranks, "");
  for (const auto& [k, its_cases] : by_kernel) {
    const std::string problem = memory_problem(
        its_cases, rank_host, rank_usable, how,
        [&](const Case& c, int r) { return bytes(c, r) + surplus[c.name][static_cast<std::size_t>(r)]; });
    if (problem.empty()) allowed.insert(k);
  }
  return allowed;
}

}  // namespace sumbench
