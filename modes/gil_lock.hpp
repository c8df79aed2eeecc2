// A GIL-like lock modelled on CPython's locks, one policy per real (or idealised) design.
//
// cpython (default): the "new GIL" (Python >= 3.2, Python/ceval_gil.c):
//   - the lock is a boolean `locked` guarded by a mutex, its changes signalled on a
//     condition variable; `last_holder` and `switch_number` record hand-offs;
//   - a thread that finds it taken waits on the condition variable with a timeout of
//     the switch interval; when the wait times out and no switch happened meanwhile it
//     sets the drop request (CPython's gil_drop_request / eval_breaker);
//   - the holder checks the drop request between ticks and, when set, releases; with
//     forced switching (FORCE_SWITCHING) it then waits until another thread has taken
//     the lock before competing again;
//   - blocking calls release around the call (Py_BEGIN/END_ALLOW_THREADS), with the
//     same forced switching when a drop request is pending; a thread's last release
//     (thread exit) does not wait.
// legacy: the "old GIL" of CPython 2.7 on Linux (Python/ceval.c, Python/thread_pthread.h):
//   - the lock is a POSIX semaphore: take = sem_wait, release = sem_post (2.7.18 links
//     sem_wait/sem_post, no pthread_cond, for its locks); no timeout, no fairness, no
//     drop request, no forced switching;
//   - a ticker shared by all threads counts ticks (bytecodes); every check interval N
//     (sys.setcheckinterval, default 100) the holder releases and at once re-acquires,
//     after N + 1 ticks as ceval's `--_Py_Ticker < 0` does. A woken waiter usually
//     finds the lock re-taken; it wins only when it gets there within the releaser's
//     sem_post/sem_wait window. The price of that fight is the releaser's futex wake and
//     the cache-line traffic, paid every check interval (docs/DESIGN.md, GIL policies:
//     old-GIL slowdown);
//   - a tick is one bytecode's worth of kernel work: --gil-tick elements (the fidelity
//     harness calibrates it against Python 2.7's own bytecode rate).
// fifo: a ticket lock: the lock is handed off strictly in arrival order; waiters set the
//   drop request after an interval as in cpython and the holder yields at it (re-queueing
//   behind the waiters, so no forced-switch wait is needed). No interpreter does this.
// none: no lock at all: an upper bound (no interpreter's behaviour, not free-threaded
//   CPython, whose reference counting and per-object locks cost time); only the
//   per-thread times are recorded.
//
// Locks as in ceval_gil.c: `mutex_` (gil->mutex) guards the lock state and its waits;
// `switch_mutex_` (gil->switch_mutex) guards last_holder and the forced-switch wait, and a
// releaser takes it only after releasing `mutex_`. Which mutex a woken releaser queues on
// decides the C=2 convoy's states (docs/DESIGN.md, GIL policies: timeout from the return code).
#pragma once

#include <semaphore.h>

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sumbench {

enum class GilPolicy { cpython, legacy, fifo, none };

// CPython 2's default check interval (sys.getcheckinterval()), and the largest sumbench
// takes: a million bytecodes is milliseconds of work, beyond any interval Python 2 users set.
inline constexpr int kDefaultCheckInterval = 100;
inline constexpr int kMaxCheckInterval = 1000000;
// The longest switch interval sumbench takes, in seconds. sys.setswitchinterval takes any
// positive value, but a convoy run waits up to one interval for the lock after each of its
// K I/O waits (kernels/convoy.cpp): at 1 s its 200 waits take up to 200 s a run, at the
// former 3600 s, 200 hours. 1 s is 200 times CPython's default (5 ms) and 20 times the
// longest interval the project's experiments use (50 ms).
inline constexpr double kMaxSwitchIntervalS = 1.0;

// The policy names, in the order of the enum (for messages and --list).
inline constexpr std::array<std::string_view, 4> kGilPolicyNames{"cpython", "legacy", "fifo", "none"};
// What each policy reproduces and what it does not, one line per policy in the order of
// the enum (--list wraps them; --list=json gives them as they are). The figures behind
// these words: BENCHMARKS.md and docs/DESIGN.md, GIL policies.
inline constexpr std::array<std::string_view, 4> kGilPolicySummaries{
    "CPython 3.2+ (ceval_gil.c): timed waits of one switch interval judged by their return code, drop "
    "requests, forced switching under its own mutex, a drop answered within ~150 ns of work. Judged "
    "against 3.11 and every 3.x, figure by figure, with fifo, none and legacy as controls "
    "(runners/fidelity.py, BENCHMARKS.md); not the interpreter's own work or memory traffic",
    "CPython 2.7 on Linux: a POSIX semaphore released and re-taken every --check-interval bytecodes, "
    "a bytecode being 2.7.18's measured 4.49 ns of sum work at the rate measured at start-up (no "
    "interpreter needed; --gil-tick overrides). Judged against 2.7.18 with fifo, none and cpython as "
    "controls (runners/fidelity.py, BENCHMARKS.md); not the interpreter's shared state",
    "no interpreter: a FIFO ticket lock with cpython's drop requests; a control",
    "no lock: an upper bound and a control, not free-threaded CPython (which pays for its own locking)",
};

// "cpython,legacy,fifo,none": the allowed values, for usage messages.
std::string gil_policy_list();
bool is_gil_policy(std::string_view name);
std::optional<GilPolicy> parse_gil_policy(std::string_view name);
std::string_view gil_policy_name(GilPolicy policy);

// Parses one switch interval like sys.setswitchinterval's argument: "500us", "1ms",
// "0.005s" or a bare number of seconds ("0.005"). Returns seconds, or nullopt when the
// text is empty, unparsable (incl. trailing junk or spaces), not finite, overflowing,
// zero or negative, below 1 us (names carry whole microseconds) or above kMaxSwitchIntervalS.
std::optional<double> parse_switch_interval(std::string_view text);
// Whole microseconds of an interval, as in benchmark names ("interval:5000us").
std::int64_t switch_interval_us(double seconds);

// Why a holder released the lock.
enum class GilRelease {
  drop_request,  // at a tick boundary: a waiter's drop request (cpython, fifo) or the check interval (legacy)
  blocking,      // around a blocking call (voluntary)
  final,         // the thread's work is done (voluntary)
};

// One thread's statistics. Written only by that thread; read after it is joined.
struct GilThreadStats {
  std::uint64_t takes = 0;
  std::uint64_t drop_releases = 0;       // GilRelease::drop_request
  std::uint64_t voluntary_releases = 0;  // GilRelease::blocking + GilRelease::final
  std::uint64_t forced_waits = 0;        // releases that then waited for another thread to take the lock
  // Time waiting in take() plus forced-switch waits. cpython, fifo: a take's wait starts at its
  // first timed wait (no clock read before gil->mutex), so one that finds the lock free adds 0.
  double wait_s = 0;
  double longest_wait_s = 0;  // the longest single take() or forced-switch wait
  double held_s = 0;          // time between take() returning and the next release
};

// Statistics of the whole lock. Written under its mutex; read after all threads are joined.
// Invariants (for locking policies, after every thread did its final release):
//   takes == switches + retakes + first_takes          (each take classified once)
//   switches == handoffs_after_drop + handoffs_after_voluntary
//   sum of thread takes == sum of thread drop_releases + voluntary_releases
struct GilLockStats {
  std::uint64_t takes = 0;
  std::uint64_t first_takes = 0;               // takes with no previous holder (1 once the lock was used)
  std::uint64_t switches = 0;                  // takes by a thread other than the previous holder
  std::uint64_t retakes = 0;                   // takes by the previous holder itself
  std::uint64_t handoffs_after_drop = 0;       // switches whose previous release was a drop_request one
  std::uint64_t handoffs_after_voluntary = 0;  // switches whose previous release was blocking or final
  std::uint64_t drop_requests = 0;             // times a waiter set the drop request (0 -> 1)
};

class GilLock {
 public:
  // `threads`: thread ids are 0..threads-1. `check_interval`: legacy's sys.setcheckinterval.
  GilLock(GilPolicy policy, double switch_interval_s, int threads,
          int check_interval = kDefaultCheckInterval);
  ~GilLock();
  GilLock(const GilLock&) = delete;
  GilLock& operator=(const GilLock&) = delete;

  // take_gil: blocks until thread `id` holds the lock.
  void take(int id);
  // drop_gil: thread `id` releases the lock it holds. Forced switching applies to
  // drop_request and blocking releases of the cpython policy while a drop request is pending.
  void release(int id, GilRelease why);

  // Called by the holder after `ticks` ticks: the eval loop's check.
  // cpython, fifo: when a drop request is pending, release it and take it again.
  // legacy: when the shared ticker runs out (every check interval + 1 ticks), release
  // and at once take again, as CPython 2's ceval did.
  void between_ticks(int id, std::uint64_t ticks = 1) {
    switch (policy_) {
      case GilPolicy::cpython:
      case GilPolicy::fifo:
        if (drop_request_.load(std::memory_order_relaxed)) yield(id);
        break;
      case GilPolicy::legacy:
        // Only the holder touches the ticker: the semaphore orders it between holders.
        // Ticks past the check count down from a fresh interval, as one by one they
        // would; checks that fell inside one call (other threads ran during a
        // blocking call in it) make one release.
        ticker_ -= static_cast<std::int64_t>(ticks);
        if (ticker_ < 0) {
          ticker_ = check_interval_ - (-ticker_ - 1) % (check_interval_ + 1);
          legacy_yield(id);
        }
        break;
      case GilPolicy::none:
        break;
    }
  }
  // The ticks the holder may run before its next check: legacy's ticker + 1, else 1.
  // (The gil mode runs that many ticks in one kernel call.)
  std::uint64_t ticks_to_check() const {
    return policy_ == GilPolicy::legacy ? static_cast<std::uint64_t>(ticker_ + 1) : 1;
  }
  // Releases at a drop request and takes the lock again.
  void yield(int id) {
    release(id, GilRelease::drop_request);
    take(id);
  }

  // Read after all threads using the lock have been joined.
  const GilThreadStats& thread_stats(int id) const { return slots_[static_cast<std::size_t>(id)].stats; }
  const GilLockStats& lock_stats() const { return stats_; }
  int threads() const { return static_cast<int>(slots_.size()); }

 private:
  using Clock = std::chrono::steady_clock;
  static constexpr int kNoHolder = -1;

  // Per-thread state on its own cache line (touched only by its thread, except lost_at).
  struct alignas(64) Slot {
    GilThreadStats stats;
    Clock::time_point held_since{};
    Clock::time_point lost_at{};  // legacy: when another thread took the lock from it
  };
  Slot& slot(int id) { return slots_[static_cast<std::size_t>(id)]; }

  // Waits (mutex held) until thread `id` may take the lock; the cpython and fifo
  // waiting loops, which request a drop after an interval without a switch.
  // `first`: set at the first timed wait's clock read (the start of a wait).
  void wait_turn(std::unique_lock<std::mutex>& lk, int id, std::uint64_t ticket,
                 std::optional<Clock::time_point>& first);
  bool my_turn(int id, std::uint64_t ticket) const;
  // One interval on cond_; true: timed out. Sets `first` to its clock read if unset.
  bool timed_wait(std::unique_lock<std::mutex>& lk, std::optional<Clock::time_point>& first);
  void note_taken(int id);    // lock held (cpython: and switch_mutex): switch accounting
  void sem_take();            // legacy: sem_wait until it succeeds
  void legacy_yield(int id);  // legacy: ceval's release and immediate re-acquire
  void legacy_taken(int id, Clock::time_point wait_start);  // semaphore held: accounting
  static void add_wait(GilThreadStats& s, Clock::duration d);
  static void count_release(GilThreadStats& s, GilRelease why);
  static void check(int rc, const char* what);  // a pthread call's return code

  const GilPolicy policy_;
  const std::chrono::nanoseconds interval_;
  const std::int64_t check_interval_;
  std::vector<Slot> slots_;
  std::int64_t ticker_;  // legacy: CPython 2's _Py_Ticker (one for all threads)
  sem_t sem_;            // legacy: the lock itself (PyThread_type_lock on Linux)

  std::mutex mutex_;                     // CPython's gil->mutex
  std::condition_variable cond_;         // CPython's gil->cond: the lock was released
  std::mutex switch_mutex_;              // CPython's gil->switch_mutex (cpython policy)
  std::condition_variable switch_cond_;  // CPython's gil->switch_cond: another thread took it
  bool locked_ = false;
  // Written under mutex_ and (cpython) switch_mutex_; read under either.
  int last_holder_ = kNoHolder;
  GilRelease last_release_ = GilRelease::final;
  std::uint64_t switch_number_ = 0;
  std::uint64_t next_ticket_ = 0;  // fifo: the next arrival's ticket
  std::uint64_t now_serving_ = 0;  // fifo: the ticket that may hold the lock
  GilLockStats stats_;
  // CPython's gil_drop_request: set by waiters under the mutex, read by the holder
  // between ticks without it (relaxed, like CPython's eval_breaker).
  std::atomic<bool> drop_request_{false};
};

}  // namespace sumbench
