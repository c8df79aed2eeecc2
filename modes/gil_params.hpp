// The gil policies' parameters that come from measurements of real interpreters, or were
// chosen by matching them, with where each came from. `sumbench --list` prints them under
// the policies, `--list=json` gives them as "gil_parameters", and docs/DESIGN.md repeats them.
// A parameter that was fitted says so: a figure it was fitted to is weaker evidence for the
// model than one it was not (BENCHMARKS.md judges every figure against controls).
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace sumbench {

// What one bytecode ("tick") of the post's loop costs in CPython 2.7.18, in nanoseconds:
// the median of the 26 per-repetition calibrations (each the fastest of 3, from the thread
// state's tick counter, child.py's "calibrate") in the four recorded fidelity runs of
// 2026-11-30 on the project's 2-core KVM guest (AMD EPYC Zen 4), 4.29-5.27 ns
// (docs/DESIGN.md, GIL policies: Python 2 bytecode).
// legacy without --gil-tick converts it into sum elements with the element rate that
// sumbench measures at start-up (gil_tick.cpp), so it needs no interpreter.
inline constexpr double kPython27BytecodeNs = 4.49;

struct GilParameter {
  std::string_view policy;
  std::string_view name;
  std::string_view value;
  std::string_view origin;  // "fitted", "measured", "interpreter default", "chosen"
  std::string_view detail;  // to what, from what, on which machine
};

inline constexpr std::array<GilParameter, 7> kGilParameters{{
    {"cpython", "tick", "1/32 of the kernel's tick (sum: 4096 elements, ~90-150 ns of work)", "fitted",
     "to CPython 3.11.7's convoy with C=2 CPU threads at a 1 ms switch interval (docs/DESIGN.md, GIL "
     "policies: answer time, one tick), on the project's 2-core KVM guest (AMD EPYC Zen 4, Debian 12), "
     "2026-11-29"},
    {"cpython", "release", "pthread calls as drop_gil makes them, timeout from the wait's return code",
     "fitted",
     "chosen among about 13 lock variants by CPython 3.11.7's convoy with C=2 and C=3 at 5 ms "
     "(docs/DESIGN.md, GIL policies: timeout from the return code, release path), same machine, "
     "2026-11-30"},
    {"cpython", "switch interval", "5 ms (--switch-interval)", "interpreter default",
     "sys.getswitchinterval() of CPython 3"},
    {"legacy", "bytecode", "4.49 ns, in sum elements at the rate measured at start-up (--gil-tick overrides)",
     "measured",
     "CPython 2.7.18's tick counter: median of 26 calibrations in four recorded fidelity runs, "
     "2026-11-30, on the same 2-core KVM guest (docs/DESIGN.md, GIL policies: Python 2 bytecode); not "
     "fitted to any figure"},
    {"legacy", "check interval", "100 bytecodes (--check-interval)", "interpreter default",
     "sys.getcheckinterval() of CPython 2.7"},
    {"fifo", "tick", "the kernel's tick (~5 us of work)", "chosen", "no interpreter: a comparison"},
    {"none", "-", "no lock", "chosen", "an upper bound: no interpreter"},
}};

// The figures a policy did not reproduce in the latest pre-registered recording (BENCHMARKS.md,
// GIL), one line per figure kind and its cause; runners/fidelity.py's table and the report give
// each figure's verdict and full mechanism (python/sumbench/fidelity/figures.py). `kind` is a
// fidelity figure kind: cpu, seed, convoy, ioconvoy, handoff.
struct GilMiss {
  std::string_view policy;
  std::string_view kind;
  std::string_view what;  // which figures, how they missed, and why
};

inline constexpr std::string_view kGilMissesRecording = "fidelity-vm-20261207T043917Z (2026-12-07)";
inline constexpr std::array<GilMiss, 8> kGilMisses{{
    {"cpython", "seed",
     "K threads / the serial loop: fail (1.45-1.54); the interpreter's main thread ran on "
     "a slower vCPU than its workers, the model's ticks cost ~10%"},
    {"cpython", "convoy",
     "2-3 CPU threads: inconclusive; a run settles into a whole number of switch "
     "intervals per wait, differently from run to run (the shares of those states agree); "
     "C=1 and the CPU ratios pass, but so does fifo: they do not discriminate"},
    {"cpython", "ioconvoy",
     "inconclusive (1 fail); whether the CPU thread wakes within a syscall's "
     "microseconds decides each run"},
    {"legacy", "cpu",
     "2 threads / 1: fail (0.70), 3 / 1: inconclusive (0.77); 2.7's semaphore fight is "
     "stronger and sets in for whole runs"},
    {"legacy", "seed",
     "2 threads / the serial loop: inconclusive (0.88 [0.79, 1.09]); 3 threads pass and "
     "discriminate"},
    {"legacy", "handoff", "fail (0.44): 2.7 switches every ~10 us, the model every ~4 us"},
    {"legacy", "convoy", "too small to judge: a 1 ms sleep's own overshoot dominates"},
    {"legacy", "ioconvoy",
     "inconclusive with 1 I/O thread (the model 1.2-1.5x faster), fail with 2 (0.5-0.6): "
     "the model runs no bytecodes between the calls"},
}};

}  // namespace sumbench
