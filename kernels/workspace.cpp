#include "workspace.hpp"

#include <sched.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <new>
#include <stdexcept>
#include <string>
#include <thread>

namespace sumbench {
namespace {

// AnonHugePages of the mapping that holds `p`, from /proc/self/smaps (KiB; 0 if none).
long anon_huge_kib(const void* p) {
  const auto at = reinterpret_cast<std::uintptr_t>(p);
  std::ifstream in("/proc/self/smaps");
  bool inside = false;
  for (std::string line; std::getline(in, line);) {
    unsigned long start = 0, end = 0;
    char sep = 0, space = 0;
    if (std::sscanf(line.c_str(), "%lx%c%lx%c", &start, &sep, &end, &space) == 4 && sep == '-' &&
        space == ' ')
      inside = start <= at && at < end;  // a mapping's first line: "start-end perms ..."
    else if (inside && line.rfind("AnonHugePages:", 0) == 0)
      return std::strtol(line.c_str() + 14, nullptr, 10);
  }
  return 0;
}

}  // namespace

std::string page_size_probe() {
  std::string mode = "not available";  // "always [madvise] never": the choice in brackets
  std::ifstream sys("/sys/kernel/mm/transparent_hugepage/enabled");
  if (std::string line; std::getline(sys, line)) {
    const auto open = line.find('['), close = line.find(']');
    mode = open != std::string::npos && close > open ? line.substr(open + 1, close - open - 1) : line;
  }
  const std::string thp = "transparent huge pages: " + mode;
  if (mode != "always") return "4 KiB (" + thp + ")";
  constexpr std::size_t kHuge = std::size_t{2} << 20;
  // MAP_NORESERVE: a mapping of its own, never merged with a neighbour in smaps.
  void* p =
      mmap(nullptr, 2 * kHuge, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) return "unknown (" + thp + "; a test mapping failed)";
  auto* aligned = reinterpret_cast<char*>((reinterpret_cast<std::uintptr_t>(p) + kHuge - 1) & ~(kHuge - 1));
  if (aligned != p)
    munmap(p, static_cast<std::size_t>(aligned - static_cast<char*>(p)));  // the aligned 2 MiB
  const std::size_t tail = static_cast<std::size_t>(static_cast<char*>(p) + 2 * kHuge - (aligned + kHuge));
  if (tail) munmap(aligned + kHuge, tail);      // stay, alone
  static_cast<volatile char*>(aligned)[0] = 1;  // the first write faults the page in
  const bool huge = anon_huge_kib(aligned) >= static_cast<long>(kHuge >> 10);
  munmap(aligned, kHuge);
  return huge ? "2 MiB (" + thp + ")" : "4 KiB (" + thp + ", but a test mapping got 4 KiB pages)";
}

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

// release()'s unit of parallel freeing: thread t of T frees chunks t, t + T, ...
constexpr std::size_t kChunk = std::size_t{4} << 20;

void Workspace::release() {
  std::size_t total = 0;
  for (const Block& b : blocks_) total += b.bytes;
  const int threads = static_cast<int>(std::min<std::size_t>(
      static_cast<std::size_t>(std::max(release_threads_, 1)), total / (8 * kChunk) + 1));
  if (threads > 1) {
    auto zap = [this](int t, int of) {
      std::size_t k = 0;
      for (const Block& b : blocks_)
        for (std::size_t at = 0; at < b.bytes; at += kChunk, ++k)
          if (static_cast<int>(k % static_cast<std::size_t>(of)) == t)
            madvise(static_cast<char*>(b.base) + at, std::min(kChunk, b.bytes - at), MADV_DONTNEED);
    };
    std::vector<std::thread> team;
    for (int t = 1; t < threads; ++t) team.emplace_back(zap, t, threads);
    zap(0, threads);
    for (auto& th : team) th.join();
  }
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
