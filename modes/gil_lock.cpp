#include "gil_lock.hpp"

#include <cerrno>
#include <charconv>
#include <cmath>
#include <stdexcept>
#include <system_error>

namespace sumbench {

std::string gil_policy_list() {
  std::string list;
  for (auto name : kGilPolicyNames) {
    if (!list.empty()) list += ',';
    list += name;
  }
  return list;
}

std::optional<GilPolicy> parse_gil_policy(std::string_view name) {
  for (std::size_t i = 0; i < kGilPolicyNames.size(); ++i)
    if (kGilPolicyNames[i] == name) return static_cast<GilPolicy>(i);
  return std::nullopt;
}

bool is_gil_policy(std::string_view name) { return parse_gil_policy(name).has_value(); }

std::string_view gil_policy_name(GilPolicy policy) {
  return kGilPolicyNames[static_cast<std::size_t>(policy)];
}

std::optional<double> parse_switch_interval(std::string_view text) {
  double unit = 1.0;  // a bare number is seconds, like sys.setswitchinterval
  if (text.ends_with("us")) {
    unit = 1e-6;
    text.remove_suffix(2);
  } else if (text.ends_with("ms")) {
    unit = 1e-3;
    text.remove_suffix(2);
  } else if (text.ends_with("s")) {
    text.remove_suffix(1);
  }
  if (text.empty()) return std::nullopt;
  double value = 0;
  const char* end = text.data() + text.size();
  // from_chars takes no leading '+' or spaces and reports overflow (1e400) as out of range.
  const auto [ptr, ec] = std::from_chars(text.data(), end, value, std::chars_format::general);
  if (ec != std::errc{} || ptr != end || !std::isfinite(value)) return std::nullopt;
  const double seconds = value * unit;
  // Names carry whole microseconds, and a wait needs a finite, representable deadline.
  if (!(seconds >= 1e-6 - 1e-12) || seconds > 3600.0) return std::nullopt;
  return seconds;
}

std::int64_t switch_interval_us(double seconds) { return std::llround(seconds * 1e6); }

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
    const bool timed_out = cond_.wait_for(lk, interval_) == std::cv_status::timeout;
    // Timed out and no switch happened meanwhile: ask the holder to drop the lock.
    // (Not while the lock is in transit between a release and the next take.)
    if (timed_out && locked_ && switch_number_ == saved_switch_number && !my_turn(id, ticket) &&
        !drop_request_.load(std::memory_order_relaxed)) {
      drop_request_.store(true, std::memory_order_relaxed);
      ++stats_.drop_requests;
    }
  }
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

  std::unique_lock<std::mutex> lk(mutex_);
  locked_ = false;
  last_release_ = why;
  if (policy_ == GilPolicy::fifo) {
    ++now_serving_;
    cond_.notify_all();  // the next ticket's owner must wake, whichever waiter it is
  } else {
    cond_.notify_one();
  }
  // FORCE_SWITCHING: when asked to drop, make sure another thread gets the lock before
  // competing again; otherwise the releaser, still running, would usually win it back.
  // A thread's final release does not wait (CPython's drop_gil with tstate == NULL).
  if (policy_ == GilPolicy::cpython && why != GilRelease::final &&
      drop_request_.load(std::memory_order_relaxed) && last_holder_ == id) {
    drop_request_.store(false, std::memory_order_relaxed);  // as CPython, before waiting
    ++me.stats.forced_waits;
    switch_cond_.wait(lk, [this, id] { return last_holder_ != id; });
    lk.unlock();
    add_wait(me.stats, Clock::now() - start);
  }
}

}  // namespace sumbench
