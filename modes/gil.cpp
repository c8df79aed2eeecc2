// gil: T std::threads in one process serialized by a CPython-like global interpreter
// lock (modes/gil_lock.hpp): what CPython threads do to CPU-bound work, and why they
// still overlap on blocking calls. Plain std::thread, no OpenMP, so TSan can check it.
//
// Each worker thread, like a Python thread running a loop of bytecodes:
//     take the lock; k.reset(partial)
//     for each tick of its slice (until k.done()):
//         k.body(tick, partial, worker)    // blocking calls inside release/re-take the lock
//         lock.between_ticks()             // drop request / check interval: maybe hand off
//     release the lock (final)
// then the partials are combined after join.
#include "gil.hpp"

#include <algorithm>
#include <exception>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>

namespace sumbench {
namespace {

// The Worker lent to kernel bodies: blocking regions release and re-take the lock
// (Py_BEGIN_ALLOW_THREADS / Py_END_ALLOW_THREADS).
class GilWorker final : public Worker {
 public:
  GilWorker(GilLock& lock, int id, int threads, GilOccupancyProbe* probe) : lock_(lock), probe_(probe) {
    index = id;
    team = threads;
  }
  void take() {
    lock_.take(index);
    holding_ = true;
  }
  void release_final() {
    if (!holding_) return;
    holding_ = false;
    lock_.release(index, GilRelease::final);
  }
  bool holding() const { return holding_; }

  void before_blocking() override {
    if (probe_) probe_->leave();
    holding_ = false;
    lock_.release(index, GilRelease::blocking);
  }
  void after_blocking() override {
    lock_.take(index);
    holding_ = true;
    if (probe_) probe_->enter();
  }

 private:
  GilLock& lock_;
  GilOccupancyProbe* probe_;
  bool holding_ = false;
};

bool same_shape(const Partial& a, const Partial& b) {
  return a.counts.size() == b.counts.size() && a.values.size() == b.values.size();
}

}  // namespace

std::atomic<GilOccupancyProbe*> GilMode::occupancy_probe_{nullptr};

GilMode::GilMode(GilPolicy policy, double switch_interval_s, int check_interval, const ModeOptions& opt)
    : policy_(policy),
      switch_interval_s_(switch_interval_s),
      tick_override_(opt.gil_tick_elements),
      check_interval_(check_interval) {
  if (!(switch_interval_s > 0)) throw std::invalid_argument("gil mode: switch interval must be > 0");
  if (check_interval < 1 || check_interval > kMaxCheckInterval)
    throw std::invalid_argument("gil mode: check interval must be 1 to " + std::to_string(kMaxCheckInterval));
  // At start-up, not in a timed run: legacy's bytecode in this machine's sum elements (gil_tick.cpp).
  if (policy_ == GilPolicy::legacy) element_ns_ = sum_element_ns();
}

std::string GilMode::name_suffix() const {
  if (policy_ == GilPolicy::legacy) return "/policy:legacy/check:" + std::to_string(check_interval_);
  return "/policy:" + std::string(gil_policy_name(policy_)) +
         "/interval:" + std::to_string(switch_interval_us(switch_interval_s_)) + "us";
}

ModeParams GilMode::params() const {
  ModeParams p{{"gil_policy", std::string(gil_policy_name(policy_))}};
  if (policy_ == GilPolicy::legacy)
    p.emplace_back("check_interval", static_cast<long long>(check_interval_));
  else
    p.emplace_back("switch_interval_s", static_cast<double>(switch_interval_us(switch_interval_s_)) / 1e6);
  return p;
}

void GilMode::first_touch(KernelInstance& k, Slice range, int threads) {
  // Untimed and outside the lock: each thread initializes the data (and the partial)
  // it will later run, from the slice mapping the runs use.
  partials_.assign(static_cast<std::size_t>(threads), Partial{});
  std::vector<std::thread> team;
  team.reserve(static_cast<std::size_t>(threads));
  for (int i = 0; i < threads; ++i)
    team.emplace_back([this, &k, range, i, threads] {
      partials_[static_cast<std::size_t>(i)] = k.make_partial();
      k.first_touch(k.worker_slice(range, i, threads));
    });
  for (auto& t : team) t.join();
}

void GilMode::worker_main(KernelInstance& k, GilLock& lock, Slice range, int index, int threads,
                          std::uint64_t tick, GilOccupancyProbe* probe) {
  const Slice mine = k.worker_slice(range, index, threads);
  Partial& acc = partials_[static_cast<std::size_t>(index)];
  GilWorker worker(lock, index, threads, probe);
  try {
    worker.take();
    k.reset(acc);
    for (std::uint64_t pos = mine.begin; pos < mine.end && !k.done();) {
      // Up to the next check in one call (legacy: up to check interval + 1 bytecodes).
      // (No division on the common path: one cost ~10 ns, a tenth of a cpython tick.)
      std::uint64_t ticks = lock.ticks_to_check(), end = pos + tick * ticks;
      if (end > mine.end || end < pos) {
        end = mine.end;
        ticks = (end - pos + tick - 1) / tick;
      }
      if (probe) probe->enter();
      k.body(Slice{pos, end}, acc, worker);
      if (probe) {
        probe->ticks.fetch_add(ticks, std::memory_order_relaxed);
        probe->leave();
      }
      pos = end;
      if (pos < mine.end) lock.between_ticks(index, ticks);
    }
  } catch (...) {
    // Blocking regions re-take the lock while unwinding: release it so the others finish.
    worker.release_final();
    throw;
  }
  worker.release_final();
}

void GilMode::run(KernelInstance& k, Slice range, int threads, Partial& out) {
  if (threads < 1) throw std::invalid_argument("gil mode: threads must be >= 1");
  if (partials_.size() != static_cast<std::size_t>(threads) || !same_shape(partials_[0], out))
    partials_.assign(static_cast<std::size_t>(threads), out);  // first_touch was not called
  const std::uint64_t tick = tick_elements(k);
  last_tick_ = tick;
  GilOccupancyProbe* probe = occupancy_probe_.load(std::memory_order_acquire);
  GilLock lock(policy_, switch_interval_s_, threads, check_interval_);

  std::mutex error_mutex;
  std::exception_ptr error;
  std::vector<std::thread> team;
  team.reserve(static_cast<std::size_t>(threads));
  for (int i = 0; i < threads; ++i)
    team.emplace_back([&, i] {
      try {
        worker_main(k, lock, range, i, threads, tick, probe);
      } catch (...) {
        std::lock_guard<std::mutex> g(error_mutex);
        if (!error) error = std::current_exception();
      }
    });
  for (auto& t : team) t.join();

  out.zero();
  for (const Partial& p : partials_) out.add(p);
  record_run(lock);
  if (error) std::rethrow_exception(error);
}

std::vector<std::unique_ptr<Mode>> make_gil_modes(const ModeOptions& opt) {
  std::vector<std::unique_ptr<Mode>> modes;
  for (const std::string& name : opt.gil_policies) {
    const auto policy = parse_gil_policy(name);
    if (!policy)
      throw std::invalid_argument("unknown GIL policy '" + name + "' (allowed: " + gil_policy_list() + ")");
    if (*policy == GilPolicy::legacy) {  // no switch interval in Python 2: one per check interval
      for (int check : opt.check_intervals)
        modes.push_back(std::make_unique<GilMode>(*policy, 5e-3, check, opt));  // (interval unused)
      continue;
    }
    for (double interval : opt.switch_intervals_s)
      modes.push_back(std::make_unique<GilMode>(*policy, interval, kDefaultCheckInterval, opt));
  }
  return modes;
}

}  // namespace sumbench
