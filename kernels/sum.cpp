// sum: the post's heavy_calculation, the CPU-bound kernel.
//
// Reference loop:
//     uint64_t count = 0;
//     for (uint64_t i = begin; i < end; ++i) count += i;
//
// Written so that every compiler really adds every element, at the speed of
// g++ -O3 -march=native's auto-vectorized loop:
//  - explicit SIMD (GCC vector extensions) vectorizes even at -O2;
//  - an empty asm that "modifies" the index vector hides the induction from the
//    optimizer, so clang cannot replace the loop by the closed form n(n-1)/2;
//  - several independent accumulators hide the add latency.
#include "sum.hpp"

#include <memory>

#include <sumbench/kernel.hpp>

namespace sumbench {
namespace {

#if defined(__AVX512F__)
constexpr int kLanes = 8;
#elif defined(__AVX__)
constexpr int kLanes = 4;
#else
constexpr int kLanes = 2;
#endif
using Lanes = std::uint64_t __attribute__((vector_size(kLanes * sizeof(std::uint64_t))));

// Makes `v` opaque to the optimizer at no run-time cost.
inline void opaque(Lanes& v) {
#if defined(__x86_64__) || defined(__i386__)
  asm volatile("" : "+x"(v));
#elif defined(__aarch64__)
  asm volatile("" : "+w"(v));
#else
  asm volatile("" : : "g"(&v) : "memory");
#endif
}

constexpr std::uint64_t kBlock = 4 * kLanes;  // four independent accumulators

inline std::uint64_t horizontal_sum(Lanes v) {
  std::uint64_t s = 0;
  for (int l = 0; l < kLanes; ++l) s += v[l];
  return s;
}

}  // namespace

std::uint64_t sum_range(std::uint64_t begin, std::uint64_t end) {
  std::uint64_t total = 0;
  std::uint64_t i = begin;
  if (end > begin && end - begin >= kBlock) {
    Lanes i0, i1, i2, i3;
    for (int l = 0; l < kLanes; ++l) {
      i0[l] = begin + static_cast<std::uint64_t>(l);
      i1[l] = i0[l] + kLanes;
      i2[l] = i0[l] + 2 * kLanes;
      i3[l] = i0[l] + 3 * kLanes;
    }
    Lanes a0 = i0 - i0, a1 = a0, a2 = a0, a3 = a0;  // zero vectors
    const std::uint64_t blocks = (end - begin) / kBlock;
    for (std::uint64_t b = 0; b < blocks; ++b) {
      opaque(i0), opaque(i1), opaque(i2), opaque(i3);
      a0 += i0, a1 += i1, a2 += i2, a3 += i3;
      i0 += kBlock, i1 += kBlock, i2 += kBlock, i3 += kBlock;
    }
    total = horizontal_sum(a0 + a1 + a2 + a3);
    i = begin + blocks * kBlock;
  }
  for (; i < end; ++i) total += i;  // the remainder, fewer than kBlock elements
  return total;
}

std::uint64_t sum_expected(std::uint64_t n) {
  // Halve the even factor first so the product is exact modulo 2^64.
  return (n % 2 == 0) ? (n / 2) * (n - 1) : n * ((n - 1) / 2);
}

namespace {

class SumKernel final : public KernelInstance {
 public:
  explicit SumKernel(std::uint64_t n) : n_(n) {}
  Partial make_partial() const override { return Partial{{0}, {}}; }
  void body(Slice s, Partial& acc, Worker&) override { acc.counts[0] += sum_range(s.begin, s.end); }
  std::string validate(const Partial& combined) const override {
    const std::uint64_t want = sum_expected(n_);
    if (combined.counts[0] == want) return {};
    return "sum is " + std::to_string(combined.counts[0]) +
           ", expected n(n-1)/2 mod 2^64 = " + std::to_string(want);
  }

 private:
  std::uint64_t n_;
};

}  // namespace

std::uint64_t sum_default_n(const SizeContext& ctx) {
  // About 0.3 s serial at ~29 G elements/s (AVX-512); 2^24 for quick runs.
  return ctx.quick ? (1ull << 24) : (1ull << 33);
}

std::unique_ptr<KernelInstance> make_sum(const KernelConfig& cfg, Slice) {
  return std::make_unique<SumKernel>(cfg.n);
}

}  // namespace sumbench
