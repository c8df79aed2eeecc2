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

GilLock::~GilLock() { sem_destroy(&sem_); }

void GilLock::sem_take() {
  // PyThread_acquire_lock(lock, 1): sem_wait until it succeeds (EINTR: try again).
  while (sem_wait(&sem_) != 0) {
    if (errno != EINTR) throw std::system_error(errno, std::generic_category(), "sem_wait");
  }
}

void GilLock::legacy_yield(int id) {
  Slot& me = slot(id);
  ++me.stats.drop_releases;
  last_release_ = GilRelease::drop_request;
  if (sem_post(&sem_) != 0) throw std::system_error(errno, std::generic_category(), "sem_post");
  // "Other threads may run now": then PyThread_acquire_lock(lock, 1), whose sem_wait
  // first tries the same atomic decrement as sem_trywait. Usually the releaser, still
  // on its core, wins it back within nanoseconds and its held interval goes on. No
  // clock is read on that path (Python 2 reads none; three reads per check cost the
  // model 27% at one thread, NOTES.md): a thread that takes the lock from another
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

void GilLock::wait_turn(std::unique_lock<std::mutex>& lk, int id, std::uint64_t ticket) {
  while (!my_turn(id, ticket)) {
    const std::uint64_t saved_switch_number = switch_number_;
    const bool timed_out = timed_wait(lk);
    // Timed out and no switch happened meanwhile: ask the holder to drop the lock.
    // (Not while the lock is in transit between a release and the next take.)
    if (timed_out && locked_ && switch_number_ == saved_switch_number && !my_turn(id, ticket) &&
        !drop_request_.load(std::memory_order_relaxed)) {
      drop_request_.store(true, std::memory_order_relaxed);
      ++stats_.drop_requests;
    }
  }
}

bool GilLock::timed_wait(std::unique_lock<std::mutex>& lk) {
  // PyCOND_TIMEDWAIT: a deadline one interval from now on CLOCK_MONOTONIC, and the verdict
  // from the return code. (std::condition_variable::wait_for reads the clock once more after
  // waking to decide; that read alone moved the C=2 convoy at 5 ms 1.5-2x above 3.11's,
  // in sumbench and in a C replica of ceval_gil.c alike: bench/fidelity/NOTES.md E19.)
  timespec at{};
  clock_gettime(CLOCK_MONOTONIC, &at);
  const std::int64_t ns = at.tv_nsec + interval_.count();  // at most 3600 s: no overflow
  at.tv_sec += static_cast<time_t>(ns / 1000000000);
  at.tv_nsec = static_cast<long>(ns % 1000000000);
  const int rc = pthread_cond_clockwait(cond_.native_handle(), lk.mutex()->native_handle(), CLOCK_MONOTONIC, &at);
  if (rc != 0 && rc != ETIMEDOUT) throw std::system_error(rc, std::generic_category(), "pthread_cond_clockwait");
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
    if (policy_ == GilPolicy::cpython) switch_cond_.notify_all();  // ends the previous holder's forced-switch wait
  }
  // RESET_GIL_DROP_REQUEST: the new holder starts a fresh interval.
  if (drop_request_.load(std::memory_order_relaxed)) drop_request_.store(false, std::memory_order_relaxed);
}

void GilLock::take(int id) {
  Slot& me = slot(id);
  const auto start = Clock::now();
  if (policy_ == GilPolicy::none) {
    ++me.stats.takes;
    me.held_since = start;
    return;
  }
  if (policy_ == GilPolicy::legacy) {
    sem_take();
    legacy_taken(id, start);  // the semaphore is held: it guards the statistics too
    return;
  }
  {
    std::unique_lock<std::mutex> lk(mutex_);
    switch (policy_) {
      case GilPolicy::cpython:
        wait_turn(lk, id, 0);
        break;
      case GilPolicy::fifo:
        wait_turn(lk, id, next_ticket_++);
        break;
      case GilPolicy::legacy:
      case GilPolicy::none:
        break;
    }
    // take_gil's _ready (cpython): switch_mutex guards last_holder and the switch_cond signal,
    // and is released before gil->mutex, so that a thread woken from its forced-switch wait
    // returns at once and then queues on gil->mutex (NOTES.md E19).
    std::unique_lock<std::mutex> sk(switch_mutex_, std::defer_lock);
    if (policy_ == GilPolicy::cpython) sk.lock();
    locked_ = true;
    note_taken(id);
  }
  const auto now = Clock::now();
  add_wait(me.stats, now - start);
  ++me.stats.takes;
  me.held_since = now;
}

void GilLock::release(int id, GilRelease why) {
  Slot& me = slot(id);
  const auto start = Clock::now();
  me.stats.held_s += std::chrono::duration<double>(start - me.held_since).count();
  if (why == GilRelease::drop_request)
    ++me.stats.drop_releases;
  else
    ++me.stats.voluntary_releases;
  if (policy_ == GilPolicy::none) return;
  if (policy_ == GilPolicy::legacy) {
    last_release_ = why;
    // PyThread_release_lock: sem_post, which wakes one sleeping waiter (a futex wake
    // when one waits) but hands nothing over: the releaser may take it straight back.
    if (sem_post(&sem_) != 0) throw std::system_error(errno, std::generic_category(), "sem_post");
    return;
  }

  {
    std::lock_guard<std::mutex> lk(mutex_);
    locked_ = false;
    last_release_ = why;
    if (policy_ == GilPolicy::fifo) {
      ++now_serving_;
      cond_.notify_all();  // the next ticket's owner must wake, whichever waiter it is
    } else {
      cond_.notify_one();
    }
  }
  // FORCE_SWITCHING: when asked to drop, make sure another thread gets the lock before
  // competing again; otherwise the releaser, still running, would usually win it back.
  // A thread's final release does not wait (CPython's drop_gil with tstate == NULL).
  // As in drop_gil, gil->mutex is released first and the wait is on switch_mutex.
  if (policy_ == GilPolicy::cpython && why != GilRelease::final && drop_request_.load(std::memory_order_relaxed)) {
    std::unique_lock<std::mutex> sk(switch_mutex_);
    if (last_holder_ == id) {  // not switched yet
      drop_request_.store(false, std::memory_order_relaxed);  // as CPython, before waiting
      ++me.stats.forced_waits;
      switch_cond_.wait(sk, [this, id] { return last_holder_ != id; });
      sk.unlock();
      add_wait(me.stats, Clock::now() - start);
    }
  }
}

}  // namespace sumbench
