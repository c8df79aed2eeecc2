// What faulting in fresh anonymous memory costs here, the bulk of triad's set-up
// (BENCHMARKS.md, "Why triad stays below 0.6"): 4 KiB pages by one thread and by two, and
// transparent huge pages asked for with madvise(MADV_HUGEPAGE), then the unmap. Each way runs
// `rounds` times in one process, so a later round may get pages an earlier one just freed.
//   build/bench/page_faults [MiB (384)] [rounds (2)]
#include <sys/mman.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;
double ms_since(Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

void fault(std::size_t mib, int threads, bool huge) {
  const std::size_t bytes = mib << 20;
  void* map = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (map == MAP_FAILED) std::perror("mmap"), std::exit(1);
  char* p = static_cast<char*>(map);
  if (huge && madvise(p, bytes, MADV_HUGEPAGE) != 0) std::perror("madvise(MADV_HUGEPAGE)");
  const auto start = Clock::now();
  std::vector<std::thread> team;
  const std::size_t part = bytes / static_cast<std::size_t>(threads);
  for (int i = 0; i < threads; ++i)
    team.emplace_back([=] {
      for (std::size_t at = i * part; at < (i + 1) * part; at += 4096) p[at] = 1;
    });
  for (auto& t : team) t.join();
  const double faulted = ms_since(start);
  const auto unmap_start = Clock::now();
  munmap(p, bytes);
  std::printf("%5zu MiB  %-11s %d thread%s  fault %8.1f ms (%.2f ms/MiB)  unmap %6.1f ms\n", mib,
              huge ? "MADV_HUGE" : "4 KiB", threads, threads > 1 ? "s" : " ", faulted, faulted / mib,
              ms_since(unmap_start));
}

}  // namespace

int main(int argc, char** argv) {
  const long mib = argc > 1 ? std::strtol(argv[1], nullptr, 10) : 384;
  const long rounds = argc > 2 ? std::strtol(argv[2], nullptr, 10) : 2;
  if (mib < 1 || mib > (1 << 20) || rounds < 1 || rounds > 100) {
    std::fprintf(stderr, "page_faults: MiB must be 1..1048576 and rounds 1..100\n");
    return 2;
  }
  for (long r = 0; r < rounds; ++r) {
    fault(static_cast<std::size_t>(mib), 1, false);
    fault(static_cast<std::size_t>(mib), 2, false);
    fault(static_cast<std::size_t>(mib), 1, true);
  }
}
