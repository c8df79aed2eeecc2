// triad: STREAM's triad, the memory-bound kernel.
//
// Reference loop:
//     for (i = begin; i < end; ++i) a[i] = b[i] + scalar * c[i];
//
// Each process allocates only its own range; each worker first-touches the
// slice it later runs, so pages land on its NUMA node. Bandwidth counts 24 bytes
// per element (read b, read c, write a), as STREAM does. b and c hold small
// dyadic values, so a = b + s*c is exact and checked element by element.
#include <cstdlib>
#include <limits>
#include <stdexcept>
#include <string>
#include <memory>
#include <new>

#include "kernel.hpp"

namespace sumbench {
namespace {

constexpr double kScalar = 3.0;
inline double gold_b(std::uint64_t i) { return static_cast<double>(i % 1024) * 0.5; }
inline double gold_c(std::uint64_t i) { return static_cast<double>(i % 512) * 0.25; }

struct FreeDeleter {
  void operator()(double* p) const { std::free(p); }
};
using Array = std::unique_ptr<double[], FreeDeleter>;

Array allocate(std::uint64_t count) {
  // The byte count must not wrap (n up to 2^62 is accepted on the command line).
  if (count > (std::numeric_limits<std::size_t>::max() - 63) / sizeof(double))
    throw std::length_error("triad: " + std::to_string(count) + " doubles do not fit in memory");
  // Uninitialized on purpose: the first write happens in first_touch.
  const std::size_t bytes = ((count * sizeof(double) + 63) / 64) * 64;
  void* p = std::aligned_alloc(64, bytes == 0 ? 64 : bytes);
  if (!p) throw std::bad_alloc();
  return Array(static_cast<double*>(p));
}

// Partial slots: counts[0] elements checked, counts[1] elements wrong.
class TriadKernel final : public KernelInstance {
 public:
  TriadKernel(const KernelConfig& cfg, Slice range)
      : n_(cfg.n), base_(range.begin), a_(allocate(range.size())), b_(allocate(range.size())),
        c_(allocate(range.size())) {}

  Partial make_partial() const override { return Partial{{0, 0}, {}}; }

  void first_touch(Slice s) override {
    for (std::uint64_t i = s.begin; i < s.end; ++i) {
      a_[i - base_] = 0.0;
      b_[i - base_] = gold_b(i);
      c_[i - base_] = gold_c(i);
    }
  }

  void body(Slice s, Partial&, Worker&) override {
    double* __restrict a = a_.get() + (s.begin - base_);
    const double* __restrict b = b_.get() + (s.begin - base_);
    const double* __restrict c = c_.get() + (s.begin - base_);
    const std::uint64_t len = s.size();
#pragma omp simd
    for (std::uint64_t i = 0; i < len; ++i) a[i] = b[i] + kScalar * c[i];
  }

  bool checks_slices() const override { return true; }

  void check(Slice s, Partial& acc) override {
    std::uint64_t wrong = 0;
    for (std::uint64_t i = s.begin; i < s.end; ++i)
      if (a_[i - base_] != gold_b(i) + kScalar * gold_c(i) || b_[i - base_] != gold_b(i) ||
          c_[i - base_] != gold_c(i))
        ++wrong;
    acc.counts[0] += s.size();
    acc.counts[1] += wrong;
  }

  std::string validate(const Partial& combined) const override {
    if (combined.counts[0] != n_)
      return std::to_string(combined.counts[0]) + " of " + std::to_string(n_) + " elements checked";
    if (combined.counts[1] != 0)
      return std::to_string(combined.counts[1]) + " elements differ from a = b + 3c";
    return {};
  }

 private:
  std::uint64_t n_, base_;
  Array a_, b_, c_;
};

}  // namespace

std::uint64_t triad_default_n(const SizeContext& ctx) {
  if (ctx.quick) return 1u << 18;
  // Each array at least 128 MiB and at least 4x the last-level cache.
  const std::uint64_t min_bytes = 128ull << 20;
  const std::uint64_t bytes = ctx.llc_bytes * 4 > min_bytes ? ctx.llc_bytes * 4 : min_bytes;
  return bytes / sizeof(double);
}

std::unique_ptr<KernelInstance> make_triad(const KernelConfig& cfg, Slice range) {
  return std::make_unique<TriadKernel>(cfg, range);
}

}  // namespace sumbench
