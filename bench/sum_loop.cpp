// sum kernel against the plain loop built with g++ -O3 -march=native, in the same run,
// and the kernel's time at n and 8n (it must grow linearly: no closed form).
//   build/bench/sum_loop --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include <cstdint>

#include "sum.hpp"

std::uint64_t plain_sum(std::uint64_t begin, std::uint64_t end);

namespace {

void BM_sum_kernel(benchmark::State& state) {
  const auto n = static_cast<std::uint64_t>(state.range(0));
  for (auto _ : state) {
    const std::uint64_t s = sumbench::sum_range(0, n);
    if (s != sumbench::sum_expected(n)) state.SkipWithError("wrong sum");
    benchmark::DoNotOptimize(s);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(n));
}

void BM_plain_loop_O3_native(benchmark::State& state) {
  const auto n = static_cast<std::uint64_t>(state.range(0));
  for (auto _ : state) {
    const std::uint64_t s = plain_sum(0, n);
    if (s != sumbench::sum_expected(n)) state.SkipWithError("wrong sum");
    benchmark::DoNotOptimize(s);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(n));
}

// The same work in GIL-tick-sized calls (2^17 elements), as the gil mode runs it.
template <std::uint64_t (*Sum)(std::uint64_t, std::uint64_t)>
void BM_in_ticks(benchmark::State& state) {
  const auto n = static_cast<std::uint64_t>(state.range(0));
  constexpr std::uint64_t kTick = 1u << 17;
  for (auto _ : state) {
    std::uint64_t s = 0;
    for (std::uint64_t p = 0; p < n; p += kTick) s += Sum(p, p + kTick);
    if (s != sumbench::sum_expected(n)) state.SkipWithError("wrong sum");
    benchmark::DoNotOptimize(s);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(n));
}

}  // namespace

BENCHMARK_TEMPLATE(BM_in_ticks, sumbench::sum_range)
    ->Name("BM_sum_kernel_in_2^17_ticks")
    ->Arg(1 << 30)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_TEMPLATE(BM_in_ticks, plain_sum)
    ->Name("BM_plain_loop_O3_native_in_2^17_ticks")
    ->Arg(1 << 30)
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_sum_kernel)->Arg(1 << 27)->Arg(1 << 30)->Arg(1ll << 33)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_plain_loop_O3_native)->Arg(1 << 30)->Unit(benchmark::kMillisecond);
BENCHMARK_MAIN();
