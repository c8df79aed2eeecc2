// histogram: a kernel of your own, built against an installed sumbench (README.md here).
// Each worker counts pseudo-random keys into its own histogram of B buckets; the
// histograms are then combined, summed in shared memory by threads and by MPI_Reduce by
// ranks, so the run pays the combine the blog post says processes pay.
//
// Reference loop (one worker; the histograms of all workers are then summed):
//     uint64_t hist[B] = {0};
//     for (i = begin; i < end; ++i) hist[bucket(key(i % P))] += 1;
//
// key is a bijection of the P = 2^20 numbers [0, P) (odd multipliers and xor-shifts, each
// invertible modulo 2^20), and a bucket is a key's top log2(B) bits. So every whole period
// of P elements puts exactly P/B into every bucket, and the exact histogram of n = q*P + r
// elements is q*P/B in every bucket plus the histogram of key(0..r-1), which validation
// counts with the reference loop itself: every bucket is checked, exactly.
//
// The buckets (16384, 128 KiB of counts per worker) fit a core's L2 cache: the body is
// CPU-bound, one random increment per element, and the combine moves 128 KiB per worker.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <sumbench/kernel.hpp>

#if SUMBENCH_KERNEL_API_VERSION != 1
#error "histogram.cpp is written for sumbench's kernel API version 1"
#endif

namespace {

using sumbench::KernelConfig;
using sumbench::KernelInstance;
using sumbench::Partial;
using sumbench::Slice;

constexpr int kPeriodBits = 20, kBucketBits = 14;
constexpr std::uint64_t kPeriod = std::uint64_t{1} << kPeriodBits, kBuckets = std::uint64_t{1} << kBucketBits;
constexpr std::uint64_t kMask = kPeriod - 1;

// A bijection of [0, 2^20): multiplying by an odd number and x ^= x >> s are both invertible there.
inline std::uint64_t key(std::uint64_t x) {
  x = (x * 0x9E3779B1u) & kMask;
  x ^= x >> 11;
  x = (x * 0x85EBCA6Bu) & kMask;
  x ^= x >> 7;
  return x;
}
inline std::uint64_t bucket(std::uint64_t k) {
  return k >> (kPeriodBits - kBucketBits);
}

class HistogramKernel final : public KernelInstance {
 public:
  explicit HistogramKernel(std::uint64_t n) : n_(n) {}
  Partial make_partial() const override { return Partial{std::vector<std::uint64_t>(kBuckets, 0), {}}; }

  void body(Slice s, Partial& acc, sumbench::Worker&) override {
    std::uint64_t* hist = acc.counts.data();
    std::uint64_t i = s.begin, at = s.begin & kMask;  // i % P, kept without a division per element
    for (; i < s.end; ++i) {
      ++hist[bucket(key(at))];
      at = (at + 1) & kMask;
    }
  }

  std::string validate(const Partial& combined) const override {
    if (expected_.empty()) expected_ = exact_histogram(n_);  // once per instance, on rank 0
    for (std::uint64_t b = 0; b < kBuckets; ++b)
      if (combined.counts[b] != expected_[b])
        return "bucket " + std::to_string(b) + " holds " + std::to_string(combined.counts[b]) +
               ", expected " + std::to_string(expected_[b]) + " (n = " + std::to_string(n_) + ")";
    return {};
  }

 private:
  // Whole periods analytically, the rest by the reference loop.
  static std::vector<std::uint64_t> exact_histogram(std::uint64_t n) {
    std::vector<std::uint64_t> h(kBuckets, (n / kPeriod) * (kPeriod / kBuckets));
    for (std::uint64_t x = 0; x < n % kPeriod; ++x) h[bucket(key(x))] += 1;
    return h;
  }

  std::uint64_t n_;
  mutable std::vector<std::uint64_t> expected_;
};

}  // namespace

// This binary's kernel table: the rows it adds to sumbench's (sumbench_add_benchmark).
std::vector<sumbench::KernelDescriptor> sumbench::extra_kernel_rows() {
  return {{.name = "histogram",
           .summary =
               "CPU-bound: counts pseudo-random keys into 16384 buckets; the workers' histograms are summed",
           .kind = "cpu-bound",
           .item = "element",
           .validation =
               "every bucket equals its exact count: n/2^20 whole periods of 64 each, plus the rest "
               "counted by the reference loop",
           .bytes_per_element = 0.0,
           .rate_in_bytes = false,
           .thread_only = false,
           // About 1.3 ns per element (2^26 elements took 86 ms of CPU time serially on the
           // project's 2-core VM): 2^12 elements are ~5 us of work per GIL tick, and 2^28 ~0.35 s.
           .tick_elements = 1u << 12,
           // quick: 4 periods and a part of one, so that validation's loop runs too
           .default_n = [](const sumbench::SizeContext& c) -> std::uint64_t {
             return c.quick ? 4 * kPeriod + 12345 : std::uint64_t{1} << 28;
           },
           .make = [](const KernelConfig& cfg, Slice) -> std::unique_ptr<KernelInstance> {
             return std::make_unique<HistogramKernel>(cfg.n);
           }}};
}
