#include <algorithm>
#include <bit>
#include <cstring>

#include "kernel.hpp"

namespace sumbench {

void Partial::zero() {
  std::fill(counts.begin(), counts.end(), 0);
  std::fill(values.begin(), values.end(), 0.0);
}

void Partial::add(const Partial& other) {
  for (std::size_t i = 0; i < counts.size(); ++i) counts[i] += other.counts[i];
  for (std::size_t i = 0; i < values.size(); ++i) values[i] += other.values[i];
}

std::uint64_t Partial::checksum() const {
  // FNV-1a over the bit patterns, folded to 53 bits so a double counter holds it exactly.
  std::uint64_t h = 1469598103934665603ull;
  auto mix = [&h](std::uint64_t x) {
    for (int b = 0; b < 8; ++b) {
      h ^= (x >> (8 * b)) & 0xffu;
      h *= 1099511628211ull;
    }
  };
  for (auto c : counts) mix(c);
  for (auto v : values) mix(std::bit_cast<std::uint64_t>(v));
  return h & ((1ull << 53) - 1);
}

}  // namespace sumbench
