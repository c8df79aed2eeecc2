// Kernels made for the gil tests: each records, per worker, what it ran, so the
// tests can check progress and the lock statistics exactly.
#pragma once

#include <gtest/gtest.h>
#include <time.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "kernel.hpp"

namespace sumbench::test {

// An instance of the registered thread-only kernel `name` over n elements, ticking as
// the driver makes it tick.
inline std::unique_ptr<KernelInstance> make_thread_kernel(const char* name, std::uint64_t n) {
  const KernelDescriptor* d = find_kernel(name);
  EXPECT_NE(d, nullptr) << name;
  EXPECT_TRUE(d->thread_only);
  KernelConfig cfg;
  cfg.n = n;
  auto k = d->make(cfg, {0, n});
  k->tick_elements = d->tick_elements;
  return k;
}

// About `ns` nanoseconds of CPU work (not optimized away).
inline void spin_for(std::chrono::nanoseconds ns) {
  const auto until = std::chrono::steady_clock::now() + ns;
  while (std::chrono::steady_clock::now() < until) {
  }
}

inline void sleep_for_ns(long ns) {
  timespec t{ns / 1000000000, ns % 1000000000};
  while (clock_nanosleep(CLOCK_MONOTONIC, 0, &t, &t) != 0) {
  }
}

// CPU work per element, and every `block_every`-th element (0: never) a blocking call
// inside a BlockingRegion. With `sleep_in_tick_ns`, each body call sleeps while
// *holding* the lock (no BlockingRegion), so only a lock-free policy can overlap them.
// Partial slots, for a team of T: counts[i] elements run by worker i,
// counts[T + i] body calls (ticks) of worker i, counts[2T] blocking calls.
class RecordingKernel final : public KernelInstance {
 public:
  struct Shape {
    std::uint64_t n = 1000;
    int team = 2;
    std::chrono::nanoseconds work_per_element{std::chrono::microseconds(1)};
    std::uint64_t block_every = 0;
    long block_ns = 50'000;
    long sleep_in_tick_ns = 0;
  };
  explicit RecordingKernel(Shape shape) : shape_(shape) {}

  Partial make_partial() const override {
    return Partial{std::vector<std::uint64_t>(2 * static_cast<std::size_t>(shape_.team) + 1, 0), {}};
  }
  void body(Slice s, Partial& acc, Worker& w) override {
    const auto t = static_cast<std::size_t>(shape_.team);
    acc.counts[t + static_cast<std::size_t>(w.index)] += 1;
    if (shape_.sleep_in_tick_ns > 0) sleep_for_ns(shape_.sleep_in_tick_ns);
    for (std::uint64_t i = s.begin; i < s.end; ++i) {
      if (shape_.work_per_element.count() > 0) spin_for(shape_.work_per_element);
      acc.counts[static_cast<std::size_t>(w.index)] += 1;
      if (shape_.block_every && i % shape_.block_every == 0) {
        BlockingRegion released(w);
        sleep_for_ns(shape_.block_ns);
        acc.counts[2 * t] += 1;
      }
    }
  }
  std::string validate(const Partial& combined) const override {
    std::uint64_t total = 0;
    for (int i = 0; i < shape_.team; ++i) total += combined.counts[static_cast<std::size_t>(i)];
    return total == shape_.n ? "" : "ran " + std::to_string(total) + " of " + std::to_string(shape_.n);
  }

  std::uint64_t elements_of(const Partial& p, int worker) const {
    return p.counts[static_cast<std::size_t>(worker)];
  }
  std::uint64_t ticks_of(const Partial& p, int worker) const {
    return p.counts[static_cast<std::size_t>(shape_.team + worker)];
  }
  std::uint64_t blocking_calls(const Partial& p) const {
    return p.counts[2 * static_cast<std::size_t>(shape_.team)];
  }
  const Shape& shape() const { return shape_; }

 private:
  Shape shape_;
};

}  // namespace sumbench::test
