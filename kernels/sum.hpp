#pragma once
#include <cstdint>

namespace sumbench {
// Unsigned 64-bit sum of i over [begin, end), modulo 2^64, computed element by element.
std::uint64_t sum_range(std::uint64_t begin, std::uint64_t end);
// n(n-1)/2 modulo 2^64: the exact expected value of sum_range(0, n).
std::uint64_t sum_expected(std::uint64_t n);
}  // namespace sumbench
