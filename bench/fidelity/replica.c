// A line-by-line replica of CPython 3.11's GIL (Python/ceval_gil.h: take_gil, drop_gil,
// FORCE_SWITCHING; two mutexes, condition variables on CLOCK_MONOTONIC, the timeout read
// from pthread_cond_timedwait's return code), driven like child.py's convoy: C CPU threads
// spin, checking the eval breaker every WORK iterations of a ~0.5 ns loop (40: ~20 ns,
// the eval loop's check; 300: ~150 ns, sumbench's default tick), while the main thread
// does WAITS sleeps of 1 ms, each from releasing the lock to holding it again. It prints
// the mean added latency per wait in ms, the convoy figure (docs/DESIGN.md, GIL policies:
// timeout from the return code).
//
// It separates the lock's code from everything else: run interleaved with the interpreter
// and with sumbench, one run of each per round. `extra-read` adds one clock read after
// each timed wait, as libstdc++'s condition_variable::wait_for makes to decide a timeout.
//
//   cc -O2 -pthread bench/fidelity/replica.c -o replica
//   ./replica C INTERVAL_US WORK WAITS [extra-read]
// Exit status: 0, 1 when a wait lasted less than 1 ms (a broken clock or sleep), 2 on bad
// arguments.
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static pthread_mutex_t mutex = PTHREAD_MUTEX_INITIALIZER;         // gil->mutex
static pthread_mutex_t switch_mutex = PTHREAD_MUTEX_INITIALIZER;  // gil->switch_mutex
static pthread_cond_t cond, switch_cond;
static atomic_int locked, drop_request, eval_breaker, stop;
static atomic_uintptr_t last_holder;
static unsigned long switch_number;  // guarded by mutex
static long interval_us, work;
static int extra_read;
static volatile unsigned long sink;

static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static void set_drop(int on) {  // SET_GIL_DROP_REQUEST / RESET_GIL_DROP_REQUEST
  atomic_store_explicit(&drop_request, on, memory_order_relaxed);
  atomic_store_explicit(&eval_breaker, on, memory_order_relaxed);
}

static void drop_gil(uintptr_t tstate) {  // tstate 0: the thread is exiting
  if (tstate) atomic_store_explicit(&last_holder, tstate, memory_order_relaxed);
  pthread_mutex_lock(&mutex);
  atomic_store_explicit(&locked, 0, memory_order_relaxed);
  pthread_cond_signal(&cond);
  pthread_mutex_unlock(&mutex);
  if (atomic_load_explicit(&drop_request, memory_order_relaxed) && tstate) {
    pthread_mutex_lock(&switch_mutex);
    if (atomic_load_explicit(&last_holder, memory_order_relaxed) == tstate) {  // not switched yet
      set_drop(0);
      pthread_cond_wait(&switch_cond, &switch_mutex);
    }
    pthread_mutex_unlock(&switch_mutex);
  }
}

static void take_gil(uintptr_t tstate) {
  pthread_mutex_lock(&mutex);
  while (atomic_load_explicit(&locked, memory_order_relaxed)) {
    unsigned long saved = switch_number;
    struct timespec at;  // _PyThread_cond_after
    clock_gettime(CLOCK_MONOTONIC, &at);
    long long ns = at.tv_nsec + (long long)interval_us * 1000;
    at.tv_sec += (time_t)(ns / 1000000000);
    at.tv_nsec = (long)(ns % 1000000000);
    int timed_out = pthread_cond_timedwait(&cond, &mutex, &at) == ETIMEDOUT;
    if (extra_read) sink += (unsigned long)now_s();
    if (timed_out && atomic_load_explicit(&locked, memory_order_relaxed) && switch_number == saved) set_drop(1);
  }
  pthread_mutex_lock(&switch_mutex);  // _ready
  atomic_store_explicit(&locked, 1, memory_order_relaxed);
  if (tstate != atomic_load_explicit(&last_holder, memory_order_relaxed)) {
    atomic_store_explicit(&last_holder, tstate, memory_order_relaxed);
    ++switch_number;
  }
  pthread_cond_signal(&switch_cond);
  pthread_mutex_unlock(&switch_mutex);
  if (atomic_load_explicit(&drop_request, memory_order_relaxed)) set_drop(0);
  pthread_mutex_unlock(&mutex);
}

static void *cpu(void *arg) {
  uintptr_t me = (uintptr_t)arg;
  unsigned long x = 0;
  take_gil(me);
  while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
    for (long i = 0; i < work; ++i) x = x * 3 + (unsigned long)i;  // the bytecodes between checks
    if (atomic_load_explicit(&eval_breaker, memory_order_relaxed) &&
        atomic_load_explicit(&drop_request, memory_order_relaxed)) {
      drop_gil(me);
      take_gil(me);
    }
  }
  sink += x;
  drop_gil(0);
  return NULL;
}

static long arg(const char *text, const char *name, long lo, long hi) {
  char *end;
  errno = 0;
  long v = strtol(text, &end, 10);
  if (errno || end == text || *end || v < lo || v > hi) {
    fprintf(stderr, "replica: %s '%s' is not an integer in %ld..%ld\n", name, text, lo, hi);
    exit(2);
  }
  return v;
}

int main(int argc, char **argv) {
  if (argc < 5 || argc > 6 || (argc == 6 && strcmp(argv[5], "extra-read") != 0)) {
    fprintf(stderr, "usage: %s C INTERVAL_US WORK WAITS [extra-read]\n", argv[0]);
    return 2;
  }
  int threads = (int)arg(argv[1], "C", 1, 64);
  interval_us = arg(argv[2], "INTERVAL_US", 1, 3600000000L);
  work = arg(argv[3], "WORK", 1, 1000000000L);
  long waits = arg(argv[4], "WAITS", 1, 1000000L);
  extra_read = argc == 6;
  pthread_condattr_t attr;
  pthread_condattr_init(&attr);
  pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);  // CPython's CONDATTR_MONOTONIC
  pthread_cond_init(&cond, &attr);
  pthread_cond_init(&switch_cond, &attr);

  const uintptr_t io = 1000;
  pthread_t th[64];
  take_gil(io);
  for (int i = 0; i < threads; ++i) pthread_create(&th[i], NULL, cpu, (void *)(uintptr_t)(i + 1));
  drop_gil(io);  // let the CPU threads start spinning, as child.py does
  struct timespec settle = {0, 20000000};
  nanosleep(&settle, NULL);
  take_gil(io);
  double added = 0;
  long short_waits = 0;
  for (long k = 0; k < waits; ++k) {
    double a = now_s();
    drop_gil(io);  // Py_BEGIN_ALLOW_THREADS around time.sleep(0.001)
    struct timespec d = {0, 1000000};
    while (clock_nanosleep(CLOCK_MONOTONIC, 0, &d, &d) == EINTR) {
    }
    take_gil(io);
    double w = now_s() - a;
    if (w < 1e-3) ++short_waits;
    added += w - 1e-3;
  }
  atomic_store(&stop, 1);
  drop_gil(0);
  for (int i = 0; i < threads; ++i) pthread_join(th[i], NULL);
  if (short_waits) {
    fprintf(stderr, "replica: %ld of %ld waits lasted less than 1 ms\n", short_waits, waits);
    return 1;
  }
  printf("%.3f\n", added / (double)waits * 1e3);
  return 0;
}
