// sleep: the post's hello_func, the I/O-bound kernel.
//
// Reference loop:
//     for (task = begin; task < end; ++task) clock_nanosleep(sleep_ms);
//
// Each task blocks in a real system call (clock_nanosleep), inside a
// BlockingRegion so GIL-like modes release their lock around it, as CPython does.
// Strong scaling splits a fixed number of tasks over the workers; weak scaling
// gives each worker one task.
#include <time.h>

#include <cerrno>
#include <chrono>
#include <memory>

#include <sumbench/kernel.hpp>

namespace sumbench {
namespace {

// Partial slots: counts[0] tasks run, counts[1] tasks that returned early.
class SleepKernel final : public KernelInstance {
 public:
  explicit SleepKernel(const KernelConfig& cfg) : n_(cfg.n), sleep_ms_(cfg.sleep_ms) {}
  Partial make_partial() const override { return Partial{{0, 0}, {}}; }

  void body(Slice s, Partial& acc, Worker& w) override {
    const auto duration = std::chrono::milliseconds(sleep_ms_);
    for (std::uint64_t task = s.begin; task < s.end; ++task) {
      const auto start = std::chrono::steady_clock::now();
      {
        BlockingRegion released(w);
        block_for(duration);
      }
      acc.counts[0] += 1;
      if (std::chrono::steady_clock::now() - start < duration) acc.counts[1] += 1;
    }
  }

  std::string validate(const Partial& combined) const override {
    if (combined.counts[0] != n_)
      return std::to_string(combined.counts[0]) + " of " + std::to_string(n_) + " sleep tasks ran";
    if (combined.counts[1] != 0)
      return std::to_string(combined.counts[1]) + " sleep tasks returned before " +
             std::to_string(sleep_ms_) + " ms";
    return {};
  }

 private:
  static void block_for(std::chrono::nanoseconds d) {
    timespec left{static_cast<time_t>(d.count() / 1000000000), static_cast<long>(d.count() % 1000000000)};
    // Resume after signals so the task always lasts its full duration.
    while (clock_nanosleep(CLOCK_MONOTONIC, 0, &left, &left) == EINTR) {
    }
  }

  std::uint64_t n_;
  int sleep_ms_;
};

}  // namespace

std::uint64_t sleep_default_n(const SizeContext& ctx) {
  // Weak scaling: one task per worker. Strong: one task per worker of the largest count.
  return ctx.scaling == Scaling::weak ? 1 : static_cast<std::uint64_t>(ctx.max_workers);
}

std::unique_ptr<KernelInstance> make_sleep(const KernelConfig& cfg, Slice) {
  return std::make_unique<SleepKernel>(cfg);
}

}  // namespace sumbench
