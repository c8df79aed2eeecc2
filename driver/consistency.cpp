#include "consistency.hpp"

#include <mpi.h>

#include <cstdlib>

#include "options.hpp"

namespace sumbench {
namespace {

// Length-prefixed strings: "5:hello3:abc", safe whatever the values hold.
void put(std::string& out, const std::string& s) {
  out += std::to_string(s.size()) + ":" + s;
}

std::vector<std::string> take_all(const std::string& in) {
  std::vector<std::string> out;
  for (std::size_t at = 0; at < in.size();) {
    const std::size_t colon = in.find(':', at);
    const std::size_t n = std::strtoull(in.c_str() + at, nullptr, 10);
    out.push_back(in.substr(colon + 1, n));
    at = colon + 1 + n;
  }
  return out;
}

// Every rank's `mine`, on rank 0 (empty elsewhere).
std::vector<std::string> gather_on_root(const World& world, const std::string& mine) {
  int length = static_cast<int>(mine.size());
  std::vector<int> lengths(static_cast<std::size_t>(world.size())), offsets(lengths.size());
  MPI_Gather(&length, 1, MPI_INT, lengths.data(), 1, MPI_INT, 0, world.comm());
  int total = 0;
  for (std::size_t r = 0; r < lengths.size(); ++r) offsets[r] = total, total += lengths[r];
  std::string all(static_cast<std::size_t>(world.root() ? total : 0), '\0');
  MPI_Gatherv(mine.data(), length, MPI_CHAR, all.data(), lengths.data(), offsets.data(), MPI_CHAR, 0,
              world.comm());
  std::vector<std::string> out;
  if (world.root())
    for (std::size_t r = 0; r < lengths.size(); ++r) out.push_back(all.substr(offsets[r], lengths[r]));
  return out;
}

std::string quoted(const std::string& s) {
  return "'" + s + "'";
}

}  // namespace

unsigned long long fingerprint(const std::string& text) {
  unsigned long long h = 1469598103934665603ull;
  for (unsigned char c : text) h = (h ^ c) * 1099511628211ull;
  return h;
}

void agree_on_error(const World& world, const std::string& mine) {
  const int me = mine.empty() ? world.size() : world.rank();
  int lowest = me;
  MPI_Allreduce(&me, &lowest, 1, MPI_INT, MPI_MIN, world.comm());
  if (lowest == world.size()) return;
  std::string message = mine;
  if (lowest != 0) {  // rank 0 prints: it needs the message of the rank that failed
    int length = static_cast<int>(mine.size());
    if (world.rank() == lowest) {
      MPI_Send(&length, 1, MPI_INT, 0, 0, world.comm());
      MPI_Send(mine.data(), length, MPI_CHAR, 0, 1, world.comm());
    } else if (world.root()) {
      MPI_Recv(&length, 1, MPI_INT, lowest, 0, world.comm(), MPI_STATUS_IGNORE);
      std::string theirs(static_cast<std::size_t>(length), '\0');
      MPI_Recv(theirs.data(), length, MPI_CHAR, lowest, 1, world.comm(), MPI_STATUS_IGNORE);
      message = "rank " + std::to_string(lowest) + ": " + theirs;
    }
  }
  throw UsageError(world.root() ? message : "another rank failed");
}

void check_same_everywhere(const World& world, const std::vector<SharedInput>& inputs) {
  std::string values, full;
  for (const SharedInput& in : inputs) {
    put(values, in.name), put(values, in.value);
    put(full, in.name), put(full, in.value), put(full, in.source);
  }
  const unsigned long long h = fingerprint(values);
  unsigned long long mine[2] = {h, ~h}, least[2] = {0, 0};  // min of h and of ~h: min and max of h
  MPI_Allreduce(mine, least, 2, MPI_UNSIGNED_LONG_LONG, MPI_MIN, world.comm());
  if (least[0] == h && ~least[1] == h) return;

  const std::vector<std::string> all = gather_on_root(world, full);
  if (!world.root()) throw UsageError("the ranks differ");
  const std::vector<std::string> first = take_all(all[0]);
  for (std::size_t i = 0; i + 2 < first.size(); i += 3)
    for (std::size_t r = 1; r < all.size(); ++r) {
      const std::vector<std::string> other = take_all(all[r]);
      if (other.size() != first.size() || other[i + 1] == first[i + 1]) continue;
      const std::string ranks = "rank 0 has " + quoted(first[i + 1]) + " (" + first[i + 2] + "), rank " +
                                std::to_string(r) + " has " + quoted(other[i + 1]) + " (" + other[i + 2] +
                                ")";
      if (first[i] == "arguments")
        throw UsageError("the ranks were started with different arguments: " + ranks +
                         "; every rank must get the same command line");
      throw UsageError("the ranks disagree on " + first[i] + ": " + ranks +
                       "; every rank must see the same flags and BENCHMARK_* variables "
                       "(mpirun -x NAME=VALUE sets a variable for every rank)");
    }
  throw UsageError(
      "the ranks disagree on their inputs; every rank must get the same command line and environment");
}

}  // namespace sumbench
