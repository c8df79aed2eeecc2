// combine: the cost of sending partial results back, the post's "processes need
// to pickle and combine their results", measured.
//
// Reference loop (one worker; the partials of all workers are then summed):
//     double partial[m] = {0};
//     for (i = begin; i < end; ++i) partial[i % m] += i / m + 1;
//
// Every worker produces a full vector of m doubles (8 MiB by default) whatever
// its slice, so combining moves (workers - 1) * m * 8 bytes: threads sum them
// in shared memory, ranks through MPI_Reduce. Every value is a small integer,
// so the combined vector is exact in any order and checked element by element.
#include <memory>
#include <stdexcept>
#include <string>

#include <sumbench/kernel.hpp>

namespace sumbench {
namespace {

std::uint64_t buckets(bool quick) {
  return quick ? (1u << 16) : (1u << 20);
}

class CombineKernel final : public KernelInstance {
 public:
  CombineKernel(std::uint64_t n, std::uint64_t m) : n_(n), m_(m) {
    // Bucket totals c(c+1)/2 must stay exact in a double (c < 2^26 keeps them < 2^53).
    if (n / m >= (1u << 26))
      throw std::length_error("combine: n = " + std::to_string(n) +
                              " is too large for exact bucket sums (at most " +
                              std::to_string((m << 26) - 1) + ")");
  }
  Partial make_partial() const override { return Partial{{}, std::vector<double>(m_, 0.0)}; }

  void body(Slice s, Partial& acc, Worker&) override {
    double* out = acc.values.data();
    std::uint64_t bucket = s.begin % m_;
    double value = static_cast<double>(s.begin / m_ + 1);
    for (std::uint64_t i = s.begin; i < s.end; ++i) {
      out[bucket] += value;
      if (++bucket == m_) bucket = 0, value += 1.0;
    }
  }

  std::string validate(const Partial& combined) const override {
    // Bucket j receives 1 + 2 + ... + c, where c = #{k : k*m + j < n} = n/m + (j < n%m):
    // two values in all, so the loop compares without dividing.
    const std::uint64_t q = n_ / m_, r = n_ % m_;
    const double more = static_cast<double>((q + 1) * (q + 2) / 2),
                 fewer = static_cast<double>(q * (q + 1) / 2);
    const double* v = combined.values.data();
    std::uint64_t bad = m_;
    for (std::uint64_t j = 0; j < m_; ++j)
      if (v[j] != (j < r ? more : fewer)) {
        bad = j;
        break;
      }
    if (bad == m_) return {};
    return "bucket " + std::to_string(bad) + " is " + std::to_string(v[bad]) + ", expected " +
           std::to_string(bad < r ? more : fewer);
  }

 private:
  std::uint64_t n_, m_;
};

}  // namespace

std::uint64_t combine_default_n(const SizeContext& ctx) {
  return 4 * buckets(ctx.quick);
}

std::unique_ptr<KernelInstance> make_combine(const KernelConfig& cfg, Slice) {
  return std::make_unique<CombineKernel>(cfg.n, buckets(cfg.quick));
}

}  // namespace sumbench
