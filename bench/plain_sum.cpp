// The reference the sum kernel is held to: the plain loop, as g++ -O3 -march=native
// auto-vectorizes it (this file is always built with those flags; see CMakeLists.txt).
#include <cstdint>

std::uint64_t plain_sum(std::uint64_t begin, std::uint64_t end) {
  std::uint64_t count = 0;
  for (std::uint64_t i = begin; i < end; ++i) count += i;
  return count;
}
