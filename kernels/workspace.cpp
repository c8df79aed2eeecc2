#include "workspace.hpp"

#include <sched.h>
#include <sys/mman.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <limits>
#include <new>
#include <stdexcept>
#include <string>

namespace sumbench {

double* Workspace::doubles(std::size_t slot, std::uint64_t count) {
  // The byte count must not wrap (n up to 2^62 is accepted on the command line).
  constexpr std::uint64_t kMax = (std::numeric_limits<std::size_t>::max() >> 1) / sizeof(double);
  if (count > kMax) throw std::length_error(std::to_string(count) + " doubles do not fit in memory");
  if (blocks_.size() <= slot) blocks_.resize(slot + 1);
  Block& b = blocks_[slot];
  const std::size_t need = std::max<std::size_t>(count, 1) * sizeof(double);
  if (reuse_ && b.base && b.bytes >= need) return static_cast<double*>(b.base);
  if (b.base) munmap(b.base, b.bytes);
  b = Block{};
  // Fresh anonymous pages: backed, and placed, only when first written. A hint larger
  // than what is needed now costs address space, not memory.
  std::size_t bytes = need;
  if (reuse_ && hint_ > count && hint_ <= kMax) bytes = static_cast<std::size_t>(hint_) * sizeof(double);
  void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED && bytes > need) {
    bytes = need;  // the hint did not fit: map what is needed now
    p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  }
  if (p == MAP_FAILED) throw std::bad_alloc();
  b = Block{p, bytes};
  return static_cast<double*>(p);
}

void Workspace::release() {
  for (Block& b : blocks_)
    if (b.base) munmap(b.base, b.bytes);
  blocks_.clear();
}

std::uint64_t Workspace::mapped_bytes() const {
  std::uint64_t total = 0;
  for (const Block& b : blocks_) total += b.bytes;
  return total;
}

namespace {

// Parses a sysfs CPU list such as "0-3,8-11" into the CPUs it names.
std::vector<int> parse_cpu_list(const std::string& text) {
  std::vector<int> cpus;
  std::size_t at = 0;
  while (at < text.size()) {
    std::size_t end = text.find(',', at);
    if (end == std::string::npos) end = text.size();
    const std::string item = text.substr(at, end - at);
    const auto dash = item.find('-');
    try {
      const int lo = std::stoi(item.substr(0, dash));
      const int hi = dash == std::string::npos ? lo : std::stoi(item.substr(dash + 1));
      for (int c = lo; c <= hi && c - lo < 65536; ++c) cpus.push_back(c);
    } catch (const std::exception&) {  // an empty or odd list: no CPUs
    }
    at = end + 1;
  }
  return cpus;
}

}  // namespace

int numa_nodes_of_this_process() {
  cpu_set_t mine;
  CPU_ZERO(&mine);
  if (sched_getaffinity(0, sizeof(mine), &mine) != 0) return 1;
  int nodes = 0;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/sys/devices/system/node", ec)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("node", 0) != 0 || name.find_first_not_of("0123456789", 4) != std::string::npos) continue;
    std::ifstream in(entry.path() / "cpulist");
    std::string list;
    std::getline(in, list);
    for (int cpu : parse_cpu_list(list))
      if (cpu < CPU_SETSIZE && CPU_ISSET(cpu, &mine)) {
        ++nodes;
        break;
      }
  }
  return std::max(nodes, 1);
}

}  // namespace sumbench
