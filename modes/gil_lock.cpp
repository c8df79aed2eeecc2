#include "gil_lock.hpp"

#include <pthread.h>
#include <time.h>

#include <cerrno>
#include <cmath>
#include <stdexcept>
#include <system_error>

namespace sumbench {

GilLock::GilLock(GilPolicy policy, double switch_interval_s, int threads, int check_interval)
    : policy_(policy),
      interval_(std::chrono::nanoseconds(std::llround(switch_interval_s * 1e9))),
      check_interval_(check_interval),
      slots_(static_cast<std::size_t>(threads > 0 ? threads : 1)),
      ticker_(check_interval) {
  if (!(switch_interval_s > 0)) throw std::invalid_argument("GilLock: switch interval must be > 0");
  if (check_interval < 1 || check_interval > kMaxCheckInterval)
    throw std::invalid_argument("GilLock: check interval must be 1 to " + std::to_string(kMaxCheckInterval));
  // Python 2's PyThread_allocate_lock: sem_init(lock, 0, 1), process-private, free.
  if (sem_init(&sem_, 0, 1) != 0) throw std::system_error(errno, std::generic_category(), "sem_init");
}

GilLock::~GilLock() {
  sem_destroy(&sem_);
}

void GilLock::sem_take() {
  // PyThread_acquire_lock(lock, 1): sem_wait until it succeeds (EINTR: try again).
  while (sem_wait(&sem_) != 0) {
    if (errno != EINTR) throw std::system_error(errno, std::generic_category(), "sem_wait");
  }
}

void GilLock::legacy_yield(int id) {
  Slot& me = slot(id);
  count_release(me.stats, GilRelease::drop_request);
  last_release_ = GilRelease::drop_request;
  if (sem_post(&sem_) != 0) throw std::system_error(errno, std::generic_category(), "sem_post");
  // "Other threads may run now": then PyThread_acquire_lock(lock, 1), whose sem_wait
  // first tries the same atomic decrement as sem_trywait. Usually the releaser, still
  // on its core, wins it back within nanoseconds and its held interval goes on. No
  // clock is read on that path (Python 2 reads none; three reads per check cost the
  // model 27% at one thread: docs/DESIGN.md, GIL policies: clock reads per check): a
  // thread that takes the lock from another
  // stamps the loser's lost_at, which ends the loser's held interval.
  if (sem_trywait(&sem_) != 0) sem_take();
  if (last_holder_ == id) {  // nobody held it in between
    ++me.stats.takes;
    note_taken(id);
    return;
  }
  me.stats.held_s += std::chrono::duration<double>(me.lost_at - me.held_since).count();
  legacy_taken(id, me.lost_at);
}

void GilLock::legacy_taken(int id, Clock::time_point wait_start) {
  Slot& me = slot(id);
  const auto now = Clock::now();
  if (last_holder_ != kNoHolder && last_holder_ != id) slot(last_holder_).lost_at = now;
  note_taken(id);
  add_wait(me.stats, now - wait_start);
  ++me.stats.takes;
  me.held_since = now;
}

void GilLock::add_wait(GilThreadStats& s, Clock::duration d) {
  const double seconds = std::chrono::duration<double>(d).count();
  s.wait_s += seconds;
  if (seconds > s.longest_wait_s) s.longest_wait_s = seconds;
}

bool GilLock::my_turn(int /*id*/, std::uint64_t ticket) const {
  if (policy_ == GilPolicy::fifo) return !locked_ && now_serving_ == ticket;
  return !locked_;
}

void GilLock::wait_turn(std::unique_lock<std::mutex>& lk, int id, std::uint64_t ticket,
                        std::optional<Clock::time_point>& first) {
  while (!my_turn(id, ticket)) {
    const std::uint64_t saved_switch_number = switch_number_;
    const bool timed_out = timed_wait(lk, first);
    // Timed out and no switch happened meanwhile: ask the holder to drop the lock.
    // (Not while the lock is in transit between a release and the next take.)
    if (timed_out && locked_ && switch_number_ == saved_switch_number && !my_turn(id, ticket) &&
        !drop_request_.load(std::memory_order_relaxed)) {
      drop_request_.store(true, std::memory_order_relaxed);
      ++stats_.drop_requests;
    }
  }
}

bool GilLock::timed_wait(std::unique_lock<std::mutex>& lk, std::optional<Clock::time_point>& first) {
  // PyCOND_TIMEDWAIT: a deadline one interval from now on CLOCK_MONOTONIC, and the verdict
  // from the return code. (std::condition_variable::wait_for reads the clock once more after
  // waking to decide; that read alone moved the C=2 convoy at 5 ms 1.5-2x above 3.11's,
  // in sumbench and in a C replica of ceval_gil.c alike: docs/DESIGN.md, GIL policies:
  // timeout from the return code.)
  timespec at{};
  clock_gettime(CLOCK_MONOTONIC, &at);
  if (!first)  // steady_clock is CLOCK_MONOTONIC (libstdc++ on Linux)
    first = Clock::time_point(std::chrono::duration_cast<Clock::duration>(
        std::chrono::seconds(at.tv_sec) + std::chrono::nanoseconds(at.tv_nsec)));
  const std::int64_t ns = at.tv_nsec + interval_.count();  // at most kMaxSwitchIntervalS: no overflow
  at.tv_sec += static_cast<time_t>(ns / 1000000000);
  at.tv_nsec = static_cast<long>(ns % 1000000000);
  const int rc =
      pthread_cond_clockwait(cond_.native_handle(), lk.mutex()->native_handle(), CLOCK_MONOTONIC, &at);
  if (rc != 0 && rc != ETIMEDOUT)
    throw std::system_error(rc, std::generic_category(), "pthread_cond_clockwait");
  return rc == ETIMEDOUT;
}

void GilLock::note_taken(int id) {
  ++stats_.takes;
  if (last_holder_ == kNoHolder) {
    ++stats_.first_takes;
  } else if (last_holder_ == id) {
    ++stats_.retakes;
  } else {
    ++stats_.switches;
    if (last_release_ == GilRelease::drop_request)
      ++stats_.handoffs_after_drop;
    else
      ++stats_.handoffs_after_voluntary;
  }
  if (last_holder_ != id) {
    last_holder_ = id;
    ++switch_number_;
  }
  // COND_SIGNAL(gil->switch_cond) at every take, as take_gil does: it ends the previous
  // holder's forced-switch wait (cpython; switch_mutex_ held).
  if (policy_ == GilPolicy::cpython) switch_cond_.notify_one();
}

void GilLock::take(int id) {
  Slot& me = slot(id);
  if (policy_ == GilPolicy::none) {
    ++me.stats.takes;
    me.held_since = Clock::now();
    return;
  }
  if (policy_ == GilPolicy::legacy) {
    const auto start = Clock::now();
    sem_take();
    legacy_taken(id, start);  // the semaphore is held: it guards the statistics too
    return;
  }
  // cpython, fifo: no clock read before gil->mutex, as in take_gil (one there moved the
  // C=3 convoy at 5 ms from 1.02x to 1.28x 3.11's: docs/DESIGN.md, GIL policies: release
  // path). A wait starts at its first
  // timed wait's own clock read; a take that finds the lock free waits 0.
  std::optional<Clock::time_point> first;
  {
    std::unique_lock<std::mutex> lk(mutex_);
    if (policy_ == GilPolicy::cpython)
      wait_turn(lk, id, 0, first);
    else
      wait_turn(lk, id, next_ticket_++, first);
    // take_gil's _ready (cpython): switch_mutex guards last_holder and the switch_cond signal,
    // and is released before gil->mutex, so that a thread woken from its forced-switch wait
    // returns at once and then queues on gil->mutex (docs/DESIGN.md, GIL policies: timeout
    // from the return code).
    std::unique_lock<std::mutex> sk(switch_mutex_, std::defer_lock);
    if (policy_ == GilPolicy::cpython) sk.lock();
    locked_ = true;
    note_taken(id);
    if (sk.owns_lock()) sk.unlock();
    // RESET_GIL_DROP_REQUEST, after switch_mutex as in take_gil: the new holder starts afresh.
    if (drop_request_.load(std::memory_order_relaxed)) drop_request_.store(false, std::memory_order_relaxed);
  }
  const auto now = Clock::now();
  if (first) add_wait(me.stats, now - *first);
  ++me.stats.takes;
  me.held_since = now;
}

void GilLock::release(int id, GilRelease why) {
  Slot& me = slot(id);
  count_release(me.stats, why);
  if (policy_ == GilPolicy::cpython) {
    // drop_gil, call for call: between the drop request and the signal only what drop_gil
    // does there (its MUTEX_LOCK, COND_SIGNAL and MUTEX_UNLOCK on pthread objects). The C=3
    // convoy at 5 ms is that sensitive: one 22 ns clock read before the signal took it from
    // 1.02x to 0.70x 3.11's, and std::condition_variable::notify_one (a call into libstdc++
    // on the way to pthread_cond_signal) gave 0.77x against 0.97x for the direct call, in the
    // same interleaved run (docs/DESIGN.md, GIL policies: release path). The held interval ends at a
    // clock read after the signal and before the unlock: the next holder reads its start only
    // once it has gil->mutex, so held intervals never overlap.
    pthread_mutex_t* m = mutex_.native_handle();
    check(pthread_mutex_lock(m), "pthread_mutex_lock");
    locked_ = false;
    last_release_ = why;
    check(pthread_cond_signal(cond_.native_handle()), "pthread_cond_signal");
    const auto released = Clock::now();
    check(pthread_mutex_unlock(m), "pthread_mutex_unlock");
    me.stats.held_s += std::chrono::duration<double>(released - me.held_since).count();
    // FORCE_SWITCHING: when asked to drop, make sure another thread gets the lock before
    // competing again; otherwise the releaser, still running, would usually win it back.
    // A thread's final release does not wait (CPython's drop_gil with tstate == NULL).
    // As in drop_gil, gil->mutex is released first and the wait is on switch_mutex.
    if (drop_request_.load(std::memory_order_relaxed) && why != GilRelease::final) {
      std::unique_lock<std::mutex> sk(switch_mutex_);
      if (last_holder_ == id) {                                 // not switched yet
        drop_request_.store(false, std::memory_order_relaxed);  // as CPython, before waiting
        ++me.stats.forced_waits;
        switch_cond_.wait(sk, [this, id] { return last_holder_ != id; });
        sk.unlock();
        add_wait(me.stats, Clock::now() - released);
      }
    }
    return;
  }
  me.stats.held_s += std::chrono::duration<double>(Clock::now() - me.held_since).count();
  if (policy_ == GilPolicy::none) return;
  if (policy_ == GilPolicy::legacy) {
    last_release_ = why;
    // PyThread_release_lock: sem_post, which wakes one sleeping waiter (a futex wake
    // when one waits) but hands nothing over: the releaser may take it straight back.
    if (sem_post(&sem_) != 0) throw std::system_error(errno, std::generic_category(), "sem_post");
    return;
  }
  std::lock_guard<std::mutex> lk(mutex_);  // fifo
  locked_ = false;
  last_release_ = why;
  ++now_serving_;
  cond_.notify_all();  // the next ticket's owner must wake, whichever waiter it is
}

void GilLock::check(int rc, const char* what) {
  // CPython's MUTEX_LOCK and COND_SIGNAL macros: a failed call is fatal.
  if (rc != 0) throw std::system_error(rc, std::generic_category(), what);
}

void GilLock::count_release(GilThreadStats& s, GilRelease why) {
  if (why == GilRelease::drop_request)
    ++s.drop_releases;
  else
    ++s.voluntary_releases;
}

}  // namespace sumbench
