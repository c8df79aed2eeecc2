#include "context.hpp"

#include <benchmark/benchmark.h>
#include <mpi.h>

#include <algorithm>
#include <fstream>

#include "workspace.hpp"

namespace sumbench {

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);)
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  return "unknown";
}

std::string join(const std::vector<std::string>& items, const char* sep) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : sep) + s;
  return out;
}

std::vector<std::string> oversubscription_warnings(const Plan& plan) {
  std::vector<std::string> warnings;
  for (const Case& c : plan.cases())
    if (!c.oversubscribed.empty() && std::find(warnings.begin(), warnings.end(), c.oversubscribed) == warnings.end())
      warnings.push_back(c.oversubscribed);
  return warnings;
}

void add_page_size_context(const World& world, const Plan& plan) {
  if (std::none_of(plan.cases().begin(), plan.cases().end(), [](const Case& c) { return c.kernel->name == "triad"; }))
    return;
  std::string pages = page_size_probe();
  const int huge = pages.rfind("2 MiB", 0) == 0 ? 1 : 0, mine[2] = {huge, -huge};
  int least[2];  // the least of huge and of -huge: whether all ranks got the same
  MPI_Allreduce(mine, least, 2, MPI_INT, MPI_MIN, world.comm());
  if (least[0] != -least[1]) pages += std::string("; other ranks got ") + (huge ? "4 KiB" : "2 MiB") + " pages";
  benchmark::AddCustomContext("triad_pages", pages);
}

}  // namespace sumbench
