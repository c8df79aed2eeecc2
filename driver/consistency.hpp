// Agreement between the ranks before anything runs. Under mpirun, a rank that stops alone
// (bad input in its environment) or runs other cases than the rest (another
// BENCHMARK_FILTER) leaves the others waiting for ever: every rank must stop together.
#pragma once

#include <string>
#include <vector>

#include "world.hpp"

namespace sumbench {

// Collective. When any rank has an error (`mine` not empty), throws UsageError on every
// rank; on rank 0 its message is that of the lowest such rank ("rank N: ..." if not 0).
void agree_on_error(const World& world, const std::string& mine);

// An input that must be the same on every rank, and where this rank got it.
struct SharedInput {
  std::string name;  // "--benchmark_filter"
  std::string value;
  std::string source;  // "BENCHMARK_FILTER in the environment"
};

// Collective; every rank passes the same names in the same order. When a value differs
// between ranks, throws UsageError on every rank; on rank 0 its message names the first
// input that differs, two ranks, their values and where each got its value.
void check_same_everywhere(const World& world, const std::vector<SharedInput>& inputs);

// FNV-1a: the same on every rank and build, unlike std::hash.
unsigned long long fingerprint(const std::string& text);

}  // namespace sumbench
