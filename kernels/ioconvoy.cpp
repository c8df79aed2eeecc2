// ioconvoy, ioconvoy2: Beazley's I/O convoy (CPython issue bpo-7946). One (ioconvoy) or
// two (ioconvoy2) I/O threads whose operations complete at once, beside CPU threads that
// run the sum kernel's loop. Each operation is a 1-byte ping-pong over the thread's own
// socketpair: send() on one end, recv() on the other, each inside a BlockingRegion
// (Py_BEGIN/END_ALLOW_THREADS, as Python's socket.send and socket.recv release the GIL).
// Under a GIL the I/O thread must win the lock back after every syscall; under CPython
// 3's new GIL a spinning thread makes it wait, so operations per second collapse (issue
// 20: 467 k/s alone, 384/s beside one CPU thread in 3.11.7; x0.18 in 2.7.18).
//
// Reference loop:
//     I/O thread j (workers 0..J-1), socketpair (a_j, b_j), n = its run time in ms:
//       start = now(); deadline = start + n ms
//       do { v = (ops + j) & 0xff
//            release lock; send(a_j, v, 1 byte); re-take
//            release lock; recv(b_j, got, 1 byte); re-take
//            check got == v; ++ops } while (now() < deadline)
//       io_ops_per_s += ops / (now() - start)
//     CPU threads (workers J..T-1): the sum loop, a tick at a time, until every I/O
//     thread is done
// With a team of T < J + 1 the first min(J, T) workers do I/O (serial: the baseline).
// An I/O thread's slice [0, n) counts milliseconds: a mode that runs it in several calls
// (tiny ticks) runs each call up to its slice's end, timed from the first call.
//
// Which run is the current one: as in convoy.cpp, reset() numbers the calls, and a CPU
// worker of run r stops once J * (r + 1) I/O threads have finished.
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <system_error>

#include <sumbench/kernel.hpp>

#include "sum.hpp"

namespace sumbench {
namespace {

using Clock = std::chrono::steady_clock;
constexpr std::uint64_t kCpuSpan = 1ull << 40;  // far more sum work than a run can do
constexpr int kMaxIo = 2;

// Partial slots (counts): operations whose byte came back wrong or whose call failed (first:
// the test-only corruption bumps slot 0, which must fail validation), operations, I/O threads
// that finished their time, CPU elements and their sum, the reset index, and the workers of
// the run (each reset counts one, so validate() reads the team from the result itself and
// not from whichever instance ran it).
enum Count : std::size_t { kBad, kOps, kIoDone, kCpuElements, kCpuSum, kResetIndex, kWorkers, kCounts };
enum Value : std::size_t { kOpsPerS, kIoSeconds, kValues };

class IoConvoyKernel final : public KernelInstance {
 public:
  IoConvoyKernel(std::uint64_t ms, int io_threads) : ms_(ms), io_(io_threads) {
    for (int j = 0; j < io_; ++j) {
      int fds[2];
      if (socketpair(AF_UNIX, SOCK_STREAM, 0, fds) != 0)
        throw std::system_error(errno, std::generic_category(), "ioconvoy: socketpair");
      pairs_[static_cast<std::size_t>(j)] = {fds[0], fds[1]};
    }
  }
  ~IoConvoyKernel() override {
    for (int j = 0; j < io_; ++j)
      for (int fd : pairs_[static_cast<std::size_t>(j)]) close(fd);
  }

  Partial make_partial() const override {
    return Partial{std::vector<std::uint64_t>(kCounts, 0), std::vector<double>(kValues, 0.0)};
  }

  // I/O workers get [0, n) (milliseconds); CPU worker i a disjoint huge range of sum elements.
  Slice worker_slice(Slice range, int index, int team) const override {
    if (index < io_threads(team)) return range;
    const std::uint64_t begin = ms_ + static_cast<std::uint64_t>(index) * kCpuSpan;
    return {begin, begin + kCpuSpan};
  }

  // The same in every mode: the run time, when no operation went wrong (timing decides the rest).
  std::uint64_t checksum(const Partial& combined) const override {
    return Partial{{combined.counts[kBad] == 0 ? ms_ : 0}, {}}.checksum();
  }

  bool done() const override {
    if (ms_ == 0) return true;
    const std::uint64_t resets = resets_.load(std::memory_order_acquire);
    const std::uint64_t team = team_.load(std::memory_order_relaxed);
    if (resets == 0 || team == 0) return false;
    const std::uint64_t io = static_cast<std::uint64_t>(io_threads(static_cast<int>(team)));
    return io_done_.load(std::memory_order_acquire) >= io * ((resets - 1) / team + 1);
  }

  void reset(Partial& p) const override {
    p.zero();
    p.counts[kResetIndex] = resets_.fetch_add(1, std::memory_order_acq_rel);
    p.counts[kWorkers] = 1;
  }

  void body(Slice s, Partial& acc, Worker& w) override {
    team_.store(static_cast<std::uint64_t>(std::max(w.team, 1)), std::memory_order_relaxed);
    if (w.index < io_threads(w.team))
      io_ops(s, acc, w);
    else
      cpu_sum(s, acc, w);
  }

  std::string validate(const Partial& combined) const override {
    const auto team = static_cast<int>(std::min<std::uint64_t>(combined.counts[kWorkers], 1u << 20));
    const auto io = static_cast<std::uint64_t>(io_threads(team));
    if (combined.counts[kIoDone] != io)
      return std::to_string(combined.counts[kIoDone]) + " of " + std::to_string(io) +
             " I/O threads ran their " + std::to_string(ms_) + " ms";
    if (combined.counts[kOps] < io) return "an I/O thread completed no operation";
    if (combined.counts[kBad] != 0)
      return std::to_string(combined.counts[kBad]) + " of " + std::to_string(combined.counts[kOps]) +
             " operations did not send and receive their byte";
    return {};
  }

  std::vector<std::pair<std::string, double>> figures(const Partial& combined) const override {
    return {{"io_ops", static_cast<double>(combined.counts[kOps])},
            {"io_ops_per_s", combined.values[kOpsPerS]},
            {"io_threads", static_cast<double>(combined.counts[kIoDone])}};
  }

 private:
  int io_threads(int team) const { return std::min(io_, std::max(team, 1)); }

  // One I/O thread: 1-byte ping-pongs until its slice's end (ms from its first call).
  void io_ops(Slice s, Partial& acc, Worker& w) {
    const auto j = static_cast<std::size_t>(w.index);
    if (s.begin == 0) start_[j] = Clock::now();
    const auto deadline = start_[j] + std::chrono::milliseconds(s.end);
    const auto [a, b] = pairs_[j];
    do {
      const auto v = static_cast<unsigned char>((acc.counts[kOps] + j) & 0xff);
      unsigned char got = static_cast<unsigned char>(~v);
      ssize_t sent, received = 0;
      {
        BlockingRegion released(w);
        while ((sent = send(a, &v, 1, MSG_NOSIGNAL)) < 0 && errno == EINTR) {
        }
      }
      if (sent == 1) {  // else nothing would arrive: recv would block for ever
        BlockingRegion released(w);
        while ((received = recv(b, &got, 1, 0)) < 0 && errno == EINTR) {
        }
      }
      if (sent != 1 || received != 1 || got != v) acc.counts[kBad] += 1;
      acc.counts[kOps] += 1;
    } while (Clock::now() < deadline);
    if (s.end >= ms_) {  // this thread's time is over
      const double seconds = std::chrono::duration<double>(Clock::now() - start_[j]).count();
      acc.values[kOpsPerS] += static_cast<double>(acc.counts[kOps]) / seconds;
      acc.values[kIoSeconds] += seconds;
      acc.counts[kIoDone] += 1;
      io_done_.fetch_add(1, std::memory_order_acq_rel);
    }
  }

  // A CPU thread: the sum loop, one tick at a time, until this run's I/O threads are done.
  void cpu_sum(Slice s, Partial& acc, Worker& w) {
    const std::uint64_t team = static_cast<std::uint64_t>(std::max(w.team, 1));
    const std::uint64_t io = static_cast<std::uint64_t>(io_threads(w.team));
    const std::uint64_t my_run = acc.counts[kResetIndex] / team;
    const std::uint64_t tick = std::max<std::uint64_t>(tick_elements, 1);
    for (std::uint64_t begin = s.begin; begin < s.end;) {
      if (io_done_.load(std::memory_order_acquire) >= io * (my_run + 1)) return;
      const std::uint64_t end = begin + std::min(tick, s.end - begin);
      acc.counts[kCpuSum] += sum_range(begin, end);
      acc.counts[kCpuElements] += end - begin;
      begin = end;
    }
  }

  std::uint64_t ms_;
  int io_;
  std::array<std::array<int, 2>, kMaxIo> pairs_{};
  std::array<Clock::time_point, kMaxIo> start_{};  // each I/O thread's start (its own slot)
  mutable std::atomic<std::uint64_t> resets_{0};
  std::atomic<std::uint64_t> team_{0};
  std::atomic<std::uint64_t> io_done_{0};  // I/O threads that finished, over all runs
};

}  // namespace

std::uint64_t ioconvoy_default_n(const SizeContext& ctx) {
  return ctx.quick ? 50 : 500;
}
std::uint64_t ioconvoy2_default_n(const SizeContext& ctx) {
  return ioconvoy_default_n(ctx);
}

std::unique_ptr<KernelInstance> make_ioconvoy(const KernelConfig& cfg, Slice) {
  return std::make_unique<IoConvoyKernel>(cfg.n, 1);
}
std::unique_ptr<KernelInstance> make_ioconvoy2(const KernelConfig& cfg, Slice) {
  return std::make_unique<IoConvoyKernel>(cfg.n, 2);
}

}  // namespace sumbench
