// Google Benchmark 1.7.1's flags as sumbench checks them: each flag's kind, default, allowed
// values and whether every rank must agree on it, and the check of one value (bench_flags.cpp
// resolves them from the command line, the environment and sumbench's defaults).
#pragma once

#include <string>
#include <vector>

namespace sumbench::bench_flags {

enum class Kind { boolean, color, integer, seconds, choice, list, path, regex };

struct Spec {
  const char* name;
  Kind kind;
  const char* fallback;  // Google Benchmark's default
  const char* allowed;   // a choice's values: "console|json|csv"
  double lo, hi;         // an integer's or a duration's range
  bool shared;           // decides what every rank runs: must agree across ranks
};

// Every flag of Google Benchmark 1.7.1 but --benchmark_context (a list of pairs).
const std::vector<Spec>& specs();
// The canonical value of `text` for flag `s`; `where` names it ("--benchmark_repetitions=-1").
// Throws UsageError naming it and what is allowed.
std::string check(const Spec& s, const std::string& text, const std::string& where);

}  // namespace sumbench::bench_flags
